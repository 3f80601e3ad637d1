"""UGCClient against httpx.MockTransport: requests made, envelope, errors, retry policy, key hygiene."""

from __future__ import annotations

import logging
import pickle
import threading

import httpx
import orjson
import pytest

import ugc_nb
from ugc_nb import UGCClient
from ugc_nb.api.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from ugc_nb.api.retry import NO_WAIT

KEY = "secret-test-key-do-not-leak-1234567890"


class Recorder:
    """A MockTransport handler that answers from a script and records every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    @property
    def bodies(self):
        return [orjson.loads(r.content) if r.content else None for r in self.requests]


def ok(data, **extra):
    return httpx.Response(200, json={"ok": True, "code": 200, "message": "Success", "data": data, **extra})


def err(status, message="nope", headers=None):
    return httpx.Response(status, json={"ok": False, "code": status, "message": message}, headers=headers)


def make(recorder, **kw):
    kw.setdefault("retry", NO_WAIT)
    return UGCClient(api_key=KEY, base_url="https://api.test", transport=httpx.MockTransport(recorder), **kw)


TASK = {
    "id": "task_1",
    "account_id": "acc_1",
    "type": "warmup_scroll",
    "status": "failed",
    "scheduled_time": "2024-12-26T15:00:00Z",
    "duration": 300,
    "keywords": None,
    "edit_profile_info": None,
    "created_at": "2024-12-25T11:00:00Z",
}


# -- construction and key hygiene -------------------------------------------------


def test_key_and_base_url_come_from_environment(monkeypatch):
    """UGC_API_KEY and UGC_BASE_URL are used when no arguments are given."""
    monkeypatch.setenv("UGC_API_KEY", KEY)
    monkeypatch.setenv("UGC_BASE_URL", "http://127.0.0.1:9/")
    rec = Recorder(ok([]))
    client = UGCClient(transport=httpx.MockTransport(rec))
    client.tasks.list()
    assert client.base_url == "http://127.0.0.1:9"
    assert rec.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_default_base_url_is_the_public_api(monkeypatch):
    """Without UGC_BASE_URL the client talks to https://api.ugc.inc."""
    monkeypatch.delenv("UGC_BASE_URL", raising=False)
    assert UGCClient(api_key=KEY).base_url == "https://api.ugc.inc"


def test_missing_key_is_a_clear_error(monkeypatch):
    """No key anywhere raises ValueError that says how to provide one."""
    monkeypatch.delenv("UGC_API_KEY", raising=False)
    with pytest.raises(ValueError, match="UGC_API_KEY"):
        UGCClient()


def test_bad_base_url_rejected():
    """A base URL without a scheme is rejected at construction."""
    with pytest.raises(ValueError, match="http"):
        UGCClient(api_key=KEY, base_url="api.ugc.inc")


def test_repr_and_str_hide_the_key():
    """repr/str of the client never contain the key."""
    client = UGCClient(api_key=KEY)
    assert KEY not in repr(client) and KEY not in str(client)
    assert "***" in repr(client)


def test_client_cannot_be_pickled():
    """Pickling would write the key to disk, so it is refused."""
    with pytest.raises(TypeError, match="API key"):
        pickle.dumps(UGCClient(api_key=KEY))


def test_requests_are_json_posts_with_bearer_auth():
    """Every call is a POST with a JSON body and the bearer header."""
    rec = Recorder(ok([TASK]))
    with make(rec) as client:
        assert client.tasks.list() == [TASK]
    req = rec.requests[0]
    assert req.method == "POST" and req.url.path == "/tasks"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["user-agent"].startswith("ugc-nb/")
    assert rec.bodies == [{}]


def test_key_never_in_errors_or_logs(caplog):
    """A server echoing the key, retries and failures: no exception text or log line contains it."""
    caplog.set_level(logging.DEBUG)
    rec = Recorder(err(500, f"bad key {KEY}"), err(401, f"invalid key {KEY}"))
    client = make(rec)
    with pytest.raises(AuthenticationError) as info:
        client.tasks.list()
    exc = info.value
    for text in (str(exc), repr(exc), exc.message, str(exc.args), repr(exc.body), caplog.text):
        assert KEY not in text
    assert "***" in exc.message


