"""Fault injection: the :class:`Faults` switchboard and the per-request decision maker.

Where faults sit in a request (see :meth:`ugc_nb.sandbox.Sandbox.handle`):

1. latency is slept first, then ``pending_drift`` may start one task;
2. ``drop``, ``429``, ``500`` and ``500_empty`` model the infrastructure in front of the
   API (proxy, gateway), so they fire *before* authentication and routing and the
   request is not processed;
3. ``lose_response`` fires only on the mutating endpoints (``/tasks/delete``,
   ``/tasks/retry``): the request is processed normally — including any state change —
   and then the response is never delivered.

Random faults draw from one ``random.Random(Faults.seed)``, so a sequential run of
requests is reproducible. One-shot faults queued with :meth:`FaultInjector.queue` take
precedence over random ones.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import Literal, get_args

FaultKind = Literal["429", "500", "500_empty", "drop", "lose_response"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
#: Faults that replace the response before the request reaches the API.
PRE_FAULTS: frozenset[str] = frozenset({"429", "500", "500_empty", "drop"})

_PROBABILITIES = (
    "rate_limit",
    "server_error",
    "server_error_empty",
    "drop",
    "lose_response",
    "pending_drift",
)


@dataclass(frozen=True)
class Faults:
    """Which faults to inject and how often; everything is off by default.

    Probabilities are per request, in ``[0, 1]``. ``paths`` limits every fault —
    including latency and drift — to those request paths (``None`` = all paths).
    """

    latency: float = 0.0
    """Seconds slept before each request is handled."""
    latency_jitter: float = 0.0
    """Extra uniformly random seconds in ``[0, latency_jitter]`` added to ``latency``."""
    rate_limit: float = 0.0
    """Probability of HTTP 429 with a ``Retry-After`` header."""
    retry_after: float = 1.0
    """Seconds advertised in ``Retry-After`` on injected 429s."""
    server_error: float = 0.0
    """Probability of HTTP 500 with a JSON error envelope."""
    server_error_empty: float = 0.0
    """Probability of HTTP 500 with an empty body."""
    drop: float = 0.0
    """Probability that the connection closes before the request is processed."""
    lose_response: float = 0.0
    """Probability (mutations only) that the change is applied but the response is lost."""
    pending_drift: float = 0.0
    """Probability per request that one due (or the soonest) scheduled task starts."""
    paths: tuple[str, ...] | None = None
    """Request paths the faults apply to; ``None`` means every path."""
    seed: int = 0
    """Seed of the random draws."""

    def __post_init__(self) -> None:
        for spec in fields(self):
            if spec.name in _PROBABILITIES and not 0.0 <= getattr(self, spec.name) <= 1.0:
                raise ValueError(f"Faults.{spec.name} must be a probability in [0, 1]")
        for name in ("latency", "latency_jitter", "retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"Faults.{name} must not be negative")
        if self.paths is not None:
            object.__setattr__(self, "paths", tuple(self.paths))

    @property
    def retry_after_header(self) -> str:
        """``retry_after`` as a ``Retry-After`` value: plain decimal, at most 3 places."""
        return f"{self.retry_after:.3f}".rstrip("0").rstrip(".")

    def covers(self, path: str) -> bool:
        """Whether faults may fire on ``path``."""
        return self.paths is None or path in self.paths


@dataclass(frozen=True)
class Decision:
    """What the injector decided for one request."""

    delay: float = 0.0
    drift: float | None = None
    """When set, start a task; the value in ``[0, 1)`` picks which one."""
    fault: str | None = None


@dataclass
class _OneShot:
    kind: str
    path: str | None
    remaining: int


class FaultInjector:
    """Turns a :class:`Faults` configuration plus queued one-shots into decisions.

    Thread-safe; every decision is made under one lock so draws stay ordered.
    """

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._queue: list[_OneShot] = []
        self.configure(faults or Faults())

    @property
    def faults(self) -> Faults:
        """The active configuration."""
        return self._faults

    def configure(self, faults: Faults) -> None:
        """Install a new configuration and reseed the draws (queued one-shots are kept)."""
        if not isinstance(faults, Faults):
            raise TypeError(f"expected Faults, got {type(faults).__name__}")
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)

    def queue(self, kind: str, path: str | None = None, count: int = 1) -> None:
        """Make the next ``count`` matching requests fail with ``kind``.

        ``path=None`` matches any path; ``lose_response`` only ever matches mutations.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._queue.append(_OneShot(kind, path, count))

    def decide(self, path: str, mutation: bool) -> Decision:
        """Decide latency, drift and fault for a request to ``path``.

        ``mutation`` says whether the request is a POST to a mutating endpoint, the
        only requests that can lose their response. A queued one-shot is consumed
        only by a request it can apply to.
        """
        allowed = FAULT_KINDS if mutation else PRE_FAULTS
        with self._lock:
            config, rng = self._faults, self._rng
            if not config.covers(path):
                return Decision(fault=self._pop(path, allowed))
            delay = config.latency
            if config.latency_jitter:
                delay += rng.uniform(0, config.latency_jitter)
            drift = None
            if config.pending_drift and rng.random() < config.pending_drift:
                drift = rng.random()
            fault = None
            for kind, probability in (
                ("drop", config.drop),
                ("500_empty", config.server_error_empty),
                ("500", config.server_error),
                ("429", config.rate_limit),
                ("lose_response", config.lose_response if mutation else 0.0),
            ):
                if probability and rng.random() < probability and fault is None:
                    fault = kind
            return Decision(delay=delay, drift=drift, fault=self._pop(path, allowed) or fault)

    def _pop(self, path: str, allowed: Collection[str]) -> str | None:
        for shot in self._queue:
            if shot.kind in allowed and shot.path in (None, path):
                shot.remaining -= 1
                if not shot.remaining:
                    self._queue.remove(shot)
                return shot.kind
        return None
