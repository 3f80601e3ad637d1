"""The destructive path against an independent fake server (tests/fakeapi.py, no code shared with the sandbox).

One test per class of fault of the safety issue, each over httpx.MockTransport and over real
loopback HTTP; every run ends with the four invariants of tests/safety.py.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections import OrderedDict

import fakeapi
import httpx
import orjson
import pandas as pd
import pytest
from fakeapi import FakeAPI, FaultSchedule, make_tasks
from safety import FAST, KEY, FakeClock, FaultyOS, check_invariants, client_on, crashed_run, documented_batches, failed_tasks, fake_with, watch_journal

import ugc_nb
from ugc_nb import UGCClient, delete_tasks, load_tasks, read_journal, reconcile, retry_tasks
from ugc_nb.api.errors import APIStatusError, APITimeoutError, CleanupError, JournalError
from ugc_nb.cleanup import journal as journal_module

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture(params=["mock", "http"])
def mode(request):
    return request.param


def setup(mode, tmp_path, *, n=24, semantics="all_or_nothing", precision="s", **options):
    """A fake with ``n`` tasks, a client on it, the loaded frame, and a watched journal path."""
    fake = FakeAPI(make_tasks(n, accounts=3, seed=11, precision=precision, extra_fields=options.pop("extra", False)),
                   api_key=KEY, semantics=semantics, precision=precision, **options)
    journal = tmp_path / "journal.jsonl"
    watch_journal(fake, journal)
    return fake, journal


def deletable(df):
    return df[df["status"].isin(["scheduled", "failed"])]


# -- 1. the journal is the only copy of a deleted task ----------------------------------
@pytest.mark.parametrize("kind", ["short", "enospc", "eio_write", "eio_fsync"])
def test_journal_failure_before_a_send_stops_and_keeps_the_report(mode, tmp_path, monkeypatch, kind):
    """A short write then ENOSPC, or EIO on write/fsync, on the second intent: JournalError with the report,
    that batch and every later one not sent, the first batch's outcome in the report."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        df = load_tasks(client, now=NOW)
        chosen = deletable(df)
        faulty = FaultyOS(kind=kind, on=("intent", 2))
        monkeypatch.setattr(journal_module, "os", faulty)
        with pytest.raises(JournalError) as info:
            delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    report = info.value.report
    assert faulty.fired and report is not None
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert list(outcomes.values()).count("deleted") == 4 == len(fake.deleted_by_us)  # the first batch only
    assert len([r for r in fake.requests if r.path == "/tasks/delete"]) == 1
    assert report.ids("not_sent") and "failed" not in report.totals  # the journal refused: the rest were never sent


def test_journal_failure_after_a_send_leaves_the_batch_unfinished_for_reconcile(mode, tmp_path, monkeypatch):
    """The outcome record after a sent batch cannot be written: JournalError, the report still says deleted,
    the journal shows those tasks unfinished, and reconcile settles them as deleted."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        monkeypatch.setattr(journal_module, "os", FaultyOS(kind="short", on=("outcome", 1)))  # the first batch's outcome
        with pytest.raises(JournalError) as info:
            delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
        monkeypatch.setattr(journal_module, "os", os)
        report = info.value.report
        check_invariants(fake, report, chosen["id"].tolist(), journal)
        deleted = set(report.ids("deleted"))
        assert len(deleted) == 4 and any("unfinished" in n for n in report.notes)
        with pytest.warns(journal_module.JournalWarning):  # the torn line left by the failed write
            rows = read_journal(journal).set_index("id")
        assert set(rows.index[rows["outcome"] == "unfinished"]) == deleted
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", journal_module.JournalWarning)
            settled = reconcile(journal, client)
    assert set(settled.ids("deleted")) == deleted


def test_an_unexpected_error_after_a_send_is_typed_and_leaves_the_batch_unknown(mode, tmp_path, monkeypatch):
    """A bug while reading an answer (here a TypeError) never turns a sent task into 'not sent': CleanupError
    with the report, the batch 'unknown' and unfinished in the journal."""
    from ugc_nb.cleanup import engine as cleanup

    fake, journal = setup(mode, tmp_path)

    def broken(*args, **kwargs):
        raise TypeError("unexpected shape")

    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        monkeypatch.setattr(cleanup, "read_answer", broken)
        with pytest.raises(CleanupError) as info:
            delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    assert not isinstance(info.value, TypeError) and isinstance(info.value.__cause__, TypeError)
    report = info.value.report
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert list(outcomes.values()).count("unknown") == 4 and set(fake.deleted_by_us) == set(report.ids("unknown"))


def test_every_field_of_a_deleted_row_is_journalled_with_and_without_verification(mode, tmp_path):
    """Fields beyond the schema reach the journal and read back, with verify=True and verify=False."""
    fake, journal = setup(mode, tmp_path, extra=True)
    with client_on(fake, mode) as client:
        df = load_tasks(client, now=NOW)
        chosen = deletable(df)
        half = len(chosen) // 2
        delete_tasks(client, chosen.iloc[:half], journal=journal, progress=False)
        delete_tasks(client, chosen.iloc[half:], journal=journal, verify=False, progress=False)
    rows = read_journal(journal).set_index("id")
    for task_id, original in fake.deleted_by_us.items():
        assert rows.loc[task_id, "row"]["failure_reason"] == original["failure_reason"]
        assert rows.loc[task_id, "retry_count"] == original["retry_count"]
        assert rows.loc[task_id, "updated_at"] == original["updated_at"]
    assert len(fake.deleted_by_us) == len(chosen)


def test_one_unreadable_journalled_field_hides_no_other_row(tmp_path):
    """A journalled row with a timestamp the frame cannot parse: the other rows read back whole, that field
    is missing with a warning, and the 'row' column keeps it as written."""
    path = tmp_path / "j.jsonl"
    book = journal_module.Journal(path)
    good, bad = make_tasks(2, seed=3)
    bad = {**bad, "created_at": "yesterday-ish"}
    book.write("intent", "r1", send=1, action="delete", tasks=[good, bad])
    book.close()
    with pytest.warns(journal_module.JournalWarning, match="created_at"):
        frame = read_journal(path).set_index("id")
    assert frame.loc[good["id"], "created_at"] == pd.Timestamp(good["created_at"])
    assert pd.isna(frame.loc[bad["id"], "created_at"]) and frame.loc[bad["id"], "row"]["created_at"] == "yesterday-ish"


# -- 2. verified just before each batch ----------------------------------------------------
def test_task_changed_after_the_run_began_is_changed_in_whichever_batch(mode, tmp_path):
    """After the first delete request, a colleague retries a failed task of a later batch and another task
    starts: both are 'changed' and never sent."""
    fake, journal = setup(mode, tmp_path, n=40)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        # Batches from the third on are read after the first request arrives (one worker reads one batch ahead).
        batches = documented_batches(chosen["id"].tolist(), chosen["account_id"].astype(str).tolist(), 4)
        later = [i for batch in batches[2:] for i in batch]
        failed_late = [i for i in later if fake.tasks[i]["status"] == "failed"][-1]
        started_late = later[-1] if later[-1] != failed_late else later[-2]
        seen = []

        def colleague(api, path, ids):
            if path == "/tasks/delete" and not seen:
                seen.append(ids)
                api.colleague_retry([failed_late])
                api.set_status([started_late], "pending")

        fake.before = colleague
        report = delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert outcomes[failed_late] == "changed" and outcomes[started_late] == "changed"
    sent = {i for r in fake.requests if r.path == "/tasks/delete" for i in r.ids}
    assert failed_late not in sent and started_late not in sent
    assert fake.tasks[failed_late]["status"] == "scheduled"


def test_each_batch_is_reread_narrowed_to_its_accounts(mode, tmp_path):
    """Every delete request is preceded by a /tasks read covering that batch's accounts, not all of them."""
    fake, journal = setup(mode, tmp_path, n=40)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        bodies = []
        real = client.tasks.list

        def spy(**kw):
            bodies.append(sorted(kw.get("account_ids") or []))
            return real(**kw)

        client.tasks.list = spy
        report = delete_tasks(client, chosen, journal=journal, batch_size=3, concurrency=2, progress=False)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    requests = [r for r in fake.requests if r.path == "/tasks/delete"]
    assert requests and bodies
    by_id = chosen.set_index("id")["account_id"].astype(str)
    every = set(by_id)
    for r in requests:  # each batch was read, by its own read or one it shared, narrowed to a few accounts
        assert any({by_id[i] for i in r.ids} <= set(b) < every for b in bodies), r.ids