def test_a_key_echoed_in_another_letter_case_is_masked_too():
    """Keys are UUIDs, which a server may print upper-cased: that echo is masked like the exact one."""
    from ugc_nb.api.redact import Redactor

    key = "3f9c2a71-8be4-4d1a-9c3e-5b7d2e8f1a64"
    masked = Redactor(key).text(f"HTTP 401: bad key {key.upper()}; part {key[4:16].upper()}; İ {key[:8]}")
    assert key.upper()[:6] not in masked.upper() and masked.count("***") == 3 and masked.startswith("HTTP 401: bad key ***")


# -- request bodies -----------------------------------------------------------------


def test_get_tasks_sends_filters_in_api_names():
    """account_ids/start/end/task_type become accountIds/startDate/endDate/taskType in UTC ISO form."""
    rec = Recorder(ok([]))
    make(rec).tasks.list(
        account_ids=["acc_1", "acc_2", "acc_1"],
        start="2024-01-01T02:00:00+02:00",
        end="2024-12-31T23:59:59Z",
        task_type="edit_profile",
    )
    assert rec.bodies == [
        {
            "accountIds": ["acc_1", "acc_2"],
            "taskType": "edit_profile",
            "startDate": "2024-01-01T00:00:00Z",
            "endDate": "2024-12-31T23:59:59Z",
        }
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"task_type": "browse"}, "unknown task_type"),
        ({"account_ids": []}, "empty"),
        ({"account_ids": "acc_1"}, "single string"),
        ({"account_ids": ["acc_1", 7]}, "strings"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "after"),
        ({"window": "1D"}, "both start and end"),
        ({"start": "2024-01-01", "end": "2024-02-01", "window": "-1D"}, "non-negative"),
    ],
)
def test_get_tasks_argument_misuse_raises_before_any_request(kwargs, match):
    """Bad arguments are a ValueError naming the problem, and nothing is sent."""
    rec = Recorder(ok([]))
    with pytest.raises(ValueError, match=match):
        make(rec).tasks.list(**kwargs)
    assert rec.requests == []


@pytest.mark.parametrize("ids, match", [([], "empty"), ("task_1", "single string"), ([1, 2], "strings"), ([""], "strings"), (None, "list")])
def test_mutation_argument_misuse_raises_before_any_request(ids, match):
    """delete/retry with no ids, a bare string or non-strings raise ValueError; nothing is sent."""
    rec = Recorder(ok({"deleted": 0, "ids": []}))
    client = make(rec)
    for method in (client.tasks.delete, client.tasks.retry):
        with pytest.raises(ValueError, match=match):
            method(ids)
    assert rec.requests == []


def test_delete_and_retry_send_deduplicated_ids_and_return_data():
    """delete_tasks/retry_tasks post {"taskIds": [...]} once each and return the data object."""
    rec = Recorder(
        ok({"deleted": 2, "ids": ["a", "b"]}, message="Successfully deleted 2 task(s)"),
        ok({"retried": 1, "ids": ["c"], "errors": [{"id": "d", "error": "not found"}]}),
    )
    client = make(rec)
    assert client.tasks.delete(["a", "b", "a"]) == {"deleted": 2, "ids": ["a", "b"]}
    assert client.tasks.retry(("c", "d")) == {"retried": 1, "ids": ["c"], "errors": [{"id": "d", "error": "not found"}]}
    assert [r.url.path for r in rec.requests] == ["/tasks/delete", "/tasks/retry"]
    assert rec.bodies == [{"taskIds": ["a", "b"]}, {"taskIds": ["c", "d"]}]


def test_accounts_and_account_status_bodies():
    """get_accounts passes its filters; account_status sends accountIds and includeCompleted."""
    rec = Recorder(ok([{"id": "acc_1"}]))
    client = make(rec)
    assert client.accounts.list(tag="fitness") == [{"id": "acc_1"}]
    client.accounts.status(["acc_1"], include_completed=True)
    client.accounts.status()
    assert [r.url.path for r in rec.requests] == ["/accounts", "/accounts/status", "/accounts/status"]
    assert rec.bodies == [{"tag": "fitness"}, {"includeCompleted": True, "accountIds": ["acc_1"]}, {"includeCompleted": False}]
    with pytest.raises(ValueError, match="unknown account filter"):
        client.accounts.list(colour="red")


