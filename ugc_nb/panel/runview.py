"""What the panel shows while a delete/retry runs and after: progress with a Stop button, then the result.

``RunProgress`` says the phase and the counts ("Deleting 700 / 1,443 · 0 failed · about 3 s
left") and hides when the run is over. ``ResultView`` shows the report as a person reads it: one
summary line, a banner when the run stopped early (a wrong key, a server out of reach, Stop),
a sortable table filterable by outcome with failures first and each task's status now, and a
CSV download of the whole report. Neither decides anything: the engine's report is the truth.
"""

from __future__ import annotations

import base64
import html
import threading
import time
from typing import Any

import ipywidgets as w
import pandas as pd

from ..cleanup.journal import journal_command
from ..cleanup.outcome import CleanupReport
from ..tasks.units import agree, count, duration, when
from .table import FullTable

__all__ = ["RunProgress", "ResultView", "summary_parts"]

_VERBS = {"delete": ("Deleting", "deleted"), "retry": ("Retrying", "retried")}
#: Result rows, failures first: what a person must look at comes before what went well.
_FIRST = {"failed": 0, "unknown": 1, "changed": 2, "not_found": 3, "ineligible": 4}


class RunProgress(w.VBox):
    """Phase, counts and time left of a running action, with a Stop button (``stop`` is the event it sets)."""

    def __init__(self) -> None:
        self.phase = w.HTML()
        self.bar = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="360px"))
        self.stop_button = w.Button(description="■ Stop", tooltip="finish the requests on the wire, send nothing more")
        self.stop = threading.Event()
        self.stop_button.on_click(lambda _: self.request_stop())
        self._verb, self._started, self._waiting = "Deleting", 0.0, 0
        super().__init__([self.phase, w.HBox([self.bar, self.stop_button])], layout=w.Layout(display="none", margin="6px 0"))

    def start(self, action: str, total: int) -> None:
        """Show the progress of ``action`` on ``total`` tasks (the engine first re-reads their state)."""
        self.stop = threading.Event()
        self._verb, self._started, self._waiting = _VERBS[action][0], time.monotonic(), 0
        self.bar.max, self.bar.value = max(total, 1), 0
        self.stop_button.disabled = False
        self.phase.value = f"Checking the live state of {total:,} tasks…"
        self.layout.display = ""

    def update(self, done: int, total: int, failed: int = 0, waiting: int = 0) -> None:
        """The engine's progress callback: ``done`` of ``total`` tasks have an outcome, ``waiting`` were sent and their
        answer is not in yet (what Stop can no longer hold back)."""
        self.bar.max, self.bar.value, self._waiting = max(total, 1), done, waiting
        if self.stop.is_set():
            self.phase.value = self._stopping(waiting)
            return
        if done == 0 and waiting == 0:  # nothing sent yet: still checking the live state
            return
        parts = [f"{self._verb} {done:,} / {total:,} done"]
        if waiting:
            parts.append(f"{waiting:,} sent, waiting for answers")
        parts.append(f"{failed:,} failed")
        elapsed = time.monotonic() - self._started
        if 0 < done < total and elapsed > 0.5:
            parts.append(f"about {duration(max(1.0, elapsed / done * (total - done)))} left")
        self.phase.value = " · ".join(parts)

    def request_stop(self) -> None:
        """Stop: the requests on the wire finish, nothing more is sent."""
        self.stop.set()
        self.stop_button.disabled = True
        self.phase.value = self._stopping(self._waiting)  # what is on the wire now, as the progress line said

    @staticmethod
    def _stopping(waiting: int | None) -> str:
        sent = (f"{count(waiting)} already sent, waiting for {agree(waiting, 'its answer', 'their answers')}" if waiting
                else "finishing the requests already sent")
        return f"Stopping: {sent}; nothing more will be sent…"

    def finish(self) -> None:
        """The run is over: hide."""
        self.layout.display = "none"


def summary_parts(report: CleanupReport) -> list[str]:
    """'1,443 deleted', '0 failed', '411 skipped' (+ not sent and unknown when any) for a report."""
    totals = report.totals
    word = _VERBS[report.action][1]
    skipped = sum(totals.get(k, 0) for k in ("ineligible", "changed", "not_found"))
    parts = [f"{totals.get(word, 0):,} {word}", f"{totals.get('failed', 0):,} failed", f"{skipped:,} skipped"]
    if report.dry_run:
        parts[0] = f"{totals.get('would_' + report.action, 0):,} would be {word}"
    if totals.get("not_sent"):
        parts.insert(2, f"{totals['not_sent']:,} not sent")
    if totals.get("unknown"):
        parts.append(f"{totals['unknown']:,} unknown (run reconcile)")
    return parts


