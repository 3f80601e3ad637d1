"""What the retry deadline bounds, and Retry-After dates read against the server's clock, on the independent fake.

A server that drips its answer a byte at a time resets every socket timeout; only the deadline can end such a
request. These tests run in real time over loopback HTTP (the drip is a real socket), each ending in a few
seconds where the drip would last 20 s.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pandas as pd
import pytest
from fakeapi import FakeAPI
from safety import KEY, FakeClock, check_invariants, client_on, fake_on_clock, one_task, read_ages, watch_journal

from ugc_nb import delete_tasks, load_tasks
from ugc_nb.api.errors import APITimeoutError
from ugc_nb.api.retry import RetryPolicy
from ugc_nb.cleanup.run import MAX_READ_AGE

NOW = pd.Timestamp("2026-11-01T12:00:00Z")
DEADLINE, TIMEOUT, DRIP = 2.0, 1.0, 0.2  # each byte comes before the socket timeout; 100 bytes take 20 s
POLICY = RetryPolicy(max_retries=3, initial=0.05, maximum=0.1, rereads=2, jitter=False, deadline=DEADLINE)


def dripping(tmp_path, path: str, *, then: str | None = None):
    """A fake whose answers to ``path`` drip (after the first ``/tasks`` read, which loads the frame)."""
    fake = FakeAPI([one_task(f"t{i}") for i in range(4)], api_key=KEY)
    fake.drip_every = DRIP
    journal = tmp_path / "j.jsonl"
    watch_journal(fake, journal)
    loaded: list[bool] = []

    def faults(p, ids):
        if p == "/tasks" and not loaded:
            loaded.append(True)
            return None
        if p == path:
            return "drip"
        return then if p != "/tasks" else None

    fake.faults = faults
    return fake, journal


def test_a_read_whose_answer_drips_is_abandoned_at_the_deadline(tmp_path):
    """client.tasks.list() against an answer that drips (each byte within the socket timeout) raises
    APITimeoutError naming the deadline once it passes, instead of reading for as long as the server drips."""
    fake, _ = dripping(tmp_path, "/tasks")
    fake.faults = lambda p, ids: "drip"
    with client_on(fake, "http", retry=POLICY, timeout=TIMEOUT) as client:
        start = time.monotonic()
        with pytest.raises(APITimeoutError, match="deadline") as info:
            client.tasks.list()
        took = time.monotonic() - start
    assert took < DEADLINE + TIMEOUT + 2, took  # the drip alone would take 20 s
    assert not info.value.may_have_applied


def test_a_delete_whose_answer_drips_is_abandoned_and_settled_by_a_reread(tmp_path):
    """The engine's delete request is abandoned at the deadline, counted as possibly applied, and settled by the
    re-read that follows: the tasks are gone, so `deleted` (ours), once."""
    fake, journal = dripping(tmp_path, "/tasks/delete")
    with client_on(fake, "http", retry=POLICY, timeout=TIMEOUT) as client:
        chosen = load_tasks(client, now=NOW)
        start = time.monotonic()
        report = delete_tasks(client, chosen, journal=journal, progress=False)
        took = time.monotonic() - start
    assert took < DEADLINE + TIMEOUT + 3, took
    assert set(check_invariants(fake, report, chosen["id"].tolist(), journal).values()) == {"deleted"}


def test_the_engines_reread_that_drips_is_abandoned_too(tmp_path):
    """A delete whose answer is lost, then re-reads that drip: the re-reads are bounded by the deadline as well;
    the tasks are `unknown` (left unfinished in the journal for reconcile), and the run ends."""
    fake, journal = dripping(tmp_path, "/tasks", then="lost_after")
    with client_on(fake, "http", retry=POLICY, timeout=TIMEOUT) as client:
        chosen = load_tasks(client, now=NOW)
        fake.faults = lambda p, ids: "lost_after" if p == "/tasks/delete" else "drip"
        start = time.monotonic()
        report = delete_tasks(client, chosen, journal=journal, progress=False, verify=False)
        took = time.monotonic() - start
    assert took < 2 * (DEADLINE + TIMEOUT) + 3, took
    assert set(check_invariants(fake, report, chosen["id"].tolist(), journal, verified=False).values()) == {"unknown"}


def test_no_request_starts_once_the_scope_deadline_has_passed():
    """client.deadline_at() in the past: nothing is sent, and the error says the deadline passed before sending."""
    fake = FakeAPI([one_task("t0")], api_key=KEY)
    clock = FakeClock()
    with client_on(fake, "mock", clock=clock) as client:
        with client.deadline_at(clock.monotonic() - 1), pytest.raises(APITimeoutError, match="before it could be sent") as info:
            client.tasks.delete(["t0"])
    assert not fake.requests and not info.value.may_have_applied


@pytest.mark.parametrize("skew", [-3600, 3600])
@pytest.mark.parametrize("path", ["/tasks", "/tasks/delete"])
def test_retry_after_dates_are_read_against_the_servers_date(tmp_path, skew, path):
    """A server an hour behind or ahead of us says "Retry-After: <its now + 3 s>" with its own Date: we wait 3 s
    (not 0 s, which sent every retry at once, nor the 30 s cap) — for reads and for the engine's deletes."""
    fake = FakeAPI([one_task("t0"), one_task("t1")], api_key=KEY)
    journal = tmp_path / "j.jsonl"
    watch_journal(fake, journal)
    server_now = lambda: datetime.now(UTC) + timedelta(seconds=skew)  # noqa: E731
    stamp: list[datetime] = []

    def date():  # the answer's Date and its Retry-After are written from the same instant of the server's clock
        stamp[:] = [server_now()]
        return format_datetime(stamp[0], usegmt=True)

    fake.date = date
    fake.retry_after = lambda: format_datetime(stamp[0] + timedelta(seconds=3), usegmt=True)
    clock = FakeClock()
    answered: list[str] = []

    def faults(p, ids):
        if p == path and len(answered) < 2:
            answered.append(p)
            return "429"
        return None

    policy = RetryPolicy(max_retries=3, retry_after_cap=30.0, jitter=False, deadline=None)
    with client_on(fake, "mock", retry=policy, clock=clock) as client:
        chosen = load_tasks(client, now=NOW)
        fake.faults = faults
        if path == "/tasks":
            client.tasks.list()
        else:
            report = delete_tasks(client, chosen, journal=journal, progress=False)
            assert report.totals == {"deleted": 2}
    assert clock.sleeps == [3.0, 3.0]


