"""Tasks as data: records → a typed DataFrame (and back, for the journal); :func:`readable` shows one in human units.

Imports only :mod:`ugc_nb.api` (its schema, time helpers and errors). The derived columns (``age``, ``deletable``,
``retryable``, ``overdue``) are computed in :mod:`ugc_nb.tasks.frame` and nowhere else.
"""

from ..api.schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_FIELDS, TASK_TYPES
from .frame import COLUMNS, DEFAULT_GRACE, DERIVED_COLUMNS, profile_edits, tasks_frame, to_records
from .units import readable

__all__ = ["tasks_frame", "to_records", "profile_edits", "readable", "COLUMNS", "DERIVED_COLUMNS", "DEFAULT_GRACE", "STATUSES", "TASK_TYPES",
           "TASK_FIELDS", "DELETABLE_STATUSES", "RETRYABLE_STATUSES"]