# -- 3. answers are checked, not believed ---------------------------------------------------
def _lying(kind):
    def rewrite(path, status, body):
        if path != "/tasks/delete" or status != 200:
            return status, body
        data = body["data"]
        if kind == "count":
            data["deleted"] = data["deleted"] + 1
        elif kind == "both":
            data["errors"] = [{"id": data["ids"][0], "error": "odd"}]
        elif kind == "extra_id":
            data["ids"] = [*data["ids"], "task_not_sent"]
            data["deleted"] += 1
        elif kind == "shape_ids":
            data["ids"] = ",".join(data["ids"])
        elif kind == "shape_errors":
            data["errors"] = {"oops": True}
        elif kind == "claims_more":  # lists a task it did not delete: count and ids agree, the ids do not
            data["ids"] = data["ids"][:1] * 2
            data["deleted"] = 2
        return status, body

    return rewrite


@pytest.mark.parametrize("kind", ["count", "both", "extra_id", "shape_ids", "shape_errors", "claims_more"])
def test_contradictory_success_answers_are_settled_by_rereading(mode, tmp_path, kind):
    """A success answer that contradicts itself is not believed: every task is settled by re-reading, and
    nothing is reported deleted while it still exists."""
    fake, journal = setup(mode, tmp_path, semantics="partial")
    fake.rewrite = _lying(kind)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        report = delete_tasks(client, chosen, journal=journal, batch_size=5, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert set(outcomes.values()) == {"deleted"}


@pytest.mark.parametrize("lie", ["count_zero", "both_listed_and_in_error"])
def test_a_success_answer_that_contradicts_itself_is_never_believed(mode, tmp_path, lie):
    """The first delete is not applied, yet answered 200 listing every id (with a count of 0, or with the first
    id also in errors): nothing is reported deleted while it exists; the re-read finds them and they are deleted."""
    from fakeapi import Outcome

    fake, journal = setup(mode, tmp_path)
    handle, lied = fake.handle, []

    def liar(path, authorization, raw):
        if path == "/tasks/delete" and not lied:
            ids = orjson.loads(raw)["taskIds"]
            lied.append(ids)
            data = ({"deleted": 0, "ids": ids} if lie == "count_zero" else
                    {"deleted": len(ids), "ids": ids, "errors": [{"id": ids[0], "error": "not deletable"}]})
            return Outcome("answer", 200, orjson.dumps({"ok": True, "code": 200, "message": "Success", "data": data}))
        return handle(path, authorization, raw)

    fake.handle = liar
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(5)
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert lied and set(outcomes.values()) == {"deleted"} and len(fake.deleted_by_us) == 5


def test_partial_server_answering_400_with_applied_ids_counts_them_as_ours(mode, tmp_path):
    """A partial server that answers 400 for the rest but lists what it applied in data: those are 'deleted'."""
    fake, journal = setup(mode, tmp_path, semantics="partial")
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        victim = chosen["id"].iloc[1]

        def start_one(api, path, ids):
            if path == "/tasks/delete" and victim in ids:
                api.set_status([victim], "pending")

        def as_400(path, status, body):
            if path == "/tasks/delete" and body.get("data", {}).get("errors"):
                return 400, {"ok": False, "code": 400, "message": "some tasks are not deletable", "data": {**body["data"], "errors": None}}
            return status, body

        fake.before, fake.rewrite = start_one, as_400
        report = delete_tasks(client, chosen, journal=journal, batch_size=len(chosen), progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert outcomes[victim] == "changed"
    assert {i for i, o in outcomes.items() if o == "deleted"} == set(chosen["id"]) - {victim}


@pytest.mark.parametrize("limit_status", [413, 422])
def test_413_and_422_with_nobody_at_fault_halve_the_batch(mode, tmp_path, limit_status):
    """An id limit answered with 413 or 422 is treated like one answered 400: the batch is halved until it passes."""
    fake, journal = setup(mode, tmp_path, max_ids=3, limit_status=limit_status)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        report = delete_tasks(client, chosen, journal=journal, batch_size=12, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert set(outcomes.values()) == {"deleted"}


def test_403_stops_the_run_like_401_and_keeps_the_message(mode, tmp_path):
    """A 403 on a delete stops the run; that batch fails with the server's message, the rest are not sent."""
    from fakeapi import Outcome

    fake, journal = setup(mode, tmp_path)
    calls = []
    handle = fake.handle

    def forbid_second(path, authorization, raw):  # refused before anything is applied
        if path == "/tasks/delete":
            calls.append(1)
            if len(calls) == 2:
                return Outcome("answer", 403, orjson.dumps({"ok": False, "code": 403, "message": "key lacks the tasks:write scope"}))
        return handle(path, authorization, raw)

    fake.handle = forbid_second
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        report = delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert len(calls) == 2 and report.totals["deleted"] == 4
    assert any("tasks:write scope" in r.reason for r in report.results)
    assert any("Stopped" in n for n in report.notes)


# -- 4. lost and late answers ----------------------------------------------------------------
def test_a_request_applied_late_is_counted_once_as_ours(mode, tmp_path):
    """The server applies a delete only after its answer was lost: re-read, counted once as deleted, not resent."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(5)
        once = FaultSchedule(["late"])
        fake.faults = lambda path, ids: once(path, ids) if path == "/tasks/delete" else None
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert set(outcomes.values()) == {"deleted"}
    assert len([r for r in fake.requests if r.path == "/tasks/delete"]) == 1


def test_a_request_applied_after_the_first_reread_is_still_counted_as_ours(mode, tmp_path):
    """The server applies a lost delete only after the engine's first re-read: the re-sent delete meets a 404, and
    the tasks still count as deleted by us (once), not as not_found."""
    from fakeapi import Outcome

    fake, journal = setup(mode, tmp_path)
    handle, held, seen = fake.handle, [], [0]

    def slow_server(path, authorization, raw):
        if held:
            seen[0] += 1
            if seen[0] == 2:  # the request after the first re-read
                with fake.lock:
                    for i in held.pop():
                        fake.deleted_by_us[i] = fake.tasks.pop(i)
        if path == "/tasks/delete" and not seen[0] and not held:
            held.append(orjson.loads(raw)["taskIds"])
            return Outcome("lost")
        return handle(path, authorization, raw)

    fake.handle = slow_server
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(5)
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert set(outcomes.values()) == {"deleted"} and len(fake.deleted_by_us) == 5


@pytest.mark.parametrize("hint", ["nan", "-5", "inf", "1e12", "soon"])
def test_odd_retry_after_values_are_clamped_never_a_crash(mode, tmp_path, hint):
    """429s with a Retry-After of NaN, negative, infinite, absurd or garbage: waits are clamped, the run completes."""
    fake, journal = setup(mode, tmp_path)
    fake.retry_after = hint
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(6)
        fake.faults = FaultSchedule(["429", "429", None, "429"])
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    assert set(check_invariants(fake, report, chosen["id"].tolist(), journal).values()) == {"deleted"}


def test_engine_rereads_honour_retry_after(mode, tmp_path, monkeypatch):
    """When the client's own retries are spent, the engine waits what the server's Retry-After says before reading again."""
    fake, journal = setup(mode, tmp_path)
    fake.retry_after = "0.0007"
    clock = FakeClock()
    slept = clock.sleeps
    with client_on(fake, mode, max_retries=0, clock=clock) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(3)
        fake.faults = FaultSchedule(["429"])  # the verification read
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert 0.0007 in slept


# -- 5. timestamps keep their precision ---------------------------------------------------------
@pytest.mark.parametrize("precision", ["s", "ms", "us"])
def test_rows_from_the_frame_and_live_rows_compare_equal_at_any_precision(mode, tmp_path, precision):
    """Seconds, milliseconds, microseconds, Z or +00:00: an unchanged task is sent, not 'changed'."""
    fake, journal = setup(mode, tmp_path, precision=precision)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    assert set(check_invariants(fake, report, chosen["id"].tolist(), journal).values()) == {"deleted"}


# -- 6. one rule for what a task's state after a request means ----------------------------------
def test_a_retry_applied_then_failed_again_is_retried_for_engine_and_reconcile(mode, tmp_path):
    """A retry whose answer was lost and which ran and failed again before the re-read: 'retried' for the
    engine and for reconcile alike (the same rule)."""
    fake, journal = setup(mode, tmp_path, n=60, precision="us")
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW).query("status == 'failed'").head(2)
        ids = chosen["id"].tolist()
        assert len(ids) == 2

        def fail_again(api, path, body_ids):
            if path == "/tasks" and api.retried_by_us:
                api.set_status(list(api.retried_by_us), "failed")

        fake.faults = lambda path, body_ids: "lost_after" if path == "/tasks/retry" else None
        fake.before = fail_again
        report = retry_tasks(client, chosen, journal=journal, max_attempts=1, progress=False)
        assert report.totals == {"retried": 2}
        # The same situation, judged by reconcile from a journal whose run was killed after the send.
        other = tmp_path / "other.jsonl"
        rows = [fake.deleted_by_us.get(i) or {**fake.tasks[i], "status": "failed", "scheduled_time": "2026-10-01T00:00:00Z"} for i in ids]
        crashed_run(other, client, "retry", rows, run_id="r9")
        assert reconcile(other, client).totals == {"retried": 2}


# -- 7. the key in any server text ----------------------------------------------------------------
def _leaks(text: str) -> list[str]:
    return [KEY[i : i + 6] for i in range(len(KEY) - 5) if KEY[i : i + 6] in text]


def test_no_part_of_the_key_survives_in_errors_reports_journal_or_logs(mode, tmp_path, caplog):
    """The server echoes the key — whole, its first 10 characters, its last 8 — in per-task errors of a success
    answer, in an HTML 502 page (cut at 200 characters right through it) and a 401 body: none reaches an
    exception, a report, its HTML, a log line or the journal."""
    caplog.set_level(logging.DEBUG, logger="ugc_nb")
    fake, journal = setup(mode, tmp_path, semantics="partial")
    with client_on(fake, mode) as client:
        df = load_tasks(client, now=NOW)
        chosen = pd.concat([deletable(df), df[df["status"] == "pending"].head(2)])
        pending = df[df["status"] == "pending"]["id"].head(2).tolist()

        def echo(path, status, body):
            if path == "/tasks/delete" and status == 200:
                body["data"]["errors"] = [{"id": e["id"], "error": f"denied for key {KEY[:10]}… ({KEY[-8:]})"} for e in body["data"].get("errors") or []]
            return status, body

        fake.rewrite = echo
        fake.set_status(chosen["id"].head(2).tolist(), "pending")  # so the partial server explains two ids
        report = delete_tasks(client, chosen, journal=journal, verify=False, progress=False)
        page = ("<html>" + "x" * 190 + KEY + "</html>").encode()
        fake.rewrite = lambda path, status, body: (502, page) if path == "/tasks" else (status, body)
        with pytest.raises(APIStatusError) as html_error:
            client.tasks.list()
        fake.rewrite = lambda path, status, body: (401, {"ok": False, "code": 401, "message": f"bad key {KEY}"})
        with pytest.raises(ugc_nb.AuthenticationError) as auth_error:
            client.tasks.list()
    texts = [str(report), report._repr_html_(), report.to_frame().to_csv(), journal.read_text(), caplog.text]
    for exc in (html_error.value, auth_error.value):
        texts += [str(exc), repr(exc), exc.message, repr(exc.body), exc.text, str(exc.args)]
    texts = [text.replace(str(tmp_path), "<tmp>") for text in texts]  # a temp path such as /tmp/pytest-31 is not server text
    assert not [leak for text in texts for leak in _leaks(text)]
    assert pending  # the selection did include tasks the server refused


@pytest.mark.parametrize("bad", ["sk-test-“curly”-0123456789", "sk-test-0123456789\nabcdef", "sk-test-0123 456789abcdef"])
def test_a_key_that_cannot_go_in_a_header_is_refused_without_quoting_it(bad):
    """Curly quotes, a line break or a space pasted with the key: a clear ValueError that does not contain it."""
    with pytest.raises(ValueError, match="cannot go in an HTTP header") as info:
        ugc_nb.UGCClient(api_key=bad, base_url="http://127.0.0.1:9")
    assert "0123" not in str(info.value) and "sk-test" not in str(info.value)


# -- 8. bad input, clear errors -------------------------------------------------------------------
def test_a_frame_missing_columns_is_refused_before_anything_is_sent(mode, tmp_path):
    """A hand-built frame without the columns the engine needs: ValueError naming them, no request."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        frame = pd.DataFrame({"id": ["task_a"], "status": ["failed"]})
        with pytest.raises(ValueError, match="account_id, scheduled_time"):
            delete_tasks(client, frame, journal=journal)
        with pytest.raises(ValueError, match="row 1 has 7"):
            delete_tasks(client, pd.DataFrame({"id": ["task_a", 7], "status": ["failed"] * 2, "account_id": "a", "scheduled_time": None}), journal=journal)
    assert not fake.requests


def test_a_live_record_whose_id_is_not_a_string_is_a_clear_error_not_a_guess(mode, tmp_path):
    """The server lists a task with a numeric id: the read is refused as invalid, nothing is sent or guessed."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(3)

        def numeric(path, status, body):
            if path == "/tasks" and status == 200:
                body["data"] = [{**t, "id": 12345} if n == 0 else t for n, t in enumerate(body["data"])]
            return status, body

        fake.rewrite = numeric
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    assert report.totals == {"failed": 3} and "not a string" in report.results[0].reason
    assert not [r for r in fake.requests if r.path == "/tasks/delete"]


# -- 9. smaller defects -----------------------------------------------------------------------------
def test_tasks_frame_leaves_the_callers_records_alone():
    """tasks_frame does not modify the caller's list, even of OrderedDicts with extra fields."""
    records = [OrderedDict(t, extra=1) for t in make_tasks(3, seed=1)]
    before = list(records)
    ugc_nb.tasks_frame(records)
    assert records == before and all(type(r) is OrderedDict for r in records) and all(a is b for a, b in zip(records, before))


def test_status_error_body_is_always_a_dict():
    """APIStatusError.body is a dict whatever the body held (JSON object, list, HTML, nothing); the text is kept."""
    answers = [httpx.Response(400, json={"ok": False, "message": "bad"}), httpx.Response(400, json=["x"]),
               httpx.Response(502, content=b"<html>down</html>"), httpx.Response(500, content=b"")]
    for answer in answers:
        client = ugc_nb.UGCClient(api_key=KEY, base_url="http://fake.test", retry=ugc_nb.api.NO_WAIT, transport=httpx.MockTransport(lambda r, a=answer: a))
        with pytest.raises(APIStatusError) as info:
            client.tasks.list()
        assert isinstance(info.value.body, dict) and isinstance(info.value.text, str)
    assert "down" in info.value.text or info.value.text == ""


def test_a_connect_timeout_is_an_api_timeout_error():
    """A timeout while connecting raises APITimeoutError (and is known not to have reached the server)."""

    def slow(request):
        raise httpx.ConnectTimeout("connect timed out", request=request)

    client = ugc_nb.UGCClient(api_key=KEY, base_url="http://fake.test", retry=ugc_nb.api.NO_WAIT, transport=httpx.MockTransport(slow))
    with pytest.raises(APITimeoutError) as info:
        client.tasks.delete(["task_a"])
    assert not info.value.may_have_applied


def test_reconcile_keeps_the_error_class_and_closes_the_journal(mode, tmp_path):
    """reconcile with a revoked key raises AuthenticationError (still catchable as such) and leaks no descriptor."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        crashed_run(journal, client, "delete", [next(iter(fake.tasks.values()))])
        fake.api_key = "revoked"
        with pytest.raises(ugc_nb.AuthenticationError):
            reconcile(journal, client)  # opens the HTTP connection, if any
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(5):
            with pytest.raises(ugc_nb.AuthenticationError, match="reconcile"):
                reconcile(journal, client)
        assert len(os.listdir("/proc/self/fd")) <= before


def test_progress_counts_are_exact_under_concurrency(mode, tmp_path):
    """With several workers the progress callable ends exactly at the total, from the calling thread, never above it."""
    fake, journal = setup(mode, tmp_path, n=60)
    seen = []
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        delete_tasks(client, chosen, journal=journal, batch_size=2, concurrency=4,
                     progress=lambda d, t: seen.append((d, t, threading.get_ident())))
    assert seen[-1][:2] == (len(chosen), len(chosen)) and all(d <= t for d, t, _ in seen)
    assert {who for *_, who in seen} == {threading.get_ident()}
    assert [d for d, *_ in seen] == sorted(d for d, *_ in seen)


def test_journal_lines_are_whole_json(tmp_path):
    """Every line the journal writes is one whole JSON object (orjson can read each)."""
    book = journal_module.Journal(tmp_path / "j.jsonl")
    for k in range(20):
        book.write("outcome", "r", results=[{"id": f"t{k}", "outcome": "deleted", "reason": "ü" * k}])
    book.close()
    assert all(isinstance(orjson.loads(line), dict) for line in (tmp_path / "j.jsonl").read_bytes().splitlines())


# -- found by the adversarial review (a helper who saw only the README) ------------------------
def test_ids_that_share_characters_with_the_key_are_never_rewritten(mode, tmp_path):
    """A task id and an account id that contain 6+ characters of the key stay as they are: scrubbing touches
    server text, never data, so the right task is read, judged, journalled and deleted."""
    tasks = make_tasks(4, accounts=1, seed=2)
    for t in tasks:
        t["account_id"] = f"acc_{KEY[12:20]}"
    tasks[0]["id"] = f"task_{KEY[20:32]}"
    fake, journal = fake_with(tasks, tmp_path)
    with client_on(fake, mode) as client:
        df = load_tasks(client, now=NOW)
        assert set(df["id"]) == {t["id"] for t in tasks} and set(df["account_id"].astype(str)) == {tasks[0]["account_id"]}
        chosen = deletable(df)
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert set(outcomes.values()) == {"deleted"}


def test_ctrl_c_while_another_worker_is_reading_sends_nothing_more(mode, tmp_path):
    """Ctrl-C while one worker's delete is on the wire and another worker's verification read is still out:
    when that read returns, its batch is not sent."""
    import signal
    import time

    tasks = make_tasks(2, accounts=1, seed=4)
    for n, t in enumerate(tasks):
        t.update(status="failed", account_id=f"acc_{n}")
    fake, journal = fake_with(tasks, tmp_path, watch=False)
    handle, state = fake.handle, {"loaded": False, "kicked": False}

    def slow_second_account(path, authorization, raw):
        body = orjson.loads(raw or b"{}")
        if path == "/tasks" and state["loaded"] and body.get("accountIds") == ["acc_1"]:
            time.sleep(0.5)  # acc_1's verification read is still out when Ctrl-C is pressed
        if path == "/tasks":
            state["loaded"] = True
        if path == "/tasks/delete" and not state["kicked"]:
            state["kicked"] = True
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            time.sleep(0.1)
        return handle(path, authorization, raw)

    fake.handle = slow_second_account
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        with pytest.raises(ugc_nb.CleanupInterrupted) as info:
            delete_tasks(client, chosen, journal=journal, batch_size=1, concurrency=2, progress=False)
    report = info.value.report
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert report.totals == {"deleted": 1, "not_sent": 1} and len(fake.deleted_by_us) == 1
    assert len([r for r in fake.requests if r.path == "/tasks/delete"]) == 1


def test_a_read_listing_a_task_twice_with_different_states_is_not_sent(mode, tmp_path):
    """The verification read lists a task as pending and again as failed: it is 'changed', never sent."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        victim = chosen["id"].iloc[0]

        def twice(path, status, body):
            if path == "/tasks" and status == 200:
                copies = [t for t in body["data"] if t["id"] == victim]
                body["data"] = [{**c, "status": "pending"} for c in copies] + body["data"]
            return status, body

        fake.rewrite = twice
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    assert report.to_frame().set_index("id").loc[victim, "outcome"] == "changed"
    assert victim not in {i for r in fake.requests if r.path == "/tasks/delete" for i in r.ids}


# -- found by the second adversarial review ---------------------------------------------------------
def test_a_server_that_ignores_the_account_filter_never_turns_our_delete_into_changed(mode, tmp_path):
    """The server answers a narrowed read with every account's tasks, one of them a task whose delete is out (and
    which a colleague just rescheduled): rows of accounts not asked for are not learnt, so our delete, applied and its
    answer lost, is still 'deleted'; from then on every read counts as a read of all accounts."""
    import time

    from fakeapi import Outcome

    tasks = make_tasks(2, accounts=1, seed=9)
    a, b = tasks
    a.update(status="failed", account_id="acc_1")
    b.update(status="failed", account_id="acc_2")
    fake, journal = fake_with(tasks, tmp_path, watch=False)
    handle = fake.handle
    b_sent = threading.Event()  # the colleague acts only after our read of b: never a race the engine could lose fairly

    def server(path, authorization, raw):
        body = orjson.loads(raw or b"{}")
        if path == "/tasks":
            if body.get("accountIds") == ["acc_1"]:
                b_sent.wait(5)
                if b["id"] in fake.tasks:
                    fake.colleague_retry([b["id"]])  # still deletable, but moved on
            return handle(path, authorization, b"{}")  # this server ignores accountIds
        if body.get("taskIds") == [b["id"]]:
            b_sent.set()
            time.sleep(0.3)
            handle(path, authorization, raw)  # applied ...
            return Outcome("lost")  # ... and the answer lost
        return handle(path, authorization, raw)

    fake.handle = server
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW).sort_values("account_id", ascending=False)  # b first
        report = delete_tasks(client, chosen, journal=journal, batch_size=1, concurrency=2, progress=False)
    outcomes = {r.id: r.outcome for r in report.results}
    assert not fake.tasks and outcomes == {a["id"]: "deleted", b["id"]: "deleted"}, report.to_frame()[["id", "outcome", "reason"]].values.tolist()


@pytest.mark.parametrize("error", [ValueError("progress bar broke"), KeyboardInterrupt()])
def test_a_progress_callable_that_raises_stops_the_run_with_its_report(mode, tmp_path, error):
    """A progress callable raising an error: CleanupError with the report (or, for KeyboardInterrupt, CleanupInterrupted),
    nothing more sent, and the callable is not called again and again."""
    fake, journal = setup(mode, tmp_path, n=40)
    calls = []

    def progress(done, total):
        calls.append(done)
        if len(calls) >= 2:
            raise error

    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        expected = CleanupError if isinstance(error, Exception) else ugc_nb.CleanupInterrupted
        with pytest.raises(expected) as info:
            delete_tasks(client, chosen, journal=journal, batch_size=1, concurrency=2, progress=progress)
    report = info.value.report
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert len(calls) == 2 and report.ids("not_sent")
    assert 1 <= len(fake.deleted_by_us) < len(chosen)


def test_a_row_that_cannot_be_written_as_json_is_a_journal_error_before_its_send(mode, tmp_path):
    """An extra field nested deeper than the JSON writer allows: JournalError with the report; that task is not sent."""
    tasks = failed_tasks(6, accounts=2, seed=5)
    deep = tasks[-1]
    deep["meta"] = orjson.loads(b"[" * 300 + b"]" * 300)
    fake, journal = fake_with(tasks, tmp_path)
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        with pytest.raises(JournalError, match="as JSON") as info:
            delete_tasks(client, chosen, journal=journal, batch_size=1, concurrency=1, progress=False)
    check_invariants(fake, info.value.report, chosen["id"].tolist(), journal)
    assert deep["id"] not in fake.deleted_by_us


def test_journalled_rows_are_the_servers_rows_exactly(mode, tmp_path):
    """With verification each journalled row is the server's record as sent: no field another task had is added as null."""
    tasks = failed_tasks(6, accounts=1, seed=6)
    tasks[0]["priority"] = "high"
    fake, journal = fake_with(tasks, tmp_path, watch=False)
    with client_on(fake, mode) as client:
        delete_tasks(client, load_tasks(client, now=NOW), journal=journal, progress=False)
    rows = read_journal(journal).set_index("id")["row"]
    assert all(rows[t["id"]] == t for t in tasks)


def test_reconcile_does_not_credit_a_crashed_run_with_a_later_runs_delete(mode, tmp_path):
    """Run 1 died as its delete went out (never applied); run 2 found the task and deleted it: reconcile says run 1's
    request did not take effect, so the task is deleted once in the journal."""
    fake, journal = setup(mode, tmp_path)
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW)).head(1)
        row = fake.tasks[chosen["id"].iloc[0]]
        crashed_run(journal, client, "delete", [dict(row)])
        assert delete_tasks(client, chosen, journal=journal, progress=False).totals == {"deleted": 1}
        settled = reconcile(journal, client)
    assert settled.totals == {"failed": 1} and "later run" in settled.results[0].reason
    frame = read_journal(journal)
    assert (frame["outcome"] == "deleted").sum() == 1


