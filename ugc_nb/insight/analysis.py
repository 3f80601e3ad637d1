"""Insight tables: pure pandas answers to the questions people ask of a task queue.

Every function takes a frame from :func:`ugc_nb.load_tasks` / :func:`ugc_nb.tasks_frame`,
returns a new DataFrame and prints nothing. Empty frames give empty (or all-zero)
tables, unknown statuses are counted after the documented ones, and tasks with a
missing value in a grouping column are counted under ``"(none)"``.

**Failure rate.** Only ``complete`` and ``failed`` tasks have *finished*; the failure
rate is ``failed / (complete + failed)``. Scheduled and pending tasks have not run (or
are running) and are left out of the denominator — counting them would make a queue
full of future work look healthy. Unknown statuses are left out too. Every rate comes
with the ``failed``, ``complete`` and ``finished`` counts behind it, and is NaN where
nothing has finished.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..api.schema import DELETABLE_STATUSES, STATUSES
from ..api.timeutil import DurationLike, to_timedelta, utcnow
from ..tasks.frame import DEFAULT_GRACE
from .accounts import ACCOUNT_COLUMNS

__all__ = [
    "MISSING",
    "status_counts",
    "age_summary",
    "overdue",
    "stuck",
    "failure_rates",
    "top_failing_accounts",
    "cleanup_candidates",
    "timeline",
    "status_order",
    "group_labels",
    "group_order",
]

#: Label of a missing value (no tag, unknown account, …) in grouped tables.
MISSING = "(none)"


def group_labels(values: pd.Series) -> pd.Series:
    """``values`` as strings, with missing values labelled :data:`MISSING`."""
    return values.astype(pd.StringDtype()).fillna(MISSING)


def group_order(values: pd.Series, known: Sequence[str] = ()) -> list[str]:
    """Group labels in reading order: ``known`` (all of them), then the other present
    values in category order (sorted for non-categorical columns), then :data:`MISSING`."""
    present = set(group_labels(values).unique())
    if isinstance(values.dtype, pd.CategoricalDtype):
        candidates = [str(c) for c in values.cat.categories]
    else:
        candidates = sorted(present - {MISSING})
    ordered = list(known) + [c for c in candidates if c in present and c not in known]
    return ordered + [MISSING] if MISSING in present else ordered


def status_order(df: pd.DataFrame) -> list[str]:
    """The documented statuses in lifecycle order, then any other status present."""
    return group_order(df["status"], STATUSES)


def _column(df: pd.DataFrame, by: str) -> pd.Series:
    if by not in df.columns:
        hint = " (load with accounts=True to get the account columns)" if by in ACCOUNT_COLUMNS else ""
        raise KeyError(f"no column {by!r} in the task frame{hint}")
    return df[by]


def _now(df: pd.DataFrame) -> pd.Timestamp:
    """The frame's reference time (``df.attrs["now"]``), or the current time."""
    now = df.attrs.get("now")
    return now if now is not None else utcnow()


