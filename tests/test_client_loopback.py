"""UGCClient and load_tasks against the sandbox served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import ugc_nb
from ugc_nb import Faults, Sandbox, UGCClient, load_tasks
from ugc_nb.api.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from ugc_nb.api.retry import NO_WAIT

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture
def box():
    return Sandbox(n_tasks=300, n_accounts=12, seed=3, now=NOW.to_pydatetime())


@pytest.fixture
def server(box):
    with box.serve() as srv:
        yield srv


@pytest.fixture
def client(box, server):
    with UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, timeout=5) as c:
        yield c


def test_server_is_on_loopback(server):
    """The sandbox server binds 127.0.0.1 only."""
    assert server.url.startswith("http://127.0.0.1:")


def test_load_tasks_over_http_has_the_documented_dtypes(client, box, server):
    """load_tasks(client) over loopback gives every sandbox task with section-3 dtypes."""
    df = load_tasks(client, now=NOW)
    assert sorted(df["id"]) == sorted(box.ids())
    assert df.attrs["source"] == server.url
    assert df["id"].dtype == pd.StringDtype()
    assert list(df["status"].cat.categories) == list(ugc_nb.tasks.STATUSES)
    assert list(df["type"].cat.categories) == list(ugc_nb.tasks.TASK_TYPES)
    assert isinstance(df["account_id"].dtype, pd.CategoricalDtype)
    assert str(df["created_at"].dt.tz) == "UTC" and str(df["scheduled_time"].dt.tz) == "UTC"
    assert df["duration"].dtype == pd.Int64Dtype()
    by_status = df["status"].value_counts()
    truth = pd.Series([t["status"] for t in box.tasks]).value_counts()
    assert by_status[by_status > 0].sort_index().to_dict() == truth.sort_index().to_dict()


def test_filters_reach_the_server(client, box):
    """account_ids and task_type filter server-side; the result matches the sandbox's own state."""
    account = box.tasks[0]["account_id"]
    got = client.tasks.list(account_ids=[account], task_type="warmup_scroll")
    expected = {t["id"] for t in box.tasks if t["account_id"] == account and t["type"] == "warmup_scroll"}
    assert {t["id"] for t in got} == expected


def test_windowed_load_equals_single_range(client):
    """A windowed, concurrent load returns exactly the tasks of the same single-range query."""
    start, end = NOW - pd.Timedelta("30D"), NOW + pd.Timedelta("3D")
    single = client.tasks.list(start=start, end=end)
    windowed = client.tasks.list(start=start, end=end, window="2D", concurrency=3)
    assert len(single) > 100
    assert sorted(t["id"] for t in windowed) == sorted(t["id"] for t in single)


def test_delete_and_retry_over_http(client, box):
    """delete_tasks removes exactly the given tasks; retry_tasks moves failed ones to scheduled."""
    failed = [t["id"] for t in box.tasks if t["status"] == "failed"]
    assert client.tasks.delete(failed[:2]) == {"deleted": 2, "ids": failed[:2]}
    assert box.task(failed[0]) is None and box.task(failed[1]) is None
    result = client.tasks.retry([failed[2]])
    assert result["retried"] == 1 and box.status_of(failed[2]) == "scheduled"


def test_error_mapping_over_http(client, box, server):
    """401 for a wrong key, 404 for unknown ids, 400 for an ineligible status — each typed."""
    with UGCClient(api_key="wrong-key", base_url=server.url, retry=NO_WAIT) as bad:
        with pytest.raises(AuthenticationError) as info:
            bad.tasks.list()
        assert info.value.status_code == 401 and "wrong-key" not in str(info.value)
    with pytest.raises(NotFoundError) as info:
        client.tasks.delete(["task_doesnotexist"])
    assert info.value.path == "/tasks/delete"
    complete = next(t["id"] for t in box.tasks if t["status"] == "complete")
    with pytest.raises(BadRequestError):
        client.tasks.delete([complete])
    assert box.status_of(complete) == "complete"


