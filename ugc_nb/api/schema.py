"""The Task schema as documented: field names, task types and statuses, and the rules on them."""

from __future__ import annotations

__all__ = [
    "TASK_FIELDS",
    "TASK_TYPES",
    "STATUSES",
    "DELETABLE_STATUSES",
    "RETRYABLE_STATUSES",
    "TIME_FIELDS",
]

#: Fields of a Task object, in the documented order.
TASK_FIELDS = (
    "id",
    "account_id",
    "type",
    "status",
    "scheduled_time",
    "duration",
    "keywords",
    "edit_profile_info",
    "created_at",
)
#: The five documented task types.
TASK_TYPES = ("warmup_scroll", "warmup_search_term", "warmup_search_profile", "edit_profile", "update_posts")
#: Statuses in lifecycle order.
STATUSES = ("scheduled", "pending", "complete", "failed")
#: Only these may be deleted (``POST /tasks/delete``).
DELETABLE_STATUSES = frozenset({"scheduled", "failed"})
#: Only these may be retried (``POST /tasks/retry``).
RETRYABLE_STATUSES = frozenset({"failed"})
TIME_FIELDS = ("scheduled_time", "created_at")
