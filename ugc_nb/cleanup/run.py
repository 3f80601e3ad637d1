"""The cleanup engine: plan → per batch (re-read → judge → journal → send → check the answer) → report. No UI.

:func:`delete_tasks` and :func:`retry_tasks` are the safe way to change tasks.
Every rule about what may be sent lives here, in :mod:`ugc_nb.engine` (one batch's protocol)
and in :mod:`ugc_nb.verdict`:

1. Rows the frame shows as ineligible (pending or complete for a delete;
   anything but failed for a retry) are never sent: outcome ``ineligible``.
2. Tasks are batched by account: each account's full batches of its own tasks
   (the accounts taking turns, ``concurrency`` batches at a time), then what is
   left of every account cut every ``batch_size`` across accounts
   (``ceil(N / batch_size)`` requests). Just before a batch is sent its tasks are read
   again from the server (narrowed to the batch's accounts; the read for a
   worker's next batch overlaps its current request, and a read begun more than
   ``max_read_age`` seconds before the batch is judged is taken again — unless it
   was begun for that very judgement). Only a task the server
   still shows as it was chosen — an eligible status, the same ``scheduled_time``
   — is sent; gone is ``not_found``, moved on is ``changed``
   (:func:`ugc_nb.verdict.judge`). ``verify=False`` skips that read for a
   task's first request only.
3. Before each request the journal gets an *intent* record with the full rows,
   written whole and fsynced; if it cannot be, nothing more is sent and
   :class:`~ugc_nb.errors.JournalError` is raised with the report so far.
4. Whatever the server answers, each task ends with exactly one outcome:

   * a success answer is believed only when it is consistent
     (:mod:`ugc_nb.answer`); what it lists is done; what it explains is re-read
     (moved on → ``changed``; still as chosen → ``failed`` with the server's
     reason); anything it leaves out, and every task of an answer that
     contradicts itself, is re-read as a request that may have been applied;
   * a rejection (400, 404, 413, 422 …): the ids a body's ``data`` lists as
     applied are done; the rest are re-read: tasks at fault are settled, the
     others sent again, and a batch with nobody at fault is halved (an id limit);
   * no usable answer after the request may have arrived (timeout, dropped
     connection, 5xx): wait (backoff or ``Retry-After``), re-read: gone is
     ``deleted`` by us — once; still as chosen is sent again; moved on is our
     ``retried`` for a retry, ``changed`` for a delete;
   * the server refused before acting (429, connection refused): wait, re-read, resend;
   * 401 or 403: nothing more is sent (raised at once when nothing was sent yet);
   * a server out of reach for a whole re-read: nothing more is sent (the rest are
     ``not_sent``, "the server could not be reached").

   A task is never reported ``deleted`` while it still exists; it is sent at most
   ``max_attempts`` times; a task whose state after a request cannot be re-read
   is ``unknown`` and stays *unfinished* in the journal for :func:`ugc_nb.reconcile`.
5. ``stop`` (a :class:`threading.Event`, e.g. a panel's Stop button): once set,
   requests in flight finish and nothing more is sent; the rest are ``not_sent``,
   "asked to stop".
6. ``dry_run=True`` does all of the above but send: ``would_delete`` /
   ``would_retry``; nothing is written to the journal.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TypedDict, Unpack

import pandas as pd

from ..api.client import UGCClient
from ..api.errors import APIError, APIStatusError, CleanupError, CleanupInterrupted, JournalError
from ..tasks.frame import to_records
from ..tasks.units import count
from .engine import Run
from .journal import Journal, journal_path_for
from .live import FATAL_STATUS, READ_ATTEMPTS, live_tasks
from .outcome import CleanupReport
from .plan import ACTIONS, Action, ActionRule, Plan, make_plan
from .pool import Progress, send_all
from .sightings import MAX_READ_AGE
from .verdict import SEND, judge

__all__ = ["delete_tasks", "retry_tasks", "run_cleanup", "CleanupOptions", "JournalArg", "open_journal",
           "live_tasks", "READ_ATTEMPTS"]

#: Columns a frame must have for the engine to judge its rows.
NEEDED_COLUMNS = ("id", "status", "account_id", "scheduled_time")

JournalArg = str | Path | Journal | bool | None


class CleanupOptions(TypedDict, total=False):
    """The options :func:`delete_tasks`, :func:`retry_tasks` and :func:`run_cleanup` take (all keyword-only).

    ``journal``: ``None`` for the default file in the per-user data directory, a path,
    a :class:`~ugc_nb.journal.Journal`, or ``False`` for none. ``progress``: a tqdm bar
    (``True``), none (``False``) or a callable ``(done, total)`` called from the calling
    thread. ``stop``: an event that, once set, sends nothing more. Each task is sent at
    most ``max_attempts`` times; ``verify=False`` skips the re-read before a task's first request.
    ``max_read_age``: seconds (default :data:`MAX_READ_AGE`); a batch is judged only on reads begun at most
    that long before, else its tasks are read again first.
    """

    dry_run: bool
    journal: JournalArg
    batch_size: int
    concurrency: int
    verify: bool
    progress: bool | Progress
    max_attempts: int
    stop: threading.Event | None
    max_read_age: float


def open_journal(journal: JournalArg, client: UGCClient | None = None) -> Journal | None:
    """``None``/``True`` → the default journal (a separate file for the in-process sandbox);
    a path → that file; a :class:`Journal` → itself; ``False`` → no journal."""
    if journal is False:
        return None
    if isinstance(journal, Journal):
        return journal
    if journal in (None, True):
        return Journal(journal_path_for(client))
    return Journal(journal)  # type: ignore[arg-type]


def _batches(run: Run, ids: list[str], size: int, turn: int) -> list[list[str]]:
    """``ids`` in ``ceil(len(ids) / size)`` batches that keep accounts together: first each account's full
    batches of its own tasks, the accounts taking turns ``turn`` batches at a time (``turn`` is the number
    of workers: the batches sent together are of one account and verified by one shared read, and the read
    for the next turn is of another account, so it need not wait for those requests to be answered); then
    what is left of every account, in account order, cut every ``size`` (a batch of a few accounts, read
    narrowed to them). Only the last batch is part-filled: a request costs a round trip whatever it
    carries, and an account's remainder sent on its own would cost one more."""
    by_account: dict[str, list[str]] = {}
    for i in ids:
        by_account.setdefault(str(run.chosen.get(i, {}).get("account_id")), []).append(i)
    full: list[list[list[str]]] = []
    rest: list[str] = []
    for tasks in by_account.values():
        whole = len(tasks) - len(tasks) % size
        full.append([tasks[k : k + size] for k in range(0, whole, size)])
        rest += tasks[whole:]
    batches: list[list[str]] = []
    for start in range(0, max(map(len, full), default=0), turn):
        for account in full:
            batches += account[start : start + turn]
    return batches + [rest[k : k + size] for k in range(0, len(rest), size)]


