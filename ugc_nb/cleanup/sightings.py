"""What a run's reads have shown of each chosen task, and when those reads began.

Every read of a run takes a number as it begins (numbers follow the order reads begin in) and the time on the
run's clock. For each chosen task the newest read's record is kept, except that the first state that is not as
chosen (gone or moved on) sticks: such a task is never sent, whatever a read answered out of order says later.
A task still as chosen may be judged sendable only on a sighting no older than ``max_age`` — or on one made by a
read begun for that very judgement and answered within ``max_age`` of it (:meth:`Sightings.stale`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..api.clock import Clock

__all__ = ["Sightings", "MAX_READ_AGE"]

#: Seconds: no task is sent on a read of it begun longer ago than this before its batch is judged (the default of the
#: ``max_read_age`` option; :meth:`Sightings.stale` has the one exception, a read begun for that very judgement).
MAX_READ_AGE = 2.0

Record = dict[str, Any]


class Sightings:
    """id -> (read number, record or None when gone, when that read began, when it answered); a negative number: moved on."""

    def __init__(self, clock: Clock, max_age: float) -> None:
        self.clock, self.max_age = clock, max_age
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._latest: dict[str, tuple[int, Record | None, float, float]] = {}

    def begin(self) -> tuple[int, float]:
        """A read about to be sent: its number and when it began."""
        with self._lock:
            return next(self._numbers), self.clock.monotonic()

    def saw(self, number: int, began: float, covered: Iterable[str], listed: Mapping[str, Record],
            as_chosen: Callable[[str, Record], bool]) -> None:
        """Read ``number`` covered the tasks ``covered`` and listed ``listed`` of them (one record each)."""
        answered = self.clock.monotonic()
        with self._lock:
            for task_id in covered:
                seen = self._latest.get(task_id)
                if seen is not None and seen[0] < 0:
                    continue  # it moved on already
                now = listed.get(task_id)
                if now is None or not as_chosen(task_id, now):
                    self._latest[task_id] = (-number, now, began, answered)
                elif seen is None or seen[0] < number:
                    self._latest[task_id] = (number, now, began, answered)

    def found(self, records: Mapping[str, Record], began: float, as_chosen: Callable[[str, Record], bool]) -> None:
        """A read of every account, begun at ``began``, found these tasks (looked for after a narrowed read missed them)."""
        answered = self.clock.monotonic()
        with self._lock:
            for task_id, record in records.items():
                number = next(self._numbers)
                self._latest[task_id] = (number if as_chosen(task_id, record) else -number, record, began, answered)

    def freshest(self, task_id: str, live: Mapping[str, Record]) -> Record | None:
        """The task's newest known record (None: gone), or its state in ``live`` if no read covered it."""
        with self._lock:
            seen = self._latest.get(task_id)
        return seen[1] if seen is not None else live.get(task_id)

    def stale(self, ids: Iterable[str], floor: float | None) -> bool:
        """Whether a task of ``ids`` that reads show as chosen was last seen by a read begun more than ``max_age``
        ago — unless that read began at ``floor`` or later (for this very judgement, after everything else the
        worker did for the batch: a server whose reads alone take longer cannot be read fresher) and answered less
        than ``max_age`` ago (no wait came between it and the judgement). A task no read has covered
        (``verify=False``'s first request) and one shown moved on are not stale."""
        oldest = self.clock.monotonic() - self.max_age
        with self._lock:
            for task_id in ids:
                seen = self._latest.get(task_id)
                if seen is None or seen[0] < 0 or seen[2] >= oldest:
                    continue
                if floor is None or seen[2] < floor or seen[3] < oldest:
                    return True
        return False
