"""The four invariants under every journal I/O fault (SQLite-style sweep) and under random fault schedules (hypothesis).

Both drive the real engine against the independent fake (tests/fakeapi.py) and check
tests/safety.py's invariants after every run: (a) no request carried a task the server last
showed as pending/complete; (b) one outcome per chosen task, matching the server; (c) the journal
holds the full row of every task our requests removed (checked on disk as each delete arrived);
(d) nothing reported deleted exists.
"""

from __future__ import annotations

import os
import random
import warnings

import pandas as pd
import pytest
from fakeapi import FakeAPI, make_tasks, random_faults
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safety import KEY, FaultyOS, check_invariants, client_on, watch_journal

from ugc_nb import delete_tasks, load_tasks, reconcile, retry_tasks
from ugc_nb.api.errors import CleanupError, JournalError
from ugc_nb.cleanup import journal as journal_module

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


def run_once(fake, client, chosen, journal, action="delete", **options):
    """One engine run; the report, whether it returned or raised with one."""
    call = delete_tasks if action == "delete" else retry_tasks
    try:
        return call(client, chosen, journal=journal, progress=False, **options), None
    except CleanupError as exc:
        return exc.report, exc


def journal_calls(tmp_path, mode):
    """How many journal I/O calls a clean run of the sweep's scenario makes."""
    fake = FakeAPI(make_tasks(14, accounts=2, seed=5, precision="ms"), api_key=KEY)
    counter = FaultyOS(n=10**9)
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        original = journal_module.os
        journal_module.os = counter
        try:
            delete_tasks(client, chosen, journal=tmp_path / "count.jsonl", batch_size=3, concurrency=1, progress=False)
        finally:
            journal_module.os = original
    return counter.calls


@pytest.mark.parametrize("mode", ["mock", "http"])
def test_every_journal_io_fault_at_every_step_keeps_the_invariants(mode, tmp_path, monkeypatch):
    """For every N and each kind (short write then a full disk, ENOSPC, EIO on write, EIO on fsync, EIO on open),
    the N-th journal I/O call of a run fails: the run stops with JournalError (and its report) or completes, and
    all four invariants hold; unfinished tasks are settled by reconcile afterwards."""
    total = journal_calls(tmp_path, mode)
    assert total >= 12  # run record, intents, outcomes over several batches: every one of them is swept
    checked = 0
    for kind in FaultyOS.KINDS:
        for n in range(1, total + 1):
            fake = FakeAPI(make_tasks(14, accounts=2, seed=5, precision="ms"), api_key=KEY)
            journal = tmp_path / f"j-{kind}-{n}.jsonl"
            watch_journal(fake, journal)
            with client_on(fake, mode) as client:
                chosen = load_tasks(client, now=NOW)
                faulty = FaultyOS(n=n, kind=kind)
                monkeypatch.setattr(journal_module, "os", faulty)
                report, error = run_once(fake, client, chosen, journal, batch_size=3, concurrency=1)
                monkeypatch.setattr(journal_module, "os", os)
                if report is None:  # the run record itself failed: nothing may have been sent
                    assert isinstance(error, JournalError) and not [r for r in fake.requests if r.path != "/tasks"]
                    continue
                assert isinstance(error, JournalError) == faulty.injected, (kind, n, error)
                check_invariants(fake, report, chosen["id"].tolist(), journal)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", journal_module.JournalWarning)
                    settled = reconcile(journal, client) if journal.exists() else None
                if settled is not None:
                    for result in settled.results:
                        assert (result.outcome == "deleted") == (result.id in fake.deleted_by_us), (kind, n, result)
                checked += 1
    assert checked >= 4 * (total - 3)


FAULT_KINDS = ("429", "500_before", "500_empty", "500_after", "lost_after", "drop_before", "late", "refuse")


