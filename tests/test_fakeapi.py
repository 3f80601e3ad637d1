"""Pins the behaviour of the independent task-API fake in tests/fakeapi.py."""

from __future__ import annotations

import random
import re
import threading
from contextlib import contextmanager

import httpx
import pytest
from fakeapi import FakeAPI, FaultSchedule, make_tasks, random_faults

KEY = {"Authorization": "Bearer test-key"}


def tasks4() -> list[dict]:
    """Four tasks, one per status: s (scheduled), p (pending), c (complete), f (failed)."""
    return [
        {"id": i, "account_id": "acc_1" if i in "sp" else "acc_2", "type": "warmup_scroll", "status": st,
         "scheduled_time": "2026-11-01T12:00:00Z", "duration": 300, "keywords": None,
         "edit_profile_info": None, "created_at": "2026-10-01T12:00:00Z", "extra": 1}
        for i, st in zip("spcf", ("scheduled", "pending", "complete", "failed"))
    ]


@contextmanager
def client_for(fake: FakeAPI, mode: str):
    """An httpx client talking to the fake over MockTransport ("mock") or real HTTP ("http")."""
    if mode == "mock":
        with httpx.Client(base_url="http://fake", transport=fake.transport(), headers=KEY) as c:
            yield c
    else:
        with fake.serve() as served, httpx.Client(base_url=served.url, headers=KEY, timeout=5) as c:
            yield c


@pytest.fixture(params=["mock", "http"])
def mode(request) -> str:
    """Run a test over both transports."""
    return request.param


