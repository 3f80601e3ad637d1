"""Shared pieces of the safety tests: a client on the independent fake, journal I/O faults, the four invariants.

The invariants, checked after every run whatever the faults were:

(a) no request ever carried a task that the server showed as pending or complete
    (anything but failed, for a retry) at its last read — the fake records each;
(b) every chosen task has exactly one outcome, and it matches the server's final state;
(c) the journal holds the full row of every task our requests removed from the server
    (and the fake checked, as each delete arrived, that its rows were already on disk);
(d) nothing reported deleted still exists.
"""

from __future__ import annotations

import errno
import math
import os
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import orjson
from fakeapi import FakeAPI, make_tasks

from ugc_nb import UGCClient, read_journal
from ugc_nb.api.retry import RetryPolicy
from ugc_nb.cleanup.journal import Journal
from ugc_nb.cleanup.verdict import same_time

#: No waiting in tests, but the same decisions (Retry-After honoured up to a tiny cap).
FAST = RetryPolicy(max_retries=2, initial=0.0, maximum=0.0, retry_after_cap=0.001, jitter=False)
KEY = "sk-test-3f9a1c7e5b2d4f60a8e9c1b3d5f7a9e2"


@contextmanager
def client_on(fake: FakeAPI, mode: str, **options):
    """A UGCClient on the fake: through httpx.MockTransport ("mock") or real loopback HTTP ("http")."""
    options.setdefault("retry", FAST)
    if mode == "mock":
        with UGCClient(api_key=fake.api_key, base_url="http://fake.test", transport=fake.transport(), **options) as client:
            yield client
        return
    options.setdefault("timeout", 10)
    with fake.serve() as served, UGCClient(api_key=fake.api_key, base_url=served.url, **options) as client:
        yield client


def journal_rows_on_disk(path: Path) -> dict[str, dict]:
    """id -> full row of every task in an intent record already on disk (read raw, line by line)."""
    rows: dict[str, dict] = {}
    if not path.exists():
        return rows
    for line in path.read_bytes().split(b"\n"):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("kind") == "intent":
            rows.update({t["id"]: t for t in record.get("tasks", [])})
    return rows


def watch_journal(fake: FakeAPI, path: Path) -> None:
    """Make the fake check, as each delete arrives, that every row it carries is in the journal on disk."""

    def check(ids: list[str]) -> None:
        on_disk = journal_rows_on_disk(path)
        missing = [i for i in ids if i not in on_disk or "account_id" not in on_disk[i]]
        if missing:
            raise AssertionError(f"delete sent before its rows were on disk: {missing[:3]}")

    fake.journal_check = check


