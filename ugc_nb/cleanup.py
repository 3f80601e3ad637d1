"""The cleanup engine: verify → batch → send → reconcile → journal → report. No UI.

:func:`delete_tasks` and :func:`retry_tasks` are the safe way to change tasks.
Every rule about what may be sent lives here:

1. Rows that the frame shows as ineligible (pending or complete for a delete;
   anything but failed for a retry) are never sent: outcome ``ineligible``.
2. ``verify=True`` (the default) re-reads the live state once, just before the
   first batch (narrowed to the chosen tasks' accounts). Tasks gone by then are
   ``not_found``; tasks whose live status is no longer eligible are ``changed``.
   Only tasks the server itself shows as eligible are sent.
3. Batches of ``batch_size`` go out ``concurrency`` at a time. Before each
   request the journal gets an *intent* record with the full task rows, fsynced.
4. Whatever the server does, each task ends with exactly one outcome:

   * success: the ids the server lists are done; its per-id ``errors`` (a
     partial server) and any id it does not mention are settled by re-reading;
   * 400/404 for the whole batch (an all-or-nothing server): re-read; tasks at
     fault are ``not_found``/``changed``, the rest are sent again; if none is at
     fault the batch is split in two (an id limit, say) until it goes through;
   * no usable answer after the request may have arrived (timeout, dropped
     connection, 5xx): re-read; a task that is gone was deleted by us — once —
     and a task still there is sent again only if it is still eligible;
   * the server refused before acting (429, connection refused): wait, resend.

   A task is never reported ``deleted`` while it still exists, and each task is
   sent at most ``max_attempts`` times before it is ``failed``.
5. ``dry_run=True`` does all of the above but send: outcome ``would_delete`` or
   ``would_retry``; nothing is written to the journal.
"""

from __future__ import annotations

import itertools
import queue
import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .client import SANDBOX_BASE_URL, UGCClient
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    JournalError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from .frame import to_records
from .journal import Journal, default_journal_path
from .outcome import CleanupReport, TaskResult
from .plan import ACTIONS, Action, ActionRule, Plan, make_plan
from .retry import RetryPolicy

__all__ = ["delete_tasks", "retry_tasks", "run_cleanup", "CleanupInterrupted", "JournalArg", "open_journal"]

JournalArg = str | Path | Journal | bool | None
Progress = Callable[[int, int], None]
#: Engine-level re-reads after the client's own retries are spent (transient errors only).
READ_ATTEMPTS = 3


def live_tasks(client: UGCClient, accounts: Iterable[str | None]) -> list[dict[str, Any]]:
    """A live read narrowed to ``accounts`` — or of everything when any account is unknown (None)."""
    accounts = set(accounts)
    if None in accounts:
        return client.get_tasks()
    return client.get_tasks(account_ids=sorted(accounts))  # type: ignore[arg-type]


def _same_time(a: Any, b: Any) -> bool:
    """Two API timestamps denote the same instant (either may be None)."""
    if a is None or b is None:
        return a is None and b is None
    try:
        return pd.Timestamp(a) == pd.Timestamp(b)
    except (TypeError, ValueError):
        return a == b


class CleanupInterrupted(KeyboardInterrupt):
    """Ctrl-C / "interrupt kernel" during a run: batches in flight finished, the rest were not sent.

    ``report`` holds every task's outcome (unsent ones ``failed``: "not sent").
    """

    def __init__(self, report: CleanupReport) -> None:
        super().__init__(report.headline())
        self.report = report


def open_journal(journal: JournalArg, client: UGCClient | None = None) -> Journal | None:
    """``None``/``True`` → the default journal (a separate file for the in-process sandbox);
    a path → that file; a :class:`Journal` → itself; ``False`` → no journal."""
    if journal is False:
        return None
    if isinstance(journal, Journal):
        return journal
    if journal in (None, True):
        path = default_journal_path()
        if client is not None and client.base_url == SANDBOX_BASE_URL:
            path = path.with_name("journal-sandbox.jsonl")
        return Journal(path)
    return Journal(journal)


