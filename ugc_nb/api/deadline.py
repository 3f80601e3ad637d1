"""A request's deadline: its timeouts clipped to what is left, its answer read until then, the error when it passes.

httpx's timeouts bound each step of a request (connecting, each read of the socket), so a server that drips its
answer a byte at a time never trips them. The client gives every request an absolute end (the policy's
``deadline`` after the first try, or an earlier one the caller set); these helpers keep it.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from .clock import Clock
from .errors import APITimeoutError

__all__ = ["clipped", "read_until", "overdue", "network_deadline", "deadline_transport", "RequestScope"]


def clipped(timeout: httpx.Timeout, left: float) -> httpx.Timeout:
    """``timeout`` with no step longer than ``left`` seconds (a step with no timeout gets ``left``)."""

    def clip(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(connect=clip(timeout.connect), read=clip(timeout.read), write=clip(timeout.write), pool=clip(timeout.pool))


def read_until(response: httpx.Response, until: float | None, clock: Clock) -> bytes | None:
    """The answer's whole body, read chunk by chunk — or None when ``until`` passed before it was complete."""
    expected = response.headers.get("content-length")
    length = int(expected) if expected and expected.isdigit() else None
    chunks = []
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        if until is not None and clock.monotonic() >= until and (length is None or response.num_bytes_downloaded < length):
            return None
    return b"".join(chunks)


def overdue(base_url: str, deadline: float | None, path: str, *, mutation: bool, sent: bool) -> APITimeoutError:
    """The error of a request abandoned at its deadline: before it was sent (nothing can have happened), or while its
    answer was still arriving (a mutation may then have been applied)."""
    why = f"the deadline ({deadline:g} s) passed" if deadline is not None else "the deadline passed"
    when = "while its answer was still arriving" if sent else "before it could be sent"
    return APITimeoutError(f"gave up on {base_url}: {why} {when} (RetryPolicy(deadline=...) allows longer)",
                           path=path, may_have_applied=mutation and sent)


# -- the deadline in the network layer: every socket operation, the answer's headers included ------------------------
_END = threading.local()  # this thread's request deadline, on the machine's monotonic clock (sockets wait real time)


@contextmanager
def network_deadline(left: float | None) -> Iterator[None]:
    """Every socket operation this thread starts in the block (connecting, writing the request, reading the answer's
    status line, headers and body) waits at most until ``left`` seconds from now, whatever the step's own timeout."""
    previous = getattr(_END, "at", None)
    _END.at = None if left is None else time.monotonic() + left
    try:
        yield
    finally:
        _END.at = previous


def _clip(timeout: float | None) -> float | None:
    at = getattr(_END, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A socket whose every read and write waits no longer than the thread's network deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _clip(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own network backend, with :class:`_Stream` sockets."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, _clip(timeout), local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _clip(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(proxy: httpx.Proxy | None = None) -> httpx.HTTPTransport:
    """httpx's default transport (through ``proxy``, when given), with sockets that keep :func:`network_deadline` (a
    server that drips its status line and headers a byte at a time resets every socket timeout; only this ends it on
    time). Should a future httpx build its pool differently, the transport is returned as it is and the deadline is
    kept between chunks of the body only."""
    transport = httpx.HTTPTransport(proxy=proxy)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport


class RequestScope(threading.local):
    """Per thread, what a caller asked of the requests it makes in a block: an earlier end (``until``, on the client's
    clock) and whether a request is tried once only (``once``)."""

    until: float | None = None
    once: bool = False

    @contextmanager
    def deadline_at(self, until: float | None) -> Iterator[None]:
        previous = self.until
        self.until = until if previous is None else previous if until is None else min(previous, until)
        try:
            yield
        finally:
            self.until = previous

    @contextmanager
    def one_try(self) -> Iterator[None]:
        previous, self.once = self.once, True
        try:
            yield
        finally:
            self.once = previous
