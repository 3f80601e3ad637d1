"""The cleanup engine against the sandbox, in-process and over real loopback HTTP, under every fault switch.

Each scenario checks the same invariants (see ``check``): every chosen task has exactly
one outcome; no delete request ever carried a task the frame or the live check showed
as pending/complete; the report's deleted ids are exactly the tasks the sandbox deleted;
nothing reported deleted still exists; the journal holds the full row of every deleted task.
"""

from __future__ import annotations

import math
import signal
import threading
import time

import pandas as pd
import pytest
from safety import documented_batches

import ugc_nb
from ugc_nb import Faults, Sandbox, UGCClient, cleanup, delete_tasks, load_tasks, read_journal, reconcile, retry_tasks
from ugc_nb.api.retry import NO_WAIT

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture(params=["inprocess", "http"])
def env(request, tmp_path):
    """A sandbox, a client on it (MockTransport or real loopback HTTP), the loaded frame, a journal path."""
    box = Sandbox(n_tasks=400, n_accounts=16, seed=5, now=NOW.to_pydatetime())
    if request.param == "http":
        server = box.serve()
        client = UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, timeout=5)
    else:
        server = None
        client = box.client(retry=NO_WAIT)
    df = load_tasks(client, now=NOW)
    yield box, client, df, tmp_path / "journal.jsonl"
    client.close()
    if server is not None:
        server.close()


def delete_requests(box):
    return [r for r in box.requests if r.path == "/tasks/delete"]


def sent_ids(box, path="/tasks/delete"):
    return {i for r in box.requests if r.path == path and isinstance(r.body, dict) for i in r.body.get("taskIds") or []}


def check(box, report, chosen, journal, *, never_sent=()):
    """The invariants every cleanup must keep."""
    frame = report.to_frame()
    assert sorted(frame["id"]) == sorted(chosen["id"]) and frame["id"].is_unique
    assert frame["outcome"].notna().all()
    forbidden = set(chosen.loc[chosen["status"].isin(["pending", "complete"]), "id"]) | set(never_sent)
    assert not (sent_ids(box) & forbidden), "a delete was sent for a pending/complete task"
    deleted = set(report.ids("deleted"))
    assert deleted == set(box.deleted_ids) & set(chosen["id"])
    assert all(box.task(i) is None for i in deleted)
    survivors = set(frame.loc[~frame["outcome"].isin(["deleted", "not_found"]), "id"])
    assert all(box.task(i) is not None for i in survivors)
    if deleted:
        rows = read_journal(journal)
        kept = rows[rows["outcome"] == "deleted"].set_index("id")
        assert deleted <= set(kept.index)
        assert kept.loc[list(deleted), ["account_id", "type", "status", "created_at"]].notna().all().all()
    return frame


def old_failed(df):
    return df.ugc.with_status("failed").ugc.older_than("7D")


def test_delete_old_failed_tasks(env):
    """Failed tasks older than 7 days are deleted, nothing else; the journal holds their rows."""
    box, client, df, journal = env
    chosen = old_failed(df)
    assert len(chosen) > 10
    report = delete_tasks(client, chosen, journal=journal, batch_size=10, progress=False)
    check(box, report, chosen, journal)
    assert report.totals == {"deleted": len(chosen)} and report.ok
    assert len(box.deleted_ids) == len(chosen)


def test_ineligible_rows_are_never_sent(env):
    """Pending and complete rows in the selection are reported ineligible and never sent."""
    box, client, df, journal = env
    chosen = pd.concat([df.ugc.with_status("pending"), df.ugc.with_status("complete").head(20), old_failed(df).head(5)])
    report = delete_tasks(client, chosen, journal=journal, progress=False)
    frame = check(box, report, chosen, journal)
    assert (frame["outcome"] == "ineligible").sum() == len(chosen) - 5
    assert (frame["outcome"] == "deleted").sum() == 5


