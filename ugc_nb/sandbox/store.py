"""Thread-safe task state: queries in API order and atomic delete/retry.

Stored task dicts are never mutated in place: a change installs a new dict. A caller
can therefore serialise the dicts a query returned after the lock is released.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from .records import DELETABLE_STATUSES, RETRYABLE_STATUSES


@dataclass(frozen=True)
class Action:
    """A mutating endpoint: which statuses it accepts and how it reports itself."""

    past_tense: str  # "deleted" | "retried"
    adjective: str  # "deletable" | "retryable"
    eligible: frozenset[str]


DELETE = Action("deleted", "deletable", DELETABLE_STATUSES)
RETRY = Action("retried", "retryable", RETRYABLE_STATUSES)


@dataclass(frozen=True)
class Outcome:
    """Result of :meth:`TaskStore.mutate`: what changed and what was refused."""

    applied: list[str]
    unknown: list[str]
    ineligible: list[tuple[str, str]]  # (id, current status)


class TaskStore:
    """Tasks by id, plus deletion/retry history, behind one re-entrant lock."""

    def __init__(self, tasks: Iterable[dict[str, Any]]) -> None:
        self.lock = threading.RLock()
        self._tasks: dict[str, dict[str, Any]] = {}
        for task in tasks:
            if task["id"] in self._tasks:
                raise ValueError(f"duplicate task id {task['id']!r}")
            self._tasks[task["id"]] = task
        self._order: list[str] | None = None  # may hold deleted ids; readers skip them
        self._by_account: dict[Any, list[str]] = {}  # _order split by account (built with it)
        self._rank: dict[str, int] = {}  # id -> its place in _order
        self.deleted: list[str] = []
        self.retried: list[str] = []

    def get(self, task_id: str) -> dict[str, Any] | None:
        """The stored dict for ``task_id`` (do not mutate it)."""
        return self._tasks.get(task_id)

    def _ordered_ids(self) -> list[str]:
        """The API order (may hold deleted ids), with its per-account index; call with the lock held."""
        if self._order is None:  # "~" sorts after any digit: null times go last
            tasks = self._tasks
            self._order = sorted(tasks, key=lambda i: (tasks[i]["scheduled_time"] or "~", i))
            self._rank = {task_id: n for n, task_id in enumerate(self._order)}
            self._by_account = {}
            for task_id in self._order:
                self._by_account.setdefault(tasks[task_id]["account_id"], []).append(task_id)
        return self._order

    def ordered(self, account_ids: Collection[str] | None = None) -> list[dict[str, Any]]:
        """All tasks (or those of ``account_ids``) sorted by ``scheduled_time`` (nulls last), then ``id``."""
        with self.lock:
            tasks = self._tasks
            order = self._ordered_ids()
            if account_ids is not None:  # the per-account index: a narrowed read does not scan every task
                lists = [self._by_account.get(a, []) for a in set(account_ids)]
                order = lists[0] if len(lists) == 1 else sorted((i for ids in lists for i in ids), key=self._rank.__getitem__)
            return [tasks[i] for i in order if i in tasks]

    def query(
        self,
        account_ids: Collection[str] | None = None,
        task_type: str | None = None,
        date_field: str = "scheduled_time",
        start: str | None = None,
        end: str | None = None,
        exclude_status: str | None = None,
    ) -> list[dict[str, Any]]:
        """Tasks matching every given filter, in API order.

        ``start``/``end`` are inclusive bounds in the stored timestamp format; when
        either is given, tasks whose ``date_field`` is null are left out.
        """
        tasks = self.ordered(account_ids)
        if all(f is None for f in (task_type, start, end, exclude_status)):
            return tasks
        bounded = start is not None or end is not None
        low, high = start or "", end or "~"
        return [
            task
            for task in tasks
            if (task_type is None or task["type"] == task_type)
            and (exclude_status is None or task["status"] != exclude_status)
            and (not bounded or (task[date_field] is not None and low <= task[date_field] <= high))
        ]

    def set_status(self, task_ids: Iterable[str], status: str) -> None:
        """Force ``status`` onto existing tasks; ``KeyError`` names unknown ids."""
        with self.lock:
            ids = list(task_ids)
            missing = [i for i in ids if i not in self._tasks]
            if missing:
                raise KeyError(f"unknown task ids: {missing}")
            for task_id in ids:
                self._tasks[task_id] = {**self._tasks[task_id], "status": status}

    def mutate(self, action: Action, task_ids: list[str], *, partial: bool, now: str) -> Outcome:
        """Atomically check and apply ``action`` to distinct ``task_ids``.

        Without ``partial`` nothing changes unless every id exists and is eligible.
        Retry sets ``status`` to ``scheduled`` and ``scheduled_time`` to ``now``.
        """
        with self.lock:
            unknown = [i for i in task_ids if i not in self._tasks]
            ineligible = [
                (i, self._tasks[i]["status"])
                for i in task_ids
                if i in self._tasks and self._tasks[i]["status"] not in action.eligible
            ]
            if not partial and (unknown or ineligible):
                return Outcome([], unknown, ineligible)
            refused = set(unknown) | {i for i, _ in ineligible}
            applied = [i for i in task_ids if i not in refused]
            for task_id in applied:
                if action is DELETE:
                    del self._tasks[task_id]
                else:
                    task = self._tasks[task_id]
                    self._tasks[task_id] = {**task, "status": "scheduled", "scheduled_time": now}
            if applied and action is RETRY:
                self._order = None
            (self.deleted if action is DELETE else self.retried).extend(applied)
            return Outcome(applied, unknown, ineligible)

    def start_one(self, now: str, pick: float) -> str | None:
        """Move one scheduled task to ``pending``; return its id (``None`` if none).

        Among scheduled tasks due by ``now``, ``pick`` in ``[0, 1)`` selects one (in id
        order); if none is due, the one scheduled soonest starts. Tasks without a
        ``scheduled_time`` never start.
        """
        with self.lock:
            waiting = [
                task
                for task in self._tasks.values()
                if task["status"] == "scheduled" and task["scheduled_time"] is not None
            ]
            if not waiting:
                return None
            due: list[str] = sorted(t["id"] for t in waiting if t["scheduled_time"] <= now)
            chosen: str
            if due:
                chosen = due[int(pick * len(due))]
            else:
                chosen = min(waiting, key=lambda task: (task["scheduled_time"], task["id"]))["id"]
            self.set_status([chosen], "pending")
            return chosen