class ResultView(w.VBox):
    """A report for a person: summary line and banner, an outcome filter, a sortable table, a CSV download."""

    def __init__(self) -> None:
        self.summary = w.HTML()
        self.outcome_filter = w.ToggleButtons(options=[("all", "all")], value="all", style={"button_width": "auto"})
        self.table = FullTable(pd.DataFrame({"Task": []}), **self.options())
        self.frame = pd.DataFrame()
        self.outcome_filter.observe(lambda _: self._show(), names="value")
        super().__init__([self.summary, self.outcome_filter, self.table], layout=w.Layout(display="none"))

    @staticmethod
    def options() -> dict[str, Any]:
        """Table options: sortable, searchable by DataTables (it is a report, not a selection), never downsampled."""
        return {"maxBytes": 0, "pageLength": 10, "lengthMenu": [10, 25, 100], "classes": "display compact", "order": [],
                "style": "table-layout:auto;width:100%"}  # the panel's width, like the panel's own table

    def show(self, report: CleanupReport, status_now: pd.Series, *, sent: int, names: dict[str, str] | None = None) -> None:
        """Show ``report``; ``status_now`` is each task's status after the action (by id); ``sent`` how many were sent for;
        ``names`` (account id -> username) puts a ``username`` column in the table and the CSV, and names accounts
        "username (acc_…)" in the table."""
        frame = report.to_frame()
        if names:
            frame.insert(frame.columns.get_loc("account_id"), "username", [names.get(str(a), "") for a in frame["account_id"]])
        frame["status now"] = [
            "gone" if o in ("deleted", "not_found") else str(status_now.get(i, "?")) for i, o in zip(frame["id"], frame["outcome"].astype(str))
        ]
        order = frame["outcome"].astype(str).map(lambda o: _FIRST.get(o, 9))
        self.frame = frame.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
        counts = self.frame["outcome"].astype(str).value_counts()
        self.outcome_filter.options = [("all", "all")] + [(f"{o} · {counts[o]:,}", o) for o in sorted(counts.index, key=lambda o: _FIRST.get(o, 9))]
        self.outcome_filter.value = "all"
        csv = base64.b64encode(self.frame.to_csv(index=False).encode()).decode()
        name = f"cleanup-{report.run or report.action}.csv"
        link = f"<a download='{html.escape(name)}' href='data:text/csv;base64,{csv}'>Download the report (CSV)</a>"
        banner = self._banner(report, sent)
        notes = "".join(f"<p style='margin:2px 0'>{html.escape(n)}</p>" for n in report.notes if not n.startswith("Stopped:"))
        if report.journal:
            notes += (f"<p style='margin:2px 0;opacity:0.75'>Journal: {html.escape(str(report.journal))} "
                      f"(every row sent, with its outcome; <code>{html.escape(journal_command(report.run, report.journal))}</code>)</p>")
        self.summary.value = f"{banner}<p style='margin:4px 0'><b>{html.escape(' · '.join(summary_parts(report)))}</b> · {link}</p>{notes}"
        self._show()
        self.layout.display = ""

    def note(self, text: str) -> None:
        """Add a line under the summary (e.g. a re-read that failed after the action)."""
        self.summary.value += f"<p style='margin:2px 0'>{html.escape(text)}</p>"

    def clear(self) -> None:
        """Hide the previous result (a new confirmation is open)."""
        self.layout.display = "none"
        self.summary.value = ""

    @staticmethod
    def _banner(report: CleanupReport, sent: int) -> str:
        stopped = next((n.removeprefix("Stopped: ").rstrip(".") for n in report.notes if n.startswith("Stopped:")), None)
        if stopped is None:
            return ""
        word = _VERBS[report.action][1]
        done = report.totals.get(word, 0)
        not_sent = sum(1 for r in report.results if r.outcome == "not_sent" or r.reason.startswith("could not check"))
        why = {"asked to stop": "Stopped as asked"}.get(stopped, f"Stopped: {stopped}")
        unknown = report.totals.get("unknown", 0)
        settle = (f" {unknown:,} {agree(unknown, 'was sent but its', 'were sent but their')} state could not be read back: "
                  "<code>ugc-nb reconcile</code> settles them."
                  if unknown else "")
        return (
            "<div style='border-left:4px solid #b00020;padding:6px 10px;margin:4px 0;background:rgba(176,0,32,0.08)'>"
            f"<b>{html.escape(why)}.</b> {done:,} of the {count(sent)} {agree(done, 'was', 'were')} {word} before it stopped; "
            f"{not_sent:,} {agree(not_sent, 'was not sent and is', 'were not sent and are')} unchanged on the server.{settle}</div>"
        )

    def _show(self) -> None:
        wanted = self.outcome_filter.value
        frame = self.frame if wanted == "all" or self.frame.empty else self.frame[self.frame["outcome"].astype(str) == wanted]
        if "username" in frame:  # one name per account: "username (acc_…)"
            frame = frame.assign(account_id=[f"{u} ({a})" if u else a for u, a in zip(frame["username"], frame["account_id"].astype(str))])
            frame = frame.drop(columns="username")
        if "time" in frame:  # a person reads "2026-11-01 12:00 UTC"; the CSV keeps the exact time
            frame = frame.assign(time=frame["time"].map(when))
        shown = frame.rename(columns={"id": "Task", "outcome": "Outcome", "reason": "Reason", "status": "Status when chosen",
                                      "account_id": "Account", "type": "Type", "status now": "Status now", "time": "Time"})
        shown = shown.astype({c: str for c in ("Outcome",) if c in shown})
        wrap = [{"targets": list(shown.columns).index("Reason"), "className": "ugc-wrap"}] if "Reason" in shown else []
        self.table.update(shown, **self.options(), columnDefs=wrap)  # a long reason wraps instead of pushing columns away