def test_tenth_turned_pending_after_load_is_caught_by_verification(env):
    """Tasks that started (pending) between load and confirm are 'changed' and never sent."""
    box, client, df, journal = env
    chosen = df.ugc.deletable()
    started = chosen["id"].tolist()[:: 10]
    box.set_status(started, "pending")
    report = delete_tasks(client, chosen, journal=journal, batch_size=25, progress=False)
    frame = check(box, report, chosen, journal, never_sent=started).set_index("id")
    assert (frame.loc[started, "outcome"] == "changed").all()
    assert frame.loc[started, "reason"].str.contains("pending").all()
    assert (frame["outcome"] == "deleted").sum() == len(chosen) - len(started)


def test_tasks_already_gone_are_not_found(env):
    """Tasks deleted elsewhere before the run are not_found, not deleted."""
    box, client, df, journal = env
    chosen = old_failed(df)
    gone = chosen["id"].tolist()[:3]
    client.tasks.delete(gone)
    box.reset_log()
    report = delete_tasks(client, chosen, journal=journal, progress=False)
    assert report.ids("not_found") == gone
    assert gone[0] not in sent_ids(box)


@pytest.mark.parametrize("semantics", ["all_or_nothing", "partial"])
def test_turned_pending_between_verification_and_delete(env, semantics):
    """A few tasks start between the live check and the request: rejected/partial batch settles them as changed."""
    box, client, df, journal = env
    box.semantics = semantics
    chosen = df.ugc.deletable()
    victims = chosen["id"].tolist()[3:30:9]
    fired = []

    def start_some(sandbox, path, ids):
        if not fired:
            fired.append(True)
            sandbox.set_status([v for v in victims], "pending")

    box.before_mutation = start_some
    report = delete_tasks(client, chosen, journal=journal, batch_size=40, progress=False)
    frame = check(box, report, chosen, journal).set_index("id")
    assert (frame.loc[victims, "outcome"] == "changed").all()
    assert all(box.status_of(v) == "pending" for v in victims)
    assert (frame["outcome"] == "deleted").sum() == len(chosen) - len(victims)


def test_id_limit_below_batch_size_is_bisected(env):
    """A server that takes at most 7 ids per request still gets every task deleted, in requests of ≤ 7."""
    box, client, df, journal = env
    box.max_ids = 7
    chosen = df.ugc.deletable()
    report = delete_tasks(client, chosen, journal=journal, batch_size=50, progress=False)
    check(box, report, chosen, journal)
    assert report.totals == {"deleted": len(chosen)}
    accepted = [r for r in delete_requests(box) if r.status == 200]
    assert accepted and all(len(r.body["taskIds"]) <= 7 for r in accepted)


