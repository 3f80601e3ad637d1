"""After a crash: settle every task of the journal that was sent but has no outcome."""

from __future__ import annotations

import os
from collections import defaultdict

from .cleanup import live_tasks
from .client import UGCClient
from .errors import APIError
from .journal import Journal, journal_entries
from .outcome import CleanupReport, TaskResult
from .plan import ACTIONS

__all__ = ["reconcile"]


def reconcile(journal: str | os.PathLike[str] | Journal | None, client: UGCClient, *, force: bool = False) -> CleanupReport:
    """Re-read the server for every task an interrupted run sent without recording an outcome.

    Only runs made against the same server as ``client`` and with the same API key (the journal
    records each run's base URL and a salted hash of its key — one organisation's key cannot
    see another's tasks, so settling those would be a guess) are reconciled; others are left
    alone and named in the report's notes. ``force=True`` drops the key check (e.g. after the
    organisation's key was rotated).

    A deleted task that is gone counts as ``deleted``; one still there is
    ``failed`` (the delete did not happen; run it again). A retried task no
    longer ``failed`` counts as ``retried``; one still failed is ``failed``;
    a missing one is ``not_found``. The outcomes are appended to the journal
    (marked ``reconciled``) and returned as a report of the same shape as
    :func:`ugc_nb.delete_tasks` returns.
    """
    book = journal if isinstance(journal, Journal) else Journal(journal)
    unsettled = [e for e in journal_entries(book.path) if e.sent and e.outcome is None]
    same_key = [e for e in unsettled if force or not e.key_hash or client._fingerprint(e.run) == e.key_hash]
    other_key = len(unsettled) - len(same_key)
    pending = [e for e in same_key if e.source == client.base_url]
    actions = sorted({e.action for e in pending})
    report = CleanupReport(actions[0] if len(actions) == 1 else "reconcile", False, [], journal=book.path)
    if other_key:
        report.notes.append(
            f"Left alone: {other_key} task(s) of runs made with another API key (another organisation?) — "
            "reconcile them with that key, or pass force=True if only the key changed."
        )
    others = sorted({e.source for e in same_key} - {client.base_url})
    if others:
        count = len(same_key) - len(pending)
        report.notes.append(f"Left alone: {count} task(s) of runs against {', '.join(others)} — reconcile them with a client for that server.")
    if not pending:
        report.notes.append(f"Nothing to reconcile against {client.base_url} with this key: every task sent has an outcome.")
        return report
    accounts = {(e.row or {}).get("account_id") for e in pending}
    try:
        records = live_tasks(client, accounts)
    except APIError as exc:
        raise APIError(f"could not re-read the server to reconcile {len(pending)} task(s): {exc}", path=exc.path) from exc
    live = {r.get("id"): r for r in records if isinstance(r, dict)}
    by_run: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for e in pending:
        rule = ACTIONS[e.action]
        record = live.get(e.id)
        status = record.get("status") if record else None
        if e.action == "delete":
            outcome, reason = (
                ("deleted", "interrupted run; gone on re-read")
                if record is None
                else ("failed", f"interrupted run; still exists (status {status}) — delete it again")
            )
        elif record is None:
            outcome, reason = "not_found", "interrupted run; not on the server"
        elif status not in rule.eligible:
            outcome, reason = "retried", f"interrupted run; status now {status}"
        else:
            outcome, reason = "failed", "interrupted run; still failed — retry it again"
        by_run[(e.run, e.action)].append((e.id, outcome, reason))
        row = e.row or {}
        report.results.append(TaskResult(e.id, outcome, reason, row.get("status"), row.get("account_id"), row.get("type")))
    for (run, action), items in by_run.items():
        book.write("outcome", run, action=action, reconciled=True, results=[{"id": i, "outcome": o, "reason": r} for i, o, r in items])
    if not isinstance(journal, Journal):
        book.close()
    return report