@st.composite
def scenarios(draw):
    """A random world: tasks, server semantics and id limit, per-request fault rates, colleagues, journal faults."""
    return {
        "seed": draw(st.integers(0, 10**6)),
        "n": draw(st.integers(4, 30)),
        "semantics": draw(st.sampled_from(["all_or_nothing", "partial"])),
        "max_ids": draw(st.sampled_from([None, None, 2, 5])),
        "limit_status": draw(st.sampled_from([400, 413, 422])),
        "precision": draw(st.sampled_from(["s", "ms", "us"])),
        "rates": {k: draw(st.sampled_from([0.0, 0.0, 0.05, 0.15])) for k in FAULT_KINDS},
        "churn": draw(st.sampled_from([0.0, 0.1, 0.3])),
        "pre_gone": draw(st.integers(0, 3)),
        "journal_fault": draw(st.sampled_from([None, None, None, *FaultyOS.KINDS])),
        "journal_n": draw(st.integers(1, 40)),
        "batch_size": draw(st.sampled_from([1, 3, 7, 50])),
        "concurrency": draw(st.sampled_from([1, 2, 4])),
        "action": draw(st.sampled_from(["delete", "delete", "retry"])),
        "verify": draw(st.sampled_from([True, True, False])),
    }


def churn(rng, rate, colleague_retried):
    """A colleague and the scheduler at work between any two requests: tasks start, finish, fail, get retried."""

    def before(fake, path, ids):
        if not rate or rng.random() >= rate or not fake.tasks:
            return
        task_id = rng.choice(sorted(fake.tasks))
        status = fake.tasks[task_id]["status"]
        if status == "failed" and rng.random() < 0.5:
            colleague_retried.update(fake.colleague_retry([task_id]))
        else:
            fake.set_status([task_id], {"scheduled": "pending", "pending": rng.choice(["complete", "failed"])}.get(status, status))

    return before


def drive(world, mode, tmp_path):
    """Run the engine once in ``world`` and check the invariants."""
    rng = random.Random(world["seed"])
    fake = FakeAPI(make_tasks(world["n"], accounts=3, seed=world["seed"], precision=world["precision"], extra_fields=rng.random() < 0.5),
                   api_key=KEY, semantics=world["semantics"], max_ids=world["max_ids"], limit_status=world["limit_status"],
                   precision=world["precision"])
    journal = tmp_path / f"journal-{world['seed']}-{rng.random()}.jsonl"
    watch_journal(fake, journal)
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        fake.remove(chosen["id"].sample(min(world["pre_gone"], len(chosen)), random_state=world["seed"]).tolist())
        fake.faults = random_faults(rng, world["rates"])
        colleague = set()
        fake.before = churn(rng, world["churn"], colleague)
        original = journal_module.os
        if world["journal_fault"]:
            journal_module.os = FaultyOS(n=world["journal_n"], kind=world["journal_fault"])
        try:
            report, error = run_once(fake, client, chosen, journal, action=world["action"], batch_size=world["batch_size"],
                                     concurrency=world["concurrency"], verify=world["verify"], max_attempts=6)
        finally:
            journal_module.os = original
        fake.faults = fake.before = None
    if report is None:
        assert isinstance(error, JournalError) and not [r for r in fake.requests if r.path != "/tasks"]
        return
    check_invariants(fake, report, chosen["id"].tolist(), journal, action=world["action"], verified=world["verify"],
                     retried_by_others=colleague)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], derandomize=True)
@given(world=scenarios())
def test_random_faults_at_every_step_keep_the_invariants(world, tmp_path):
    """200 random worlds over MockTransport: 429s, 5xx before and after applying, lost and late answers, dropped and
    refused connections, tasks changing between any two requests, both semantics, id limits, journal I/O faults."""
    drive(world, "mock", tmp_path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], derandomize=True)
@given(world=scenarios())
def test_random_faults_over_loopback_http_keep_the_invariants(world, tmp_path):
    """The same property over real loopback HTTP (fewer examples: each one starts a server)."""
    drive(world, "http", tmp_path)
