"""A one-glance summary of a task frame: counts, what can be cleaned up, the oldest failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..tasks.html import html_block
from ..tasks.units import count, duration, readable, when

__all__ = ["TaskSummary", "summarize"]


@dataclass(frozen=True)
class TaskSummary:
    """What a person wants to know first about a task queue. Prints as text, renders as HTML in Jupyter."""

    total: int
    accounts: int
    by_status: pd.Series
    by_type: pd.Series
    by_type_status: pd.DataFrame
    deletable: int
    retryable: int
    overdue: int
    oldest_failed: dict[str, Any] | None
    created_from: pd.Timestamp | None
    created_to: pd.Timestamp | None
    now: pd.Timestamp

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python form, JSON-serialisable (for JSON logs or asserting in tests); ages in seconds."""
        return {
            "total": self.total,
            "accounts": self.accounts,
            "by_status": {str(k): int(v) for k, v in self.by_status.items()},
            "by_type": {str(k): int(v) for k, v in self.by_type.items()},
            "deletable": self.deletable,
            "retryable": self.retryable,
            "overdue": self.overdue,
            "oldest_failed": None if self.oldest_failed is None else {
                **{k: v for k, v in self.oldest_failed.items() if k != "age"},
                "age_seconds": float(self.oldest_failed["age"].total_seconds()) if pd.notna(self.oldest_failed["age"]) else None,
            },
        }

    def _lines(self) -> list[tuple[str, str]]:
        span = f"{when(self.created_from)} → {when(self.created_to)}" if self.created_from is not None else "—"
        oldest = "none"
        if self.oldest_failed:
            o = self.oldest_failed
            oldest = f"{o['id']} ({o['type']}, account {o['account_id']}, created {o['created_at']}, {duration(o['age'])} old)"
        return [
            ("tasks", f"{count(self.total)} on {count(self.accounts, 'account')}, created {span}"),
            ("deletable (scheduled or failed)", f"{self.deletable:,}"),
            ("retryable (failed)", f"{self.retryable:,}"),
            ("overdue scheduled", f"{self.overdue:,}"),
            ("oldest failed", oldest),
        ]

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self._lines())
        head = "\n".join(f"{k:<{width}}  {v}" for k, v in self._lines())
        table = readable(self.by_type_status).to_string()
        return f"{head}\n\nBy type and status:\n{table}"

    def __repr__(self) -> str:
        return str(self)  # at the Python prompt it reads as its print()

    def _repr_html_(self) -> str:
        return html_block("Tasks", facts=self._lines(), table=self.by_type_status, table_title="By type and status")


def summarize(df: pd.DataFrame) -> TaskSummary:
    """Summarise a frame made by :func:`ugc_nb.tasks_frame` (counts include zero categories)."""
    by_status = df["status"].value_counts(sort=False)
    by_type = df["type"].value_counts(sort=False)
    by_type_status = pd.crosstab(df["type"], df["status"], margins=True, margins_name="total", dropna=False)
    failed = df[df["status"] == "failed"]
    oldest = None
    if len(failed) and failed["created_at"].notna().any():
        # By position: index labels may repeat (two loads concatenated).
        row = failed.iloc[failed["created_at"].reset_index(drop=True).idxmin()]
        oldest = {
            "id": row["id"],
            "account_id": str(row["account_id"]),
            "type": str(row["type"]),
            "created_at": when(row["created_at"]),
            "age": row["age"],
        }
    created = df["created_at"].dropna()
    return TaskSummary(
        total=len(df),
        accounts=int(df["account_id"].nunique()),
        by_status=by_status,
        by_type=by_type,
        by_type_status=by_type_status,
        deletable=int(df["deletable"].sum()),
        retryable=int(df["retryable"].sum()),
        overdue=int(df["overdue"].sum()),
        oldest_failed=oldest,
        created_from=created.min() if len(created) else None,
        created_to=created.max() if len(created) else None,
        now=df.attrs.get("now", pd.Timestamp.now(tz="UTC")),
    )
