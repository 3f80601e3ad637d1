"""Old module paths (before 0.2's layout) keep importing for one release, with a DeprecationWarning.

``from ugc_nb.analysis import status_counts`` still works and warns "ugc_nb.analysis moved: use
ugc_nb.insight.analysis"; the old name is the new module itself (no copy). Installed by
``ugc_nb/__init__.py``; goes in the next release (see CHANGELOG.md).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

__all__ = ["MOVED_MODULES", "install"]

#: old module path under ugc_nb → its new home
MOVED_MODULES = {
    **{name: f"api.{name}" for name in ("client", "envelope", "errors", "retry", "redact", "schema", "timeutil")},
    "frame": "tasks.frame",
    **{name: f"insight.{name}" for name in ("analysis", "plots", "summary", "accounts", "accessor")},
    **{name: f"cleanup.{name}" for name in ("plan", "journal", "outcome", "reconcile", "engine", "pool", "verdict", "answer")},
    "filters": "insight.filters",
    "load": "source",
    # not ugc_nb.connect / ugc_nb.dashboard: importing a module of that name would shadow the functions
}


class _Alias:  # an importlib.abc.Loader (not subclassed: importlib.abc is not worth importing for `import ugc_nb`)
    def __init__(self, new: str) -> None:
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(f"{spec.name} moved: use {self.new} (the old path goes in the next release)", DeprecationWarning, stacklevel=2)
        return importlib.import_module(self.new)

    def exec_module(self, module: ModuleType) -> None:
        pass  # the new module is already executed


class _Finder:  # an importlib.abc.MetaPathFinder
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        package, _, name = fullname.rpartition(".")
        if package != "ugc_nb" or name not in MOVED_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, cast("Loader", _Alias(f"ugc_nb.{MOVED_MODULES[name]}")))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (after the normal finders: a real module always wins)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
