"""One delete/retry run, batch by batch: re-read → judge → journal → send → check the answer.

:class:`Run` holds what the batch workers of one run share (outcomes, what was chosen,
the freshest state any read has shown, the journal) and takes one batch at a time
through the protocol that :mod:`ugc_nb.cleanup` describes. The rule for what a live
state means is :func:`ugc_nb.verdict.judge`; when an answer is believed,
:func:`ugc_nb.answer.read_answer`; the threads, the read-ahead and the account gate
live in :mod:`ugc_nb.pool`.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from ..api.client import UGCClient
from ..api.errors import APIConnectionError, APIError, APIResponseValidationError, APIStatusError, JournalError
from ..api.timeutil import utcnow
from .answer import Answer, read_answer
from .journal import Journal
from .live import FATAL_STATUS, account_key, accounts_of, live_tasks
from .outcome import TaskResult
from .plan import ActionRule
from .pool import AccountGate
from .sightings import MAX_READ_AGE, Sightings
from .verdict import CHOSEN_FIELDS, SEND, as_chosen, judge

__all__ = ["Run", "STALE_READS"]

STALE_READS = 4  #: re-reads of a batch whose read aged past ``max_read_age`` before it was judged; then it is not sent


class Run:
    """One delete/retry run: the state its batch workers share, guarded by one lock."""

    def __init__(self, rule: ActionRule, client: UGCClient, journal: Journal | None, *, max_attempts: int, dry_run: bool,
                 stop: threading.Event | None = None, max_read_age: float = MAX_READ_AGE) -> None:
        self.rule, self.client, self.journal = rule, client, journal
        self.stop = stop  # set by the caller (a Stop button): nothing more is sent
        self.max_attempts, self.dry_run = max_attempts, dry_run
        self.policy = client.retry
        self.clock = client.clock
        self.lock = threading.Lock()
        self.gate = AccountGate()
        self.results: dict[str, TaskResult] = {}
        self.chosen: dict[str, dict[str, Any]] = {}  # id -> CHOSEN_FIELDS as chosen
        self.rows: dict[str, dict[str, Any]] = {}  # id -> the full row for the journal
        self.attempts: dict[str, int] = {}
        self.refused: dict[str, int] = {}  # requests refused unapplied (429, no connection): not attempts, they set the backoff
        self.first_sent: dict[str, float] = {}  # when a request of ours first carried it (for the policy's deadline)
        self.maybe_applied: set[str] = set()  # a request of ours for it may have reached the server
        self.on_wire: set[str] = set()  # in a request whose answer is not classified yet
        self.explained: dict[str, str] = {}  # the server's own reason for not applying it
        self.context: dict[str, str] = {}  # what happened to its last request, for the reason
        self.unjournalled: set[str] = set()
        self.sends = itertools.count(1)
        self.seen = Sightings(self.clock, max_read_age)  # what reads showed of each task, and when they began
        self.accounts: dict[Any, list[str]] = {}  # account -> chosen ids, for _learn
        self.flying: dict[frozenset[Any], Future] = {}  # reads ahead on the wire, by accounts
        self.unfiltered = False  # the server was seen to answer a narrowed read with other accounts' tasks
        self.sent_any = False
        self.run_id = ""
        self.done = 0
        self.failed = 0  # tasks settled as failed, for progress
        self.wake: Callable[[], None] = lambda: None  # tells the waiting thread that ``done`` moved
        self._stopped: str | None = None
        self.error: BaseException | None = None  # what stops the run with an exception
        self.auth_error: APIStatusError | None = None

    @property
    def stopped(self) -> str | None:
        """Why no further request may be sent (None while the run goes on)."""
        if self._stopped is None and self.stop is not None and self.stop.is_set():
            self._stopped = "asked to stop"
        return self._stopped

    @stopped.setter
    def stopped(self, why: str | None) -> None:
        self._stopped = why

    # -- outcomes ------------------------------------------------------------
    def settle(self, items: Iterable[tuple[str, str, str]], *, send: int | None = None, rows: bool = False, final: bool = True) -> None:
        """Record outcomes (id, outcome, reason) and journal them (with the rows of never-sent
        tasks when ``rows``). ``final=False`` keeps them out of the journal: *unfinished* there."""
        items = [(i, o, r) for i, o, r in items if i not in self.results]
        if not items:
            return
        now, chosen = utcnow(), self.chosen
        with self.lock:
            self.results.update((i, TaskResult(i, o, r, chosen.get(i, {}).get("status"), chosen.get(i, {}).get("account_id"),
                                               chosen.get(i, {}).get("type"), now)) for i, o, r in items)
            self.done += len(items)
            self.failed += sum(outcome == "failed" for _, outcome, _ in items)
        self.wake()
        if self.journal is None or not self.run_id or not final:
            return
        extra: dict[str, Any] = {"send": send} if send is not None else {}
        if rows:
            extra["tasks"] = [self.rows[i] for i, _, _ in items if i in self.rows]
        try:
            results = [{"id": i, "outcome": o, "reason": r} for i, o, r in items]
            self.journal.write("outcome", self.run_id, durable=False, action=self.rule.name, results=results, **extra)
        except JournalError as exc:
            self.unjournalled.update(i for i, _, _ in items)
            self.fail(exc)

    def fail(self, exc: BaseException) -> None:
        """Stop the run: no further request is sent, and ``exc`` is raised at the end."""
        with self.lock:
            self.error = self.error or exc
            self.stopped = self.stopped or f"{type(exc).__name__}: {exc}"

    # -- live state ----------------------------------------------------------
    def read(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Live records of ``ids`` that still exist (narrowed by account), waiting as the server asks."""
        accounts = set(accounts_of(self.chosen, ids))
        wanted = set(ids)
        return {r["id"]: r for r in self._read_accounts(accounts) if r["id"] in wanted}

    def read_ahead(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """:meth:`read` for a batch about to be sent: joins a read of the same accounts already on the
        wire (it started no earlier than this one would have had to), so workers that take batches of
        one account together share one read."""
        accounts = accounts_of(self.chosen, ids)
        wanted = set(ids)
        with self.lock:
            shared = next((f for key, f in self.flying.items() if accounts <= key), None)
            if shared is None:
                shared = self.flying[accounts] = Future()
                mine = True
            else:
                mine = False
        if mine:
            try:
                shared.set_result(self._read_accounts(set(accounts)))
            except BaseException as exc:  # noqa: BLE001 - handed to every worker that shares the read
                shared.set_exception(exc)
            finally:
                with self.lock:
                    self.flying.pop(accounts, None)
        return {r["id"]: r for r in shared.result() if r["id"] in wanted}

    def _read_accounts(self, accounts: set[Any]) -> list[dict[str, Any]]:
        """One narrowed read, read again as the client's retry policy allows (``rereads``, ``deadline``: the reads
        in flight included, so a server that drips its answer cannot hold the run past it)."""
        started = self.clock.monotonic()
        until = started + self.policy.deadline if self.policy.deadline is not None else None
        for attempt in itertools.count():
            if self.unfiltered:
                accounts = accounts | {None}  # the server ignores accountIds: every read covers every account
            try:
                with self.gate.reading(accounts), self.client.deadline_at(until):
                    number, began = self.seen.begin()
                    records = live_tasks(self.client, accounts)
                    self._learn(number, began, accounts, records)
                return records
            except APIError as exc:
                wait = self.policy.wait(attempt, exc, mutation=False, started=started, limit=self.policy.rereads, now=self.clock.monotonic())
                if wait is None:
                    raise
                self.clock.sleep(wait)
        raise AssertionError("unreachable")

    def _learn(self, number: int, began: float, accounts: set[Any], records: list[dict[str, Any]]) -> None:
        """Keep, for every chosen task, what any worker's reads have shown of it: the first state that is
        not as chosen (gone or moved on) sticks — such a task is never sent, whatever a read answered
        out of order says later; otherwise the newest read's record."""
        if None not in accounts and any(account_key(r.get("account_id")) not in accounts for r in records):
            self.unfiltered = True  # from now on the gate treats each read as a read of everything
        listed: dict[str, dict[str, Any]] = {}
        chosen = self.chosen
        # Only what the read was asked for counts: rows of other accounts were not guarded by the gate.
        wanted = [r for r in records if r["id"] in chosen and (None in accounts or account_key(chosen[r["id"]].get("account_id")) in accounts)]
        for record in wanted:  # a task listed twice: a copy that is not as chosen wins (never send on a guess)
            first = listed.setdefault(record["id"], record)
            if first is not record and self._as_chosen(record["id"], first) and not self._as_chosen(record["id"], record):
                listed[record["id"]] = record
        with self.lock:
            covered = list(self.chosen if None in accounts else itertools.chain.from_iterable(self.accounts.get(a, ()) for a in accounts))
        self.seen.saw(number, began, covered, listed, self._as_chosen)

    def _as_chosen(self, task_id: str, record: dict[str, Any]) -> bool:
        chosen = self.chosen.get(task_id)
        return chosen is not None and record.get("status") in self.rule.eligible and as_chosen(chosen, record)

    def choose(self, task_id: str, record: dict[str, Any]) -> None:
        """``record`` is the task as chosen (a frame's row, or a bare id's first live state): remember what
        to judge it by, the row to journal, and its account (for the reads that cover it)."""
        if task_id not in self.chosen:
            self.accounts.setdefault(account_key(record.get("account_id")), []).append(task_id)
        self.chosen[task_id] = {k: record.get(k) for k in CHOSEN_FIELDS}
        self.rows[task_id] = dict(record)

    # -- one batch -------------------------------------------------------------
    def work(self, batch: list[str], live: Future | dict[str, dict[str, Any]] | None) -> None:
        """Take one batch through re-read → judge → journal → send until every id has an outcome
        (or the run stops). ``live`` is the batch's prefetched read, if any."""
        queue: deque[tuple[list[str], Any]] = deque([(batch, live)])
        stale = 0  # reads in a row that were too old by the time the batch could be judged
        while queue and not self.stopped:
            ids, live = queue.popleft()
            ids = [i for i in ids if i not in self.results]
            if not ids:
                continue
            floor = self.clock.monotonic() if live is None else None  # a read begun now, for this very judgement
            state = self._live(ids, live)
            if state is None:
                continue
            # From the judgement to the request's answer no read of these accounts runs, and reads in
            # flight finish first: the tasks are judged on the newest state any read has shown.
            with self.gate.sending(accounts_of(self.chosen, ids)):
                if self.stopped:
                    return  # stopped (Ctrl-C, a wrong key, the journal) while this batch was being read
                if self.seen.stale(ids, floor):
                    stale += 1
                    if stale <= STALE_READS:
                        queue.appendleft((ids, None))  # read again, just before judging (outside the gate)
                    else:  # never sent on an old read, and never read again without end
                        self.settle(((i, "failed", f"not sent: {STALE_READS + 1} reads in a row were older than {self.seen.max_age:g} s "
                                     "by the time the batch could be judged") for i in ids), rows=True)
                    continue
                stale = 0
                sendable = self._judge(ids, state)
                if not sendable:
                    continue
                if self.dry_run:
                    self.settle((i, self.rule.dry, "dry run") for i in sendable)
                    continue
                number = next(self.sends)
                try:
                    if self.journal is not None:
                        self.journal.write("intent", self.run_id, send=number, action=self.rule.name, tasks=[self.rows[i] for i in sendable])
                except JournalError as exc:
                    self.fail(exc)  # these tasks are reported not_sent
                    return
                if self.stopped:  # stopped while the intent was written (an fsync can take a while): still not sent
                    self.settle((i, "not_sent", self.stopped) for i in sendable)
                    return
                data, error = self._call(sendable)
            queue.extend(self._answer(sendable, number, data, error))

    def _live(self, ids: list[str], live: Any) -> dict[str, dict[str, Any]] | None:
        """The batch's live state: the prefetched read, or a fresh one; None when it cannot be had."""
        try:
            state = live.result() if isinstance(live, Future) else live if live is not None else self.read(ids)
            self._confirm_gone(ids, state)
            return state
        except APIStatusError as exc:
            if exc.status_code in FATAL_STATUS:
                self._fatal(exc)
                return None
            self._unreadable(ids, exc)
        except APIError as exc:
            self._unreadable(ids, exc)
        return None

    def _confirm_gone(self, ids: list[str], live: dict[str, dict[str, Any]]) -> None:
        """A task a request of ours may have reached, missing from a read narrowed by account, is looked for
        in a read of every account before it counts as deleted (it may have moved to another account)."""
        missing = [i for i in ids if i in self.maybe_applied and self.seen.freshest(i, live) is None]
        if not missing or None in accounts_of(self.chosen, ids):
            return  # nothing to confirm, or the read was of every account already
        began = self.clock.monotonic()
        everything = {r["id"]: r for r in self._read_accounts({None}) if r["id"] in set(missing)}
        self.seen.found(everything, began, self._as_chosen)

    def _unreadable(self, ids: list[str], exc: APIError) -> None:  # out of reach: the run stops, these are not_sent
        gone = f"the server could not be reached ({exc})" if isinstance(exc, APIConnectionError) else None
        with self.lock:
            self.stopped = self.stopped or gone
        unknown = [i for i in ids if i in self.maybe_applied]
        reason = f"could not re-read the state ({exc}): unknown whether it happened — run ugc_nb.reconcile(journal, client)"
        self.settle(((i, "unknown", reason) for i in unknown), final=False)
        outcome, why = ("not_sent", str(self.stopped or gone)) if gone else ("failed", f"could not check the live state before sending: {exc}")
        self.settle(((i, outcome, why) for i in ids if i not in unknown), rows=True)

    def _judge(self, ids: list[str], live: dict[str, dict[str, Any]]) -> list[str]:
        """Settle the tasks whose live state rules out sending; return those to send, rows refreshed."""
        settled, sendable = [], []
        for i in ids:
            record = self.seen.freshest(i, live)
            verdict, reason = judge(self.rule, self.chosen.get(i, {}), record, ours_maybe=i in self.maybe_applied)
            if verdict == SEND and i in self.explained:
                verdict, reason = "failed", f"the server did not {self.rule.name} it: {self.explained[i]}"
            elif verdict == SEND and self.attempts.get(i, 0) >= self.max_attempts:
                verdict, reason = "failed", f"gave up after {self.max_attempts} attempts"
            elif verdict == SEND and self.refused.get(i, 0) >= self.max_attempts * (self.policy.max_retries + 1):
                verdict, reason = "failed", f"gave up after {self.refused[i]} refusals (429 or no connection)"
            elif verdict == SEND and self._past_deadline(i):
                verdict, reason = "failed", f"gave up: the retry deadline ({self.policy.deadline:g} s) passed"
            if verdict != SEND:
                settled.append((i, verdict, f"{self.context[i]}; {reason}" if i in self.context else reason))
                continue
            if record is not None:
                if "status" not in self.chosen.get(i, {}):
                    self.choose(i, record)
                self.rows[i] = dict(record)  # the server's row, exactly as it sent it
            sendable.append(i)
        self.settle([s for s in settled if s[1] == "unknown"], final=False)  # unfinished in the journal, for reconcile
        self.settle([s for s in settled if s[1] != "unknown"], rows=True)
        return sendable

    def _call(self, ids: list[str]) -> tuple[Any, APIError | None]:
        """Make the request: (its data, None) or (None, the error). It is abandoned at the deadline of the
        batch's task first sent longest ago (counted as possibly applied)."""
        now = self.clock.monotonic()
        for i in ids:
            self.attempts[i] = self.attempts.get(i, 0) + 1
            self.first_sent.setdefault(i, now)
        self.on_wire.update(ids)
        self.sent_any = True
        until = min(self.first_sent[i] for i in ids) + self.policy.deadline if self.policy.deadline is not None else None
        try:
            with self.client.deadline_at(until), self.client.one_try():  # a 429 or a refused connection: judged again first
                return (self.client.tasks.delete(ids) if self.rule.name == "delete" else self.client.tasks.retry(ids)), None
        except APIError as exc:
            return None, exc

    def _answer(self, ids: list[str], number: int, data: Any, error: APIError | None) -> list[tuple[list[str], Any]]:
        """Settle what a request's answer (or error) shows; return what must go round again (ids, live state or None)."""
        if isinstance(error, APIStatusError):
            exc = error
            if exc.status_code in FATAL_STATUS:
                self.on_wire.difference_update(ids)
                self._fatal(exc)
                self.settle(((i, "failed", f"HTTP {exc.status_code}: {exc.message}") for i in ids), send=number)
                return []
            if 400 <= exc.status_code < 500 and exc.status_code != 429:
                return self._rejected(ids, exc, number)
            return self._lost(ids, exc)
        if error is not None:
            return self._lost(ids, error)
        answer = read_answer(self.rule, ids, data)
        if isinstance(answer, str):
            return self._lost(ids, APIResponseValidationError(f"answer not believed: {answer}", path="", may_have_applied=True))
        return self._applied(ids, answer, number)

    def _applied(self, ids: list[str], answer: Answer, number: int) -> list[tuple[list[str], Any]]:
        self.on_wire.difference_update(ids)
        self.settle(((i, self.rule.done, "") for i in ids if i in answer.applied), send=number)
        self.explained.update((i, answer.errors[i]) for i in ids if i in answer.errors)
        silent = [i for i in ids if i not in answer.applied and i not in answer.errors]
        self.maybe_applied.update(silent)  # not listed and not explained: it may have happened
        self.context.update((i, "not listed in the answer") for i in silent)
        rest = [i for i in ids if i not in answer.applied]
        return [(rest, None)] if rest else []

    def _rejected(self, ids: list[str], exc: APIStatusError, number: int) -> list[tuple[list[str], Any]]:
        """A 4xx: what its body lists as applied is done; re-read the rest; halve when nobody is at fault."""
        self.on_wire.difference_update(ids)
        self.attempts.update({i: self.attempts[i] - 1 for i in ids})  # a rejected request is not the tasks' attempt
        data = exc.body.get("data")
        answer = read_answer(self.rule, ids, data) if data is not None else None
        if isinstance(answer, Answer) and answer.applied:
            self.settle(((i, self.rule.done, f"applied, though the server answered {exc.status_code}") for i in ids if i in answer.applied), send=number)
            ids = [i for i in ids if i not in answer.applied]
        # Whatever a 4xx says, a server may have applied some of it first (up to an id limit, say): a task gone or
        # moved on when re-read after it is taken as ours, never as someone else's doing.
        self.maybe_applied.update(ids)
        self.context.update((i, f"the server answered {exc.status_code} ({exc.message})") for i in ids)
        if not ids:
            return []
        try:
            live = self.read(ids)
            self._confirm_gone(ids, live)
        except APIError as exc2:
            self._unreadable(ids, exc2)
            return []
        still = self._judge(ids, live)
        self.maybe_applied.difference_update(still)  # still as chosen after the answer: not applied by that request
        if len(still) < len(ids):
            return [(still, live)] if still else []
        if len(still) > 1:  # nobody at fault: an id limit, or a rule we do not know
            half = len(still) // 2
            return [(still[:half], live), (still[half:], live)]
        self.settle([(still[0], "failed", f"HTTP {exc.status_code}: {exc.message}")], send=number)
        return []

    def _lost(self, ids: list[str], exc: APIError) -> list[tuple[list[str], Any]]:
        """No usable answer: wait as the server asks, then re-read before deciding anything."""
        if exc.may_have_applied:
            self.maybe_applied.update(ids)
            what = exc.message if isinstance(exc, APIResponseValidationError) else f"answer lost ({type(exc).__name__}: {exc.message})"
        else:  # a 429, or a request that never reached the server: not done, not an attempt; the server's words kept
            what = f"not done ({exc.message})"
            self.attempts.update({i: self.attempts[i] - 1 for i in ids})
            self.refused.update({i: self.refused.get(i, 0) + 1 for i in ids})
        self.context.update((i, what) for i in ids)
        self.on_wire.difference_update(ids)
        attempt = max(max(self.attempts.get(i, 0) + self.refused.get(i, 0) for i in ids), 1) - 1  # the backoff grows all the same
        wait = self.policy.delay(attempt, getattr(exc, "retry_after", None))
        if self.policy.deadline is not None:  # no wait ends past the deadline: re-read at once, and send no more
            now = self.clock.monotonic()
            started = min(self.first_sent.get(i, now) for i in ids)
            wait = max(0.0, min(wait, self.policy.deadline - (now - started)))
        self.clock.sleep(wait)
        return [(ids, None)]

    def _past_deadline(self, task_id: str) -> bool:
        """The policy's deadline has passed since this task's first request (it is not sent again)."""
        first = self.first_sent.get(task_id)
        return first is not None and self.policy.deadline is not None and self.clock.monotonic() - first >= self.policy.deadline

    def _fatal(self, exc: APIStatusError) -> None:
        with self.lock:
            self.auth_error = self.auth_error or exc
            self.stopped = self.stopped or f"the server refused the API key (HTTP {exc.status_code}: {exc.message})"

    def finish(self, ids: list[str]) -> None:
        """Every task still without an outcome: ``unknown`` when a request of ours may have reached the server (left
        unfinished in the journal), else ``not_sent`` (the reason says why the run stopped)."""
        open_ = [i for i in ids if i not in self.results]
        unknown = [i for i in open_ if i in self.maybe_applied or i in self.on_wire]
        why = self.stopped or "the run stopped"
        self.settle(((i, "unknown", f"the run stopped ({why}) before its state was re-read — run ugc_nb.reconcile") for i in unknown), final=False)
        self.settle(((i, "not_sent", why) for i in open_ if i not in unknown), rows=True)