def test_load_refuses_unreadable_numbers_with_typed_errors():
    """A duration beyond any integer, or a number beyond a double in an extra field: a typed ugc_nb error, from
    tasks_frame and from load_tasks alike, never a bare OverflowError or JSONDecodeError."""
    row = ('{"id":"a","account_id":"acc_1","type":"edit_profile","status":"failed","scheduled_time":"2025-12-01T00:00:00Z",'
           '"duration":%s,"keywords":"k","edit_profile_info":null,"created_at":"2025-11-30T00:00:00Z"%s}')
    for duration, extra in [("123456789012345678901234567890", ""), ("30", ',"score":1e400')]:
        body = ('{"ok":true,"code":200,"message":"Success","data":[' + row % (duration, extra) + "]}").encode()
        with pytest.raises(ugc_nb.UGCError):
            ugc_nb.tasks_frame(body)
        client = ugc_nb.UGCClient(api_key=KEY, base_url="http://fake.test", retry=ugc_nb.api.NO_WAIT,
                                  transport=httpx.MockTransport(lambda r, b=body: httpx.Response(200, content=b)))
        with pytest.raises(ugc_nb.UGCError):
            load_tasks(client)


def test_a_task_without_an_account_id_does_not_sink_the_run(mode, tmp_path):
    """One task whose account_id is an empty string is read without an account filter; the others still go through."""
    tasks = failed_tasks(4, accounts=2, seed=8)
    tasks[0]["account_id"] = ""
    fake, journal = fake_with(tasks, tmp_path)
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    assert set(check_invariants(fake, report, chosen["id"].tolist(), journal).values()) == {"deleted"}


