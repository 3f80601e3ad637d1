"""The one clock the client and the cleanup engine wait on and measure ages and deadlines with.

Every wait and every "how long ago" of a request goes through a :class:`Clock`, so a test can pass a clock that
moves only when something sleeps on it (no real waiting, every time exact) and the engine's rules about time —
how old a read may be, when the deadline has passed — are checked without timing windows. The default,
:data:`SYSTEM_CLOCK`, is :func:`time.monotonic` and :func:`time.sleep`.
"""

from __future__ import annotations

import time
from typing import Protocol

__all__ = ["Clock", "SystemClock", "SYSTEM_CLOCK"]


class Clock(Protocol):
    """Seconds that only go forward (``monotonic``) and a way to let them pass (``sleep``)."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's monotonic clock (looked up at each call, so ``time.sleep`` patched in a test is honoured)."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
