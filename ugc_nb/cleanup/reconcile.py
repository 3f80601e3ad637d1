"""After a crash: settle every task of the journal that was sent but has no outcome."""

from __future__ import annotations

import os
from collections import defaultdict

from ..api.client import UGCClient
from ..api.errors import APIError
from ..api.timeutil import utcnow
from ..tasks.units import count
from .journal import Journal, journal_entries
from .live import live_tasks
from .outcome import CleanupReport, TaskResult
from .plan import ACTIONS
from .verdict import SEND, judge

__all__ = ["reconcile"]


def reconcile(journal: str | os.PathLike[str] | Journal | None, client: UGCClient, *, force: bool = False) -> CleanupReport:
    """Re-read the server for every task an interrupted run sent without recording an outcome.

    Only runs made against the same server as ``client`` and with the same API key (the journal
    records each run's base URL and a salted hash of its key — one organisation's key cannot
    see another's tasks, so settling those would be a guess) are reconciled; others are left
    alone and named in the report's notes. ``force=True`` drops the key check (e.g. after the
    organisation's key was rotated).

    Each task is judged by the engine's own rule (:func:`ugc_nb.verdict.judge`) against the
    row journalled just before it was sent: a deleted task that is gone counts as ``deleted``;
    a retried task that moved on from that state counts as ``retried``; one still exactly as
    it was is ``failed`` (the request did not take effect; run it again); one that moved on
    otherwise is ``changed``. The outcomes are appended to the journal (marked ``reconciled``)
    and returned as a report of the same shape as :func:`ugc_nb.delete_tasks` returns.
    """
    book = journal if isinstance(journal, Journal) else Journal(journal)
    try:
        return _reconcile(book, client, force=force)
    except APIError as exc:
        exc.message = f"could not re-read the server to reconcile: {exc.message}"
        exc.args = (exc.message,)
        raise  # the same class: an AuthenticationError stays one
    finally:
        if not isinstance(journal, Journal):
            book.close()


def _reconcile(book: Journal, client: UGCClient, *, force: bool) -> CleanupReport:
    entries = journal_entries(book.path)
    unsettled = [e for e in entries if e.sent and e.outcome is None and e.action in ACTIONS]
    # A later run that sent the same task found it still there after this run's request: it did not take effect.
    sends: dict[str, list[tuple[int, str]]] = defaultdict(list)  # task id -> (position, run) of each run that sent it
    for n, e in enumerate(entries):
        if e.sent:
            sends[e.id].append((n, e.run))
    later: dict[tuple[str, str], str] = {}
    for n, e in enumerate(entries):
        if e.sent and e.outcome is None:
            after = next((run for m, run in sends[e.id] if m > n and run != e.run), None)
            if after is not None:
                later[(e.run, e.id)] = after
    same_key = [e for e in unsettled if force or not e.key_hash or client.key_fingerprint(e.run) == e.key_hash]
    other_key = len(unsettled) - len(same_key)
    pending = [e for e in same_key if e.source == client.base_url]
    actions = sorted({e.action for e in pending})
    report = CleanupReport(actions[0] if len(actions) == 1 else "reconcile", False, [], journal=book.path)
    if other_key:
        report.notes.append(
            f"Left alone: {count(other_key)} of runs made with another API key (another organisation?) — "
            "reconcile them with that key, or pass force=True (ugc-nb reconcile --force) if only the key changed."
        )
    others = sorted({e.source for e in same_key} - {client.base_url})
    if others:
        left = len(same_key) - len(pending)
        report.notes.append(f"Left alone: {count(left)} of runs against {', '.join(others)} — reconcile them with a client for that server.")
    if not pending:
        if report.notes:
            report.notes.append(f"Nothing else to reconcile against {client.base_url} with this key.")
        else:
            report.notes.append(f"Nothing to reconcile against {client.base_url} with this key: every task sent has an outcome.")
        return report
    live = {r["id"]: r for r in live_tasks(client, {(e.row or {}).get("account_id") for e in pending})}
    by_run: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for e in pending:
        row = e.row or {}
        verdict, reason = judge(ACTIONS[e.action], row, live.get(e.id), ours_maybe=True)
        if (e.run, e.id) in later:
            verdict, reason = "failed", f"did not take effect: a later run ({later[(e.run, e.id)]}) found it still there and sent it again"
        elif verdict == SEND:
            verdict, reason = "failed", f"still {row.get('status')}, as when it was sent: the {e.action} did not take effect — run it again"
        if verdict != "unknown":  # still cannot be told: it stays unfinished, for a later reconcile
            by_run[(e.run, e.action)].append((e.id, verdict, f"interrupted run; {reason}"))
        report.results.append(TaskResult(e.id, verdict, f"interrupted run; {reason}", row.get("status"), row.get("account_id"), row.get("type"),
                                         utcnow()))
    for (run, action), items in by_run.items():
        book.write("outcome", run, action=action, reconciled=True, results=[{"id": i, "outcome": o, "reason": r} for i, o, r in items])
    return report
