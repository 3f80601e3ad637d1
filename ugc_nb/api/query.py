"""The request bodies of the read endpoints, checked before anything is sent — and the one id-list rule.

:func:`check_ids` is how every id list in ugc_nb is validated (the client's bodies, the cleanup
plan); :func:`tasks_query` and :func:`dated` build ``POST /tasks`` bodies from Python values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .schema import TASK_TYPES
from .timeutil import TimeLike, iso_z, to_utc

__all__ = ["check_ids", "tasks_query", "dated", "ACCOUNT_FILTERS", "WINDOW_OVERLAP"]

ACCOUNT_FILTERS = ("tag", "org_group", "user_group", "status")
#: Adjacent date windows overlap by this much, so a task on a boundary is never lost.
WINDOW_OVERLAP = pd.Timedelta(seconds=1)


def check_ids(ids: Iterable[str], name: str = "ids", *, allow_empty: bool = False) -> list[str]:
    """Validate a list of task/account ids: all non-empty strings (and at least one unless
    ``allow_empty``); de-duplicated in order. Misuse is a ValueError naming ``name``."""
    if isinstance(ids, (str, bytes)):
        raise ValueError(f"{name} must be a list of ids, not a single string ({ids!r}); wrap it in a list")
    try:
        items = list(ids)
    except TypeError:
        raise ValueError(f"{name} must be a list of id strings, got {type(ids).__name__}") from None
    if not items and not allow_empty:
        raise ValueError(f"{name} is empty: pass at least one id")
    bad = [i for i in items if not isinstance(i, str) or not i.strip()]
    if bad:
        raise ValueError(f"{name} must all be non-empty strings; bad values: {bad[:5]!r}")
    return list(dict.fromkeys(items))


def tasks_query(
    account_ids: Iterable[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    task_type: str | None = None,
) -> tuple[dict[str, Any], pd.Timestamp | None, pd.Timestamp | None]:
    """Check the filters of a task query: (the body without dates, start, end)."""
    body: dict[str, Any] = {}
    if account_ids is not None:
        body["accountIds"] = check_ids(account_ids, "account_ids")
    if task_type is not None:
        if task_type not in TASK_TYPES:
            raise ValueError(f"unknown task_type {task_type!r}; expected one of {', '.join(TASK_TYPES)}")
        body["taskType"] = task_type
    lo = to_utc(start, "start") if start is not None else None
    hi = to_utc(end, "end") if end is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"start ({iso_z(lo)}) is after end ({iso_z(hi)})")
    return body, lo, hi


def dated(body: dict[str, Any], lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> dict[str, Any]:
    """``body`` with the ``startDate``/``endDate`` bounds that are set."""
    dates = {"startDate": iso_z(lo) if lo is not None else None, "endDate": iso_z(hi) if hi is not None else None}
    return {**body, **{key: value for key, value in dates.items() if value is not None}}
