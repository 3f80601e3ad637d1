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
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from . import _moved
from ._version import __version__
from .api import (
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
    RetryPolicy,
    ServerError,
    UGCClient,
    UGCError,
    UnknownValueWarning,
)
from .cleanup import delete_tasks, plan_delete, plan_retry, read_journal, reconcile, retry_tasks
from .insight import accessor as _accessor  # noqa: F401  (registers df.ugc)
from .insight import presets
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

#: Imported on first use: the sandbox is not needed against the real API, nor the widgets headless.
_LAZY = {
    "Sandbox": "ugc_nb.sandbox",
    "Faults": "ugc_nb.sandbox",
    "CleanupPanel": "ugc_nb.panel",
    "dashboard": "ugc_nb.panel",
    "render_report": "ugc_nb.report",
}

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


def __getattr__(name: str) -> Any:
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
    return sorted(set(globals()) | set(__all__))
