"""ugc-nb: understand and clean up a UGC.inc task queue from Jupyter and the terminal.

>>> import ugc_nb
>>> df = ugc_nb.load_tasks()          # the real API with UGC_API_KEY, else the sandbox
>>> df.ugc.summary()

The package is layered; a module imports only from its own layer and the layers below
(``tests/test_layers.py`` walks every module's imports to keep it so)::

    6  __main__.py                         python -m ugc_nb
    5  cli/                                the terminal: summary, report, delete, retry, journal, reconcile
    4  panel/   report/                    widgets and dashboard · the HTML report
    3  source.py                           the one place that picks the real API or the sandbox (connect, load_tasks)
    2  insight/   cleanup/   sandbox/      reading a frame · changing tasks safely · the embedded API
    1  tasks/                              records → typed frame (and back, for the journal)
    0  api/                                HTTP client, envelope, retry, redaction, schema, UTC times, every exception

``ugc_nb.__all__`` is what a notebook needs; the rest is reached through ``df.ugc`` and the
subpackages (``ugc_nb.insight.plots``, ``ugc_nb.cleanup``, ``ugc_nb.api`` …).

``import ugc_nb`` imports the exceptions and nothing heavy: every other name, and the subpackages, are
imported on first use (PEP 562 ``__getattr__``; ``_LAZY`` below). Nor does it import pandas: ``df.ugc`` is put
on ``DataFrame`` as soon as pandas is imported (or at once, if it already is), and its first use imports the
accessor. So ``ugc-nb --help`` loads neither pandas nor httpx (``benchmarks/bench_import.py``, B6).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any

from . import _moved
from .api.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CleanupError,
    CleanupInterrupted,
    JournalError,
    JournalWarning,
    NotFoundError,
    RateLimitError,
    ReportError,
    ServerError,
    UGCError,
    UnknownValueWarning,
)

if TYPE_CHECKING:  # the names imported on first use (see _LAZY), for type checkers and editors
    from importlib.machinery import ModuleSpec

    from ._version import __version__
    from .api import RetryPolicy, UGCClient
    from .cleanup import delete_tasks, plan_delete, plan_retry, read_journal, reconcile, retry_tasks
    from .insight import presets
    from .panel import CleanupPanel, dashboard
    from .report import render_report
    from .sandbox import Faults, Sandbox
    from .source import connect, load_tasks
    from .tasks import tasks_frame

__all__ = [
    "__version__",
    # where the data comes from
    "connect",
    "load_tasks",
    "tasks_frame",
    "UGCClient",
    "RetryPolicy",
    "Sandbox",
    "Faults",
    # changing tasks
    "presets",
    "plan_delete",
    "plan_retry",
    "delete_tasks",
    "retry_tasks",
    "read_journal",
    "reconcile",
    # showing them
    "CleanupPanel",
    "dashboard",
    "render_report",
    # errors and warnings
    "UGCError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "CleanupError",
    "JournalError",
    "CleanupInterrupted",
    "ReportError",
    "UnknownValueWarning",
    "JournalWarning",
]

#: Imported on first use (PEP 562), so that ``import ugc_nb`` is cheap: name → the module that defines it.
_LAZY = {
    "__version__": "ugc_nb._version",  # importlib.metadata
    "connect": "ugc_nb.source",
    "load_tasks": "ugc_nb.source",
    "tasks_frame": "ugc_nb.tasks",  # pandas, pyarrow
    "UGCClient": "ugc_nb.api.client",  # httpx
    "RetryPolicy": "ugc_nb.api.retry",
    **{name: "ugc_nb.cleanup" for name in ("plan_delete", "plan_retry", "delete_tasks", "retry_tasks", "read_journal", "reconcile")},
    # the sandbox is not needed against the real API, nor the widgets headless
    "Sandbox": "ugc_nb.sandbox",
    "Faults": "ugc_nb.sandbox",
    "CleanupPanel": "ugc_nb.panel",
    "dashboard": "ugc_nb.panel",
    "render_report": "ugc_nb.report",
}

#: Modules reached as attributes of the package (``ugc_nb.presets``, ``ugc_nb.cleanup.journal_path_for``), imported on first use.
_MODULES = {"presets": "ugc_nb.insight.presets", **{name: f"ugc_nb.{name}" for name in ("api", "tasks", "insight", "cleanup", "sandbox", "source")}}

#: Names that were top-level before 0.3 and now live in a subpackage: they still work, with a
#: DeprecationWarning naming the new spelling (see CHANGELOG.md); they go in the next release.
_MOVED = {
    **{name: "ugc_nb.insight" for name in ("status_counts", "age_summary", "overdue", "failure_rates",
                                            "top_failing_accounts", "cleanup_candidates", "join_accounts", "TaskSummary")},
    "analysis": "ugc_nb.insight.analysis",
    **{name: "ugc_nb.tasks" for name in ("COLUMNS", "STATUSES", "TASK_TYPES", "DELETABLE_STATUSES", "RETRYABLE_STATUSES")},
    **{name: "ugc_nb.cleanup" for name in ("run_cleanup", "Plan", "CleanupReport", "TaskResult", "default_journal_path")},
    **{name: "ugc_nb.api" for name in ("DEFAULT_BASE_URL", "NO_WAIT", "APIResponseValidationError", "InvalidRecordError")},
    "TaskFilter": "ugc_nb.insight",
    "default_client": "ugc_nb.source",
}


_moved.install()  # old module paths (ugc_nb.analysis, ugc_nb.plots, ugc_nb.client …) import with a warning

#: The module whose import registers ``df.ugc`` (with pandas' ``register_dataframe_accessor``).
_ACCESSOR = "ugc_nb.insight.accessor"


class _Accessor:
    """``DataFrame.ugc`` until :mod:`ugc_nb.insight.accessor` is imported: the first use imports it, and its
    registration puts the real accessor in this one's place (``df.ugc`` is then pandas' own, cached per frame)."""

    def __get__(self, frame: Any, owner: Any) -> Any:
        if _ACCESSOR in sys.modules:  # it is being imported: pandas' registration must not find a "ugc" to override
            raise AttributeError("ugc")
        importlib.import_module(_ACCESSOR)
        return (owner if frame is None else frame).ugc


def _put_accessor(pandas: ModuleType) -> None:
    """Give ``DataFrame`` its ``ugc`` (the stand-in above) unless it has one already."""
    frame = getattr(pandas, "DataFrame", None)
    if frame is not None and "ugc" not in vars(frame):
        setattr(frame, "ugc", _Accessor())  # noqa: B010 - an attribute of pandas' class, set from outside


class _WhenPandasIsImported:
    """A ``sys.meta_path`` finder for pandas alone that finds nothing itself: it has the other finders find pandas
    and pandas' own loader call :func:`_put_accessor` once pandas has run; then it leaves ``sys.meta_path``."""

    def __init__(self) -> None:
        self.finding = False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname != "pandas" or self.finding:
            return None
        import importlib.util

        self.finding = True  # importlib.util.find_spec asks this finder too
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self.finding = False
        loader = spec.loader if spec is not None else None
        if spec is None or loader is None or isinstance(loader, type) or not hasattr(loader, "exec_module"):
            return None
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            delattr(loader, "exec_module")  # the loader's own again (for a reload)
            run(module)
            if self in sys.meta_path:  # after the import system's walk over sys.meta_path, so removing is safe
                sys.meta_path.remove(self)
            _put_accessor(module)

        try:
            setattr(loader, "exec_module", exec_module)  # noqa: B010 - this loader object only, not its class
        except AttributeError:  # a loader that takes no attributes: pandas imports as usual, without df.ugc
            return None
        return spec


if "pandas" in sys.modules:
    _put_accessor(sys.modules["pandas"])
elif not any(isinstance(finder, _WhenPandasIsImported) for finder in sys.meta_path):
    sys.meta_path.insert(0, _WhenPandasIsImported())


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name in _LAZY:
        try:
            module = importlib.import_module(_LAZY[name])
        except ModuleNotFoundError as exc:  # an optional part whose extra is not installed
            extra = {"ugc_nb.panel": "panel", "ugc_nb.report": "report"}.get(_LAZY[name])
            if extra is None:
                raise
            raise ImportError(f"ugc_nb.{name} needs the [{extra}] extra ({exc.name} is missing): pip install 'ugc-nb[{extra}]'") from exc
        return getattr(module, name)
    if name in _MOVED:
        home = _MOVED[name]
        new = home if name == "analysis" else f"{home}.{name}"
        warnings.warn(f"ugc_nb.{name} moved: use {new} (the old spelling goes in the next release)",
                      DeprecationWarning, stacklevel=2)
        if name == "analysis":
            return importlib.import_module("ugc_nb.insight.analysis")
        return getattr(importlib.import_module(home), name)
    raise AttributeError(f"module 'ugc_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_MODULES))
