"""The HTTP client for the UGC.inc task API.

:class:`UGCClient` speaks HTTP and the envelope and nothing else: it returns
plain Python data (lists of dicts, dicts) and raises the typed errors of
:mod:`ugc_nb.errors`. It knows nothing of pandas.

Every call goes through one private method, :meth:`UGCClient._request`, which
owns the retry policy:

* **Reads** (``/tasks``, ``/accounts``, ``/accounts/status``) are retried on connection errors, timeouts, HTTP 429
  (waiting for ``Retry-After``, capped) and 5xx, with capped exponential backoff and jitter (:class:`RetryPolicy`).
* **Mutations** (``/tasks/delete``, ``/tasks/retry``) are *not* re-sent
  blindly. A delete whose response was lost may already have been applied, and
  deletion is permanent, so a mutation is retried only when the server provably
  did not act on it: the connection could not be opened, or the server answered
  429. Any other failure is raised with ``may_have_applied=True`` where that is
  possible; :mod:`ugc_nb.cleanup` then re-reads the live state and decides.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import httpx
import orjson

from .._version import __version__
from . import envelope
from .clock import SYSTEM_CLOCK, Clock
from .connection import open_http, proxy_for
from .deadline import RequestScope, clipped, network_deadline, overdue, read_until
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
)
from .query import ACCOUNT_FILTERS, WINDOW_OVERLAP, check_ids, dated, tasks_query
from .redact import Redactor, check_header_value
from .retry import RetryPolicy
from .timeutil import DurationLike, TimeLike, iso_z, to_timedelta, windows

__all__ = ["UGCClient", "Tasks", "Accounts", "DEFAULT_BASE_URL", "SANDBOX_BASE_URL", "is_sandbox", "key_in_environment"]

logger = logging.getLogger("ugc_nb")

DEFAULT_BASE_URL = "https://api.ugc.inc"
#: Base URL of an in-process sandbox client (``Sandbox().client()``); never resolved on a network.
SANDBOX_BASE_URL = "http://sandbox.invalid"
_READS = frozenset({"/tasks", "/accounts", "/accounts/status"})
_MUTATIONS = frozenset({"/tasks/delete", "/tasks/retry"})


class UGCClient:
    """Client for the UGC.inc task API (or the embedded sandbox).

    ``api_key`` defaults to ``$UGC_API_KEY`` and ``base_url`` to ``$UGC_BASE_URL``
    or ``https://api.ugc.inc``. ``transport`` is the single seam for tests (an
    ``httpx.MockTransport``); ``retry`` a :class:`~ugc_nb.retry.RetryPolicy`
    (``max_retries`` overrides its count). Use as a context manager or call
    :meth:`close`. Safe to share between threads.

    The key is sent only in the ``Authorization`` header; it never appears in
    ``repr``, ``str``, error messages or log lines.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("UGC_API_KEY")
        if key is None or not str(key).strip():
            raise ValueError(
                "no API key: pass api_key=... or set the UGC_API_KEY environment variable "
                "(to try ugc_nb without one, use ugc_nb.Sandbox().client())"
            )
        key = str(key).strip()
        check_header_value(key)
        url = (base_url or os.environ.get("UGC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {url!r}")
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = RetryPolicy(**{**policy.__dict__, "max_retries": max_retries})
        self._key = key
        self._redact = Redactor(key)
        self.base_url = url
        self.retry = policy
        self.clock: Clock = clock or SYSTEM_CLOCK
        self._scope = RequestScope()  # this thread's deadline_at() bound and one_try(), if any
        self.tasks = Tasks(self)
        self.accounts = Accounts(self)
        self._rng = random.Random()
        self._closed = threading.Event()
        self._http = open_http(  # a mistyped URL or an unusable proxy variable is one line, not httpx's traceback
            url,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"ugc-nb/{__version__}",
            },
        )

    # -- lifecycle ---------------------------------------------------------
    sandbox_born: datetime | None = None  # an in-process sandbox's start: its own journalled runs are those after it

    def __repr__(self) -> str:
        return f"UGCClient({'sandbox' if self.is_sandbox else f'base_url={self.base_url!r}'}, api_key='***')"

    def __enter__(self) -> UGCClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_sandbox(self) -> bool:
        """True for a client of the embedded sandbox (synthetic data, nothing real is changed)."""
        return is_sandbox(self.base_url)

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._closed.set()
        self._http.close()

    def __getstate__(self) -> None:
        raise TypeError("UGCClient holds an API key and cannot be pickled; create a new one where needed")

    def key_fingerprint(self, salt: str) -> str:
        """A salted hash of the key: tells whether two runs used the same key, reveals nothing of it."""
        return hashlib.sha256(f"{salt}:{self._key}".encode()).hexdigest()[:16]

    def deadline_at(self, until: float | None) -> AbstractContextManager[None]:
        """Inside the block, every request this thread makes (its retries and its answer still arriving included)
        is abandoned once ``self.clock.monotonic()`` reaches ``until``, or earlier by the policy's own deadline.
        The cleanup engine bounds its re-reads and its requests by the deadline of the tasks they are for."""
        return self._scope.deadline_at(until)

    def one_try(self) -> AbstractContextManager[None]:
        """Inside the block, a request this thread makes is tried once, whatever the policy allows: its caller waits,
        re-reads and decides (the cleanup engine: a delete refused with 429 is judged again on a fresh read first)."""
        return self._scope.one_try()

    # -- the one request path ----------------------------------------------
    def _scrub(self, text: str) -> str:
        """``text`` with every recognisable part of the key masked (see :mod:`ugc_nb.redact`)."""
        return self._redact.text(text)

    def _send_once(self, path: str, body: dict[str, Any], mutation: bool, lazy: bool = False, until: float | None = None) -> Any:
        timeouts, left, ends = self._http.timeout, None, None
        if until is not None:
            left = until - self.clock.monotonic()
            if left <= 0:
                raise overdue(self.base_url, self.retry.deadline, path, mutation=mutation, sent=False)
            timeouts, ends = clipped(timeouts, left), time.monotonic() + left
        started = time.perf_counter()
        try:
            with network_deadline(left), self._http.stream("POST", path, content=orjson.dumps(body), timeout=timeouts) as response:
                content = read_until(response, until, self.clock)
            if content is None:
                raise overdue(self.base_url, self.retry.deadline, path, mutation=mutation, sent=True)
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Timed out before the request was sent: nothing can have been applied.
            raise APITimeoutError(f"timed out connecting to {self.base_url} ({type(exc).__name__})", path=path) from exc
        except httpx.ConnectError as exc:  # the request never reached the server: nothing can have been applied
            raise APIConnectionError(f"could not connect to {self.base_url}{proxy_for(self.base_url)}: {type(exc).__name__}: {exc}",
                                     path=path) from exc
        except httpx.TimeoutException as exc:
            if until is not None and (self.clock.monotonic() >= until or ends is not None and time.monotonic() >= ends):
                raise overdue(self.base_url, self.retry.deadline, path, mutation=mutation, sent=True) from exc
            raise APITimeoutError(f"timed out waiting for {self.base_url}", path=path, may_have_applied=mutation) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(
                f"connection to {self.base_url} failed mid-request: {type(exc).__name__}",
                path=path,
                may_have_applied=mutation,
            ) from exc
        elapsed = time.perf_counter() - started
        logger.debug("POST %s -> %s in %.3fs", path, response.status_code, elapsed)
        if response.status_code >= 400:
            # An error page or message: scrubbed before it is parsed or cut short (it may echo the key).
            content = self._redact.bytes(content)
        data = (envelope.parse_lazy if lazy else envelope.parse)(
            response.status_code,
            content,
            path=path,
            headers=response.headers,
            reason=response.reason_phrase,
            mutation=mutation,
        )
        if mutation and isinstance(data, dict) and isinstance(data.get("errors"), list):
            # Per-task error texts are the server's words: scrubbed. Ids are data, never rewritten.
            data = {**data, "errors": [{k: (v if k == "id" else self._redact.deep(v)) for k, v in e.items()} if isinstance(e, dict) else e
                                       for e in data["errors"]]}
        return data

    def _request(self, path: str, body: dict[str, Any], *, lazy: bool = False) -> Any:
        """POST ``body`` to ``path`` and return the envelope's ``data`` (retrying per policy).

        ``lazy=True``: a clean success returns ``data`` undecoded (see :func:`envelope.parse_lazy`).
        """
        if path not in _READS and path not in _MUTATIONS:
            raise ValueError(f"unknown endpoint {path!r}")
        mutation = path in _MUTATIONS
        attempt, started = 0, self.clock.monotonic()
        bounds = [started + self.retry.deadline if self.retry.deadline is not None else None, self._scope.until]
        until = min((b for b in bounds if b is not None), default=None)
        while True:
            try:
                return self._send_once(path, body, mutation, lazy, until)
            except APIError as exc:
                exc.message = self._scrub(exc.message)
                exc.args = (exc.message,)
                for name in ("body", "text"):  # the raw answer was scrubbed already; this is belt and braces
                    if hasattr(exc, name):
                        setattr(exc, name, self._redact.deep(getattr(exc, name)))
                now = self.clock.monotonic()
                delay = self.retry.wait(attempt, exc, mutation=mutation, started=started, rng=self._rng, now=now)
                if delay is None or self._scope.once or self._closed.is_set() or (until is not None and now + delay >= until):
                    raise
                logger.info(
                    "retrying %s after %s (attempt %d of %d) in %.2fs",
                    path,
                    type(exc).__name__,
                    attempt + 1,
                    self.retry.max_retries,
                    delay,
                )
                attempt += 1
                if delay:
                    self.clock.sleep(delay)

    # -- tasks (reached as client.tasks.list / .delete / .retry) ----------------
    def _get_tasks(
        self,
        *,
        account_ids: Iterable[str] | None = None,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        task_type: str | None = None,
        window: DurationLike | None = None,
        concurrency: int = 4,
        progress: bool = False,
    ) -> list[dict[str, Any]]:
        """List tasks (``POST /tasks``), optionally filtered.

        ``start``/``end`` bound the server's date filter; the docs do not say
        whether it applies to ``scheduled_time`` or ``created_at`` (the sandbox
        uses ``scheduled_time``), nor whether the bounds are inclusive.

        ``window="7D"`` (needs ``start`` and ``end``) splits the range into
        windows fetched ``concurrency`` at a time, with a tqdm progress bar when
        ``progress`` is true. Adjacent windows overlap by one second and the
        result is de-duplicated by ``id`` (first position, latest copy), so the
        merge is exact whichever timestamp the server filters on and whichever
        way it treats the bounds. Tasks the server leaves out of every window
        (e.g. a null ``scheduled_time``) are, as with a single range query, not
        returned: call without ``start``/``end`` to get everything.
        """
        body, lo, hi = tasks_query(account_ids, start, end, task_type)
        if window is None:
            return self._list(dated(body, lo, hi))

        if lo is None or hi is None:
            raise ValueError("window= needs both start and end")
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        spans = windows(lo, hi, to_timedelta(window, "window"), WINDOW_OVERLAP)
        bodies = [{**body, "startDate": iso_z(a), "endDate": iso_z(b)} for a, b in spans]
        from tqdm.auto import tqdm

        with ThreadPoolExecutor(max_workers=min(concurrency, len(bodies))) as pool, tqdm(
            total=len(bodies), desc="Loading tasks", unit="window", disable=not progress
        ) as bar:
            futures = [pool.submit(self._list, b) for b in bodies]
            parts = []
            for future in futures:
                parts.append(future.result())
                bar.update(1)
        merged: dict[Any, dict[str, Any]] = {}
        for part in parts:
            for record in part:
                key = record.get("id") if isinstance(record, dict) else None
                merged[key if key is not None else ("no-id", len(merged))] = record
        return list(merged.values())

    def _tasks_json(self, *, window: DurationLike | None = None, concurrency: int = 4, progress: bool = False, **query: Any) -> Any:
        """Tasks for :func:`ugc_nb.tasks_frame` to decode once: :meth:`get_tasks`, minus the decoding.

        A single query (no ``window``) returns the ``data`` array of the response
        undecoded, as a memoryview of its JSON text, after the same checks and
        retries as :meth:`get_tasks`; the frame decodes it straight into columns,
        which is several times faster than building a dict per task first. A
        windowed query, or an odd but successful envelope, returns the list of dicts.
        """
        if window is not None:
            return self._get_tasks(window=window, concurrency=concurrency, progress=progress, **query)
        body, lo, hi = tasks_query(**query)
        return self._list(dated(body, lo, hi), lazy=True)

    def _list(self, body: dict[str, Any], path: str = "/tasks", *, lazy: bool = False) -> Any:
        data = self._request(path, body, lazy=lazy)
        if isinstance(data, memoryview):  # lazy: the undecoded JSON text of ``data``
            if data[:1] == b"[":
                return data
            data = orjson.loads(data)
        if not isinstance(data, list):
            raise APIResponseValidationError(
                f"expected a list of tasks in 'data', got {type(data).__name__}", path=path
            )
        return data

    def _delete_tasks(self, ids: Iterable[str]) -> dict[str, Any]:
        """Permanently delete tasks (``POST /tasks/delete``); only scheduled or failed ones may be deleted.

        Returns the response ``data``: ``deleted`` (count), ``ids`` and, when
        the server reports per-id problems, ``errors``. Never retried after the
        request may have reached the server — see the module docstring. For a
        safe, verified, journalled deletion use :func:`ugc_nb.delete_tasks`.
        """
        return self._mutate("/tasks/delete", ids)

    def _retry_tasks(self, ids: Iterable[str]) -> dict[str, Any]:
        """Re-queue failed tasks (``POST /tasks/retry``); returns ``retried``, ``ids`` (and ``errors``)."""
        return self._mutate("/tasks/retry", ids)

    def _mutate(self, path: str, ids: Iterable[str]) -> dict[str, Any]:
        data = self._request(path, {"taskIds": check_ids(ids, "ids")})
        if not isinstance(data, dict):
            raise APIResponseValidationError(
                f"expected an object in 'data', got {type(data).__name__}", path=path, may_have_applied=True
            )
        return data

    # -- accounts (reached as client.accounts.list / .status) --------------------
    def _get_accounts(self, **filters: str) -> list[dict[str, Any]]:
        """List accounts (``POST /accounts``), filtered by ``tag``, ``org_group``, ``user_group`` or ``status``."""
        unknown = sorted(set(filters) - set(ACCOUNT_FILTERS))
        if unknown:
            raise ValueError(f"unknown account filter(s) {unknown}; expected some of {', '.join(ACCOUNT_FILTERS)}")
        bad = {k: v for k, v in filters.items() if not isinstance(v, str)}
        if bad:
            raise ValueError(f"account filters must be strings, got {bad!r}")
        return self._list(dict(filters), "/accounts")

    def _account_status(self, account_ids: Iterable[str] | None = None, include_completed: bool = False) -> list[dict[str, Any]]:
        """Tasks per account (``POST /accounts/status``); completed ones only with ``include_completed``."""
        body: dict[str, Any] = {"includeCompleted": bool(include_completed)}
        if account_ids is not None:
            body["accountIds"] = check_ids(account_ids, "account_ids")
        return self._list(body, "/accounts/status")