class FaultyOS:
    """Stands in for ``os`` inside ugc_nb.journal: the ``n``-th journal I/O call (open, write or fsync) fails.

    kinds: ``short`` (that write puts half its bytes on disk and returns a short count; the disk is
    then full: every later write fails with ENOSPC), ``enospc`` / ``eio_write`` (that write fails),
    ``eio_fsync`` (that fsync fails, whatever the call), ``eio_open``.
    """

    KINDS = ("short", "enospc", "eio_write", "eio_fsync", "eio_open")

    def __init__(self, n: int = 0, kind: str = "eio_write", *, on: tuple[str, int] | None = None) -> None:
        """Fail the ``n``-th I/O call, or (``on=("intent", 2)``) the I/O of the 2nd record of that kind."""
        self.n, self.kind, self.on, self.calls, self.full, self.fired = n, kind, on, 0, False, False
        self.injected = False  # a fault really happened (the n-th call was of the kind's type)
        self.seen: dict[str, int] = {}
        self.current = ""  # the kind of the record last written

    def __getattr__(self, name: str):
        return getattr(os, name)

    def _hit(self, data: bytes | None = None) -> bool:
        self.calls += 1
        if data is not None:
            text = bytes(data)
            record = next((k for k in ("run", "intent", "outcome") if f'"kind":"{k}"'.encode() in text), "")
            if record:
                self.seen[record] = self.seen.get(record, 0) + 1
                self.current = f"{record}#{self.seen[record]}"
        if self.on is None:
            hit = self.calls == self.n
        else:
            target = f"{self.on[0]}#{self.on[1]}"
            hit = self.current == target and not self.fired and (data is None) == (self.kind == "eio_fsync")
        self.fired = self.fired or hit
        return hit

    def _fail(self, code: int) -> None:
        self.injected = True
        raise OSError(code, os.strerror(code))

    def open(self, *args, **kwargs):
        if self._hit() and self.kind == "eio_open":
            self._fail(errno.EIO)
        return os.open(*args, **kwargs)

    def write(self, fd, data):
        hit = self._hit(data)
        if self.full:
            self._fail(errno.ENOSPC)
        if hit and self.kind == "short":
            self.full = self.injected = True
            return os.write(fd, bytes(data)[: max(1, len(data) // 2)])
        if hit and self.kind in ("enospc", "eio_write"):
            self._fail(errno.ENOSPC if self.kind == "enospc" else errno.EIO)
        return os.write(fd, data)

    def fsync(self, fd):
        if self._hit() and self.kind == "eio_fsync":
            self._fail(errno.EIO)
        return os.fsync(fd)


def check_invariants(fake: FakeAPI, report, chosen: list[str], journal: Path, *, action: str = "delete", verified: bool = True,
                     retried_by_others: set[str] = frozenset()) -> dict[str, str]:
    """The four invariants (see the module docstring); returns id -> outcome.

    ``verified=False`` (a run with ``verify=False``, which skips the read before a task's first
    request): (a) is then owed to the frame, not to a live read, and a task someone else removed
    before our request that was then lost may be reported deleted (it is gone either way).
    ``retried_by_others``: tasks a colleague retried during the run; one whose own retry's answer
    was lost in that window may be reported retried (it was retried, by one of the two).
    """
    if verified:
        assert not fake.violations, fake.violations  # (a), and the journal-before-send check
    else:
        assert not [v for v in fake.violations if "journal" in v or "before its rows" in v], fake.violations
    assert not fake.errors, fake.errors
    outcomes = {r.id: r.outcome for r in report.results}
    assert len(report.results) == len(outcomes), "a task has two outcomes"
    assert sorted(outcomes) == sorted(set(chosen)), "a chosen task has no outcome"  # (b) one each
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        entries = read_journal(journal) if journal.exists() else None
    unfinished = set() if entries is None else set(entries.loc[entries["outcome"] == "unfinished", "id"])
    for task_id, outcome in outcomes.items():
        present = task_id in fake.tasks
        if outcome == "deleted":
            assert not present and (task_id in fake.deleted_by_us or not verified), f"{task_id} reported deleted: {present=}"  # (d)
        elif outcome == "retried":
            assert task_id in fake.retried_by_us or task_id in retried_by_others, f"{task_id} reported retried but never retried"
        elif outcome == "not_found":
            assert not present and task_id not in fake.deleted_by_us, f"{task_id} not_found but {present=}"
        elif outcome == "unknown":
            assert task_id in unfinished, f"{task_id} unknown but not left unfinished in the journal"
        else:  # ineligible, changed, failed, would_*: our requests did not remove or retry it
            assert task_id not in fake.deleted_by_us, f"{task_id} was deleted by us but reported {outcome}"
            if action == "retry" and outcome != "failed":
                assert task_id not in fake.retried_by_us, f"{task_id} was retried by us but reported {outcome}"
    for task_id in fake.deleted_by_us:
        if task_id in outcomes:
            assert outcomes[task_id] in ("deleted", "unknown"), (task_id, outcomes[task_id])
    rows = journal_rows_on_disk(journal)
    for task_id, row in fake.deleted_by_us.items():  # (c): the only copy of a deleted task
        assert task_id in rows, f"{task_id} is gone from the server and not in the journal"
        kept = rows[task_id]
        for name, value in row.items():
            if name in ("status", "scheduled_time"):
                continue
            if name in ("created_at", "updated_at") and value is not None:
                assert same_time(kept.get(name), value), (task_id, name, kept.get(name), value)
            else:
                assert kept.get(name) == value, (task_id, name, kept.get(name), value)
    return outcomes


def failed_tasks(n: int, *, accounts: int, seed: int, **fields) -> list[dict]:
    """``n`` tasks from make_tasks, all ``failed`` (so each may be deleted or retried), with ``fields`` set on every one."""
    tasks = make_tasks(n, accounts=accounts, seed=seed)
    for task in tasks:
        task.update(status="failed", **fields)
    return tasks


def fake_with(tasks: list[dict], tmp_path: Path, *, watch: bool = True, **options) -> tuple[FakeAPI, Path]:
    """A fake holding ``tasks`` and the journal path of the test (watched: rows on disk before each delete)."""
    fake = FakeAPI(tasks, api_key=KEY, **options)
    journal = tmp_path / "j.jsonl"
    if watch:
        watch_journal(fake, journal)
    return fake, journal


def crashed_run(path: Path, client: UGCClient, action: str, rows: list[dict], *, run_id: str = "r1") -> None:
    """A journal left by a run killed right after it sent ``rows``: its run record and intent, no outcome."""
    book = Journal(path)
    run = book.new_run(action, chosen=len(rows), source=client.base_url, dry_run=False, run_id=run_id, key_hash=client.key_fingerprint(run_id))
    book.write("intent", run, send=1, action=action, tasks=rows)
    book.close()


def documented_batches(ids: list[str], accounts: list[str], size: int, turn: int = 1) -> list[list[str]]:
    """The batches the README describes for a selection (ids and their accounts, in selection order): each
    account's full batches, the accounts (in order of first appearance) taking turns ``turn`` (the concurrency)
    batches at a time, then the remainders of every account cut every ``size``. An oracle written from the
    README, to hold the engine to it."""
    by_account: dict[str, list[str]] = {}
    for task_id, account in zip(ids, accounts):
        by_account.setdefault(account, []).append(task_id)
    full = [[tasks[k : k + size] for k in range(0, len(tasks) - len(tasks) % size, size)] for tasks in by_account.values()]
    turns = [batch for start in range(0, max(map(len, full), default=0), turn) for own in full for batch in own[start : start + turn]]
    rest = [i for tasks in by_account.values() for i in tasks[len(tasks) - len(tasks) % size :]]
    return turns + [rest[k : k + size] for k in range(0, len(rest), size)]


class FakeClock:
    """A monotonic clock that moves only when someone sleeps on it: the engine's and the client's waits cost no
    real time, and every time a test reads is exact. Thread-safe; each sleep is kept in ``sleeps``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)


def read_ages(fake: FakeAPI) -> list[tuple[float, str, str | None]]:
    """For every task a mutation carried: (seconds since the newest read that covered its account and was answered
    before the mutation arrived — inf if none —, the task, its account), from the fake's own stamps of arrivals."""
    answered: dict[str | None, float] = {}  # account -> when its newest answered read arrived (None: a read of all)
    ages = []
    for rec in fake.requests:
        if rec.path == "/tasks" and rec.answered == 200:
            for account in rec.accounts if rec.accounts is not None else [None]:
                answered[account] = rec.at
        elif rec.path in ("/tasks/delete", "/tasks/retry"):
            for task_id, account in rec.owners.items():
                seen = max((t for t in (answered.get(account), answered.get(None)) if t is not None), default=None)
                ages.append((math.inf if seen is None else rec.at - seen, task_id, account))
    return ages


def one_task(task_id: str, account: str = "acc_A", status: str = "failed") -> dict:
    """A plain warm-up task record, as the API documents it."""
    return {"id": task_id, "account_id": account, "type": "warmup_scroll", "status": status,
            "scheduled_time": "2026-10-20T10:00:00Z", "duration": 300, "keywords": None,
            "edit_profile_info": None, "created_at": "2026-10-19T10:00:00Z"}


def fake_on_clock(tasks: list[dict], tmp_path: Path) -> tuple[FakeAPI, FakeClock, Path]:
    """A fake holding ``tasks`` that stamps each request with a :class:`FakeClock`, and the journal it watches."""
    fake, clock = FakeAPI(tasks, api_key=KEY), FakeClock()
    fake.stamp = clock.monotonic
    journal = tmp_path / "j.jsonl"
    watch_journal(fake, journal)
    return fake, clock, journal