# -- envelope -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"code": 200, "data": [TASK]}),
        httpx.Response(200, json={"ok": True, "code": 200, "data": [TASK]}),
        httpx.Response(200, json={"ok": True, "data": [TASK]}),
        httpx.Response(200, json={"data": [TASK], "message": "later", "code": "200"}),
    ],
)
def test_tolerant_envelope_variants_give_data(response):
    """ok/message/code missing or reordered still yield the data."""
    assert make(Recorder(response)).tasks.list() == [TASK]


@pytest.mark.parametrize(
    "status, cls",
    [(400, BadRequestError), (401, AuthenticationError), (404, NotFoundError), (429, RateLimitError),
        (500, ServerError), (503, ServerError), (418, APIStatusError)],
)
def test_every_status_maps_to_its_error(status, cls):
    """Each HTTP status raises its own class carrying status, message and path."""
    client = make(Recorder(err(status, "the reason")), max_retries=0)
    with pytest.raises(cls) as info:
        client.tasks.delete(["x"])
    exc = info.value
    assert type(exc) is cls
    assert (exc.status_code, exc.message, exc.path) == (status, "the reason", "/tasks/delete")
    assert "the reason" in str(exc) and "/tasks/delete" in str(exc) and str(status) in str(exc)


def test_ok_false_on_http_200_is_an_error():
    """An envelope saying ok=false with code 404 is a NotFoundError even on HTTP 200."""
    client = make(Recorder(httpx.Response(200, json={"ok": False, "code": 404, "message": "gone"})))
    with pytest.raises(NotFoundError, match="gone"):
        client.tasks.retry(["x"])


def test_empty_body_on_500_is_a_server_error():
    """An empty 500 body becomes ServerError with a message saying the body was empty."""
    client = make(Recorder(httpx.Response(500, content=b"")), max_retries=0)
    with pytest.raises(ServerError, match="empty response body"):
        client.tasks.list()


def test_non_json_error_body_is_quoted():
    """An HTML 502 page becomes ServerError quoting the start of the body."""
    client = make(Recorder(httpx.Response(502, content=b"<html>Bad gateway</html>")), max_retries=0)
    with pytest.raises(ServerError, match="Bad gateway"):
        client.tasks.list()


@pytest.mark.parametrize(
    "response, match",
    [
        (httpx.Response(200, content=b""), "empty body"),
        (httpx.Response(200, content=b"not json"), "non-JSON"),
        (httpx.Response(200, json={"ok": True, "code": 200}), "no 'data'"),
        (httpx.Response(200, json=[1, 2]), "no 'data'"),
        (httpx.Response(200, json={"ok": True, "data": {"not": "a list"}}), "list"),
    ],
)
def test_unusable_success_bodies_raise_validation_error(response, match):
    """A 2xx that cannot be read is APIResponseValidationError, never KeyError/JSONDecodeError."""
    with pytest.raises(APIResponseValidationError, match=match):
        make(Recorder(response)).tasks.list()


def test_mutation_success_without_object_may_have_applied():
    """A delete answered 200 with unreadable data is flagged may_have_applied."""
    with pytest.raises(APIResponseValidationError) as info:
        make(Recorder(httpx.Response(200, content=b""))).tasks.delete(["a"])
    assert info.value.may_have_applied


# -- retries ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        err(500),
        httpx.Response(503, content=b""),
        err(429, headers={"Retry-After": "0"}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
    ],
)
def test_reads_retry_transient_failures(failure):
    """Reads retry 5xx, 429, connection errors and timeouts, then succeed."""
    rec = Recorder(failure, failure, ok([TASK]))
    assert make(rec, max_retries=3).tasks.list() == [TASK]
    assert len(rec.requests) == 3


def test_reads_give_up_after_max_retries():
    """After max_retries the last error is raised; exactly 1 + max_retries requests are made."""
    rec = Recorder(err(500, "down"))
    with pytest.raises(ServerError, match="down"):
        make(rec, max_retries=2).tasks.list()
    assert len(rec.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 404])