class Tasks:
    """``client.tasks``: the raw task endpoints. ``delete``/``retry`` act at once, unchecked and unjournalled —
    :func:`ugc_nb.delete_tasks` / :func:`ugc_nb.retry_tasks` are the safe, verified, journalled way."""

    def __init__(self, client: UGCClient) -> None:
        self.list = client._get_tasks
        self.list_raw = client._tasks_json  # the same query, its ``data`` undecoded for tasks_frame
        self.delete = client._delete_tasks
        self.retry = client._retry_tasks


class Accounts:
    """``client.accounts``: ``list(**filters)`` (``POST /accounts``) and ``status(...)`` (``POST /accounts/status``)."""

    def __init__(self, client: UGCClient) -> None:
        self.list = client._get_accounts
        self.status = client._account_status


def _deprecated(new: str, method: str) -> Any:
    def old(self: UGCClient, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"UGCClient.{old.__name__} is deprecated: use client.{new}" + (
            " (raw and permanent; ugc_nb.delete_tasks is the safe, journalled way)" if new == "tasks.delete" else ""),
            DeprecationWarning, stacklevel=2)
        return getattr(self, method)(*args, **kwargs)

    old.__doc__ = f"Deprecated: use ``client.{new}``."
    return old


for _old, _new, _impl in (("get_tasks", "tasks.list", "_get_tasks"), ("delete_tasks", "tasks.delete", "_delete_tasks"),
                          ("retry_tasks", "tasks.retry", "_retry_tasks"), ("get_accounts", "accounts.list", "_get_accounts"),
                          ("account_status", "accounts.status", "_account_status")):
    _fn = _deprecated(_new, _impl)
    _fn.__name__ = _old
    setattr(UGCClient, _old, _fn)


def key_in_environment() -> bool:
    """True when ``UGC_API_KEY`` holds a key: then the real API is the source, else the embedded sandbox."""
    return bool(os.environ.get("UGC_API_KEY", "").strip())


def is_sandbox(base_url: str) -> bool:
    """True when ``base_url`` is the embedded sandbox's — the one test of "is this the sandbox"."""
    return base_url == SANDBOX_BASE_URL
