"""The sandbox over real HTTP on loopback, and ``python -m ugc_nb.sandbox``."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pandas as pd
import pytest

from ugc_nb import UGCClient, load_tasks
from ugc_nb.sandbox import Sandbox, SandboxServer, serve
from ugc_nb.sandbox.__main__ import main

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AUTH = {"Authorization": "Bearer sandbox"}


@pytest.fixture
def box() -> Sandbox:
    return Sandbox(n_tasks=120, n_accounts=12, seed=3, now=NOW, clock=lambda: NOW)


@pytest.fixture
def server(box: Sandbox) -> Iterator[SandboxServer]:
    with box.serve() as running:
        yield running


@pytest.fixture
def http(server: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as client:
        yield client


def ids_with(box: Sandbox, status: str) -> list[str]:
    return [task["id"] for task in box.tasks if task["status"] == status]


def test_binds_a_free_loopback_port(server: SandboxServer) -> None:
    """port=0 binds a free port on 127.0.0.1 and reports it in ``url``."""
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"


def test_same_rules_over_the_wire(box: Sandbox, http: httpx.Client) -> None:
    """Listing, auth, 404, 405 and all-or-nothing delete behave as in-process."""
    listed = http.post("/tasks", json={}).json()
    assert listed["ok"] is True and [t["id"] for t in listed["data"]] == box.ids()
    assert http.post("/tasks", json={}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.post("/nowhere", json={}).status_code == 404
    assert http.get("/tasks").status_code == 405
    failed, pending = ids_with(box, "failed")[:2], ids_with(box, "pending")[:1]
    refused = http.post("/tasks/delete", json={"taskIds": failed + pending})
    assert refused.status_code == 400 and all(box.status_of(i) == "failed" for i in failed)
    accepted = http.post("/tasks/delete", json={"taskIds": failed})
    assert accepted.json()["data"] == {"deleted": 2, "ids": failed}
    assert box.deleted_ids == failed


def test_fault_headers_and_empty_body_over_the_wire(box: Sandbox, http: httpx.Client) -> None:
    """An injected 429 keeps its Retry-After header; an empty 500 has Content-Length 0."""
    box.fail_next("429")
    box.fail_next("500_empty")
    limited = http.post("/tasks", json={})
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
    empty = http.post("/tasks", json={})
    assert (empty.status_code, empty.content, empty.headers["content-length"]) == (500, b"", "0")


def test_dropped_connection_is_an_error_not_a_hang(box: Sandbox, http: httpx.Client) -> None:
    """A dropped connection surfaces quickly as an httpx transport error; the next call works."""
    box.fail_next("drop")
    started = time.perf_counter()
    with pytest.raises(httpx.TransportError):
        http.post("/tasks", json={})
    assert time.perf_counter() - started < 2
    assert http.post("/tasks", json={}).status_code == 200


def test_lost_response_over_the_wire_still_applies(box: Sandbox, http: httpx.Client) -> None:
    """lose_response over HTTP: the client gets a transport error but the retry happened."""
    target = ids_with(box, "failed")[0]
    box.fail_next("lose_response", "/tasks/retry")
    with pytest.raises(httpx.TransportError):
        http.post("/tasks/retry", json={"taskIds": [target]})
    assert box.status_of(target) == "scheduled" and box.retried_ids == [target]


def test_chunked_request_bodies_are_read(http: httpx.Client) -> None:
    """A chunked (streamed) JSON body is decoded like a sized one."""

    def body() -> Iterator[bytes]:
        yield b'{"taskType": '
        yield b'"edit_profile"}'

    response = http.post("/tasks", content=body())
    assert response.status_code == 200
    assert {task["type"] for task in response.json()["data"]} == {"edit_profile"}


def test_concurrent_clients(box: Sandbox, server: SandboxServer) -> None:
    """Parallel connections are all served, and each read sees a consistent task list."""
    results: list[int] = []

    def worker() -> None:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=5) as client:
            for _ in range(5):
                results.append(len(client.post("/tasks", json={}).json()["data"]))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [120] * 30


def test_close_releases_the_port_even_with_idle_keepalive(box: Sandbox) -> None:
    """close() returns promptly with an idle keep-alive connection open, then refuses connects."""
    running = serve(box)
    client = httpx.Client(base_url=running.url, headers=AUTH, timeout=2)
    assert client.post("/accounts", json={}).status_code == 200
    started = time.perf_counter()
    running.close()
    running.close()  # idempotent
    assert time.perf_counter() - started < 2
    assert "closed" in repr(running)
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{running.url}/tasks", json={}, headers=AUTH, timeout=2)
    client.close()


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """Out-of-range fault probabilities are refused with a usage error (exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["--rate-limit", "1.5"])
    assert caught.value.code == 2
    assert "probability" in capsys.readouterr().err


def test_module_entry_point_serves_until_sigterm(tmp_path) -> None:
    """``python -m ugc_nb.sandbox --port 0`` prints its URL, serves UGCClient + load_tasks, exits 0 on SIGTERM."""
    command = "-m ugc_nb.sandbox --port 0 --tasks 30 --accounts 5 --api-key k-123".split()
    proc = subprocess.Popen(
        [sys.executable, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},  # import this checkout
        start_new_session=True,  # own process group, so the whole group can be killed
    )
    try:
        line = _read_line(proc, timeout=20)
        assert line.startswith("UGC sandbox serving on http://127.0.0.1:")
        assert line.endswith("(api key: k-123) — 30 tasks, 5 accounts")
        url = line.split()[4]
        response = httpx.post(f"{url}/tasks", json={}, headers={"Authorization": "Bearer k-123"}, timeout=5)
        assert response.status_code == 200 and len(response.json()["data"]) == 30
        with UGCClient(api_key="k-123", base_url=url) as client:
            frame = load_tasks(client)
        assert len(frame) == 30 and frame["id"].is_unique
        assert isinstance(frame["status"].dtype, pd.CategoricalDtype) and str(frame["created_at"].dt.tz) == "UTC"
        assert frame["duration"].dtype == pd.Int64Dtype()
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert b"Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """First stdout line of ``proc``, failing the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                pytest.fail(f"no output line within {timeout}s; got {buffer!r}")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                pytest.fail(f"process exited early: {buffer!r} {proc.stderr.read()!r}")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode("utf-8")