def test_reads_ride_out_faults_over_http(box, server):
    """429 with Retry-After, 500 with and without a body, and a dropped connection are retried for reads."""
    for kind in ("429", "500", "500_empty", "drop"):
        box.fail_next(kind, path="/tasks")
    with UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, max_retries=4, timeout=5) as c:
        assert len(c.tasks.list()) == len(box.ids())
    statuses = [r.status for r in box.requests if r.path == "/tasks"]
    assert len(statuses) == 5


@pytest.mark.parametrize(
    "kind, cls, applied",
    [("500", ServerError, False), ("500_empty", ServerError, False), ("drop", APIConnectionError, False), ("lose_response", APIConnectionError, True)],
)
def test_mutation_failure_is_raised_not_resent(box, server, kind, cls, applied):
    """A delete that fails after reaching the server is sent once and raised with may_have_applied."""
    target = next(t["id"] for t in box.tasks if t["status"] == "failed")
    box.fail_next(kind, path="/tasks/delete")
    box.reset_log()
    with UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, max_retries=5, timeout=5) as c:
        with pytest.raises(cls) as info:
            c.tasks.delete([target])
    assert info.value.may_have_applied
    assert len([r for r in box.requests if r.path == "/tasks/delete"]) == 1
    assert (box.task(target) is None) is applied


def test_mutation_429_is_retried(box, server):
    """A 429 on delete means nothing happened: the client waits and sends it again."""
    target = next(t["id"] for t in box.tasks if t["status"] == "failed")
    box.fail_next("429", path="/tasks/delete")
    with UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, timeout=5) as c:
        assert c.tasks.delete([target])["deleted"] == 1
    with UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, max_retries=0, timeout=5) as c:
        box.fail_next("429", path="/tasks")
        with pytest.raises(RateLimitError) as info:
            c.tasks.list()
        assert info.value.retry_after is not None


def test_no_key_in_logs_over_http(box, server, caplog):
    """Debug logs of httpx and ugc_nb over a real connection never contain the key."""
    caplog.set_level(logging.DEBUG)
    secret = "sk-live-0123456789abcdefghijklmnop"
    box_key = Sandbox(n_tasks=5, api_key=secret, seed=1)
    with box_key.serve() as srv, UGCClient(api_key=secret, base_url=srv.url, retry=NO_WAIT) as c:
        c.tasks.list()
        box_key.fail_next("500", path="/tasks")
        c.tasks.list()
    assert caplog.records and secret not in caplog.text


def test_load_tasks_without_key_uses_the_sandbox_and_says_so(capsys, monkeypatch):
    """No client and no UGC_API_KEY: the shared sandbox is used, announced (once, on stdout) in the one wording."""
    monkeypatch.setattr("ugc_nb.source._sandbox", Sandbox(n_tasks=50, seed=9))
    df = load_tasks()
    assert len(df) == 50
    out = capsys.readouterr()
    assert out.out.count("using the embedded SANDBOX — synthetic data") == 1 and out.err == ""
    assert df.attrs["source"] == "http://sandbox.invalid"


def test_load_tasks_with_key_uses_the_real_api_settings(monkeypatch, box, server):
    """With UGC_API_KEY and UGC_BASE_URL set, load_tasks() talks to that server, silently."""
    monkeypatch.setenv("UGC_API_KEY", box.api_key)
    monkeypatch.setenv("UGC_BASE_URL", server.url)
    df = load_tasks()
    assert len(df) == len(box.ids()) and df.attrs["source"] == server.url


def test_faults_storm_reads_still_complete(box, server):
    """Under a storm of 429/5xx/drops a read with enough retries still returns everything."""
    box.faults = Faults(rate_limit=0.25, retry_after=0, server_error=1 / 12, drop=1 / 25, seed=11, paths=("/tasks",))
    with UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, max_retries=10, timeout=5) as c:
        for _ in range(10):
            assert len(c.tasks.list()) == len(box.ids())
