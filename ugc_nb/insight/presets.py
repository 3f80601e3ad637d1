"""The four cleanups of the API docs' "When to delete tasks", as named presets.

The delete page lists when to delete: scheduled tasks no longer needed (the account was
removed, its warm-up turned off), failed tasks you don't want to retry, cleanup after testing,
and old or irrelevant tasks. Each preset picks those rows of a task frame and says why, per row::

    >>> rows = ugc_nb.presets.pick("old-failures", df, days=14)
    >>> rows[["id", "reason"]]
    >>> ugc_nb.plan_delete(rows)            # a plan like any other: nothing is sent without a confirmation

Only rows a delete may act on (scheduled or failed) are picked. Pure: no I/O — the account list
the ``orphaned`` preset needs is passed in (``client.accounts.list()``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..api.schema import DELETABLE_STATUSES
from ..tasks import units
from .known import unknown

__all__ = ["Preset", "PRESETS", "pick", "names", "parameters"]


@dataclass(frozen=True)
class Preset:
    """A named cleanup: ``rows(df, **params)`` gives the picked rows with a ``reason`` column."""

    name: str
    summary: str
    rows: Callable[..., pd.DataFrame]


def _days(td: pd.Series) -> pd.Series:
    return pd.Series([units.days(d) for d in td], index=td.index, dtype=object)  # object even when empty


def _when(ts: pd.Series) -> pd.Series:
    return pd.Series([units.when(t) for t in ts], index=ts.index, dtype=object)


def _deletable(df: pd.DataFrame) -> np.ndarray:
    return df["status"].isin(sorted(DELETABLE_STATUSES)).to_numpy(dtype=bool)


def _with_reason(df: pd.DataFrame, mask: np.ndarray, reason: pd.Series | str) -> pd.DataFrame:
    rows = df[mask].copy()
    rows["reason"] = pd.Series(reason if isinstance(reason, str) else reason[mask].to_numpy(), index=rows.index, dtype="string")
    return rows.sort_values("created_at", kind="stable")


def old_failures(df: pd.DataFrame, *, days: float = 7) -> pd.DataFrame:
    """Failed tasks created more than ``days`` ago (7, as in the docs' example)."""
    if not days >= 0:
        raise ValueError(f"days must be a number of days >= 0, got {days!r}")
    mask = ((df["status"] == "failed") & (df["age"] > pd.Timedelta(days=days))).fillna(False).to_numpy(dtype=bool)
    return _with_reason(df, mask, "failed, created " + _days(df["age"]) + f" ago (older than {days:g} d)")


def orphaned(df: pd.DataFrame, *, accounts: Iterable[dict[str, Any]] | None = None) -> pd.DataFrame:
    """Scheduled or failed tasks of accounts ``/accounts`` no longer lists, and scheduled warm-up tasks of
    accounts whose warm-up is disabled. ``accounts`` is that list (``client.accounts.list()``)."""
    if accounts is None:
        raise ValueError("the orphaned preset needs the account list: pass accounts=client.accounts.list()")
    listed = {a["id"]: a for a in accounts if isinstance(a, dict) and isinstance(a.get("id"), str)}
    if not listed and _deletable(df).any():
        raise ValueError("the account list is empty: refusing to call every task orphaned (was /accounts read with the right key?)")
    account = df["account_id"].astype(object)
    gone = _deletable(df) & ~account.isin(list(listed)).to_numpy(dtype=bool)
    off = {i for i, a in listed.items() if a.get("warmup_enabled") is False}
    warmup = df["type"].astype(str).str.startswith("warmup_").to_numpy(dtype=bool)
    disabled = (df["status"] == "scheduled").to_numpy(dtype=bool) & warmup & account.isin(sorted(off)).to_numpy(dtype=bool) & ~gone
    reason = pd.Series(np.where(gone, "account " + account.astype(str) + " is no longer listed by /accounts",
                                "warm-up is disabled for account " + account.astype(str)), index=df.index)
    return _with_reason(df, gone | disabled, reason)


def stale(df: pd.DataFrame) -> pd.DataFrame:
    """Scheduled tasks due more than the grace period ago that never ran (the frame's ``overdue``)."""
    mask = df["overdue"].fillna(False).to_numpy(dtype=bool)
    late = df.attrs.get("now", pd.Timestamp.now(tz="UTC")) - df["scheduled_time"]
    return _with_reason(df, mask, "scheduled for " + _when(df["scheduled_time"]) + ", " + _days(late) + " ago, never ran")


def testing(df: pd.DataFrame, *, tag: str = "test", group: str | None = None,
         accounts: Iterable[dict[str, Any]] | None = None) -> pd.DataFrame:
    """Scheduled or failed tasks of accounts tagged ``tag`` (or, with ``group``, in that org or user group).
    The tags come from ``accounts`` when given, else from the frame (``load_tasks(accounts=True)``)."""
    field, value = ("group", group) if group is not None else ("tag", tag)
    if accounts is not None:
        keys = ("org_group", "user_group") if field == "group" else ("tag",)
        accounts = [a for a in accounts if isinstance(a, dict)]
        values = {str(a[k]) for a in accounts for k in keys if a.get(k)}
        hit_ids = {a["id"] for a in accounts if any(a.get(k) == value for k in keys)}
        hit = df["account_id"].astype(object).isin(sorted(hit_ids)).to_numpy(dtype=bool)
        where = f"among the {len(accounts):,} accounts"
    else:
        column = "org_group" if field == "group" else "tag"
        if column not in df:
            raise ValueError(f"the test preset needs the accounts' {column}: load_tasks(..., accounts=True) or pass accounts=")
        values = {str(v) for v in pd.unique(df[column].dropna())}
        hit = (df[column].astype(object) == value).to_numpy(dtype=bool)
        where = f"among the {len(df):,} tasks' accounts"
    if value not in values and (accounts is not None or len(df)):  # a misspelt tag or group is an error, not a no-op
        raise unknown(field, str(value), where, field + "s", {field + "s": values})
    return _with_reason(df, _deletable(df) & hit, f"account in {field} {value!r}")


PRESETS: dict[str, Preset] = {
    "old-failures": Preset("old-failures", "failed tasks you don't want to retry: created more than N days ago (default 7)", old_failures),
    "orphaned": Preset("orphaned", "tasks no longer needed: their account was removed, or its warm-up turned off", orphaned),
    "stale": Preset("stale", "scheduled tasks that never ran: due more than the grace period ago", stale),
    "test": Preset("test", "cleanup after testing: tasks of accounts with a given tag (default 'test') or group", testing),
}


def parameters(name: str | None, *, days: float | None = None, tag: str | None = None, group: str | None = None) -> dict[str, Any]:
    """What ``days`` (old-failures), ``tag``/``group`` (test) mean for preset ``name``, as :func:`pick` takes them; a value
    left None keeps the preset's default (the account list, which orphaned and test need, is the caller's to add)."""
    if name == "old-failures":
        return {"days": float(days)} if days is not None else {}
    if name == "test":
        return {"group": group} if group is not None else {"tag": tag if tag is not None else "test"}
    return {}


def names() -> list[str]:
    """The preset names, as the CLI and the panel offer them."""
    return list(PRESETS)


def pick(name: str, df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    """The rows preset ``name`` picks from ``df``, oldest first, with a ``reason`` column; ``params`` are the
    preset's (``days=``, ``accounts=``, ``tag=``, ``group=``). An unknown name or parameter is a ValueError."""
    preset = PRESETS.get(name)
    if preset is None:
        raise ValueError(f"unknown preset {name!r}; the presets are {', '.join(PRESETS)}")
    try:
        inspect.signature(preset.rows).bind(df, **params)
    except TypeError:
        known = [p for p in inspect.signature(preset.rows).parameters if p != "df"]
        raise ValueError(f"preset {name!r} takes {', '.join(known) or 'no parameters'}, not {', '.join(sorted(params))}") from None
    return preset.rows(df, **params)