# -- found by the third adversarial review --------------------------------------------------------------
@pytest.mark.parametrize("action", ["delete", "retry"])
def test_a_server_that_applies_up_to_a_limit_then_answers_413_is_credited_to_us(mode, tmp_path, action):
    """A partial server applies the first two ids, then answers 413 for the request: the tasks it applied are
    ours (deleted/retried), not 'not_found'/'changed'; the rest go through in smaller batches."""
    tasks = failed_tasks(6, accounts=1, seed=12)
    fake, journal = fake_with(tasks, tmp_path, semantics="partial")
    handle = fake.handle

    def limited(path, authorization, raw):
        body = orjson.loads(raw or b"{}")
        ids = body.get("taskIds")
        if path != "/tasks" and ids and len(ids) > 2:
            handle(path, authorization, orjson.dumps({"taskIds": ids[:2]}))  # applied up to its limit ...
            return fakeapi.Outcome("answer", 413, orjson.dumps({"ok": False, "code": 413, "message": "too many ids"}))
        return handle(path, authorization, raw)

    fake.handle = limited
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        call = delete_tasks if action == "delete" else retry_tasks
        report = call(client, chosen, journal=journal, progress=False)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal, action=action)
    assert set(outcomes.values()) == {"deleted" if action == "delete" else "retried"}


