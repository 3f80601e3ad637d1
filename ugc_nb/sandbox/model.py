"""The :class:`Sandbox`: a server-side model of the UGC.inc task API.

A request goes through these steps, in order (see :meth:`Sandbox.handle`):

1. fault decision — latency is slept, ``pending_drift`` may start a task, and a
   ``drop``/``429``/``500``/``500_empty`` fault answers without processing (these model
   infrastructure in front of the API, so they come before authentication);
2. authentication — ``Authorization: Bearer <api_key>`` or 401;
3. routing — unknown path 404, known path with a method other than POST 405;
4. body and field validation — 400;
5. the endpoint itself; for ``/tasks/delete`` and ``/tasks/retry`` the
   ``before_mutation`` hook runs just before the eligibility check and change, and a
   ``lose_response`` fault applies the change and then withholds the response.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx

from . import validation
from .data import default_now, generate_accounts, generate_tasks
from .faults import FaultInjector, FaultKind, Faults
from .protocol import ApiError, Reply, error, success
from .records import (
    DATE_FIELDS,
    STATUSES,
    account_task_view,
    ceil_ts,
    copy_task,
    format_ts,
    normalise_task,
)
from .server import SandboxServer
from .store import DELETE, RETRY, Action, TaskStore
from .transport import mock_transport

if TYPE_CHECKING:
    from ..api.client import UGCClient

Semantics = Literal["all_or_nothing", "partial"]
MutationHook = Callable[["Sandbox", str, list[str]], None]

SEMANTICS: tuple[str, ...] = ("all_or_nothing", "partial")
LOG_LIMIT = 10_000
_FAULT_REPLIES: dict[str, Callable[[Faults], Reply]] = {
    "500": lambda _: error(500, "Internal server error"),
    "500_empty": lambda _: Reply(500),
    "429": lambda faults: error(
        429, "Too many requests", {"Retry-After": faults.retry_after_header}
    ),
    "drop": lambda _: Reply(0, disconnect="drop"),
}


@dataclass(frozen=True)
class RequestRecord:
    """One handled request, as kept in :attr:`Sandbox.requests` (no headers, no key)."""

    method: str
    path: str
    body: Any
    """The decoded JSON body (``{}`` when empty), or ``None`` if it was not a JSON object."""
    status: int | None
    """HTTP status produced (also for a lost response); ``None`` if the connection dropped."""
    fault: str | None = None
    """Injected fault kind, if any."""
    applied: tuple[str, ...] = ()
    """Task ids changed by this request."""
    error: str | None = None
    """Unexpected exception text, for requests that ended in an internal 500."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Sandbox:
    """In-memory UGC.inc task API with configurable rules and fault injection.

    ``tasks``/``accounts`` (lists of dicts, copied) replace the generated data; given
    tasks without accounts get one generated account per referenced ``account_id``.
    ``now`` anchors generated data (default: this minute, UTC); ``clock`` is the
    server's notion of the current time, used by retry and ``pending_drift``.
    ``semantics``, ``max_ids``, ``date_field``, ``faults``, ``api_key`` and
    ``before_mutation`` may be changed at any time. All methods are thread-safe.
    """

    def __init__(
        self,
        tasks: Iterable[Mapping[str, Any]] | None = None,
        accounts: Iterable[Mapping[str, Any]] | None = None,
        *,
        n_tasks: int = 500,
        n_accounts: int = 40,
        seed: int = 0,
        now: datetime | None = None,
        api_key: str = "sandbox",
        semantics: Semantics = "all_or_nothing",
        max_ids: int | None = None,
        date_field: str = "scheduled_time",
        faults: Faults | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if now is not None and now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now or default_now()
        #: When this sandbox began (wall clock, UTC): the journal's runs before it were against another sandbox.
        self.born = datetime.now(UTC)
        self.api_key = api_key
        self.semantics = semantics
        self.max_ids = max_ids
        self.date_field = date_field
        self.before_mutation: MutationHook | None = None
        self._clock = clock or _utcnow
        self._injector = FaultInjector(faults)
        self._log: deque[RequestRecord] = deque(maxlen=LOG_LIMIT)
        self._log_lock = threading.Lock()
        created = format_ts(self.now)
        given = None if tasks is None else [normalise_task(t, created) for t in tasks]
        if accounts is not None:
            self._accounts = [dict(account) for account in accounts]
        elif given is not None:
            ids = sorted({task["account_id"] for task in given})
            self._accounts = generate_accounts(len(ids), seed=seed, ids=ids)
        else:
            self._accounts = generate_accounts(n_accounts, seed=seed)
        if given is None:
            given = generate_tasks(self._accounts, n_tasks, seed=seed, now=self.now)
        self._store = TaskStore(given)

    # -- configuration -----------------------------------------------------------

    @property
    def semantics(self) -> Semantics:
        """``"all_or_nothing"`` (default) or ``"partial"`` for delete/retry."""
        return self._semantics

    @semantics.setter
    def semantics(self, value: Semantics) -> None:
        if value not in SEMANTICS:
            raise ValueError(f"semantics must be one of {SEMANTICS}, got {value!r}")
        self._semantics = value

    @property
    def max_ids(self) -> int | None:
        """Most distinct task ids one delete/retry may carry (``None`` = unlimited)."""
        return self._max_ids

    @max_ids.setter
    def max_ids(self, value: int | None) -> None:
        valid = value is None or (type(value) is int and value >= 1)
        if not valid:
            raise ValueError(f"max_ids must be a positive int or None, got {value!r}")
        self._max_ids = value

    @property
    def date_field(self) -> str:
        """Task field that ``startDate``/``endDate`` filter on."""
        return self._date_field

    @date_field.setter
    def date_field(self, value: str) -> None:
        if value not in DATE_FIELDS:
            raise ValueError(f"date_field must be one of {DATE_FIELDS}, got {value!r}")
        self._date_field = value

    @property
    def faults(self) -> Faults:
        """Active fault configuration; assigning one also reseeds its random draws."""
        return self._injector.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._injector.configure(value)

    def fail_next(self, kind: FaultKind, path: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` requests (to ``path``, or any) fail with ``kind``.

        ``kind`` is ``"429"``, ``"500"``, ``"500_empty"``, ``"drop"`` or
        ``"lose_response"`` (which only mutating requests consume).
        """
        if kind == "lose_response" and path is not None and path not in _MUTATIONS:
            raise ValueError(f"lose_response only applies to {', '.join(_MUTATIONS)}")
        self._injector.queue(kind, path, count)

    # -- inspection --------------------------------------------------------------

    @property
    def tasks(self) -> list[dict[str, Any]]:
        """Copies of all current tasks, in API order."""
        return [copy_task(task) for task in self._store.ordered()]

    @property
    def accounts(self) -> list[dict[str, Any]]:
        """Copies of all accounts."""
        return [dict(account) for account in self._accounts]

    def task(self, task_id: str) -> dict[str, Any] | None:
        """A copy of one task, or ``None`` if it does not exist."""
        task = self._store.get(task_id)
        return None if task is None else copy_task(task)

    def ids(self) -> list[str]:
        """Ids of all current tasks, in API order."""
        return [task["id"] for task in self._store.ordered()]

    def status_of(self, task_id: str) -> str | None:
        """Current status of a task, or ``None`` if it does not exist."""
        task = self._store.get(task_id)
        return None if task is None else task["status"]

    def set_status(self, task_ids: str | Iterable[str], status: str) -> None:
        """Force a status onto tasks, e.g. ``scheduled`` → ``pending`` to start them."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; expected one of {STATUSES}")
        self._store.set_status([task_ids] if isinstance(task_ids, str) else task_ids, status)

    @property
    def deleted_ids(self) -> list[str]:
        """Every task id deleted so far, in order."""
        with self._store.lock:
            return list(self._store.deleted)

    @property
    def retried_ids(self) -> list[str]:
        """Every task id retried so far, in order (repeats possible)."""
        with self._store.lock:
            return list(self._store.retried)

    @property
    def requests(self) -> list[RequestRecord]:
        """The most recent requests (up to ``LOG_LIMIT``), oldest first."""
        with self._log_lock:
            return list(self._log)

    def reset_log(self) -> None:
        """Forget the request log."""
        with self._log_lock:
            self._log.clear()

    # -- transports --------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """An in-process httpx transport that serves requests from this sandbox."""
        return mock_transport(self)

    def client(self, **kwargs: Any) -> UGCClient:
        """A :class:`ugc_nb.UGCClient` wired to this sandbox in-process."""
        from ..api.client import SANDBOX_BASE_URL, UGCClient

        client = UGCClient(api_key=self.api_key, base_url=SANDBOX_BASE_URL, transport=self.transport(), **kwargs)
        client.sandbox_born = self.born  # the journal's sandbox runs before it deleted from another sandbox's queue
        return client

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Serve this sandbox over real HTTP in a daemon thread (port 0 = any free port)."""
        return SandboxServer(self, host, port)

    # -- request handling --------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (see the module docstring for the pipeline).

        May sleep (latency fault). Unexpected exceptions, e.g. from a
        ``before_mutation`` hook, become a 500 envelope and are noted in the log.
        """
        path = path.split("?", 1)[0]
        method = method.upper()
        decision = self._injector.decide(path, method == "POST" and path in _MUTATIONS)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.drift is not None:
            self._store.start_one(format_ts(self._clock()), decision.drift)
        try:
            parsed: dict[str, Any] | ApiError = validation.parse_body(body)
        except ApiError as exc:
            parsed = exc
        record = RequestRecord(
            method, path, None if isinstance(parsed, ApiError) else parsed, None, decision.fault
        )
        if decision.fault in _FAULT_REPLIES:
            reply = _FAULT_REPLIES[decision.fault](self.faults)
        else:
            try:
                reply, applied = self._dispatch(method, path, headers, parsed)
                record = replace(record, applied=tuple(applied))
            except Exception as exc:  # a server answers 500, it does not crash
                reply = error(500, "Internal server error")
                record = replace(record, error=f"{type(exc).__name__}: {exc}")
            if decision.fault == "lose_response":
                reply = replace(reply, disconnect="lose_response")
        record = replace(record, status=None if reply.disconnect == "drop" else reply.status)
        with self._log_lock:
            self._log.append(record)
        return reply

    def _dispatch(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        parsed: dict[str, Any] | ApiError,
    ) -> tuple[Reply, list[str]]:
        if not self._authorised(headers):
            return error(401, "Invalid or missing API key"), []
        if path not in _READS and path not in _MUTATIONS:
            return error(404, f"Not found: {path}"), []
        if method != "POST":
            return error(405, f"Method {method} not allowed; use POST", {"Allow": "POST"}), []
        try:
            if isinstance(parsed, ApiError):
                raise parsed
            if path in _MUTATIONS:
                return self._mutate(_MUTATIONS[path], path, parsed)
            return _READS[path](self, parsed), []
        except ApiError as exc:
            return exc.reply(), []

    def _authorised(self, headers: Mapping[str, str]) -> bool:
        value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = value.strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.api_key.encode()
        )

    def _list_tasks(self, payload: dict[str, Any]) -> Reply:
        account_ids = validation.optional_string_list(payload, "accountIds")
        task_type = validation.optional_task_type(payload)
        start = validation.optional_date(payload, "startDate")
        end = validation.optional_date(payload, "endDate")
        tasks = self._store.query(
            account_ids,
            task_type,
            self.date_field,
            None if start is None else ceil_ts(start),
            None if end is None else format_ts(end),
        )
        return success(tasks)

    def _account_status(self, payload: dict[str, Any]) -> Reply:
        account_ids = validation.optional_string_list(payload, "accountIds")
        include = validation.optional_bool(payload, "includeCompleted", False)
        tasks = self._store.query(account_ids, exclude_status=None if include else "complete")
        return success([account_task_view(task) for task in tasks])

    def _list_accounts(self, payload: dict[str, Any]) -> Reply:
        wanted = {
            key: value
            for key in _ACCOUNT_FILTERS
            if (value := validation.optional_string(payload, key)) is not None
        }
        return success([a for a in self._accounts if all(a.get(k) == v for k, v in wanted.items())])

    def _mutate(
        self, action: Action, path: str, payload: dict[str, Any]
    ) -> tuple[Reply, list[str]]:
        ids = validation.task_ids(payload)
        if self.max_ids is not None and len(ids) > self.max_ids:
            raise ApiError(
                400, f"Too many task IDs: at most {self.max_ids} per request, got {len(ids)}"
            )
        if self.before_mutation is not None:
            self.before_mutation(self, path, list(ids))
        partial = self.semantics == "partial"
        outcome = self._store.mutate(action, ids, partial=partial, now=format_ts(self._clock()))
        if not partial and outcome.unknown:
            raise ApiError(404, f"Task(s) not found: {_listing(outcome.unknown)}")
        if not partial and outcome.ineligible:
            allowed = " or ".join(sorted(action.eligible))
            listed = _listing([f"{i} ({status})" for i, status in outcome.ineligible])
            raise ApiError(400, f"Only {allowed} tasks can be {action.past_tense}: {listed}")
        data: dict[str, Any] = {action.past_tense: len(outcome.applied), "ids": outcome.applied}
        errors = [{"id": i, "error": "not found"} for i in outcome.unknown] + [
            {"id": i, "error": f"status {status} is not {action.adjective}"}
            for i, status in outcome.ineligible
        ]
        if errors:
            order = {task_id: n for n, task_id in enumerate(ids)}
            data["errors"] = sorted(errors, key=lambda item: order[item["id"]])
        message = f"Successfully {action.past_tense} {len(outcome.applied)} task(s)"
        return success(data, message), outcome.applied


_READS: dict[str, Callable[[Sandbox, dict[str, Any]], Reply]] = {
    "/tasks": Sandbox._list_tasks,
    "/accounts": Sandbox._list_accounts,
    "/accounts/status": Sandbox._account_status,
}
_MUTATIONS: dict[str, Action] = {"/tasks/delete": DELETE, "/tasks/retry": RETRY}
#: ``POST /accounts`` filters: the documented three plus the field-reported ``status``.
_ACCOUNT_FILTERS = ("tag", "org_group", "user_group", "status")
_LISTED = 20


def _listing(items: list[str]) -> str:
    """Comma-separated items, cut after the first ``_LISTED`` with a count of the rest."""
    shown = ", ".join(items[:_LISTED])
    return shown if len(items) <= _LISTED else f"{shown} and {len(items) - _LISTED} more"