def test_auth_401(mode):
    """A wrong or missing key answers 401 with the error envelope and changes nothing."""
    fake = FakeAPI(tasks4())
    with client_for(fake, mode) as c:
        r = c.post("/tasks/delete", json={"taskIds": ["s"]}, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401 and r.json()["ok"] is False and r.json()["code"] == 401
        del c.headers["Authorization"]
        assert c.post("/tasks", json={}).status_code == 401
    assert "s" in fake.tasks and fake.last_read == {} and [q.answered for q in fake.requests] == [401, 401]


def test_list_returns_all_copies_and_records_last_read(mode):
    """List returns every match as copies (extra fields kept), filters, and records last_read."""
    fake = FakeAPI(tasks4())
    with client_for(fake, mode) as c:
        r = c.post("/tasks", json={"startDate": "2030-01-01T00:00:00Z"})
        body = r.json()
        assert body["ok"] and body["code"] == 200 and [t["id"] for t in body["data"]] == list("spcf")
        assert body["data"][0]["extra"] == 1
        assert fake.last_read == {"s": "scheduled", "p": "pending", "c": "complete", "f": "failed"}
        fake.set_status(["s"], "pending")
        r = c.post("/tasks", json={"accountIds": ["acc_1"], "taskType": "warmup_scroll"})
        assert [t["id"] for t in r.json()["data"]] == ["s", "p"]
        assert fake.last_read["s"] == "pending"
        assert c.post("/tasks", json={"taskType": "edit_profile"}).json()["data"] == []
    if mode == "mock":
        r.json()["data"][0]["status"] = "x"
        assert fake.tasks["s"]["status"] == "pending"


def test_all_or_nothing_precedence_and_no_change():
    """404 beats 400, neither changes anything; bad taskIds are 400; success dedupes."""
    fake = FakeAPI(tasks4())
    with client_for(fake, "mock") as c:
        r = c.post("/tasks/delete", json={"taskIds": ["s", "p", "zzz"]})
        assert r.status_code == 404 and r.json() == {"ok": False, "code": 404, "message": r.json()["message"]}
        assert c.post("/tasks/delete", json={"taskIds": ["s", "p"]}).status_code == 400
        assert c.post("/tasks/retry", json={"taskIds": ["f", "s"]}).status_code == 400
        for bad in ({}, {"taskIds": []}, {"taskIds": "s"}, {"taskIds": None}):
            assert c.post("/tasks/delete", json=bad).status_code == 400
        assert len(fake.tasks) == 4 and fake.deleted_by_us == {} and fake.retried_by_us == set()
        r = c.post("/tasks/delete", json={"taskIds": ["s", "f", "s"]})
        assert r.json()["data"] == {"deleted": 2, "ids": ["s", "f"]}
        assert r.json()["message"] == "Successfully deleted 2 task(s)"
    assert set(fake.tasks) == {"p", "c"} and fake.deleted_by_us["s"]["extra"] == 1
    assert fake.requests[-1].applied == ["s", "f"] and fake.requests[-1].answered == 200


def test_retry_sets_scheduled_now_keeps_id():
    """Retry moves failed -> scheduled at the fake clock's "now" in the chosen precision."""
    fake = FakeAPI(tasks4(), precision="ms")
    with client_for(fake, "mock") as c:
        r = c.post("/tasks/retry", json={"taskIds": ["f"]})
    assert r.json()["data"] == {"retried": 1, "ids": ["f"]}
    assert fake.tasks["f"]["status"] == "scheduled" and fake.retried_by_us == {"f"}
    assert fake.tasks["f"]["scheduled_time"] == "2026-11-01T12:00:01.000Z" == fake.now()


def test_partial_semantics():
    """Partial mode applies the eligible ids and lists the others in errors."""
    fake = FakeAPI(tasks4(), semantics="partial")
    with client_for(fake, "mock") as c:
        r = c.post("/tasks/delete", json={"taskIds": ["s", "p", "zzz", "f"]})
    data = r.json()["data"]
    assert r.status_code == 200 and data["deleted"] == 2 and data["ids"] == ["s", "f"]
    assert [e["id"] for e in data["errors"]] == ["p", "zzz"] and all(e["error"] for e in data["errors"])
    assert set(fake.tasks) == {"p", "c"}


@pytest.mark.parametrize("status", [400, 413, 422])
def test_max_ids(status):
    """More ids than max_ids answers limit_status "too many task ids" and applies nothing."""
    fake = FakeAPI(tasks4(), max_ids=1, limit_status=status)
    with client_for(fake, "mock") as c:
        r = c.post("/tasks/delete", json={"taskIds": ["s", "f"]})
        assert r.status_code == status and r.json()["message"] == "too many task ids"
        assert len(fake.tasks) == 4
        assert c.post("/tasks/delete", json={"taskIds": ["s"]}).status_code == 200


# fault -> (expected exception over mock, applied?)
FAULT_CASES = {
    "429": (None, False), "500_before": (None, False), "500_empty": (None, False), "500_after": (None, True),
    "lost_after": (httpx.ReadError, True), "drop_before": (httpx.RemoteProtocolError, False),
    "late": (httpx.ReadError, False), "refuse": (httpx.ConnectError, False),
}


@pytest.mark.parametrize("fault", list(FAULT_CASES))
def test_fault_kinds(fault, mode):
    """Each fault answers (or fails) as documented and applies the mutation only when it should."""
    fake = FakeAPI(tasks4())
    fake.faults = FaultSchedule([fault])
    fake.retry_after = "nan"
    exc, applied = FAULT_CASES[fault]
    with client_for(fake, mode) as c:
        if exc is not None:
            with pytest.raises(exc if mode == "mock" else httpx.TransportError):
                c.post("/tasks/delete", json={"taskIds": ["s"]})
        else:
            r = c.post("/tasks/delete", json={"taskIds": ["s"]})
            assert r.status_code == int(fault[:3])
            if fault == "429":
                assert r.headers["Retry-After"] == "nan" and r.json()["code"] == 429
            elif fault == "500_empty":
                assert r.content == b""
            else:
                assert r.json()["ok"] is False and r.json()["code"] == 500
        assert ("s" in fake.deleted_by_us) is applied and ("s" in fake.tasks) is not applied
        rec = fake.requests[0]
        assert rec.fault == fault and rec.server == {"s": "scheduled"}
        assert rec.answered == {"lost_after": "lost", "late": "lost", "drop_before": "dropped",
                                "refuse": "refused"}.get(fault, r.status_code if exc is None else None)
        listed = [t["id"] for t in c.post("/tasks", json={}).json()["data"]]
    assert ("s" in listed) is (not applied and fault != "late")
    if fault == "late":
        assert fake.requests[0].applied == ["s"] and "s" in fake.deleted_by_us


def test_late_revalidates_at_apply_time():
    """A late mutation is checked against the state when it is finally applied."""
    fake = FakeAPI(tasks4())
    fake.faults = FaultSchedule(["late"])
    fake.before = lambda f, path, ids: f.set_status(["s"], "pending") if path == "/tasks" else None
    with client_for(fake, "mock") as c:
        with pytest.raises(httpx.ReadError):
            c.post("/tasks/delete", json={"taskIds": ["s"]})
        c.post("/tasks", json={})
    assert fake.requests[0].applied == [] and fake.tasks["s"]["status"] == "pending"


def test_journal_check_and_violations():
    """journal_check sees delete ids before applying; failures and unsafe ids land in violations."""
    fake = FakeAPI(tasks4(), semantics="partial")
    seen: list[tuple[list[str], bool]] = []

    def check(ids: list[str]) -> None:
        seen.append((ids, all(i in fake.tasks for i in ids)))
        if "f" in ids:
            raise AssertionError("row f not journaled")

    fake.journal_check = check
    with client_for(fake, "mock") as c:
        c.post("/tasks", json={})
        fake.colleague_retry(["f"])
        assert c.post("/tasks/delete", json={"taskIds": ["s", "p", "c"]}).json()["data"]["deleted"] == 1
        assert c.post("/tasks/retry", json={"taskIds": ["f"]}).json()["data"]["retried"] == 0
        assert c.post("/tasks/delete", json={"taskIds": ["f"]}).json()["data"]["deleted"] == 1
    assert seen == [(["s", "p", "c"], True), (["f"], True)]
    assert len(fake.violations) == 3
    assert "p last read as pending" in fake.violations[0] and "c last read as complete" in fake.violations[1]
    assert "row f not journaled" in fake.violations[2]
    assert fake.requests[1].last_read == {"s": "scheduled", "p": "pending", "c": "complete"}
    assert fake.requests[2].server == {"f": "scheduled"} and fake.requests[2].last_read == {"f": "failed"}


def test_retry_violation_and_strict_reads():
    """Retrying a non-failed read task is a violation; unread ids only with strict_reads."""
    fake = FakeAPI(tasks4(), semantics="partial")
    with client_for(fake, "mock") as c:
        c.post("/tasks", json={"accountIds": ["acc_1"]})
        c.post("/tasks/retry", json={"taskIds": ["s", "f"]})
        assert fake.violations == ["retry of s last read as scheduled"]
        fake.strict_reads = True
        c.post("/tasks/delete", json={"taskIds": ["f"]})
    assert fake.violations[-1] == "delete of f which was never read"


def test_before_hook_remove_and_rewrite():
    """before can change the world (remove is not ours); rewrite can return any answer."""
    fake = FakeAPI(tasks4())
    fake.before = lambda f, path, ids: f.remove(["s"]) if path == "/tasks/delete" else None
    fake.rewrite = lambda path, status, body: (502, b"<html>Bearer test-key</html>") if status == 404 else (status, body)
    with client_for(fake, "mock") as c:
        r = c.post("/tasks/delete", json={"taskIds": ["s"]})
    assert r.status_code == 502 and b"test-key" in r.content and fake.deleted_by_us == {}
    assert fake.requests[0].server == {"s": None} and fake.requests[0].answered == 502


def test_fault_helpers():
    """FaultSchedule replays then returns None; random_faults is seed-deterministic."""
    sched = FaultSchedule(["429", None, "late"])
    assert [sched("/tasks", []) for _ in range(5)] == ["429", None, "late", None, None]
    a, b = (random_faults(random.Random(7), {"429": 0.3, "lost_after": 0.2}) for _ in range(2))
    draws = [a("/tasks", []) for _ in range(200)]
    assert draws == [b("/tasks", []) for _ in range(200)] and {"429", "lost_after", None} == set(draws)


@pytest.mark.parametrize("precision,pattern", [
    ("s", r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+00:00)"), ("ms", r".*:\d\d\.\d{3}Z"), ("us", r".*:\d\d\.\d{6}(Z|\+00:00)")])
def test_make_tasks(precision, pattern):
    """make_tasks is deterministic, mixes statuses and types, and formats timestamps as asked."""
    tasks = make_tasks(40, precision=precision, extra_fields=True)
    assert tasks == make_tasks(40, precision=precision, extra_fields=True) and len({t["id"] for t in tasks}) == 40
    assert {t["status"] for t in tasks} == {"scheduled", "pending", "complete", "failed"}
    assert len({t["type"] for t in tasks}) == 5 and len({t["account_id"] for t in tasks}) <= 4
    assert all(re.fullmatch(pattern, t[k]) for t in tasks for k in ("created_at", "scheduled_time"))
    assert all(t["created_at"] < "2026-11-01T12" for t in tasks) and "retry_count" in tasks[0]
    offsets = [i for i, t in enumerate(tasks) if t["created_at"].endswith("+00:00")]
    assert offsets == (list(range(2, 40, 3)) if precision == "us" else [])


def test_http_concurrent_and_clean_shutdown():
    """Concurrent deletes over HTTP each apply exactly once; the server stops on exit."""
    fake = FakeAPI(make_tasks(60))
    ids = [t["id"] for t in fake.tasks.values() if t["status"] in ("scheduled", "failed")]
    with fake.serve() as served:
        def worker(chunk: list[str]) -> None:
            with httpx.Client(base_url=served.url, headers=KEY, timeout=5) as c:
                for i in chunk:
                    assert c.post("/tasks/delete", json={"taskIds": [i]}).status_code == 200
        threads = [threading.Thread(target=worker, args=(ids[k::4],)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        url = served.url
    assert set(fake.deleted_by_us) == set(ids) and len(fake.requests) == len(ids)
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "/tasks", json={}, headers=KEY, timeout=2)