def test_a_task_that_moved_account_after_a_lost_answer_is_not_reported_deleted(mode, tmp_path):
    """The delete is not applied and its answer lost, and the task moves to another account meanwhile: a narrowed
    re-read does not list it, a read of every account does — it is 'changed', never 'deleted' while it exists."""
    tasks = failed_tasks(3, accounts=1, seed=13, account_id="acc_1")
    fake, journal = fake_with(tasks, tmp_path, watch=False)
    handle, moved = fake.handle, tasks[0]["id"]

    def mover(path, authorization, raw):
        if path == "/tasks/delete" and fake.tasks[moved]["account_id"] == "acc_1":
            fake.tasks[moved]["account_id"] = "acc_2"  # not applied; the task moves meanwhile
            return fakeapi.Outcome("answer", 502, b"bad gateway")
        return handle(path, authorization, raw)

    fake.handle = mover
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        report = delete_tasks(client, chosen, journal=journal, progress=False)
    outcomes = {r.id: r.outcome for r in report.results}
    assert outcomes[moved] == "changed" and moved in fake.tasks
    assert all(outcomes[t["id"]] == "deleted" and t["id"] not in fake.tasks for t in tasks[1:])


def test_server_fields_named_like_derived_or_journal_columns_keep_their_names_and_values(mode, tmp_path):
    """Server fields 'age', 'server_age', 'outcome', 'reason': the frame keeps both ages, the verify=False journal writes
    each under its own name, and read_journal has one 'outcome' column (the server's is 'server_outcome')."""
    tasks = failed_tasks(2, accounts=1, seed=14, age="A", server_age="B", outcome="srv", reason="srv-reason")
    fake, journal = fake_with(tasks, tmp_path, watch=False)
    with client_on(fake, mode) as client:
        df = load_tasks(client, now=NOW)
        assert set(df["server_server_age"]) == {"A"} and set(df["server_age"]) == {"B"}
        delete_tasks(client, df, journal=journal, verify=False, progress=False)
    frame = read_journal(journal)
    assert frame.columns.is_unique and set(frame["outcome"]) == {"deleted"} and set(frame["server_outcome"]) == {"srv"}
    assert all(row["age"] == "A" and row["server_age"] == "B" and row["outcome"] == "srv" for row in frame["row"])


