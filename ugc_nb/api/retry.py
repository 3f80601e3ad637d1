"""When and how long to wait before trying a request again.

The policy in one place, so that the client, the cleanup engine and the tests
all agree on it:

* reads are retried on connection errors, timeouts, 429 and 5xx;
* mutations are retried only when the server provably did not act on them:
  the connection was never established, or the server answered 429;
* the wait grows exponentially (``initial * 2**attempt``), is capped at
  ``maximum`` and gets "full jitter" (a uniform draw in ``[wait/2, wait]``);
* the cleanup engine, once the client's retries of a read are spent, reads again
  ``rereads`` more times (each read again retried by the client), through :meth:`RetryPolicy.wait`;
* nothing is retried past ``deadline`` seconds after the first try (a request and its retries
  together; a wait that would end later is not started);
* nothing waits for an answer past that deadline either: a request whose answer is still arriving
  (a server that drips its answer a byte at a time) is abandoned when the deadline passes, at the
  latest one read ``timeout`` later (:class:`~ugc_nb.api.client.UGCClient` does this);
* a ``Retry-After`` header (seconds or an HTTP date) replaces the computed
  wait, capped at ``retry_after_cap`` so a misbehaving server cannot stall a
  notebook for an hour; a negative value means no wait, an infinite or absurdly
  large one the cap, and NaN or garbage no hint at all. An HTTP date is read against
  the answer's own ``Date`` header when it has one (the server's clock, not ours: a
  server an hour behind or ahead still means "in 3 s").

Tests use :data:`NO_WAIT`, which keeps the decisions and drops the sleeping.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .errors import APIConnectionError, RateLimitError, ServerError

__all__ = ["RetryPolicy", "NO_WAIT", "parse_retry_after"]


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter that honours ``Retry-After``, bounded by an overall deadline."""

    max_retries: int = 3
    initial: float = 0.5
    maximum: float = 8.0
    retry_after_cap: float = 30.0
    jitter: bool = True
    rereads: int = 2
    deadline: float | None = 120.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.rereads < 0:
            raise ValueError(f"rereads must be >= 0, got {self.rereads}")
        if self.deadline is not None and not self.deadline > 0:
            raise ValueError(f"deadline must be > 0 seconds or None, got {self.deadline}")
        for name in ("initial", "maximum", "retry_after_cap"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    def retryable(self, exc: Exception, *, mutation: bool) -> bool:
        """Whether a request that failed with ``exc`` may be sent again (see the module docstring)."""
        if isinstance(exc, RateLimitError):
            return True  # the server refused the request; it did not act on it
        if mutation:
            return isinstance(exc, APIConnectionError) and not exc.may_have_applied
        return isinstance(exc, (APIConnectionError, ServerError))

    def wait(self, attempt: int, exc: Exception, *, mutation: bool, started: float, limit: int | None = None,
             rng: random.Random | None = None, now: float | None = None) -> float | None:
        """Seconds to wait before retry ``attempt`` (0 for the first) of something that failed with ``exc`` and
        was first tried at ``started`` (a monotonic time; ``now`` is the same clock's present, ``time.monotonic()``
        by default) — or None: give up (not retryable, ``limit`` retries — ``max_retries`` by default — done, or
        the wait would end past the deadline)."""
        if attempt >= (self.max_retries if limit is None else limit) or not self.retryable(exc, mutation=mutation):
            return None
        seconds = self.delay(attempt, getattr(exc, "retry_after", None), rng=rng)
        now = time.monotonic() if now is None else now
        if self.deadline is not None and now - started + seconds > self.deadline:
            return None
        return seconds

    def delay(self, attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first retry)."""
        hint = _finite_or_none(retry_after)
        if hint is not None:
            return min(max(hint, 0.0), self.retry_after_cap)
        wait = min(self.initial * (2**attempt), self.maximum)
        if self.jitter and wait > 0:
            wait = (rng or random).uniform(wait / 2, wait)
        return wait


def _finite_or_none(value: object) -> float | None:
    """A usable ``Retry-After`` hint: NaN (or a non-number) is no hint; +inf is "as long as allowed"."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(seconds) else seconds


NO_WAIT = RetryPolicy(initial=0.0, maximum=0.0, retry_after_cap=0.0, jitter=False)


def parse_retry_after(value: str | None, *, now: datetime | None = None, date: str | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), or None.

    An HTTP date is counted from the answer's ``Date`` header (``date``) when that parses — the server's clock,
    which the date was written against — else from ``now`` (this machine's clock by default)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(seconds, 0.0)  # inf stays inf: delay() caps it
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max((_aware(when) - (_http_date(date) or now or datetime.now(UTC))).total_seconds(), 0.0)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _http_date(value: str | None) -> datetime | None:
    """An answer's ``Date`` header as a time, or None when it is missing or not a date."""
    if not value:
        return None
    try:
        return _aware(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError):
        return None
