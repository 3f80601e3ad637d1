"""Fault injection and test hooks of the sandbox, exercised in-process."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ugc_nb.sandbox import Faults, Sandbox

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sandbox"}


def _task(task_id: str, status: str, when: str | None) -> dict[str, Any]:
    return {
        "id": task_id,
        "account_id": "acc_a",
        "type": "warmup_scroll",
        "status": status,
        "scheduled_time": when,
    }


TASKS = [
    _task("task_f1", "failed", "2025-02-20T10:00:00Z"),
    _task("task_f2", "failed", "2025-02-21T10:00:00Z"),
    _task("task_due1", "scheduled", "2025-03-01T09:00:00Z"),
    _task("task_due2", "scheduled", "2025-03-01T11:00:00Z"),
    _task("task_later", "scheduled", "2025-03-03T11:00:00Z"),
    _task("task_soon", "scheduled", "2025-03-02T08:00:00Z"),
    _task("task_never", "scheduled", None),
]


@pytest.fixture
def box() -> Sandbox:
    return Sandbox(TASKS, now=NOW, clock=lambda: NOW)


@pytest.fixture
def http(box: Sandbox):
    with httpx.Client(transport=box.transport(), base_url="http://sandbox.invalid", headers=AUTH) as client:
        yield client


def statuses(http: httpx.Client, path: str = "/tasks", count: int = 20) -> list[int]:
    return [http.post(path, json={}).status_code for _ in range(count)]


def test_rate_limit_is_429_with_retry_after(box: Sandbox, http: httpx.Client) -> None:
    """A 429 fault carries Retry-After and an error envelope, and is logged as a fault."""
    box.faults = Faults(rate_limit=1.0, retry_after=2.5)
    response = http.post("/tasks", json={})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2.5"
    assert response.json() == {"ok": False, "code": 429, "message": "Too many requests"}
    assert (box.requests[-1].status, box.requests[-1].fault) == (429, "429")


def test_server_error_is_500_json(box: Sandbox, http: httpx.Client) -> None:
    """A 500 fault answers with a JSON error envelope."""
    box.fail_next("500")
    response = http.post("/tasks", json={})
    assert response.status_code == 500
    assert response.json() == {"ok": False, "code": 500, "message": "Internal server error"}


def test_server_error_empty_has_no_body(box: Sandbox, http: httpx.Client) -> None:
    """A 500_empty fault answers 500 with an empty body."""
    box.faults = Faults(server_error_empty=1.0)
    response = http.post("/tasks", json={})
    assert (response.status_code, response.content) == (500, b"")


def test_drop_raises_transport_error_and_skips_processing(box: Sandbox, http: httpx.Client) -> None:
    """A dropped connection raises RemoteProtocolError with the request; nothing is applied."""
    box.fail_next("drop", "/tasks/delete")
    with pytest.raises(httpx.RemoteProtocolError) as caught:
        http.post("/tasks/delete", json={"taskIds": ["task_f1"]})
    assert caught.value.request.url.path == "/tasks/delete"
    assert box.status_of("task_f1") == "failed"
    assert (box.requests[-1].status, box.requests[-1].fault) == (None, "drop")


def test_lose_response_applies_mutation_then_raises(box: Sandbox, http: httpx.Client) -> None:
    """lose_response: the delete happens, yet the client only sees a ReadTimeout."""
    box.fail_next("lose_response")
    assert http.post("/tasks", json={}).status_code == 200  # reads do not consume it
    with pytest.raises(httpx.ReadTimeout):
        http.post("/tasks/delete", json={"taskIds": ["task_f1"]})
    assert box.task("task_f1") is None and box.deleted_ids == ["task_f1"]
    record = box.requests[-1]
    assert (record.status, record.fault, record.applied) == (200, "lose_response", ("task_f1",))
    assert http.post("/tasks/delete", json={"taskIds": ["task_f2"]}).status_code == 200


def test_lose_response_probability_only_hits_mutations(box: Sandbox, http: httpx.Client) -> None:
    """With lose_response=1 reads answer normally while every mutation loses its reply."""
    box.faults = Faults(lose_response=1.0)
    assert statuses(http, count=3) == [200, 200, 200]
    with pytest.raises(httpx.ReadTimeout):
        http.post("/tasks/retry", json={"taskIds": ["task_f2"]})
    assert box.status_of("task_f2") == "scheduled"


def test_fail_next_fires_exactly_count_times_on_its_path(box: Sandbox, http: httpx.Client) -> None:
    """fail_next(kind, path, count) hits exactly the next ``count`` requests to that path."""
    box.fail_next("500", "/accounts", count=2)
    assert statuses(http, "/tasks", 2) == [200, 200]
    assert statuses(http, "/accounts", 3) == [500, 500, 200]


def test_one_shots_fire_in_queue_order(box: Sandbox, http: httpx.Client) -> None:
    """Queued one-shots are consumed first-in first-out, before random faults."""
    box.faults = Faults(server_error=1.0)
    box.fail_next("429")
    box.fail_next("500_empty")
    assert statuses(http, count=3) == [429, 500, 500]
    assert [r.fault for r in box.requests] == ["429", "500_empty", "500"]


def test_faults_fire_before_authentication(box: Sandbox) -> None:
    """Infrastructure faults answer even an unauthenticated request (they sit in front)."""
    box.fail_next("429")
    assert box.handle("POST", "/tasks", {}, b"{}").status == 429
    assert box.handle("POST", "/tasks", {}, b"{}").status == 401


def test_latency_is_measurable_and_path_limited(box: Sandbox, http: httpx.Client) -> None:
    """Latency delays requests on the listed paths only."""
    box.faults = Faults(latency=0.6, paths=("/tasks",))
    started = time.perf_counter()
    http.post("/tasks", json={})
    delayed = time.perf_counter() - started
    started = time.perf_counter()
    http.post("/accounts", json={})
    assert delayed >= 0.6 > time.perf_counter() - started


def test_random_faults_are_reproducible_per_seed(box: Sandbox, http: httpx.Client) -> None:
    """The same Faults seed gives the same fault sequence; assigning Faults reseeds."""
    box.faults = Faults(server_error=0.5, seed=7)
    first = statuses(http, count=30)
    box.faults = Faults(server_error=0.5, seed=7)
    assert statuses(http, count=30) == first
    assert {200, 500} == set(first)
    box.faults = Faults(server_error=0.5, seed=8)
    assert statuses(http, count=30) != first


def test_pending_drift_starts_due_tasks_then_the_soonest(box: Sandbox, http: httpx.Client) -> None:
    """pending_drift=1: each request starts one due scheduled task, then the soonest future one."""
    box.faults = Faults(pending_drift=1.0)
    http.post("/accounts", json={})
    http.post("/accounts", json={})
    assert {box.status_of("task_due1"), box.status_of("task_due2")} == {"pending"}
    http.post("/accounts", json={})
    assert box.status_of("task_soon") == "pending" and box.status_of("task_later") == "scheduled"
    for _ in range(3):
        http.post("/accounts", json={})
    assert box.status_of("task_never") == "scheduled"


@pytest.mark.parametrize(
    ("clock", "expected"),
    [(NOW - timedelta(days=30), {"task_due1"}), (NOW, {"task_due1", "task_due2"})],
)
def test_pending_drift_uses_the_server_clock(clock: datetime, expected: set[str]) -> None:
    """Due-ness follows ``clock``: with nothing due the soonest starts, else a random due task."""
    started: set[str] = set()
    for seed in range(12):
        faults = Faults(pending_drift=1.0, seed=seed)
        box = Sandbox(TASKS, now=NOW, clock=lambda: clock, faults=faults)
        box.handle("POST", "/accounts", AUTH, b"")
        started |= {task["id"] for task in box.tasks if task["status"] == "pending"}
    assert started == expected


def test_before_mutation_hook_can_race_a_delete(box: Sandbox, http: httpx.Client) -> None:
    """A hook that starts a task just before the delete makes all-or-nothing refuse it all."""
    calls: list[tuple[str, list[str]]] = []

    def hook(sandbox: Sandbox, path: str, ids: list[str]) -> None:
        calls.append((path, ids))
        sandbox.set_status("task_due1", "pending")

    box.before_mutation = hook
    response = http.post("/tasks/delete", json={"taskIds": ["task_due1", "task_due2", "task_due1"]})
    assert response.status_code == 400 and "task_due1 (pending)" in response.json()["message"]
    assert calls == [("/tasks/delete", ["task_due1", "task_due2"])]
    assert box.status_of("task_due2") == "scheduled" and box.deleted_ids == []


def test_hook_not_called_for_invalid_requests(box: Sandbox, http: httpx.Client) -> None:
    """The hook runs only once taskIds are valid and within max_ids."""
    box.max_ids = 1
    box.before_mutation = lambda *args: pytest.fail("hook must not run")
    assert http.post("/tasks/delete", json={"taskIds": []}).status_code == 400
    assert http.post("/tasks/delete", json={"taskIds": ["a", "b"]}).status_code == 400


def test_hook_exception_becomes_500(box: Sandbox, http: httpx.Client) -> None:
    """An exception inside request handling is a 500 envelope, noted in the log."""

    def hook(sandbox: Sandbox, path: str, ids: list[str]) -> None:
        raise RuntimeError("boom")

    box.before_mutation = hook
    response = http.post("/tasks/retry", json={"taskIds": ["task_f1"]})
    assert response.status_code == 500 and response.json()["ok"] is False
    assert box.requests[-1].error == "RuntimeError: boom"
    assert box.status_of("task_f1") == "failed"


@pytest.mark.parametrize(
    "kwargs",
    [{"rate_limit": 1.5}, {"drop": -0.1}, {"latency": -1}, {"retry_after": -2}, {"pending_drift": 2}],
)
def test_faults_validate_their_values(kwargs: dict[str, float]) -> None:
    """Probabilities outside [0, 1] and negative durations are rejected."""
    with pytest.raises(ValueError):
        Faults(**kwargs)


def test_fail_next_validates_kind_path_and_count(box: Sandbox) -> None:
    """Unknown kinds, non-positive counts and lose_response on a read path are rejected."""
    with pytest.raises(ValueError):
        box.fail_next("503")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        box.fail_next("500", count=0)
    with pytest.raises(ValueError):
        box.fail_next("lose_response", "/tasks")


@pytest.mark.parametrize(("seconds", "header"), [(1.0, "1"), (0.25, "0.25"), (0, "0"), (1e6, "1000000")])
def test_retry_after_header_is_a_plain_number(seconds: float, header: str) -> None:
    """Retry-After is written as a plain decimal, never in exponent notation."""
    assert Faults(retry_after=seconds).retry_after_header == header