def run_cleanup(action: Action, client: UGCClient, tasks: pd.DataFrame | Iterable[str], **options: Unpack[CleanupOptions]) -> CleanupReport:
    """Delete or retry tasks safely; see the module docstring for the rules. Returns a :class:`CleanupReport`."""
    unknown = sorted(set(options) - set(CleanupOptions.__annotations__))
    if unknown:
        raise TypeError(f"run_cleanup() got unexpected option(s): {', '.join(unknown)} (known: {', '.join(CleanupOptions.__annotations__)})")
    dry_run, journal, verify = options.get("dry_run", False), options.get("journal"), options.get("verify", True)
    batch_size, concurrency, max_attempts = options.get("batch_size", 100), options.get("concurrency", 4), options.get("max_attempts", 8)
    for name, value in (("batch_size", batch_size), ("concurrency", concurrency), ("max_attempts", max_attempts)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    max_read_age = options.get("max_read_age", MAX_READ_AGE)
    if isinstance(max_read_age, bool) or not isinstance(max_read_age, (int, float)) or not (0 < max_read_age < math.inf):
        raise ValueError(f"max_read_age must be a number of seconds > 0, got {max_read_age!r}")
    plan = make_plan(action, tasks)
    if not plan.ids:
        what = "the frame passed has 0 rows (check the filters that made it)" if isinstance(tasks, pd.DataFrame) else "the id list is empty"
        raise ValueError(f"no tasks chosen: {what}")
    if isinstance(tasks, pd.DataFrame):
        missing = [c for c in NEEDED_COLUMNS if c not in tasks.columns]
        if missing:
            raise ValueError(f"the frame lacks column(s) the engine needs: {', '.join(missing)} — pass rows of ugc_nb.load_tasks()")
    if plan.unchecked and not verify:
        raise ValueError("a bare list of ids has no known status; verify=True is required to check it live before sending")
    book = None if dry_run else open_journal(journal, client)
    owned = book is not None and not isinstance(journal, Journal)
    try:
        return _run(plan, ACTIONS[action], client, book, dry_run=dry_run, verify=verify, batch_size=batch_size,
                    concurrency=concurrency, progress=options.get("progress", True), max_attempts=max_attempts,
                    stop=options.get("stop"), max_read_age=float(max_read_age))
    finally:
        if owned:
            book.close()  # type: ignore[union-attr]


def _run(plan: Plan, rule: ActionRule, client: UGCClient, book: Journal | None, *, dry_run: bool, verify: bool,
         batch_size: int, concurrency: int, progress: bool | Progress, max_attempts: int, stop: threading.Event | None,
         max_read_age: float) -> CleanupReport:
    run = Run(rule, client, book, max_attempts=max_attempts, dry_run=dry_run, stop=stop, max_read_age=max_read_age)
    if plan.rows is not None:
        for record in to_records(plan.rows):
            run.choose(record["id"], record)
    report = CleanupReport(rule.name, dry_run, [], journal=book.path if book else None)

    def outcome() -> CleanupReport:
        report.results = [run.results[i] for i in plan.ids if i in run.results]
        if run.stopped:
            report.notes.append(f"Stopped: {run.stopped}.")
        if run.unjournalled:
            report.notes.append(f"The journal could not record the outcome of {count(len(run.unjournalled))}; "
                                "they show as unfinished there — ugc_nb.reconcile settles them.")
        return report

    if book is not None:
        run_id = uuid.uuid4().hex[:12]
        try:
            run.run_id = book.new_run(rule.name, chosen=len(plan.ids), source=client.base_url, dry_run=dry_run, run_id=run_id,
                                      key_hash=client.key_fingerprint(run_id))
        except JournalError as exc:
            raise JournalError(f"{exc}; nothing was sent", report=None) from exc
        report.run = run.run_id
    run.settle(((i, "ineligible", reason) for i, reason in plan.ineligible.items()), rows=True)
    if plan.unchecked and not run.stopped:
        _first_look(run, plan.unchecked)
    candidates = [i for i in plan.eligible + plan.unchecked if i not in run.results]
    try:
        if candidates and not run.stopped:
            batches = _batches(run, candidates, batch_size, max(1, concurrency))
            prefetch = run.read_ahead if verify else None
            first = None if verify else {i: run.rows[i] for i in candidates}
            run.done = 0  # progress counts the tasks sent for
            send_all(run, batches, concurrency=concurrency, progress=progress, total=len(candidates), prefetch=prefetch, given=first)
    except KeyboardInterrupt:
        run.finish(plan.ids)
        report.notes.append("Interrupted: requests in flight were finished, the rest were not sent.")
        raise CleanupInterrupted(outcome()) from None
    run.finish(plan.ids)
    if run.auth_error is not None and not run.sent_any:
        raise run.auth_error  # a wrong key before anything was sent: nothing happened
    if run.error is not None:
        done = outcome()
        if isinstance(run.error, JournalError):
            raise JournalError(f"{run.error}; nothing more was sent", report=done) from run.error
        raise CleanupError(f"the run stopped on an unexpected error ({type(run.error).__name__}: {run.error})", report=done) from run.error
    return outcome()


def _first_look(run: Run, ids: list[str]) -> None:
    """Bare ids: one read of everything, to learn each one's account and state before batching."""
    try:
        live = run.read(ids)
    except APIStatusError as exc:
        if exc.status_code in FATAL_STATUS:
            raise
        run.settle((i, "failed", f"could not check the live state: {exc}") for i in ids)
        return
    except APIError as exc:
        run.settle((i, "failed", f"could not check the live state: {exc}") for i in ids)
        return
    for i in ids:
        record = live.get(i)
        verdict, reason = judge(run.rule, {}, record, ours_maybe=False)
        if verdict == SEND:
            run.choose(i, record)  # type: ignore[arg-type]
        else:
            run.settle([(i, verdict, reason)])


def delete_tasks(client: UGCClient, tasks: pd.DataFrame | Iterable[str], **options: Unpack[CleanupOptions]) -> CleanupReport:
    """Permanently delete tasks, safely: verified per batch, journalled, one outcome per task.

    ``tasks`` is rows of a task frame (preferred: their status is checked
    first) or a list of ids (checked live; needs ``verify=True``). The options
    are :class:`CleanupOptions`; see the module docstring for the rules.
    """
    return run_cleanup("delete", client, tasks, **options)


def retry_tasks(client: UGCClient, tasks: pd.DataFrame | Iterable[str], **options: Unpack[CleanupOptions]) -> CleanupReport:
    """Re-queue failed tasks, safely; same options and guarantees as :func:`delete_tasks`."""
    return run_cleanup("retry", client, tasks, **options)
