"""An independent fake of the UGC.inc task API (written from the API reference, shared/ugc-api.md, only).

Models `POST /tasks`, `POST /tasks/delete` and `POST /tasks/retry` with the documented
envelope (§1.3) and rules (§2), plus bookkeeping and fault hooks for cleanup-engine tests.

Per-request order: fake clock +1 s -> `before` hook -> apply pending `late` mutations ->
violation checks and `journal_check` (mutations only) -> auth (401, `faults` not consulted)
-> `faults` -> answer -> `rewrite` (sees every JSON answer, not lost ones nor "500_empty").
`max_ids` counts the ids as sent (before de-duplication); `last_read` is updated only when a
list answer is delivered with a 2xx status. Over HTTP, "refuse" cannot refuse a TCP connect, so it closes without applying or answering
(indistinguishable from "drop_before"). Over HTTP, hooks that raise are recorded in `errors`
and answered with a 500. "drip" (HTTP only) applies the request, then sends its answer's headers and one
byte of the body every `drip_every` seconds, 100 bytes at most; "drip_head" (HTTP only) applies it and sends even the
status line and headers a byte at a time.

Time: `stamp` (a callable, e.g. a test's fake monotonic clock) stamps each request's arrival in `Request.at`;
`date` (a callable giving an HTTP date) adds a `Date` header to every answer; `retry_after` may be a callable
too. `current` is the request being handled (its `accounts` say what a read asked for), for hooks.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

UTC = UTC
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
STATUSES = ("scheduled", "pending", "complete", "failed")
TYPES = ("warmup_scroll", "warmup_search_term", "warmup_search_profile", "edit_profile", "update_posts")
DELETABLE = {"scheduled", "failed"}
RETRYABLE = {"failed"}
MUTATIONS = {"/tasks/delete": ("deleted", DELETABLE), "/tasks/retry": ("retried", RETRYABLE)}
FAULTS = ("ok", "429", "500_before", "500_empty", "500_after", "lost_after", "drop_before", "late", "refuse", "drip", "drip_head")

Fault = Callable[[str, list[str]], "str | None"]


def iso(dt: datetime, precision: str = "s", *, z: bool = True) -> str:
    """Format a UTC datetime as ISO 8601 with "s", "ms" or "us" precision and `Z` or `+00:00`."""
    spec = {"s": "seconds", "ms": "milliseconds", "us": "microseconds"}[precision]
    text = dt.astimezone(UTC).isoformat(timespec=spec)
    return text.replace("+00:00", "Z") if z else text


def make_tasks(
    n: int, *, accounts: int = 4, seed: int = 0, precision: str = "us", extra_fields: bool = False
) -> list[dict[str, Any]]:
    """Build `n` deterministic, realistic task records (all statuses and types when n >= 5)."""
    rng = random.Random(seed)
    account_ids = [f"acc_{rng.randrange(10**6):06d}" for _ in range(accounts)]
    out: list[dict[str, Any]] = []
    for i in range(n):
        status = STATUSES[i] if i < 4 else rng.choices(STATUSES, weights=(35, 10, 35, 20))[0]
        ttype = TYPES[i % 5] if i < 5 else rng.choice(TYPES)
        created = NOW - timedelta(days=rng.uniform(1, 28), microseconds=rng.randrange(10**6))
        offset = {"scheduled": rng.uniform(600, 5 * 86400), "pending": -rng.uniform(0, 600)}.get(
            status, -rng.uniform(600, 86400)
        )
        scheduled = max(NOW + timedelta(seconds=offset), created + timedelta(minutes=5))
        z = not (precision == "us" and i % 3 == 2)
        task: dict[str, Any] = {
            "id": f"task_{rng.getrandbits(48):012x}",
            "account_id": rng.choice(account_ids),
            "type": ttype,
            "status": status,
            "scheduled_time": iso(scheduled, precision, z=z),
            "duration": rng.choice((120, 300, 600)) if ttype == "warmup_scroll" else None,
            "keywords": rng.choice(("cat videos", "street food", "diy")) if ttype == "warmup_search_term" else None,
            "edit_profile_info": {"nickName": f"Name {i}", "bio": "Updated bio text"}
            if ttype == "edit_profile"
            else None,
            "created_at": iso(created, precision, z=z),
        }
        if extra_fields:
            task["retry_count"] = rng.randrange(4) if status == "failed" else 0
            task["failure_reason"] = "Account authentication expired" if status == "failed" else None
            task["updated_at"] = task["scheduled_time"]
        out.append(task)
    return out


class FaultSchedule:
    """A `faults` callable returning the items of `seq` one per request, then None."""

    def __init__(self, seq: Iterable[str | None]) -> None:
        """Remember the sequence of fault kinds."""
        self.seq = list(seq)
        self.calls: list[tuple[str, list[str], str | None]] = []

    def __call__(self, path: str, ids: list[str]) -> str | None:
        """Return the next fault kind (None once the sequence is exhausted)."""
        kind = self.seq[len(self.calls)] if len(self.calls) < len(self.seq) else None
        self.calls.append((path, list(ids), kind))
        return kind


def random_faults(rng: random.Random, rates: dict[str, float]) -> Fault:
    """A `faults` callable drawing one kind per request with the given probabilities."""

    def draw(path: str, ids: list[str]) -> str | None:
        """Pick a fault kind (or None) for this request."""
        u, acc = rng.random(), 0.0
        for kind, rate in rates.items():
            acc += rate
            if u < acc:
                return kind
        return None

    return draw


@dataclass
class Request:
    """What the fake saw and did for one received request."""

    path: str
    ids: list[str]
    server: dict[str, str | None]  # status on the server when the request arrived (None: absent)
    last_read: dict[str, str | None]  # status in the last list answer (None: never read)
    fault: str | None = None
    answered: int | str = "pending"  # HTTP status, or "lost" / "dropped" / "refused"
    applied: list[str] = field(default_factory=list)
    accounts: list[str] | None = None  # a read's accountIds (None: every account)
    owners: dict[str, str | None] = field(default_factory=dict)  # a mutation's ids -> their account on arrival
    at: float | None = None  # `stamp()` on arrival


@dataclass
class Outcome:
    """The transport-neutral result of handling one request."""

    kind: str  # "answer", "lost", "dropped" or "refused"
    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeAPI:
    """In-memory UGC.inc task API with bookkeeping, misbehaviour hooks and two transports."""

    def __init__(
        self,
        tasks: Iterable[dict[str, Any]] = (),
        *,
        api_key: str = "test-key",
        semantics: str = "all_or_nothing",
        max_ids: int | None = None,
        limit_status: int = 400,
        precision: str = "s",
        strict_reads: bool = False,
        clock_start: datetime = NOW,
        accounts: Iterable[dict[str, Any]] | None = None,
    ) -> None:
        """Create the fake with a copy of `tasks` (kept in the given order); `POST /accounts` lists `accounts`
        (with no `accounts` it answers 404, as a server without that endpoint would)."""
        assert semantics in ("all_or_nothing", "partial"), semantics
        self.tasks: dict[str, dict[str, Any]] = {t["id"]: copy.deepcopy(t) for t in tasks}
        self.accounts = [copy.deepcopy(a) for a in accounts] if accounts is not None else None
        self.api_key, self.semantics, self.max_ids = api_key, semantics, max_ids
        self.limit_status, self.precision, self.strict_reads = limit_status, precision, strict_reads
        self.clock = clock_start
        self.lock = threading.RLock()  # one lock; re-entrant so helpers work inside hooks
        self.last_read: dict[str, str] = {}
        self.requests: list[Request] = []
        self.deleted_by_us: dict[str, dict[str, Any]] = {}
        self.retried_by_us: set[str] = set()
        self.violations: list[str] = []
        self.errors: list[str] = []
        self.journal_check: Callable[[list[str]], None] | None = None
        self.before: Callable[[FakeAPI, str, list[str]], None] | None = None
        self.faults: Fault | None = None
        self.rewrite: Callable[[str, int, dict], tuple[int, dict | bytes]] | None = None
        self.retry_after: str | Callable[[], str] = "0"
        self.stamp: Callable[[], float] | None = None
        self.date: Callable[[], str] | None = None
        self.drip_every = 0.4
        self.current: Request | None = None
        self._late: list[tuple[Request, str, Any]] = []

    # -- helpers for tests -------------------------------------------------------------
    def now(self) -> str:
        """The fake clock as an ISO string in the configured precision."""
        return iso(self.clock, self.precision)

    def set_status(self, ids: Iterable[str], status: str) -> None:
        """Change the status of existing tasks (e.g. a task starts running)."""
        with self.lock:
            for i in ids:
                self.tasks[i]["status"] = status

    def colleague_retry(self, ids: Iterable[str]) -> list[str]:
        """Someone else retries failed tasks: failed -> scheduled at "now"; returns changed ids."""
        with self.lock:
            changed = [i for i in ids if self.tasks.get(i, {}).get("status") == "failed"]
            for i in changed:
                self.tasks[i].update(status="scheduled", scheduled_time=self.now())
            return changed

    def remove(self, ids: Iterable[str]) -> None:
        """Someone else deletes tasks (not counted in `deleted_by_us`)."""
        with self.lock:
            for i in ids:
                self.tasks.pop(i, None)

    # -- core logic ----------------------------------------------------------------------
    def handle(self, path: str, authorization: str | None, raw: bytes) -> Outcome:
        """Handle one request (thread-safe) and say what to send back."""
        with self.lock:
            self.clock += timedelta(seconds=1)
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                body = None
            task_ids = body.get("taskIds") if isinstance(body, dict) else None
            ids = [i for i in task_ids if isinstance(i, str)] if isinstance(task_ids, list) else []
            if self.before is not None:
                self.before(self, path, list(ids))
            for rec, late_path, late_ids in self._late:
                rec.applied = self._mutate(late_path, late_ids)[2]
            self._late.clear()
            rec = Request(
                path, list(ids), {i: self.tasks.get(i, {}).get("status") for i in ids},
                {i: self.last_read.get(i) for i in ids},
            )
            if isinstance(body, dict) and isinstance(body.get("accountIds"), list):
                rec.accounts = list(body["accountIds"])
            rec.owners = {i: self.tasks.get(i, {}).get("account_id") for i in ids}
            rec.at = self.stamp() if self.stamp is not None else None
            self.current = rec
            self.requests.append(rec)
            if path in MUTATIONS:
                self._check(path, ids)
            if authorization != f"Bearer {self.api_key}":
                return self._answer(rec, 401, {"ok": False, "code": 401, "message": "Invalid or missing API key"})
            rec.fault = fault = (self.faults(path, list(ids)) if self.faults else None) or "ok"
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
            if fault in ("refuse", "drop_before"):
                rec.answered = "refused" if fault == "refuse" else "dropped"
                return Outcome(rec.answered)
            if fault == "429":
                err = {"ok": False, "code": 429, "message": "Too many requests"}
                hint = self.retry_after() if callable(self.retry_after) else self.retry_after
                return self._answer(rec, 429, err, {"Retry-After": hint})
            if fault == "500_before":
                return self._answer(rec, 500, {"ok": False, "code": 500, "message": "Internal server error"})
            if fault == "500_empty":
                rec.answered = 500
                return Outcome("answer", 500, b"", {"Content-Type": "application/json"})
            if fault == "late":
                if path in MUTATIONS and isinstance(body, dict):
                    self._late.append((rec, path, task_ids))
                rec.answered = "lost"
                return Outcome("lost")
            status, payload, applied, listed = self._route(path, body)
            rec.applied = applied
            if fault == "lost_after":
                rec.answered = "lost"
                return Outcome("lost")
            if fault == "500_after":
                return self._answer(rec, 500, {"ok": False, "code": 500, "message": "Internal server error"})
            out = self._answer(rec, status, payload)
            if fault in ("drip", "drip_head"):
                out.kind = fault
            if 200 <= out.status < 300:
                self.last_read.update({t["id"]: t["status"] for t in listed})
            return out

    def _check(self, path: str, ids: list[str]) -> None:
        """Record invariant violations and run `journal_check` for an arriving mutation."""
        verb = "delete" if path == "/tasks/delete" else "retry"
        for i in dict.fromkeys(ids):
            seen = self.last_read.get(i)
            if seen is None:
                if self.strict_reads:
                    self.violations.append(f"{verb} of {i} which was never read")
            elif (verb == "delete" and seen in ("pending", "complete")) or (verb == "retry" and seen != "failed"):
                self.violations.append(f"{verb} of {i} last read as {seen}")
        if verb == "delete" and self.journal_check is not None:
            try:
                self.journal_check(list(ids))
            except Exception as exc:  # noqa: BLE001 - any failure is a finding
                self.violations.append(f"journal_check failed for {ids}: {exc}")

    def _route(self, path: str, body: Any) -> tuple[int, dict, list[str], list[dict]]:
        """Compute (status, body, applied ids, listed tasks) for a request without faults."""
        if not isinstance(body, dict):
            return 400, _err(400, "Request body must be a JSON object"), [], []
        if path == "/tasks":
            accounts, ttype = body.get("accountIds"), body.get("taskType")
            if accounts is not None and not isinstance(accounts, list):
                return 400, _err(400, "accountIds must be an array"), [], []
            listed = [
                copy.deepcopy(t) for t in self.tasks.values()
                if (accounts is None or t.get("account_id") in accounts) and (ttype is None or t.get("type") == ttype)
            ]
            return 200, {"ok": True, "code": 200, "message": "Success", "data": listed}, [], listed
        if path in MUTATIONS:
            return (*self._mutate(path, body.get("taskIds")), [])
        if path == "/accounts" and self.accounts is not None:
            return 200, {"ok": True, "code": 200, "message": "Success", "data": copy.deepcopy(self.accounts)}, [], []
        return 404, _err(404, f"Not found: {path}"), [], []

    def _mutate(self, path: str, task_ids: Any) -> tuple[int, dict, list[str]]:
        """Validate and apply a delete/retry; returns (status, body, applied ids)."""
        noun, eligible = MUTATIONS[path]
        if not isinstance(task_ids, list) or not task_ids or not all(isinstance(i, str) for i in task_ids):
            return 400, _err(400, "No task IDs provided"), []
        if self.max_ids is not None and len(task_ids) > self.max_ids:
            return self.limit_status, _err(self.limit_status, "too many task ids"), []
        ids = list(dict.fromkeys(task_ids))
        problems = {}
        for i in ids:
            if i not in self.tasks:
                problems[i] = "Task not found"
            elif self.tasks[i]["status"] not in eligible:
                problems[i] = f"Task status is {self.tasks[i]['status']}, expected {' or '.join(sorted(eligible))}"
        if self.semantics == "all_or_nothing":
            unknown = [i for i in ids if problems.get(i) == "Task not found"]
            if unknown:
                return 404, _err(404, f"Some tasks were not found: {', '.join(unknown)}"), []
            if problems:
                return 400, _err(400, f"Some tasks cannot be {noun}: {', '.join(problems)}"), []
        applied = [i for i in ids if i not in problems]
        for i in applied:
            if noun == "deleted":
                self.deleted_by_us[i] = self.tasks.pop(i)
            else:
                self.tasks[i].update(status="scheduled", scheduled_time=self.now())
                if "retry_count" in self.tasks[i]:
                    self.tasks[i]["retry_count"] = 0
                self.retried_by_us.add(i)
        data: dict[str, Any] = {noun: len(applied), "ids": applied}
        if self.semantics == "partial":
            data["errors"] = [{"id": i, "error": e} for i, e in problems.items()]
        verb = "deleted" if noun == "deleted" else "retried"
        return 200, {"ok": True, "code": 200, "message": f"Successfully {verb} {len(applied)} task(s)", "data": data}, applied

    def _answer(self, rec: Request, status: int, body: dict, headers: dict[str, str] | None = None) -> Outcome:
        """Pass an answer through `rewrite`, record its status and encode it."""
        payload: dict | bytes = body
        if self.rewrite is not None:
            status, payload = self.rewrite(rec.path, status, body)
        rec.answered = status
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        ctype = "text/html" if isinstance(payload, bytes) else "application/json"
        dated = {"Date": self.date()} if self.date is not None else {}
        return Outcome("answer", status, raw, {"Content-Type": ctype, **dated, **(headers or {})})

    # -- transports ----------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        """An httpx transport that runs requests through the fake in-process."""

        def handler(request: httpx.Request) -> httpx.Response:
            """Translate one httpx request into an answer or a transport error."""
            if request.method != "POST":
                return httpx.Response(405, json=_err(405, "Method not allowed"))
            out = self.handle(request.url.path, request.headers.get("authorization"), request.read())
            if out.kind == "lost":
                raise httpx.ReadError("lost", request=request)
            if out.kind == "dropped":
                raise httpx.RemoteProtocolError("dropped", request=request)
            if out.kind == "refused":
                raise httpx.ConnectError("refused", request=request)
            if out.kind in ("drip", "drip_head"):
                raise AssertionError("the drip faults need real HTTP (fake.serve())")
            return httpx.Response(out.status, headers=out.headers, content=out.body)

        return httpx.MockTransport(handler)

    @contextlib.contextmanager
    def serve(self) -> Iterator[Served]:
        """Serve the fake over real HTTP/1.1 on 127.0.0.1 (random port) in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            """Quiet HTTP/1.1 handler delegating to the fake."""

            protocol_version = "HTTP/1.1"
            timeout = 30

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                """Answer one POST, or close without answering for lost/dropped/refused."""
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    out = fake.handle(self.path.split("?")[0], self.headers.get("Authorization"), raw)
                except Exception as exc:  # noqa: BLE001 - a crashing hook must not hang the client
                    fake.errors.append(repr(exc))
                    out = Outcome("answer", 500, json.dumps(_err(500, f"fake crashed: {exc!r}")).encode())
                if out.kind not in ("answer", "drip", "drip_head"):
                    self.close_connection = True
                    return
                if out.kind == "drip_head":  # the status line and headers too, a byte at a time
                    self.close_connection = True
                    self.drip(f"HTTP/1.1 {out.status} OK\r\nContent-Type: application/json\r\nX-Padding: {'x' * 80}\r\n".encode())
                    return
                self.send_response_only(out.status)
                self.send_header("Date", out.headers.get("Date") or self.date_time_string())
                for name, value in out.headers.items():
                    if name != "Date":
                        self.send_header(name, value)
                body = out.body if out.kind == "answer" else out.body.ljust(100)[:100]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if out.kind == "answer":
                    self.wfile.write(body)
                    return
                self.close_connection = True
                self.drip(body)

            def drip(self, data: bytes) -> None:
                """Send ``data`` one byte every ``fake.drip_every`` seconds, until the client goes away."""
                for byte in data:
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(fake.drip_every)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Stay quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fakeapi", daemon=True)
        thread.start()
        try:
            yield Served(f"http://127.0.0.1:{server.server_address[1]}", server, self)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@dataclass
class Served:
    """A running HTTP fake: its base URL, the server and the fake behind it."""

    url: str
    server: ThreadingHTTPServer
    fake: FakeAPI


def _err(code: int, message: str) -> dict[str, Any]:
    """The documented error envelope."""
    return {"ok": False, "code": code, "message": message}