def test_client_errors_are_not_retried(status):
    """4xx other than 429 is raised at once."""
    rec = Recorder(err(status))
    with pytest.raises(APIStatusError):
        make(rec, max_retries=3).tasks.list()
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "failure, cls",
    [
        (err(500), ServerError),
        (httpx.Response(500, content=b""), ServerError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("dropped"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
    ],
)
def test_mutations_are_not_resent_when_they_may_have_applied(failure, cls):
    """A delete that reached the server and failed is sent once and raised with may_have_applied."""
    rec = Recorder(failure, ok({"deleted": 1, "ids": ["a"]}))
    with pytest.raises(cls) as info:
        make(rec, max_retries=5).tasks.delete(["a"])
    assert len(rec.requests) == 1
    assert info.value.may_have_applied


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), err(429, headers={"Retry-After": "0"})])
def test_mutations_retry_only_when_provably_not_applied(failure):
    """A refused connection or a 429 means nothing happened, so the delete is sent again."""
    rec = Recorder(failure, ok({"deleted": 1, "ids": ["a"]}))
    assert make(rec, max_retries=2).tasks.delete(["a"]) == {"deleted": 1, "ids": ["a"]}
    assert len(rec.requests) == 2


def test_retry_after_is_honoured_and_capped(monkeypatch):
    """The wait before a retry is Retry-After when given (capped), else capped exponential backoff."""
    from ugc_nb.api.retry import RetryPolicy

    waits = []
    monkeypatch.setattr("ugc_nb.api.client.time.sleep", waits.append)
    policy = RetryPolicy(max_retries=4, initial=0.25, maximum=0.75, retry_after_cap=5, jitter=False)
    rec = Recorder(err(429, headers={"Retry-After": "2"}), err(429, headers={"Retry-After": "120"}), err(500), err(500), ok([]))
    make(rec, retry=policy).tasks.list()
    assert waits == [2.0, 5.0, 0.75, 0.75]


def test_backoff_grows_exponentially_with_jitter_bounds():
    """Delay for attempt n lies in [w/2, w] with w = min(initial*2**n, maximum)."""
    from ugc_nb.api.retry import RetryPolicy

    policy = RetryPolicy(initial=0.5, maximum=4.0)
    for attempt, cap in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        for _ in range(20):
            assert cap / 2 <= policy.delay(attempt) <= cap


# -- windowed listing ---------------------------------------------------------------


def test_windowed_get_tasks_merges_and_deduplicates():
    """A range split in windows is fetched window by window, overlapping, and merged by id (latest copy)."""
    def answer(request):
        body = orjson.loads(request.content)
        start = body["startDate"]
        # Every window returns a task of its own, and one shared task seen by all windows.
        data = [dict(TASK, id=f"task_{body['endDate'][:10]}", status="failed"),
            dict(TASK, id="task_shared", status="scheduled" if start > "2024-01-02" else "failed")]
        return ok(data)

    rec = Recorder(answer)
    tasks = make(rec).tasks.list(start="2024-01-01T00:00:00Z", end="2024-01-04T00:00:00Z", window="1D", concurrency=2)
    bodies = sorted(rec.bodies, key=lambda b: b["startDate"])
    assert [(b["startDate"], b["endDate"]) for b in bodies] == [
        ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
        ("2024-01-01T23:59:59Z", "2024-01-03T00:00:00Z"),
        ("2024-01-02T23:59:59Z", "2024-01-04T00:00:00Z"),
    ]
    ids = [t["id"] for t in tasks]
    assert len(ids) == len(set(ids)) == 4
    shared = next(t for t in tasks if t["id"] == "task_shared")
    assert shared["status"] == "scheduled"  # the copy from the last window wins


def test_version_is_exposed():
    """ugc_nb.__version__ comes from package metadata."""
    assert ugc_nb.__version__ and ugc_nb.__version__[0].isdigit()


def test_raw_endpoints_are_resources_and_the_old_names_warn():
    """client.tasks.list/delete/retry and client.accounts.list/status are the raw endpoints; the old method names
    still work for one release with a DeprecationWarning that points at the safe ugc_nb.delete_tasks."""
    from ugc_nb import Sandbox

    box = Sandbox(n_tasks=20, seed=5)
    client = box.client()
    failed = [t["id"] for t in box.tasks if t["status"] == "failed"][:1]
    assert [t["id"] for t in client.tasks.list()] == box.ids() and client.accounts.list()
    with pytest.warns(DeprecationWarning, match=r"use client\.tasks\.delete \(raw and permanent; ugc_nb\.delete_tasks is the safe"):
        assert client.delete_tasks(failed)["deleted"] == 1
    with pytest.warns(DeprecationWarning, match=r"UGCClient\.get_tasks is deprecated: use client\.tasks\.list"):
        assert len(client.get_tasks()) == len(box.ids())