class _Run:
    """One delete/retry run: state shared by the batch workers, guarded by one lock."""

    def __init__(self, rule: ActionRule, client: UGCClient, journal: Journal | None, *, max_attempts: int, backoff: RetryPolicy) -> None:
        self.rule = rule
        self.client = client
        self.journal = journal
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.lock = threading.Lock()
        self.results: dict[str, TaskResult] = {}
        self.meta: dict[str, dict[str, Any]] = {}  # id -> status/account_id/type when chosen
        self.rows: dict[str, dict[str, Any]] = {}  # id -> full row for the journal
        self.attempts: dict[str, int] = {}
        self.sends = itertools.count(1)
        self.run_id = ""
        self.on_settled: Callable[[int], None] = lambda n: None
        self.stopped: str | None = None  # why no further request may be sent

    # -- outcomes ------------------------------------------------------------
    def settle(
        self, items: Iterable[tuple[str, str, str]], *, send: int | None = None, journal_rows: bool = False, final: bool = True
    ) -> None:
        """Record outcomes (id, outcome, reason) and journal them; ``final=False`` keeps them out of the
        journal, so the tasks stay *unfinished* there for :func:`ugc_nb.reconcile` to settle."""
        items = list(items)
        if not items:
            return
        with self.lock:
            for task_id, outcome, reason in items:
                meta = self.meta.get(task_id, {})
                self.results[task_id] = TaskResult(task_id, outcome, reason, meta.get("status"), meta.get("account_id"), meta.get("type"))
        if self.journal is not None and self.run_id and final:
            extra: dict[str, Any] = {"send": send} if send is not None else {}
            if journal_rows:
                extra["tasks"] = [self.rows[i] for i, _, _ in items if i in self.rows]
            self.journal.write(
                "outcome", self.run_id, action=self.rule.name, results=[{"id": i, "outcome": o, "reason": r} for i, o, r in items], **extra
            )
        self.on_settled(len(items))

    # -- live state ----------------------------------------------------------
    def read(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Live records of ``ids`` that still exist (narrowed by account when all accounts are known)."""
        accounts = {self.meta.get(i, {}).get("account_id") for i in ids}
        wanted = set(ids)
        for attempt in range(READ_ATTEMPTS):
            try:
                records = live_tasks(self.client, accounts)
                return {r["id"]: r for r in records if isinstance(r, dict) and r.get("id") in wanted}
            except (APIConnectionError, ServerError, RateLimitError):
                if attempt + 1 == READ_ATTEMPTS:
                    raise
                time.sleep(self.backoff.delay(attempt))
        raise AssertionError("unreachable")

    def eligible(self, record: dict[str, Any]) -> bool:
        """Sendable: an eligible status, and the same status as when chosen (a task retried or
        started since it was chosen is not what the person picked)."""
        status = record.get("status")
        meta = self.meta.get(record.get("id"), {})
        if status not in self.rule.eligible:
            return False
        if "status" not in meta:  # a bare id: nothing to compare with
            return True
        # A retry resets scheduled_time, so a task retried and failed again is not the one chosen.
        return status == meta["status"] and _same_time(record.get("scheduled_time"), meta.get("scheduled_time"))

    # -- sending -------------------------------------------------------------
    def send(self, ids: list[str]) -> dict[str, Any]:
        call = self.client.delete_tasks if self.rule.name == "delete" else self.client.retry_tasks
        return call(ids)

    def work(self, batch: list[str]) -> None:
        """Send one batch and keep at it until every id in it has an outcome."""
        queue: deque[list[str]] = deque([batch])
        while queue:
            ids = queue.popleft()
            if self.stopped:
                return  # the caller reports every id without an outcome as not sent
            over = [i for i in ids if self.attempts.get(i, 0) >= self.max_attempts]
            if over:
                self.settle((i, "failed", f"gave up after {self.max_attempts} attempts") for i in over)
                ids = [i for i in ids if i not in over]
                if not ids:
                    continue
            for i in ids:
                self.attempts[i] = self.attempts.get(i, 0) + 1
            number = next(self.sends)
            if self.journal is not None:
                self.journal.write("intent", self.run_id, send=number, action=self.rule.name, tasks=[self.rows[i] for i in ids])
            try:
                data = self.send(ids)
            except AuthenticationError as exc:  # nothing was applied; nothing else will be
                self.stopped = f"the server refused the API key (HTTP {exc.status_code})"
                self.settle(((i, "failed", f"HTTP {exc.status_code}: {exc.message}") for i in ids), send=number)
                continue
            except (BadRequestError, NotFoundError) as exc:
                again = self.after_rejection(ids, exc, number)
            except APIError as exc:
                again = self.after_failure(ids, exc, number)
            else:
                again = self.after_success(ids, data, number)
            for part in again:
                queue.append(part)

    def _resolve(
        self, ids: list[str], number: int, *, gone: str, gone_reason: str, present_ineligible: str, why: str, applied: bool = False
    ) -> list[str]:
        """Re-read ``ids`` and settle the gone and ineligible ones; return those still eligible.

        ``applied``: the request may have taken effect. If the state cannot be re-read then, the
        outcome is unknown: the tasks are reported failed but left unfinished in the journal.
        """
        try:
            live = self.read(ids)
        except APIError as exc:
            if applied:
                reason = f"{why}; could not re-read the state ({exc}): unknown whether it happened — run ugc_nb.reconcile(journal, client)"
            else:
                reason = f"{why}; could not re-read the state ({exc})"
            self.settle(((i, "failed", reason) for i in ids), send=number, final=not applied)
            return []
        settled, still = [], []
        for i in ids:
            record = live.get(i)
            if record is None:
                settled.append((i, gone, gone_reason))
            elif not self.eligible(record):
                status = record.get("status")
                outcome = present_ineligible
                reason = f"{why}; now {status}" if outcome != "changed" else f"status now {status} (was {self.meta.get(i, {}).get('status') or 'eligible'})"
                settled.append((i, outcome, reason))
            else:
                self.rows[i] = record
                still.append(i)
        self.settle(settled, send=number)
        return still

    def after_success(self, ids: list[str], data: dict[str, Any], number: int) -> list[list[str]]:
        listed = data.get("ids")
        confirmed = [i for i in ids if isinstance(listed, list) and i in set(listed)]
        self.settle(((i, self.rule.done, "") for i in confirmed), send=number)
        rest = [i for i in ids if i not in set(confirmed)]
        if not rest:
            return []
        errors = {e.get("id"): str(e.get("error", "")) for e in data.get("errors") or [] if isinstance(e, dict)}
        explained = [i for i in rest if i in errors]
        silent = [i for i in rest if i not in errors]
        still: list[str] = []
        if explained:
            reasons = "; ".join(sorted({errors[i] for i in explained}))[:200]
            still += self._resolve(
                explained, number, gone="not_found", gone_reason=f"server: {reasons}",
                present_ineligible="changed", why=f"server: {reasons}",
            )
        if silent:
            # Not listed and no error given: gone means we deleted it; else it needs another go.
            lost = self.rule.done if self.rule.name == "delete" else "not_found"
            still += self._resolve(silent, number, gone=lost, gone_reason="not listed in the answer, gone on re-read",
                                   present_ineligible=self.rule.done if self.rule.name == "retry" else "changed",
                                   why="not listed in the answer", applied=True)
        return [still] if still else []

    def after_rejection(self, ids: list[str], exc: APIStatusError, number: int) -> list[list[str]]:
        still = self._resolve(ids, number, gone="not_found", gone_reason=f"gone before our request (server: {exc.message})",
                              present_ineligible="changed", why=f"server rejected the batch ({exc.status_code})")
        if len(still) < len(ids):
            return [still] if still else []
        if len(still) > 1:  # nobody at fault: an id limit or a rule we do not know; halve and try again
            half = len(still) // 2
            for i in still:
                self.attempts[i] -= 1  # a split is not a failed attempt
            return [still[:half], still[half:]]
        self.settle([(still[0], "failed", f"HTTP {exc.status_code}: {exc.message}")], send=number)
        return []

    def after_failure(self, ids: list[str], exc: APIError, number: int) -> list[list[str]]:
        if exc.may_have_applied:
            done = self.rule.done
            still = self._resolve(
                ids, number,
                gone=done if self.rule.name == "delete" else "not_found",
                gone_reason=f"answer lost ({type(exc).__name__}); gone on re-read",
                present_ineligible=done if self.rule.name == "retry" else "changed",
                why=f"answer lost ({type(exc).__name__})",
                applied=True,
            )
        else:
            still = ids
        if still:
            attempt = max(self.attempts.get(i, 1) for i in still) - 1
            time.sleep(self.backoff.delay(attempt, getattr(exc, "retry_after", None)))
        return [still] if still else []


def run_cleanup(
    action: Action,
    client: UGCClient,
    tasks: pd.DataFrame | Iterable[str],
    *,
    dry_run: bool = False,
    journal: JournalArg = None,
    batch_size: int = 100,
    concurrency: int = 4,
    verify: bool = True,
    progress: bool | Progress = True,
    max_attempts: int = 8,
) -> CleanupReport:
    """Delete or retry tasks safely; see the module docstring for the rules. Returns a :class:`CleanupReport`."""
    if batch_size < 1 or concurrency < 1 or max_attempts < 1:
        raise ValueError("batch_size, concurrency and max_attempts must all be >= 1")
    plan = make_plan(action, tasks)
    if not plan.ids:
        what = "the frame passed has 0 rows (check the filters that made it)" if isinstance(tasks, pd.DataFrame) else "the id list is empty"
        raise ValueError(f"no tasks chosen: {what}")
    if plan.unchecked and not verify:
        raise ValueError("a bare list of ids has no known status; verify=True is required to check it live before sending")
    rule = ACTIONS[action]
    book = None if dry_run else open_journal(journal, client)
    owned = book is not None and not isinstance(journal, Journal)
    try:
        return _run(plan, rule, client, book, dry_run=dry_run, verify=verify, batch_size=batch_size,
                    concurrency=concurrency, progress=progress, max_attempts=max_attempts)
    finally:
        if owned:
            book.close()  # type: ignore[union-attr]


def _run(plan: Plan, rule: ActionRule, client: UGCClient, book: Journal | None, *, dry_run: bool, verify: bool,
         batch_size: int, concurrency: int, progress: bool | Progress, max_attempts: int) -> CleanupReport:
    action = rule.name
    run = _Run(rule, client, book, max_attempts=max_attempts, backoff=client.retry)
    if plan.rows is not None:
        for record in to_records(plan.rows):
            run.rows[record["id"]] = record
            run.meta[record["id"]] = {k: record[k] for k in ("status", "account_id", "type", "scheduled_time")}
    report = CleanupReport(action, dry_run, [], journal=book.path if book else None)
    if book is not None:
        try:
            run_id = uuid.uuid4().hex[:12]
            run.run_id = book.new_run(action, chosen=len(plan.ids), source=client.base_url, dry_run=dry_run, run_id=run_id,
                                      key_hash=client._fingerprint(run_id))
        except OSError as exc:
            raise JournalError(f"cannot write the journal {book.path}: {exc.strerror or exc}; nothing was sent") from exc
        report.run = run.run_id
    run.settle(((i, "ineligible", reason) for i, reason in plan.ineligible.items()), journal_rows=True)

    candidates = plan.eligible + plan.unchecked
    if verify and candidates:
        try:
            live = run.read(candidates)
        except AuthenticationError:
            raise  # nothing was sent; a wrong key is not a per-task outcome
        except APIError as exc:
            run.settle(((i, "failed", f"could not verify the live state: {exc}") for i in candidates), journal_rows=True)
            candidates = []
        else:
            skipped, ok = [], []
            for i in candidates:
                record = live.get(i)
                known = i in run.meta
                if record is None:
                    skipped.append((i, "not_found", "not on the server any more (checked before sending)"))
                    continue
                if not known:
                    run.meta[i] = {k: record.get(k) for k in ("account_id", "type")}
                if not run.eligible(record):
                    outcome = "changed" if known else "ineligible"
                    was = f" (was {run.meta[i]['status']} when chosen)" if known else ""
                    if known and record.get("status") == run.meta[i]["status"]:
                        was = f", but rescheduled since it was chosen (scheduled_time {record.get('scheduled_time')})"
                    skipped.append((i, outcome, f"live status {record.get('status')}{was}; not {rule.done}"))
                    continue
                if not known:
                    run.meta[i].update(status=record.get("status"), scheduled_time=record.get("scheduled_time"))
                run.rows[i] = record
                ok.append(i)
            run.settle(skipped, journal_rows=True)
            candidates = ok

    if dry_run:
        run.settle((i, rule.dry, "dry run") for i in candidates)
    elif candidates:
        try:
            _send_all(run, candidates, batch_size=batch_size, concurrency=concurrency, progress=progress)
        except KeyboardInterrupt:
            report.results = [run.results[i] for i in plan.ids]
            report.notes.append("Interrupted: requests in flight were finished, the rest were not sent.")
            raise CleanupInterrupted(report) from None
    if run.stopped:
        report.notes.append(f"Stopped: {run.stopped}.")
    report.results = [run.results[i] for i in plan.ids]
    return report


def _send_all(run: _Run, ids: list[str], *, batch_size: int, concurrency: int, progress: bool | Progress) -> None:
    """Send ``ids`` in batches from ``concurrency`` worker threads; fill in "not sent" when stopped.

    The workers, not this thread, make the requests, so Ctrl-C lands here while it waits: no
    request is cut off half-way. On an interrupt the workers finish the request they are in
    (further Ctrl-Cs are ignored until they have) and take no new batch; every task that was
    never sent is reported ``failed: not sent``; then :class:`KeyboardInterrupt` is re-raised.
    """
    total = len(ids)
    pending: queue.SimpleQueue[list[str]] = queue.SimpleQueue()
    for k in range(0, total, batch_size):
        pending.put(ids[k : k + batch_size])
    bar = None
    if callable(progress):
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            progress(done[0], total)

        run.on_settled = tick
    elif progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=f"{run.rule.verb} tasks", unit="task")
        run.on_settled = bar.update
    failures: list[BaseException] = []
    finished = threading.Condition()
    alive = [0]

    def worker() -> None:
        try:
            while not run.stopped:
                try:
                    batch = pending.get_nowait()
                except queue.Empty:
                    return
                run.work(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            run.stopped = run.stopped or f"{type(exc).__name__}: {exc}"
            failures.append(exc)
        finally:
            with finished:
                alive[0] -= 1
                finished.notify_all()

    interrupted = False
    try:
        _start(worker, min(concurrency, pending.qsize()), f"ugc-nb-{run.rule.name}", finished, alive)
    except KeyboardInterrupt:
        interrupted = True
        run.stopped = "the run was interrupted"
    # Wait on our own counter, not Thread.join: an interrupted join can leave a thread looking finished.
    while True:
        try:
            with finished:
                while alive[0]:
                    finished.wait()
            break
        except KeyboardInterrupt:  # let requests in flight finish, whatever is pressed
            interrupted = True
            run.stopped = "the run was interrupted"
    run.on_settled = lambda n: None
    if bar is not None:
        bar.close()
    unsent = [i for i in ids if i not in run.results]
    if unsent:
        run.settle((i, "failed", f"not sent: {run.stopped or 'the run stopped'}") for i in unsent)
    if interrupted:
        raise KeyboardInterrupt
    if failures and not isinstance(failures[0], (APIError, KeyboardInterrupt)):
        raise failures[0]


def _start(target: Callable[[], None], count: int, name: str, finished: threading.Condition, alive: list[int]) -> None:
    """Start ``count`` worker threads, counting them in ``alive``, with SIGINT held back meanwhile
    (the workers inherit the mask, so Ctrl-C always reaches the waiting main thread, after this)."""
    mask = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else None
    try:
        for n in range(count):
            with finished:
                alive[0] += 1
            try:
                threading.Thread(target=target, name=f"{name}-{n}", daemon=True).start()
            except BaseException:
                with finished:
                    alive[0] -= 1
                raise
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def delete_tasks(
    client: UGCClient,
    tasks: pd.DataFrame | Iterable[str],
    *,
    dry_run: bool = False,
    journal: JournalArg = None,
    batch_size: int = 100,
    concurrency: int = 4,
    verify: bool = True,
    progress: bool | Progress = True,
    max_attempts: int = 8,
) -> CleanupReport:
    """Permanently delete tasks, safely: verified, batched, journalled, one outcome per task.

    ``tasks`` is rows of a task frame (preferred: their status is checked
    first) or a list of ids (checked live; needs ``verify=True``).
    ``journal`` is ``None`` for the default file in the per-user data
    directory, a path, or ``False`` for none. ``progress`` is a tqdm bar
    (``True``), none (``False``) or a callable ``(done, total)``. Each task is
    sent at most ``max_attempts`` times. See the module docstring for the rules.
    """
    return run_cleanup(
        "delete", client, tasks, dry_run=dry_run, journal=journal, batch_size=batch_size,
        concurrency=concurrency, verify=verify, progress=progress, max_attempts=max_attempts,
    )


def retry_tasks(
    client: UGCClient,
    tasks: pd.DataFrame | Iterable[str],
    *,
    dry_run: bool = False,
    journal: JournalArg = None,
    batch_size: int = 100,
    concurrency: int = 4,
    verify: bool = True,
    progress: bool | Progress = True,
    max_attempts: int = 8,
) -> CleanupReport:
    """Re-queue failed tasks, safely; same arguments and guarantees as :func:`delete_tasks`."""
    return run_cleanup(
        "retry", client, tasks, dry_run=dry_run, journal=journal, batch_size=batch_size,
        concurrency=concurrency, verify=verify, progress=progress, max_attempts=max_attempts,
    )
