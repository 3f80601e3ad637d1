"""A request's deadline: its timeouts clipped to what is left, its answer read until then, the error when it passes.

httpx's timeouts bound each step of a request (connecting, each read of the socket), so a server that drips its
answer a byte at a time never trips them. The client gives every request an absolute end (the policy's
``deadline`` after the first try, or an earlier one the caller set); these helpers keep it.
"""

from __future__ import annotations

import httpx

from .clock import Clock
from .errors import APITimeoutError

__all__ = ["clipped", "read_until", "overdue"]


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
