"""RetryPolicy: the one place that decides whether to retry and how long to wait, within an overall deadline."""

from __future__ import annotations

import time

import httpx
import pytest

from ugc_nb import UGCClient
from ugc_nb.api.errors import APIConnectionError, BadRequestError, RateLimitError, ServerError
from ugc_nb.api.retry import RetryPolicy

FLAT = RetryPolicy(initial=0.02, maximum=0.02, jitter=False)


def test_wait_says_whether_and_how_long():
    """Reads retry on 5xx, 429 and connection errors; a delete only when it provably did not reach the server; never on 4xx."""
    now = time.monotonic()
    assert FLAT.wait(0, ServerError("boom", path="/tasks", status_code=500), mutation=False, started=now) == 0.02
    assert FLAT.wait(0, RateLimitError("slow", path="/tasks/delete", status_code=429), mutation=True, started=now) == 0.02
    assert FLAT.wait(0, ServerError("boom", path="/tasks/delete", status_code=500), mutation=True, started=now) is None
    assert FLAT.wait(0, APIConnectionError("refused", path="/tasks/delete"), mutation=True, started=now) == 0.02
    assert FLAT.wait(0, BadRequestError("no", path="/tasks", status_code=400), mutation=False, started=now) is None
    assert FLAT.wait(3, ServerError("boom", path="/tasks", status_code=500), mutation=False, started=now) is None  # max_retries done
    assert FLAT.wait(1, ServerError("boom", path="/tasks", status_code=500), mutation=False, started=now, limit=1) is None


def test_no_wait_starts_that_would_end_past_the_deadline():
    """With 0.5 s left of a 1 s deadline a 0.6 s wait is not started; a 0.4 s one is."""
    policy = RetryPolicy(initial=0.6, maximum=0.6, jitter=False, deadline=1.0)
    half_gone = time.monotonic() - 0.5
    assert policy.wait(0, ServerError("boom", path="/tasks", status_code=500), mutation=False, started=half_gone) is None
    shorter = RetryPolicy(initial=0.4, maximum=0.4, jitter=False, deadline=1.0)
    assert shorter.wait(0, ServerError("boom", path="/tasks", status_code=500), mutation=False, started=half_gone) == 0.4
    with pytest.raises(ValueError, match="deadline must be > 0"):
        RetryPolicy(deadline=0)


def test_the_client_gives_up_at_the_deadline():
    """A server that always answers 500: with a 0.1 s deadline and 0.04 s waits the client tries 3 times, not 1 + 50."""
    calls = []

    def always_500(request):
        calls.append(request)
        return httpx.Response(500, json={"ok": False, "code": 500, "message": "Internal server error"})

    policy = RetryPolicy(max_retries=50, initial=0.04, maximum=0.04, jitter=False, deadline=0.1)
    with UGCClient(api_key="k-123456789", base_url="http://api.test", transport=httpx.MockTransport(always_500), retry=policy) as client:
        with pytest.raises(ServerError):
            client.tasks.list()
    assert len(calls) == 3
