"""The ipywidgets side: the cleanup panel, its filters and table, the run's progress and result, the dashboard page.

Imports :mod:`ugc_nb.cleanup`, :mod:`ugc_nb.insight` (the status palette), :mod:`ugc_nb.source` and below;
all rules are the engine's — the panel only gathers a choice and shows what happened.
"""

from ..insight.filters import TaskFilter
from .page import dashboard
from .panel import CleanupPanel

__all__ = ["CleanupPanel", "TaskFilter", "dashboard"]