@pytest.mark.parametrize("path", ["/tasks", "/tasks/delete"])
def test_an_answer_whose_status_line_and_headers_drip_is_abandoned_at_the_deadline(path):
    """Found by the README-only adversary: a server that drips even its status line and headers (each byte inside
    the socket timeout) held client.tasks.list() and a delete for 35 s against a 3 s deadline. Every socket operation
    now waits no longer than the request's deadline."""
    fake = FakeAPI([one_task("t0")], api_key=KEY)
    fake.drip_every = DRIP
    fake.faults = lambda p, ids: "drip_head" if p == path else None
    with client_on(fake, "http", retry=POLICY, timeout=TIMEOUT) as client:
        start = time.monotonic()
        with pytest.raises(APITimeoutError, match="deadline") as info:
            client.tasks.list() if path == "/tasks" else client.tasks.delete(["t0"])
        took = time.monotonic() - start
    assert took < DEADLINE + TIMEOUT + 2, took  # the head alone would take ~20 s
    assert info.value.may_have_applied == (path == "/tasks/delete")


@pytest.mark.parametrize("refusal", ["429", "refuse"])
def test_a_delete_refused_with_429_or_a_refused_connection_is_judged_again_on_a_fresh_read(tmp_path, refusal):
    """Found by the README-only adversary: after a 429 (or a refused connection) the client re-sent the same delete
    after the wait, on the read taken before it — a task a colleague retried meanwhile was deleted. Now the engine
    gets the refusal, waits, reads again and judges: the retried task is `changed`, never sent again."""
    fake, clock, journal = fake_on_clock([one_task("t0"), one_task("t1")], tmp_path)
    fake.retry_after = "1"
    refused: list[float] = []
    colleague: list[str] = []

    def faults(p, ids):
        if p == "/tasks/delete" and not refused:
            refused.append(clock.monotonic())
            return refusal
        return None

    def before(fake_, p, ids):  # the colleague retries t0 while we wait out the refusal
        if refused and not colleague and clock.monotonic() > refused[0]:
            colleague.extend(fake_.colleague_retry(["t0"]))

    policy = RetryPolicy(max_retries=3, initial=1.0, maximum=1.0, retry_after_cap=30.0, jitter=False, deadline=None)
    with client_on(fake, "mock", retry=policy, clock=clock) as client:
        chosen = load_tasks(client, now=NOW)
        fake.faults, fake.before = faults, before
        report = delete_tasks(client, chosen, journal=journal, concurrency=1, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal, retried_by_others=set(colleague))
    assert colleague == ["t0"] and outcomes == {"t0": "changed", "t1": "deleted"} and fake.tasks["t0"]["status"] == "scheduled"
    assert max(age for age, _, _ in read_ages(fake)) <= MAX_READ_AGE
