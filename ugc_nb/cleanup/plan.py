"""What a cleanup would do, before it does anything: :func:`plan_delete`, :func:`plan_retry`.

A plan is pure: it reads the rows you chose (a task frame) and the rules of the
API — delete takes ``scheduled`` or ``failed`` tasks, retry only ``failed`` ones —
and says which ids are eligible, which are not and why, with counts by status,
type and account and the oldest/newest creation time. Ids given without rows
(a plain list) have no known status yet; they are listed as *to check live* and
the engine verifies them against the server before sending anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from ..api.client import check_ids
from ..api.schema import DELETABLE_STATUSES, RETRYABLE_STATUSES
from ..tasks.html import html_block, short_repr
from ..tasks.rows import conflicting_ids
from ..tasks.units import agree, count, when

__all__ = ["Action", "ACTIONS", "ActionRule", "Plan", "plan_delete", "plan_retry", "make_plan", "chosen"]

Action = Literal["delete", "retry"]


@dataclass(frozen=True)
class ActionRule:
    """The rule and the words for one mutation."""

    name: Action
    eligible: frozenset[str]
    done: str  # outcome when applied
    dry: str  # outcome in a dry run
    verb: str

    @property
    def allowed(self) -> str:
        return " or ".join(sorted(self.eligible, reverse=True))

    def reason_ineligible(self, status: object) -> str:
        return f"status {status} cannot be {self.done} (only {self.allowed})"


ACTIONS: dict[str, ActionRule] = {
    "delete": ActionRule("delete", DELETABLE_STATUSES, "deleted", "would_delete", "Delete"),
    "retry": ActionRule("retry", RETRYABLE_STATUSES, "retried", "would_retry", "Retry"),
}


def chosen(tasks: pd.DataFrame | Iterable[str]) -> tuple[list[str], pd.DataFrame | None]:
    """Normalise a selection: (ids in order, de-duplicated; the rows, or None for a bare id list)."""
    if isinstance(tasks, pd.DataFrame):
        if "id" not in tasks.columns:
            raise ValueError("the frame has no 'id' column; pass rows of a task frame or a list of ids")
        bad = [(n, v) for n, v in enumerate(tasks["id"].tolist()) if not isinstance(v, str) or not v.strip()]
        if bad:
            n, v = bad[0]
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            raise ValueError(f"the 'id' column must hold task id strings; row {n} has {v!r} ({type(v).__name__}){more}")
        rows = tasks.drop_duplicates("id")
        ids = rows["id"].tolist()
        return ids, rows.reset_index(drop=True)
    ids = check_ids(tasks, "task ids", allow_empty=True)
    return ids, None


@dataclass(frozen=True)
class Plan:
    """Eligible and ineligible ids for one action, with the breakdown a person checks before confirming."""

    action: Action
    ids: list[str]
    eligible: list[str]
    ineligible: dict[str, str]
    unchecked: list[str]
    rows: pd.DataFrame | None = field(repr=False, default=None)

    @property
    def rule(self) -> ActionRule:
        return ACTIONS[self.action]

    @property
    def to_send(self) -> int:
        """How many tasks would be sent (eligible plus those still to check live)."""
        return len(self.eligible) + len(self.unchecked)

    def _in_scope(self) -> pd.DataFrame:
        if self.rows is None:
            return pd.DataFrame()
        return self.rows[self.rows["id"].isin(self.eligible)]

    def breakdown(self, by: str) -> pd.Series:
        """Counts of eligible tasks by ``status``, ``type`` or ``account_id`` (largest first).

        Accounts are labelled "username (acc_…)" when the frame has usernames (``load_tasks(accounts=True)``), as
        everywhere else.
        """
        rows = self._in_scope()
        if rows.empty or by not in rows:
            return pd.Series(dtype="int64", name="tasks")
        labels = rows[by].astype(str)
        if by == "account_id" and "username" in rows:
            names = rows["username"].astype(object)
            named = names.notna() & (names != "")
            labels = labels.where(~named, names.astype(str) + " (" + labels + ")")
        counts = labels.value_counts()
        return counts[counts > 0].rename("tasks")

    @property
    def oldest(self) -> pd.Timestamp | None:
        rows = self._in_scope()
        return rows["created_at"].min() if "created_at" in rows and rows["created_at"].notna().any() else None

    @property
    def newest(self) -> pd.Timestamp | None:
        rows = self._in_scope()
        return rows["created_at"].max() if "created_at" in rows and rows["created_at"].notna().any() else None

    def lines(self) -> list[str]:
        """The confirmation text, line by line."""
        rule = self.rule
        out = [f"{self.to_send:,} of {count(len(self.ids), 'chosen task')} can be {rule.done}."]
        if self.unchecked:
            out.append(f"{len(self.unchecked):,} {agree(len(self.unchecked), 'has', 'have')} no known status yet and will be "
                       "checked live before sending.")
        if self.ineligible:
            out.append(f"{len(self.ineligible):,} will be skipped as ineligible (not {rule.allowed}).")
        for by in ("status", "type", "account_id"):
            counts = self.breakdown(by)
            if len(counts):
                shown = ", ".join(f"{k}: {v:,}" for k, v in counts.head(8).items())
                more = f", … {len(counts) - 8} more" if len(counts) > 8 else ""
                out.append(f"By {by.replace('_id', '')}: {shown}{more}")
        if self.oldest is not None:
            out.append(f"Created between {when(self.oldest)} and {when(self.newest)}.")
        if self.action == "delete" and self.to_send:
            out.append("Deletion is permanent; the journal keeps a copy of every deleted row.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return short_repr("Plan", f"{self.action}: {self.to_send:,} of {len(self.ids):,} can be sent")

    def _repr_html_(self) -> str:
        lines = self.lines()
        skipped = ("Skipped", pd.DataFrame({"id": list(self.ineligible), "reason": list(self.ineligible.values())})) if self.ineligible else None
        return html_block(lines[0], lines[1:], details=skipped)


def make_plan(action: Action, tasks: pd.DataFrame | Iterable[str]) -> Plan:
    """The plan for ``action`` ("delete" or "retry") on a task frame's rows or a list of ids."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected 'delete' or 'retry'")
    rule = ACTIONS[action]
    clash = conflicting_ids(tasks) if isinstance(tasks, pd.DataFrame) and "id" in tasks.columns else set()
    ids, rows = chosen(tasks)
    if rows is None:
        return Plan(action, ids, [], {}, ids, None)
    if "status" not in rows:
        raise ValueError("the frame has no 'status' column; pass rows of a task frame or a list of ids")
    statuses = rows["status"].astype(object).tolist()
    gone = rows["deleted_at"].notna().tolist() if "deleted_at" in rows else [False] * len(ids)  # load_tasks(include_deleted=True)
    eligible = [i for i, s, g in zip(ids, statuses, gone) if s in rule.eligible and not g and i not in clash]
    runs = rows["deleted_run"].tolist() if "deleted_run" in rows else [None] * len(ids)
    ineligible = {i: _why_not(rule, s, g, run, i in clash) for i, s, g, run in zip(ids, statuses, gone, runs)
                  if g or s not in rule.eligible or i in clash}
    return Plan(action, ids, eligible, ineligible, [], rows)


def _why_not(rule: ActionRule, status: object, gone: bool, run: object, clash: bool) -> str:
    if clash:
        return "the server listed it twice with different fields; which is true cannot be told, so it is not sent"
    if gone:
        return f"deleted earlier (journal run {run}); it is no longer on the server"
    return f"{rule.reason_ineligible(status)} when chosen"


def plan_delete(tasks: pd.DataFrame | Iterable[str]) -> Plan:
    """What deleting these tasks would do: eligible (scheduled/failed), skipped and why, breakdowns."""
    return make_plan("delete", tasks)


def plan_retry(tasks: pd.DataFrame | Iterable[str]) -> Plan:
    """What retrying these tasks would do: eligible (failed), skipped and why, breakdowns."""
    return make_plan("retry", tasks)
