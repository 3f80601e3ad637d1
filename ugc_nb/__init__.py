"""ugc-nb: understand and clean up a UGC.inc task queue from Jupyter.

>>> import ugc_nb
>>> df = ugc_nb.load_tasks()          # real API with UGC_API_KEY, else the sandbox
>>> df.ugc.summary()
"""

from . import accessor as _accessor  # noqa: F401  (registers df.ugc)
from ._version import __version__
from . import analysis
from .accounts import join_accounts
from .analysis import age_summary, cleanup_candidates, failure_rates, overdue, status_counts, top_failing_accounts
from .cleanup import CleanupInterrupted, delete_tasks, retry_tasks, run_cleanup
from .client import DEFAULT_BASE_URL, UGCClient
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CleanupError,
    InvalidRecordError,
    JournalError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UGCError,
    UnknownValueWarning,
)
from .filters import TaskFilter
from .frame import COLUMNS, tasks_frame
from .journal import JournalWarning, default_journal_path, read_journal
from .outcome import CleanupReport, TaskResult
from .plan import Plan, plan_delete, plan_retry
from .reconcile import reconcile
from .connect import connect
from .load import default_client, load_tasks
from .retry import NO_WAIT, RetryPolicy
from .schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_TYPES
from .summary import TaskSummary

__all__ = [
    "__version__",
    # client
    "UGCClient",
    "DEFAULT_BASE_URL",
    "RetryPolicy",
    "NO_WAIT",
    # data
    "connect",
    "load_tasks",
    "default_client",
    "tasks_frame",
    "COLUMNS",
    "TaskSummary",
    "STATUSES",
    "TASK_TYPES",
    "DELETABLE_STATUSES",
    "RETRYABLE_STATUSES",
    # analysis
    "analysis",
    "status_counts",
    "age_summary",
    "overdue",
    "failure_rates",
    "top_failing_accounts",
    "cleanup_candidates",
    "join_accounts",
    # cleanup
    "plan_delete",
    "plan_retry",
    "Plan",
    "delete_tasks",
    "retry_tasks",
    "run_cleanup",
    "CleanupPanel",
    "TaskFilter",
    "CleanupReport",
    "TaskResult",
    "read_journal",
    "default_journal_path",
    "reconcile",
    # report
    "render_report",
    # sandbox
    "Sandbox",
    "Faults",
    # errors and warnings
    "UGCError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "InvalidRecordError",
    "CleanupError",
    "JournalError",
    "CleanupInterrupted",
    "UnknownValueWarning",
    "JournalWarning",
]


def __getattr__(name: str):
    # Imported on first use: the sandbox is not needed against the real API, nor the widgets headless.
    if name in ("Sandbox", "Faults"):
        from . import sandbox

        return getattr(sandbox, name)
    if name == "render_report":
        from .report import render_report

        return render_report
    if name == "CleanupPanel":
        from .panel import CleanupPanel

        return CleanupPanel
    raise AttributeError(f"module 'ugc_nb' has no attribute {name!r}")
