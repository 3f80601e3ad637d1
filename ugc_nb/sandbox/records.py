"""Record shapes and the timestamp format of the sandbox server.

The documented enumerations come from :mod:`ugc_nb.schema` and are re-exported here.
The sandbox stores every timestamp in the API's task format — UTC, second precision,
trailing ``Z`` (``"2024-12-31T12:00:00Z"``). Because that format has a fixed width,
stored timestamps order correctly as plain strings, which the store relies on for
sorting and date-window filtering.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..api.schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_FIELDS, TASK_TYPES

__all__ = [
    "ACCOUNT_FIELDS",
    "ACCOUNT_TASK_OMITTED",
    "DATE_FIELDS",
    "DELETABLE_STATUSES",
    "RETRYABLE_STATUSES",
    "STATUSES",
    "TASK_FIELDS",
    "TASK_TYPES",
    "account_task_view",
    "ceil_ts",
    "copy_task",
    "format_ts",
    "normalise_task",
    "normalise_ts",
    "parse_ts",
]

DATE_FIELDS: tuple[str, ...] = ("scheduled_time", "created_at")
#: Fields of a Task that an AccountTask (``POST /accounts/status``) leaves out.
ACCOUNT_TASK_OMITTED: frozenset[str] = frozenset({"duration", "keywords"})
ACCOUNT_FIELDS: tuple[str, ...] = (
    "id",
    "type",
    "tag",
    "org_group",
    "user_group",
    "username",
    "nick_name",
    "pfp_url",
    "warmup_enabled",
    "warmup_version",
    "description",
    "keywords",
    "profiles",
    "status",
)

_ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_ts(moment: datetime) -> str:
    """Format a datetime as the API's task timestamp (UTC, whole seconds, ``Z``).

    Naive datetimes are taken to be UTC; sub-second parts are truncated.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(_ISO_FORMAT)


def parse_ts(text: str) -> datetime:
    """Parse an ISO 8601 timestamp into an aware UTC datetime.

    Accepts a trailing ``Z``, explicit offsets, fractional seconds and bare dates
    (midnight). Naive values are taken to be UTC. Raises ``ValueError`` otherwise.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    cleaned = text.strip()
    if cleaned[-1] in "zZ":
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def ceil_ts(moment: datetime) -> str:
    """Smallest stored timestamp that is at or after ``moment``."""
    if moment.microsecond:
        moment = moment + timedelta(seconds=1)
    return format_ts(moment)


def normalise_ts(value: str | datetime) -> str:
    """Bring a caller-supplied timestamp into the stored format."""
    return format_ts(value if isinstance(value, datetime) else parse_ts(value))


def normalise_task(raw: Mapping[str, Any], default_created_at: str) -> dict[str, Any]:
    """Validate a caller-supplied task and return a fresh dict in the stored format.

    ``id``, ``account_id``, ``type`` and ``status`` are required strings and the status
    must be a known one (unknown *types* are allowed so clients can be tested against
    them). Missing nullable fields become ``None``; a missing ``created_at`` becomes
    ``default_created_at``. Timestamps are normalised with :func:`normalise_ts`; extra
    keys are kept and served unchanged.
    """
    task = {key: raw.get(key) for key in TASK_FIELDS}  # documented fields first, in order
    task.update((key, value) for key, value in raw.items() if key not in task)
    for key in ("id", "account_id", "type", "status"):
        if not isinstance(task.get(key), str):
            raise ValueError(f"task field {key!r} must be a string: {raw!r}")
    if task["status"] not in STATUSES:
        raise ValueError(f"unknown task status {task['status']!r} in task {task['id']}")
    if task["scheduled_time"] is not None:
        task["scheduled_time"] = normalise_ts(task["scheduled_time"])
    task["created_at"] = normalise_ts(task["created_at"] or default_created_at)
    if isinstance(task["edit_profile_info"], Mapping):
        task["edit_profile_info"] = dict(task["edit_profile_info"])
    return task


def copy_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """Copy a stored task deeply enough that the caller cannot mutate the store."""
    copied = dict(task)
    info = copied.get("edit_profile_info")
    if isinstance(info, dict):
        copied["edit_profile_info"] = dict(info)
    return copied


def account_task_view(task: Mapping[str, Any]) -> dict[str, Any]:
    """Project a task onto the AccountTask shape (no ``duration``, no ``keywords``)."""
    return {key: value for key, value in task.items() if key not in ACCOUNT_TASK_OMITTED}
