"""The result of a cleanup: one outcome per chosen task, totals, a frame, and an HTML view."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..tasks.html import html_block, short_repr
from ..tasks.units import count, readable

__all__ = ["TaskResult", "CleanupReport", "OUTCOMES", "OUTCOME_WORDS", "totals_text"]

#: Every outcome a task can end with, and what it means.
OUTCOMES = {
    "deleted": "deleted on the server",
    "retried": "re-queued on the server",
    "would_delete": "dry run: would be deleted",
    "would_retry": "dry run: would be retried",
    "changed": "eligible when chosen, not any more (live status differs)",
    "not_found": "already gone before we sent it",
    "ineligible": "its status did not allow the action when chosen (e.g. pending or complete); never sent",
    "failed": "could not be done; see the reason",
    "not_sent": "never sent: the run stopped before its turn (Stop, Ctrl-C, a refused key, the journal, the server out of reach); "
                "unchanged on the server — the reason says why",
    "unknown": "sent, but whether it took effect could not be re-read; ugc_nb.reconcile settles it",
}


#: Outcomes as a sentence says them ("49 would be deleted, 2 already gone"); the others read as they are.
OUTCOME_WORDS = {"would_delete": "would be deleted", "would_retry": "would be retried", "not_found": "already gone", "not_sent": "not sent"}


def totals_text(totals: dict[str, int]) -> str:
    """``{"deleted": 29, "not_found": 2}`` → ``29 deleted, 2 already gone`` (``nothing to do`` when empty)."""
    return ", ".join(f"{n:,} {OUTCOME_WORDS.get(o, o)}" for o, n in totals.items()) or "nothing to do"


@dataclass(frozen=True)
class TaskResult:
    """The outcome for one task."""

    id: str
    outcome: str
    reason: str = ""
    status: str | None = None  # status when chosen (or when first seen live)
    account_id: str | None = None
    type: str | None = None
    time: pd.Timestamp | None = None  # when the outcome was settled (UTC)


@dataclass
class CleanupReport:
    """Outcomes of a delete/retry run (or of :func:`ugc_nb.reconcile`). Renders itself in Jupyter."""

    action: str
    dry_run: bool
    results: list[TaskResult]
    journal: Path | None = None
    run: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        """Count per outcome, in the order of :data:`OUTCOMES`."""
        counts = Counter(r.outcome for r in self.results)
        return {k: counts[k] for k in OUTCOMES if counts[k]}

    def ids(self, outcome: str) -> list[str]:
        """Ids with this outcome."""
        return [r.id for r in self.results if r.outcome == outcome]

    @property
    def ok(self) -> bool:
        """True when no task ended ``failed`` or ``unknown``."""
        return not any(r.outcome in ("failed", "unknown") for r in self.results)

    def to_frame(self) -> pd.DataFrame:
        """One row per chosen task: ``id, outcome, reason, status, account_id, type, time`` (``time``: when the outcome
        was settled, UTC)."""
        frame = pd.DataFrame(
            [(r.id, r.outcome, r.reason, r.status, r.account_id, r.type) for r in self.results],
            columns=["id", "outcome", "reason", "status", "account_id", "type"],
        )
        frame["outcome"] = pd.Categorical(frame["outcome"], categories=list(OUTCOMES))
        frame["time"] = pd.to_datetime(pd.Series([r.time for r in self.results], dtype=object), utc=True)
        return frame

    def headline(self) -> str:
        what = f"{'Dry run of ' if self.dry_run else ''}{self.action}"
        return f"{what}: {count(len(self.results))} — {totals_text(self.totals)}"

    def __str__(self) -> str:
        lines = [self.headline(), *self.notes]
        failed = [r for r in self.results if r.outcome in ("failed", "unknown")]
        lines += [f"  {r.outcome} {r.id}: {r.reason}" for r in failed[:10]]
        if self.journal:
            lines.append(f"Journal: {self.journal}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return short_repr("CleanupReport", self.headline())

    def _repr_html_(self) -> str:
        lines = [*self.notes, *([f"Journal: {self.journal}"] if self.journal else [])]
        return html_block(self.headline(), lines, table=readable(self.to_frame()), more="report.to_frame() has them all")