def test_batches_are_whole_accounts_then_the_rest_cut_across_accounts(env):
    """ceil(N / batch_size) delete requests: first each account's full batches of its own tasks, the accounts taking
    turns, then what is left of every account cut every batch_size across accounts: only the last is part-filled."""
    box, client, df, journal = env
    chosen, size = df.ugc.deletable(), 7
    report = delete_tasks(client, chosen, journal=journal, batch_size=size, concurrency=1, progress=False)
    check(box, report, chosen, journal)
    assert report.totals == {"deleted": len(chosen)}
    requests = [r.body["taskIds"] for r in delete_requests(box)]
    assert len(requests) == math.ceil(len(chosen) / size)
    assert all(len(ids) == size for ids in requests[:-1])
    account = chosen.set_index("id")["account_id"].astype(str)
    whole = int((chosen["account_id"].astype(str).value_counts() // size).sum())
    assert whole > 0 and all(len({account[i] for i in ids}) == 1 for ids in requests[:whole])
    assert all(len({account[i] for i in ids}) > 1 for ids in requests[whole:-1])  # no account's rest fills a batch
    # One worker: the accounts take turns one full batch at a time, so an account's second batch comes after
    # every account's first (the read for the next batch need not wait for this one's request).
    firsts = (chosen["account_id"].astype(str).value_counts() >= size).sum()
    order = [account[ids[0]] for ids in requests[:whole]]
    assert len(set(order[:firsts])) == firsts and set(order) == set(order[:firsts])
    assert requests == documented_batches(chosen["id"].tolist(), chosen["account_id"].astype(str).tolist(), size)


@pytest.mark.parametrize("kind", ["500", "500_empty", "drop", "429"])
def test_transient_failure_on_delete_is_reread_then_resent(env, kind):
    """5xx with or without body, a dropped connection, a 429: state re-read, the batch resent, all deleted once."""
    box, client, df, journal = env
    chosen = old_failed(df)
    box.fail_next(kind, path="/tasks/delete", count=2)
    report = delete_tasks(client, chosen, journal=journal, batch_size=10, progress=False)
    check(box, report, chosen, journal)
    assert report.totals == {"deleted": len(chosen)}


def test_lost_response_after_delete_counts_once(env):
    """A delete applied but its answer lost: the tasks are found gone and reported deleted exactly once, not resent."""
    box, client, df, journal = env
    chosen = old_failed(df)
    box.fail_next("lose_response", path="/tasks/delete")
    report = delete_tasks(client, chosen, journal=journal, batch_size=len(chosen), progress=False)
    frame = check(box, report, chosen, journal)
    assert (frame["outcome"] == "deleted").all()
    assert len(delete_requests(box)) == 1
    assert frame["reason"].str.contains("answer lost").all()


@pytest.mark.parametrize("semantics", ["all_or_nothing", "partial"])
def test_storm(env, semantics):
    """25% 429s, 1 in 12 5xx, 1 in 25 dropped connections, lost answers: every still-eligible task is deleted."""
    box, client, df, journal = env
    box.semantics = semantics
    box.set_status(df.ugc.with_status("complete")["id"].tolist()[:250], "failed")  # a few hundred to delete
    df = load_tasks(client, now=NOW)
    chosen = pd.concat([df.ugc.deletable(), df.ugc.with_status("pending")])
    assert len(chosen) > 300
    box.reset_log()
    box.faults = Faults(rate_limit=0.25, retry_after=0, server_error=1 / 12, server_error_empty=0.02, drop=1 / 25, lose_response=0.05, seed=17)
    report = delete_tasks(client, chosen, journal=journal, batch_size=5, concurrency=3, progress=False)
    box.faults = Faults()
    check(box, report, chosen, journal)
    assert report.totals == {"deleted": len(df.ugc.deletable()), "ineligible": len(df.ugc.with_status("pending"))}
    faults = [r.fault for r in box.requests if r.fault]
    assert len(faults) >= 15 and len(set(faults)) >= 3  # the storm really happened


def test_dry_run_changes_nothing(env):
    """dry_run reports would_delete for eligible tasks, sends no mutation and writes no journal."""
    box, client, df, journal = env
    chosen = pd.concat([old_failed(df), df.ugc.with_status("pending")])
    report = delete_tasks(client, chosen, dry_run=True, journal=journal)
    assert set(report.totals) == {"would_delete", "ineligible"}
    assert report.totals["would_delete"] == len(old_failed(df))
    assert not delete_requests(box) and not box.deleted_ids and not journal.exists()


def test_retry_failed_tasks(env):
    """retry_tasks re-queues failed tasks (now scheduled); scheduled ones in the selection are ineligible."""
    box, client, df, journal = env
    chosen = pd.concat([old_failed(df).head(12), df.ugc.with_status("scheduled").head(3)])
    report = retry_tasks(client, chosen, journal=journal, batch_size=5, progress=False)
    assert report.totals == {"retried": 12, "ineligible": 3}
    assert all(box.status_of(i) == "scheduled" for i in report.ids("retried"))
    assert not sent_ids(box, "/tasks/retry") & set(report.ids("ineligible"))


def test_retry_with_lost_answer_counts_as_retried(env):
    """A retry applied whose answer was lost: the tasks are no longer failed, so they count as retried once."""
    box, client, df, journal = env
    chosen = old_failed(df).head(8)
    box.fail_next("lose_response", path="/tasks/retry")
    report = retry_tasks(client, chosen, journal=journal, progress=False)
    assert report.totals == {"retried": 8}
    assert len([r for r in box.requests if r.path == "/tasks/retry"]) == 1


def test_bare_ids_are_checked_live(env):
    """A list of ids is verified live: unknown ids not_found, complete ones ineligible, the rest deleted."""
    box, client, df, journal = env
    failed = old_failed(df)["id"].tolist()[:4]
    complete = df.ugc.with_status("complete")["id"].tolist()[:2]
    report = delete_tasks(client, [*failed, *complete, "task_nope"], journal=journal, progress=False)
    assert report.ids("deleted") == failed
    assert report.ids("ineligible") == complete and report.ids("not_found") == ["task_nope"]
    assert not sent_ids(box) & {*complete, "task_nope"}


def test_bare_ids_without_verification_are_refused(env):
    """verify=False with a bare id list would act on a guess, so it is a ValueError."""
    _, client, _, journal = env
    with pytest.raises(ValueError, match="verify=True"):
        delete_tasks(client, ["task_a"], verify=False, journal=journal)


def test_unverified_run_still_never_sends_ineligible_rows(env):
    """verify=False skips the live read but still never sends rows the frame shows as pending/complete."""
    box, client, df, journal = env
    chosen = pd.concat([old_failed(df).head(5), df.ugc.with_status("complete").head(5)])
    report = delete_tasks(client, chosen, verify=False, journal=journal, progress=False)
    check(box, report, chosen, journal)
    assert report.totals == {"deleted": 5, "ineligible": 5}
    assert not any(r.path == "/tasks" for r in box.requests[-len(delete_requests(box)):])


@pytest.mark.parametrize("bad, match", [([], "id list is empty"), (pd.DataFrame({"id": [], "status": []}), "0 rows"),
    ("task_a", "single string"), ([1], "strings")])
def test_bad_selection_raises(env, bad, match):
    """Empty selections, a bare string or non-string ids raise ValueError before any request."""
    box, client, _, journal = env
    box.reset_log()
    with pytest.raises(ValueError, match=match):
        delete_tasks(client, bad, journal=journal)
    assert not box.requests


def test_progress_callback_reaches_total(env):
    """A callable progress gets (done, total) and ends at total."""
    _, client, df, journal = env
    seen = []
    delete_tasks(client, old_failed(df), journal=journal, batch_size=5, progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] == len(old_failed(df))


def test_report_renders(env):
    """The report has totals, a frame with id/outcome, and renders as text and HTML."""
    _, client, df, journal = env
    report = delete_tasks(client, old_failed(df).head(3), journal=journal, progress=False)
    assert list(report.to_frame().columns[:2]) == ["id", "outcome"]
    assert "3 deleted" in str(report) and "<table" in report._repr_html_()
    assert str(journal) in str(report)


def test_task_retried_since_chosen_is_changed_not_deleted(env):
    """A failed task someone retried after it was chosen (now scheduled) is 'changed' and kept."""
    box, client, df, journal = env
    chosen = old_failed(df).head(5)
    requeued = chosen["id"].iloc[0]
    client.tasks.retry([requeued])
    report = delete_tasks(client, chosen, journal=journal, progress=False)
    frame = check(box, report, chosen, journal, never_sent=[requeued]).set_index("id")
    assert frame.loc[requeued, "outcome"] == "changed" and "was failed" in frame.loc[requeued, "reason"]
    assert box.status_of(requeued) == "scheduled"


def test_wrong_key_raises_before_anything_is_sent(env):
    """A 401 on the verification read is raised as AuthenticationError at once; nothing is sent."""
    box, client, df, journal = env
    box.api_key = "rotated-key"
    box.reset_log()
    with pytest.raises(ugc_nb.AuthenticationError):
        delete_tasks(client, old_failed(df), journal=journal, progress=False)
    assert [r.path for r in box.requests] == ["/tasks"]


def test_401_while_sending_stops_the_run(env, monkeypatch):
    """A 401 on a delete fails that batch and sends nothing more; the rest are 'not sent'."""
    box, client, df, journal = env
    chosen = old_failed(df)
    real = client.tasks.delete
    calls = []

    def delete_then_refuse(ids):
        calls.append(ids)
        if len(calls) == 2:
            raise ugc_nb.AuthenticationError("key revoked", path="/tasks/delete", status_code=401)
        return real(ids)

    monkeypatch.setattr(client.tasks, "delete", delete_then_refuse)
    report = delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    check(box, report, chosen, journal)
    assert len(calls) == 2 and report.totals["deleted"] == 4
    assert report.totals["failed"] == 4 and report.totals["not_sent"] == len(chosen) - 8  # the refused batch, then the rest
    assert any("Stopped" in n for n in report.notes)


def test_interrupt_finishes_in_flight_requests_and_sends_nothing_more(env):
    """Ctrl-C while the second request is on the wire: CleanupInterrupted carries a report; both sent batches
    are settled, nothing more is sent, the rest are 'not sent'."""
    box, client, df, journal = env
    chosen = old_failed(df)
    assert len(chosen) > 12
    calls = []

    def press_ctrl_c(sandbox, path, ids):  # runs in a worker; the signal lands in the main thread, as a real Ctrl-C does
        calls.append(list(ids))
        if len(calls) == 2:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            time.sleep(0.2)  # the request is still on the wire when the interrupt is handled

    box.before_mutation = press_ctrl_c
    with pytest.raises(ugc_nb.CleanupInterrupted) as info:
        delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    report = info.value.report
    check(box, report, chosen, journal)
    assert report.totals["deleted"] == len(box.deleted_ids) == 8  # the batch in flight finished; no third was sent
    assert "failed" not in report.totals and report.totals["not_sent"] == len(chosen) - 8
    assert set(report.to_frame().query("outcome == 'not_sent'")["reason"]) == {"the run was interrupted"}
    assert "unfinished" not in set(read_journal(journal)["outcome"])


def test_progress_is_reported_from_the_calling_thread(env):
    """A progress callable is only ever called from the thread that started the run (a widget is safe)."""
    _, client, df, journal = env
    threads = set()
    delete_tasks(client, old_failed(df), journal=journal, batch_size=3, concurrency=3,
                 progress=lambda d, t: threads.add(threading.get_ident()))
    assert threads == {threading.get_ident()}


def test_repeated_ctrl_c_during_a_request_never_misreports_it(env):
    """Two Ctrl-Cs while a delete is on the wire: that request still finishes and is reported deleted."""
    box, client, df, journal = env
    chosen = old_failed(df)
    fired = []

    def interrupt_twice(sandbox, path, ids):
        if not fired:
            fired.append(list(ids))
            for _ in range(2):
                signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
                time.sleep(0.05)

    box.before_mutation = interrupt_twice
    with pytest.raises(ugc_nb.CleanupInterrupted) as info:
        delete_tasks(client, chosen, journal=journal, batch_size=5, concurrency=2, progress=False)
    report = info.value.report
    check(box, report, chosen, journal)
    assert set(fired[0]) <= set(report.ids("deleted")) == set(box.deleted_ids)
    assert "unfinished" not in set(read_journal(journal)["outcome"])


def test_lost_answer_with_unreadable_state_is_left_to_reconcile(env):
    """Answer lost and every re-read fails: reported unknown, unfinished in the journal; reconcile settles it."""
    box, client, df, journal = env
    chosen = old_failed(df).head(3)
    reads = (client.retry.max_retries + 1) * cleanup.READ_ATTEMPTS  # every read the engine will try
    box.before_mutation = lambda sandbox, path, ids: sandbox.fail_next("500", path="/tasks", count=reads)
    box.fail_next("lose_response", path="/tasks/delete")
    report = delete_tasks(client, chosen, journal=journal, progress=False)
    box.before_mutation = None
    assert report.totals == {"unknown": 3} and all("unknown whether" in r.reason for r in report.results)
    assert set(read_journal(journal)["outcome"]) == {"unfinished"}
    settled = reconcile(journal, client)
    assert settled.totals == {"deleted": 3} and all(box.task(i) is None for i in chosen["id"])
    assert set(read_journal(journal)["outcome"]) == {"deleted"}


def test_public_names():
    """The cleanup API is exported from ugc_nb; the report's classes from ugc_nb.cleanup (the old top-level spelling warns)."""
    for name in ("plan_delete", "plan_retry", "delete_tasks", "retry_tasks", "read_journal", "reconcile"):
        assert name in ugc_nb.__all__ and hasattr(ugc_nb, name)
    assert "CleanupReport" in ugc_nb.cleanup.__all__
    with pytest.warns(DeprecationWarning, match="use ugc_nb.cleanup.CleanupReport"):
        assert ugc_nb.CleanupReport is ugc_nb.cleanup.CleanupReport


@pytest.mark.parametrize("action", ["delete", "retry"])
def test_a_re_read_listing_a_task_twice_in_two_states_is_not_believed(tmp_path, action):
    """After a lost answer the server lists the task as pending and as failed: nobody can tell, so it is unknown, never retried/deleted."""
    import httpx

    task = {"id": "task_1", "account_id": "acc_1", "type": "warmup_scroll", "status": "failed", "scheduled_time": "2024-12-31T12:00:00Z",
            "duration": None, "keywords": None, "edit_profile_info": None, "created_at": "2024-12-25T10:00:00Z"}
    sent = []

    def handler(request):
        if request.url.path == "/tasks":
            rows = [dict(task, status="pending"), task] if sent else [task, dict(task)]  # before: an identical copy twice
            return httpx.Response(200, json={"ok": True, "code": 200, "message": "Success", "data": rows})
        sent.append(request.url.path)
        raise httpx.ReadTimeout("lost", request=request)  # never applied

    policy = ugc_nb.RetryPolicy(max_retries=0, initial=0.01, maximum=0.01, rereads=1, deadline=1.0)
    client = UGCClient(api_key="k" * 20, base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handler), retry=policy)
    df = load_tasks(client)
    report = ugc_nb.cleanup.run_cleanup(action, client, df, journal=tmp_path / "j.jsonl", progress=False)
    assert len(sent) == 1 and [r.outcome for r in report.results] == ["unknown"]
    assert "twice" in report.results[0].reason


def test_reconcile_leaves_a_task_listed_twice_unfinished_until_the_server_says_one_thing(tmp_path):
    """A conflicting listing settles nothing: the task stays unfinished; once the server lists it once, reconcile settles it."""
    import httpx

    task = {"id": "task_1", "account_id": "acc_1", "type": "warmup_scroll", "status": "failed", "scheduled_time": "2024-12-31T12:00:00Z",
            "duration": None, "keywords": None, "edit_profile_info": None, "created_at": "2024-12-25T10:00:00Z"}
    state = {"sent": False, "conflict": True}

    def handler(request):
        if request.url.path == "/tasks":
            rows = [dict(task, status="pending"), task] if state["sent"] and state["conflict"] else [task]
            return httpx.Response(200, json={"ok": True, "code": 200, "message": "Success", "data": rows})
        state["sent"] = True
        raise httpx.ReadTimeout("lost", request=request)

    policy = ugc_nb.RetryPolicy(max_retries=0, initial=0.01, maximum=0.01, rereads=1, deadline=1.0)
    client = UGCClient(api_key="k" * 20, base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handler), retry=policy)
    journal = tmp_path / "j.jsonl"
    retry_tasks(client, load_tasks(client), journal=journal, progress=False)
    assert read_journal(journal)["outcome"].astype(str).tolist() == ["unfinished"]
    assert [r.outcome for r in reconcile(journal, client).results] == ["unknown"]
    assert read_journal(journal)["outcome"].astype(str).tolist() == ["unfinished"]
    state["conflict"] = False
    settled = reconcile(journal, client).results
    assert [r.outcome for r in settled] == ["failed"] and "did not take effect" in settled[0].reason
    assert read_journal(journal)["outcome"].astype(str).tolist() == ["failed"]


def test_a_four_argument_progress_hears_how_many_tasks_are_on_the_wire(env):
    """A progress callable taking (done, total, failed, waiting) is told, while a request is out, how many tasks it
    carries — the panel's "400 sent, waiting for answers"."""
    box, client, df, journal = env
    chosen = old_failed(df).head(6)
    seen_waiting = threading.Event()
    calls = []

    def hold(sandbox, path, ids):  # the delete waits until the progress line has seen it on the wire
        seen_waiting.wait(10)

    def progress(done, total, failed, waiting):
        calls.append((done, total, failed, waiting))
        if waiting == len(chosen):
            seen_waiting.set()

    box.before_mutation = hold
    report = delete_tasks(client, chosen, journal=journal, batch_size=10, concurrency=1, progress=progress)
    assert seen_waiting.is_set() and report.totals == {"deleted": len(chosen)}
    assert (0, len(chosen), 0, len(chosen)) in calls and calls[-1] == (len(chosen), len(chosen), 0, 0)