def status_counts(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Tasks per status (rows, lifecycle order; every documented status even at zero).

    With ``by=None`` the columns are ``tasks`` and ``share`` (fraction of all tasks).
    With ``by="type"`` (or ``"tag"``, ``"platform"``, any column) there is one column
    per value present, plus ``total``.
    """
    order = status_order(df)
    status = group_labels(df["status"])
    if by is None:
        counts = status.value_counts().reindex(order, fill_value=0).astype("int64")
        table = pd.DataFrame({"tasks": counts, "share": counts / counts.sum() if len(df) else float("nan")})
        table.index.name = "status"
        return table
    groups = group_labels(_column(df, by))
    table = pd.crosstab(status, groups).reindex(index=order, columns=group_order(df[by]), fill_value=0)
    table["total"] = table.sum(axis=1)
    table.index.name, table.columns.name = "status", by
    return table.astype("int64")


def age_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per status: ``tasks``, and the ``median_age``, ``p90_age`` and ``max_age`` of those with a creation time.

    Ages are ``now - created_at`` (``df.attrs["now"]``), rounded to the second;
    statuses without tasks show NaT.
    """
    status = group_labels(df["status"])
    order = status_order(df)
    groups = [df["age"][(status == name).to_numpy()] for name in order]
    stats = {
        "median_age": [g.median() for g in groups],
        "p90_age": [g.quantile(0.9) for g in groups],
        "max_age": [g.max() for g in groups],
    }
    table = pd.DataFrame(
        {"tasks": [len(g) for g in groups], **{k: pd.Series(v, dtype="timedelta64[us]").dt.round("s") for k, v in stats.items()}}
    )
    table.index = pd.Index(order, name="status")
    return table


def overdue(df: pd.DataFrame, grace: DurationLike | None = None) -> pd.DataFrame:
    """Scheduled tasks whose ``scheduled_time`` passed more than ``grace`` before ``now``: they never ran.

    ``grace=None`` uses the frame's own grace (``df.attrs["grace"]``, 1 hour by
    default), so the result matches ``df.ugc.overdue()``. Returns those task rows,
    most overdue first, with a ``late_by`` column (``now - scheduled_time``) after
    ``scheduled_time``. Tasks without a ``scheduled_time`` are never overdue.
    """
    allowed = to_timedelta(grace if grace is not None else df.attrs.get("grace", DEFAULT_GRACE), "grace")
    late = _now(df) - df["scheduled_time"]
    mask = ((df["status"] == "scheduled") & (late > allowed)).fillna(False).to_numpy(dtype=bool)
    rows = df[mask]
    rows.insert(rows.columns.get_loc("scheduled_time") + 1, "late_by", late[mask])
    return rows.sort_values("late_by", ascending=False, kind="stable")


def stuck(df: pd.DataFrame, grace: DurationLike | None = None) -> pd.DataFrame:
    """What is stuck: scheduled tasks overdue by more than ``grace`` (they never ran) *and* pending tasks whose
    ``scheduled_time`` passed more than ``grace`` plus their ``duration`` ago (still running long after they should
    have ended). Most late first, with ``stuck`` ("never ran" / "still running") and ``late_by`` after ``status``.
    ``grace=None`` uses the frame's own (1 hour by default)."""
    allowed = to_timedelta(grace if grace is not None else df.attrs.get("grace", DEFAULT_GRACE), "grace")
    late = _now(df) - df["scheduled_time"]
    runs_for = pd.to_timedelta(pd.to_numeric(df["duration"], errors="coerce").fillna(0), unit="s") if "duration" in df else 0
    never = ((df["status"] == "scheduled") & (late > allowed)).fillna(False).to_numpy(dtype=bool)
    running = ((df["status"] == "pending") & (late > allowed + runs_for)).fillna(False).to_numpy(dtype=bool)
    rows = df[never | running].copy()
    rows.insert(rows.columns.get_loc("status") + 1, "stuck", pd.Series(
        ["never ran" if n else "still running" for n in never[never | running]], index=rows.index, dtype="string"))
    rows.insert(rows.columns.get_loc("stuck") + 1, "late_by", late[never | running])
    return rows.sort_values("late_by", ascending=False, kind="stable")


def period_freq(freq: str) -> str:
    """The one definition of a period: ``freq`` as pandas takes it, except that a week is an ISO week — Monday 00:00 UTC to
    the next Monday (``"W"`` is pandas' week ending Sunday, ``"W-SUN"``; here every ``"W"`` starts on Monday, in the
    tables, the plots, the notebooks and the report alike)."""
    from pandas.tseries.frequencies import to_offset

    offset = to_offset(freq)
    if isinstance(offset, pd.offsets.Week) and offset.weekday is not None:
        return f"{offset.n}W-MON" if offset.n != 1 else "W-MON"
    return freq


def failure_rates(df: pd.DataFrame, by: str | None = "type", freq: str | None = "D") -> pd.DataFrame:
    """Failure rate per ``by`` group and per period of ``freq``, with the counts behind it.

    Columns: ``failed``, ``complete``, ``finished`` (their sum) and ``failure_rate``
    (``failed / finished``; see the module docstring for why pending and scheduled
    tasks are excluded). The index is (``period``, ``by``); ``freq=None`` drops the
    period, ``by=None`` the group, both None gives one row, ``"all"``. A task's period
    is that of its ``scheduled_time`` (when it ran or was due), or of ``created_at``
    when it has none; ``period`` is the period's start (UTC). Only periods and groups
    with at least one task appear.
    """
    status = df["status"]
    work = pd.DataFrame(
        {"failed": (status == "failed").to_numpy(dtype=bool), "complete": (status == "complete").to_numpy(dtype=bool)},
        index=df.index,
    )
    keys: list[str | pd.Grouper] = []
    if freq is not None:
        work["period"] = df["scheduled_time"].fillna(df["created_at"])
        keys.append(pd.Grouper(key="period", freq=period_freq(freq), label="left", closed="left"))
    if by is not None:
        work[by] = pd.Categorical(group_labels(_column(df, by)), categories=group_order(df[by]))
        keys.append(by)
    if keys:
        counts = work.groupby(keys, observed=True)[["failed", "complete"]].sum()
    else:
        counts = pd.DataFrame(work[["failed", "complete"]].sum().to_dict(), index=pd.Index(["all"], name="scope"))
    counts = counts.astype("int64")
    counts["finished"] = counts["failed"] + counts["complete"]
    counts["failure_rate"] = counts["failed"] / counts["finished"].where(counts["finished"] > 0)
    return counts


def top_failing_accounts(df: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts with the most failed tasks (ties: higher failure rate first).

    One row per account (index ``account_id``) with at least one failure; columns
    ``username`` (when the frame has account columns), ``tasks`` (all statuses),
    ``failed``, ``complete``, ``finished`` and ``failure_rate``.
    """
    table = failure_rates(df, by="account_id", freq=None)
    accounts = group_labels(df["account_id"])
    table.insert(0, "tasks", accounts.value_counts().reindex(table.index.astype(str), fill_value=0).to_numpy())
    if "username" in df.columns:
        names = df["username"].groupby(accounts.to_numpy()).first()
        table.insert(0, "username", names.reindex(table.index.astype(str)).to_numpy())
    table = table[table["failed"] > 0].sort_values(["failed", "failure_rate"], ascending=False, kind="stable")
    table.index = pd.Index(table.index.astype(str), name="account_id")
    return table.head(n)


def cleanup_candidates(
    df: pd.DataFrame,
    older_than: DurationLike = "7D",
    statuses: str | Sequence[str] = ("failed",),
    *,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Tasks in ``statuses`` created more than ``older_than`` before ``now``: what a clean-up would remove.

    With ``by=None``: those task rows, oldest first (``.ugc.ids()`` gives their ids).
    With ``by="type"``, ``by=["type", "account_id"]`` …: how many per group, as
    columns ``tasks`` and ``oldest_age``, largest group first. Only deletable statuses
    (scheduled, failed) may be asked for; the clean-up engine re-checks each task's
    live status before deleting anything.
    """
    wanted = [statuses] if isinstance(statuses, str) else list(statuses)
    refused = sorted(set(wanted) - DELETABLE_STATUSES)
    if refused:
        raise ValueError(f"only scheduled and failed tasks can be deleted, not {', '.join(refused)}")
    limit = to_timedelta(older_than, "older_than")
    mask = (df["status"].isin(wanted) & (df["age"] > limit)).fillna(False).to_numpy(dtype=bool)
    rows = df[mask].sort_values("age", ascending=False, kind="stable")
    if by is None:
        return rows
    keys = [by] if isinstance(by, str) else list(by)
    grouped = rows.assign(**{key: group_labels(_column(rows, key)) for key in keys}).groupby(keys)["age"]
    table = grouped.agg(tasks="size", oldest_age="max")
    return table.sort_values(["tasks", "oldest_age"], ascending=False, kind="stable")


def timeline(df: pd.DataFrame, freq: str = "D") -> pd.DataFrame:
    """Tasks created per period: rows are period starts (UTC, gaps filled with zeros), columns the statuses present.

    Tasks without a ``created_at`` are left out.
    """
    created = df["created_at"]
    status = group_labels(df["status"])[created.notna()]
    present = [s for s in status_order(df) if (status == s).any()]
    onehot = pd.DataFrame(
        {name: (status == name).to_numpy(dtype=bool) for name in present},
        index=pd.DatetimeIndex(created.dropna(), name="period"),
        columns=pd.Index(present, name="status"),
    )
    return onehot.resample(period_freq(freq), label="left", closed="left").sum().astype("int64")
