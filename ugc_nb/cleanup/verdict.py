"""What a task's live state means — the one rule, used by the engine, by reconcile and by the panel.

A cleanup compares each task the server lists now with the task as the person
chose it (its ``status`` and ``scheduled_time`` then). :func:`judge` says what
that comparison means, before a request and after one:

* **gone** — deleted by *our* request when one of ours may have reached the
  server (a delete whose answer was lost, say); otherwise someone else removed
  it: ``not_found``;
* **as chosen** — same status (still eligible) and the same ``scheduled_time``:
  nothing has happened to it, so it may be sent (again): :data:`SEND`;
* **moved on** — any other state (it started, finished, was retried or
  rescheduled): after a retry of ours that may have arrived, that is our retry
  taking effect (``retried``); otherwise it is not what the person chose:
  ``changed``, and never sent.

Timestamps are compared as instants at microsecond precision, so the same time
written with ``Z`` or ``+00:00``, in seconds, milliseconds or microseconds, is
the same time.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .live import CONFLICTING
from .plan import ActionRule

__all__ = ["SEND", "judge", "same_time", "as_chosen", "CHOSEN_FIELDS"]

#: The verdict for a task that is still as chosen and eligible: send it.
SEND = "send"
#: What the engine remembers of each chosen task to judge it later.
CHOSEN_FIELDS = ("status", "account_id", "type", "scheduled_time")


def _instant(value: Any) -> pd.Timestamp | None:
    if isinstance(value, str):
        return _parsed(value)
    if value is None or pd.isna(value):
        return None
    return _parsed(str(value))


@functools.lru_cache(maxsize=1 << 16)
def _parsed(value: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"not a time: {value!r}") from None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.floor("us")


def same_time(a: Any, b: Any) -> bool:
    """Two API timestamps denote the same instant, to the microsecond (either may be None)."""
    if a == b and (a is None or isinstance(a, str)):
        return True  # the usual case: the same text
    try:
        ta, tb = _instant(a), _instant(b)
    except ValueError:
        return a == b
    return ta == tb


def _moved_account(chosen: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """The live ``record`` is of another account than the task was chosen in (if that was known)."""
    return "account_id" in chosen and str(record.get("account_id")) != str(chosen.get("account_id"))


def as_chosen(chosen: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """The live ``record`` has the status, ``scheduled_time`` and account the task had when it was chosen."""
    if _moved_account(chosen, record):
        return False
    return record.get("status") == chosen.get("status") and same_time(record.get("scheduled_time"), chosen.get("scheduled_time"))


def judge(rule: ActionRule, chosen: Mapping[str, Any], record: Mapping[str, Any] | None, *, ours_maybe: bool) -> tuple[str, str]:
    """``(verdict, reason)`` for one task: :data:`SEND`, or its outcome.

    ``chosen`` holds the task's status and ``scheduled_time`` when it was chosen
    (empty for a bare id seen for the first time: then any eligible live state is
    taken as chosen); ``record`` is its live record, or None when the server does
    not list it; ``ours_maybe`` says whether a request of ours for it may have
    reached the server.
    """
    if record is not None and CONFLICTING in record:
        states = " and as ".join(dict.fromkeys(record[CONFLICTING]))
        if ours_maybe:
            return "unknown", f"the server listed it twice, as {states}: whether our {rule.name} happened cannot be told"
        return "changed", f"the server listed it twice, as {states}; not {rule.done}"
    if record is None:
        if ours_maybe and rule.name == "delete":
            return "deleted", "gone on re-read after our request"
        return "not_found", "not on the server any more" + (" (our retry cannot remove a task)" if ours_maybe else "")
    status = record.get("status")
    if "status" not in chosen:  # a bare id: its first live state is what was chosen
        return (SEND, "") if status in rule.eligible else ("ineligible", f"live status {status}; {rule.reason_ineligible(status)}")
    if status in rule.eligible and as_chosen(chosen, record):
        return SEND, ""
    if ours_maybe and rule.name == "retry" and chosen.get("status") in rule.eligible:
        return "retried", f"status now {status} after our retry"
    was = chosen.get("status")
    if _moved_account(chosen, record):
        return "changed", f"moved to account {record.get('account_id')} (was {chosen.get('account_id')} when chosen); not {rule.done}"
    if status == was:
        return "changed", (
            f"rescheduled since it was chosen (scheduled_time {record.get('scheduled_time')}, "
            f"was {chosen.get('scheduled_time')}); not {rule.done}"
        )
    return "changed", f"live status {status} (was {was} when chosen); not {rule.done}"