@pytest.mark.parametrize("bad", [None, 1.5, True, 0])
def test_engine_options_of_the_wrong_type_are_a_clear_error(bad):
    """batch_size/concurrency/max_attempts that are not whole numbers >= 1: a ValueError naming the option."""
    client = ugc_nb.UGCClient(api_key=KEY, base_url="http://fake.test", transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    for option in ("batch_size", "concurrency", "max_attempts"):
        with pytest.raises(ValueError, match=option):
            delete_tasks(client, ["task_a"], **{option: bad})


def test_malformed_records_inside_valid_lines_are_warned_about(tmp_path):
    """An intent whose tasks are not task records (a string, a list with numbers) is skipped with a warning naming the line."""
    path = tmp_path / "j.jsonl"
    path.write_text('{"kind":"intent","run":"r","tasks":"notalist"}\n{"kind":"intent","run":"r","tasks":[1,null,{"id":5},{"id":"t1"}]}\n')
    with pytest.warns(journal_module.JournalWarning) as caught:
        frame = read_journal(path)
    assert frame["id"].tolist() == ["t1"]
    assert {n for w in caught for n in (1, 2) if f"line {n}:" in str(w.message)} == {1, 2}


# -- stopping ---------------------------------------------------------------------------------------
def test_a_stop_event_sends_nothing_more_and_says_so_per_task(mode, tmp_path):
    """Setting ``stop`` while a delete is on the wire: that request finishes and is reported; no other
    request is sent; every task not sent is 'not_sent: asked to stop' and still on the server."""
    tasks = failed_tasks(40, accounts=4, seed=31)
    fake, journal = fake_with(tasks, tmp_path)
    stop = threading.Event()

    def press_stop(_fake, path, ids):
        if path == "/tasks/delete":
            stop.set()  # pressed while the first delete is on the wire

    fake.before = press_stop
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        report = delete_tasks(client, chosen, journal=journal, batch_size=5, concurrency=1, progress=False, stop=stop)
    outcomes = check_invariants(fake, report, chosen["id"].tolist(), journal)
    sent = [r for r in fake.requests if r.path == "/tasks/delete"]
    assert len(sent) == 1 and sorted(report.ids("deleted")) == sorted(sent[0].ids)
    not_sent = [r for r in report.results if r.outcome == "not_sent"]
    assert len(not_sent) == 35 and {r.reason for r in not_sent} == {"asked to stop"} and "failed" not in report.totals
    assert all(r.id in fake.tasks for r in not_sent) and sorted(outcomes.values()).count("deleted") == 5
    assert "Stopped: asked to stop." in report.notes


def test_a_stop_set_while_an_intent_is_written_sends_nothing_more(mode, tmp_path, monkeypatch):
    """Stop pressed while the next batch's intent is being fsynced (a slow disk): that batch is not sent after all —
    'not_sent: asked to stop' — though its intent is journalled. (Found by the adversarial review: it was sent.)"""
    import os as real_os

    tasks = failed_tasks(30, accounts=3, seed=33)
    fake, journal = fake_with(tasks, tmp_path)
    stop = threading.Event()

    class SlowDisk:
        def __getattr__(self, name):
            return getattr(real_os, name)

        def fsync(self, fd):
            real_os.fsync(fd)
            if any(r.path == "/tasks/delete" for r in fake.requests):
                stop.set()  # pressed during the fsync of an intent written after the first delete

    monkeypatch.setattr(journal_module, "os", SlowDisk())
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        report = delete_tasks(client, chosen, journal=journal, batch_size=5, concurrency=2, progress=False, stop=stop)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    sent = [r for r in fake.requests if r.path == "/tasks/delete"]
    assert len(sent) <= 2 and len(report.ids("deleted")) == len(fake.deleted_by_us) == sum(len(r.ids) for r in sent)
    assert {r.reason for r in report.results if r.outcome == "not_sent"} == {"asked to stop"} and "failed" not in report.totals


def test_a_server_out_of_reach_stops_the_run_instead_of_failing_batch_by_batch(mode, tmp_path):
    """After the first delete the server stops answering: the next batch's re-read gives up once, then
    nothing more is tried — the other batches are not_sent, 'the server could not be reached'."""
    tasks = failed_tasks(30, accounts=3, seed=32)
    fake, journal = fake_with(tasks, tmp_path)
    gone = threading.Event()

    def faults(path, ids):
        if gone.is_set():
            return "refuse"
        if path == "/tasks/delete":
            gone.set()  # this one is answered; nothing after it is
        return None

    fake.faults = faults
    with client_on(fake, mode) as client:
        chosen = load_tasks(client, now=NOW)
        report = delete_tasks(client, chosen, journal=journal, batch_size=5, concurrency=1, progress=False)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert len(report.ids("deleted")) == 5 and len(fake.deleted_by_us) == 5
    refused = [r for r in fake.requests if r.fault == "refuse"]
    per_read = ugc_nb.cleanup.READ_ATTEMPTS * (FAST.max_retries + 1)
    assert len(refused) < 3 * per_read  # the batch in hand and the one read ahead give up; not all six batches
    not_sent = [r for r in report.results if r.outcome == "not_sent" and r.reason.startswith("the server could not be reached")]
    in_hand = [r for r in report.results if r.outcome != "deleted" and r not in not_sent]  # failed, or unknown if sent
    assert len(not_sent) >= 20 and len(in_hand) <= 5 and {r.outcome for r in in_hand} <= {"failed", "unknown"}, report.results
    assert any("the server could not be reached" in n for n in report.notes)


def test_the_engines_waits_end_at_the_policys_deadline(mode, tmp_path):
    """A delete always answered 429 with Retry-After: 5, under a 0.3 s deadline: the engine does not sleep 8 × 5 s —
    it re-reads at the deadline, sends no more, and the task is 'failed: … retry deadline …', still on the server.
    (Found by the adversarial review: the engine's own waits ignored the deadline.)"""
    import time

    from ugc_nb.api.retry import RetryPolicy

    tasks = failed_tasks(1, accounts=1, seed=41)
    fake, journal = fake_with(tasks, tmp_path)
    fake.retry_after = "5"
    fake.faults = lambda path, ids: "429" if path == "/tasks/delete" else None
    policy = RetryPolicy(max_retries=0, initial=0.05, maximum=0.1, jitter=False, deadline=0.3)
    with client_on(fake, mode, retry=policy) as client:
        chosen = load_tasks(client, now=NOW)
        start = time.monotonic()
        report = delete_tasks(client, chosen, journal=journal, progress=False)
        took = time.monotonic() - start
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    [result] = report.results
    assert took < 3 and result.outcome == "failed" and "retry deadline (0.3 s) passed" in result.reason, (took, result)
    assert tasks[0]["id"] in fake.tasks


@pytest.mark.parametrize(("fault", "status"), [("500_before", 500), ("500_before", 503), ("429", 429)])
def test_the_servers_message_is_kept_when_a_task_is_given_up(mode, tmp_path, fault, status):
    """A 5xx or a 429 on every send: the tasks end `failed` ("gave up …") with the server's own message in the reason;
    a 429 refuses a request unapplied, so it does not count as an attempt — only the refusals' own bound ends it."""
    fake, journal = setup(mode, tmp_path, n=10)
    fake.faults = lambda path, ids: fault if path == "/tasks/delete" else None  # nothing is applied

    def rewrite(path, code, body):
        if path == "/tasks/delete" and code >= 429:
            return status, {**body, "code": status, "message": "DISK ON FIRE 42"}
        return code, body

    fake.rewrite = rewrite
    fake.retry_after = "0"
    with client_on(fake, mode) as client:
        chosen = deletable(load_tasks(client, now=NOW))
        report = delete_tasks(client, chosen, journal=journal, batch_size=4, max_attempts=2, progress=False)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    frame = report.to_frame()
    assert set(frame["outcome"]) == {"failed"} and len(frame) == len(chosen)
    # a 429 is a refusal, not an attempt: given up after max_attempts × (the client's retries + 1) of them, as many sends as before
    gave_up = "gave up after 6 refusals (429 or no connection)" if status == 429 else "gave up after 2 attempts"
    assert all("DISK ON FIRE 42" in reason and gave_up in reason for reason in frame["reason"]), frame["reason"].tolist()
    batches = -(-len(chosen) // 4)
    assert len([r for r in fake.requests if r.path == "/tasks/delete"]) == (6 if status == 429 else 2) * batches


# -- a task with no account is read with no account filter: that read is a read of every account --------------------
def _blank_and_acc_a(tmp_path, blank, *, blank_first=True):
    """4 tasks with a blank account and 8 of acc_a, all failed; the blank ones listed (and batched) first or last."""
    tasks = failed_tasks(12, accounts=1, seed=7)
    for n, task in enumerate(tasks):
        task["account_id"] = blank if (n < 4 if blank_first else n >= 8) else "acc_a"
    return fake_with(tasks, tmp_path)


@pytest.mark.parametrize("blank", ["", "  "])
@pytest.mark.parametrize("action", ["delete", "retry"])
def test_what_an_unfiltered_read_shows_of_other_accounts_counts(tmp_path, blank, action):
    """The read made for tasks with a blank account_id lists every account; a task of another account it shows
    moved on (pending) is never sent, though that account's own read shows it as chosen again."""
    fake, journal = _blank_and_acc_a(tmp_path, blank)
    target = next(i for i, t in fake.tasks.items() if t["account_id"] == "acc_a")

    def show_pending_once(path, status, body):
        listed = body.get("data") if path == "/tasks" and isinstance(body, dict) else None
        if isinstance(listed, list) and {t.get("account_id") for t in listed} == {blank, "acc_a"} and not shown:
            shown.append(target)
            body = {**body, "data": [{**t, "status": "pending"} if t["id"] == target else t for t in listed]}
        return status, body

    shown: list[str] = []
    with client_on(fake, "mock") as client:
        chosen = load_tasks(client, now=NOW)
        fake.rewrite = show_pending_once
        run = delete_tasks if action == "delete" else retry_tasks
        report = run(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    assert shown == [target]
    sent = {i for r in fake.requests if r.path != "/tasks" for i in r.ids}
    assert target not in sent
    assert report.to_frame().set_index("id").loc[target, "outcome"] == "changed"
    assert len(sent) == 11


class _Timed(httpx.BaseTransport):
    """Delegates to a transport, holding each request 30 ms on the wire, and notes when each one was out."""

    def __init__(self, inner):
        self.inner, self.spans, self.lock = inner, [], threading.Lock()

    def handle_request(self, request):
        import time

        start = time.monotonic()
        body = orjson.loads(request.content or b"{}")
        time.sleep(0.03)
        response = self.inner.handle_request(request)
        response.read()
        with self.lock:
            self.spans.append((request.url.path, body.get("accountIds"), body.get("taskIds") or [], start, time.monotonic()))
        return response


@pytest.mark.parametrize("concurrency", [1, 2, 4])
def test_a_read_with_no_account_filter_waits_for_every_request(tmp_path, concurrency):
    """No read of every account (made for tasks with a blank account_id) is on the wire while a request is."""
    fake, journal = _blank_and_acc_a(tmp_path, "", blank_first=False)  # read ahead while acc_a's requests are out
    timed = _Timed(fake.transport())
    with UGCClient(api_key=fake.api_key, base_url="http://fake.test", transport=timed, retry=FAST) as client:
        chosen = load_tasks(client, now=NOW)
        timed.spans.clear()
        report = delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=concurrency, progress=False)
    assert report.totals == {"deleted": 12}
    everything = [(a, b) for path, accounts, _, a, b in timed.spans if path == "/tasks" and accounts is None]
    sends = [(a, b) for path, _, ids, a, b in timed.spans if path == "/tasks/delete"]
    assert everything and sends
    assert not [(r, s) for r in everything for s in sends if r[0] < s[1] and s[0] < r[1]]


def test_a_batch_halved_after_4xx_answers_then_stopped_is_not_sent_not_unknown(tmp_path):
    """Found by a new user's walk: a server with an id limit answered 413 and the run was stopped while it halved the
    batch — 300 tasks read "unknown (run reconcile)" though none was deleted. A task the re-read after a 4xx shows
    still as chosen was not applied by that request: stopped before its next send, it is `not_sent`."""
    fake, journal = fake_with(failed_tasks(6, accounts=1, seed=3), tmp_path, max_ids=2, limit_status=413)
    stop = threading.Event()

    def press_stop(fake_, path, ids):
        if path == "/tasks/delete" and len([r for r in fake_.requests if r.path == "/tasks/delete"]) == 2:
            stop.set()

    with client_on(fake, "mock") as client:
        chosen = load_tasks(client, now=NOW)
        fake.before = press_stop
        report = delete_tasks(client, chosen, journal=journal, batch_size=6, concurrency=1, progress=False, stop=stop)
    check_invariants(fake, report, chosen["id"].tolist(), journal)
    assert report.totals == {"not_sent": 6} and not fake.deleted_by_us
    assert "unfinished" not in set(read_journal(journal)["outcome"].astype(str))
