"""Reading a task frame: analysis tables, plots (:mod:`ugc_nb.insight.plots`), the summary, the account join, row filters, ``df.ugc``.

Imports :mod:`ugc_nb.tasks` and below. Plots load matplotlib only when :mod:`ugc_nb.insight.plots` is imported.
"""

from .accounts import join_accounts
from .analysis import age_summary, cleanup_candidates, failure_rates, overdue, status_counts, top_failing_accounts
from .filters import TaskFilter
from .summary import TaskSummary, summarize

__all__ = ["status_counts", "age_summary", "overdue", "failure_rates", "top_failing_accounts", "cleanup_candidates",
           "join_accounts", "TaskSummary", "summarize", "TaskFilter"]
