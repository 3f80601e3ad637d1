"""The sandbox's task store: a read narrowed by account (served from its per-account index) lists
exactly the tasks a scan of every task would, in the same API order, whatever changed before it."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ugc_nb.sandbox.store import DELETE, RETRY, TaskStore

ACCOUNTS = ["acc_a", "acc_b", "acc_c", "acc_d"]
TIMES = [None, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T12:00:00Z"]


def _tasks(draw: Any, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"task_{k:03d}",
            "account_id": draw(st.sampled_from(ACCOUNTS)),
            "type": "warmup_scroll",
            "status": draw(st.sampled_from(["scheduled", "failed", "pending", "complete"])),
            "scheduled_time": draw(st.sampled_from(TIMES)),
            "created_at": "2026-10-01T00:00:00Z",
        }
        for k in range(n)
    ]


def _scan(store: TaskStore, accounts: list[str], ids: list[str]) -> list[dict[str, Any]]:
    """What a read narrowed to ``accounts`` must list, worked out apart from the store: every task still
    there, in the documented sandbox order (``scheduled_time``, nulls last, then ``id``), of those accounts."""
    live = [task for i in ids if (task := store.get(i)) is not None]
    live.sort(key=lambda t: (t["scheduled_time"] is None, t["scheduled_time"] or "", t["id"]))
    return [task for task in live if task["account_id"] in set(accounts)]


@st.composite
def _histories(draw: Any) -> tuple[TaskStore, list[str], list[tuple[str, list[str]]]]:
    tasks = _tasks(draw, draw(st.integers(0, 30)))
    ids = [t["id"] for t in tasks] + ["task_unknown"]
    steps = draw(st.lists(st.tuples(st.sampled_from(["delete", "retry", "read", "pending"]), st.lists(st.sampled_from(ids), max_size=5)), max_size=8))
    return TaskStore(tasks), ids, steps


@settings(max_examples=150, deadline=None)
@given(_histories(), st.lists(st.sampled_from([*ACCOUNTS, "acc_unknown"]), max_size=5))
def test_narrowed_query_equals_a_filtered_scan(history: tuple[TaskStore, list[str], list[tuple[str, list[str]]]], accounts: list[str]) -> None:
    """After any deletes, retries (which reorder) and status changes, query(accounts) == the scan, in order."""
    store, all_ids, steps = history
    for kind, ids in steps:
        known = list(dict.fromkeys(i for i in ids if store.get(i) is not None))
        if kind == "delete":
            store.mutate(DELETE, list(dict.fromkeys(ids)), partial=True, now="2026-12-01T00:00:00Z")
        elif kind == "retry":
            store.mutate(RETRY, list(dict.fromkeys(ids)), partial=True, now="2026-11-02T00:00:00Z")
        elif kind == "pending" and known:
            store.set_status(known, "pending")
        assert store.query(accounts) == _scan(store, accounts, all_ids)
        assert store.query() == _scan(store, [*ACCOUNTS], all_ids)


def test_deleted_tasks_leave_the_narrowed_read() -> None:
    """A deleted task is gone from its account's read; the account's other tasks stay, in order."""
    tasks = _tasks_fixed()
    store = TaskStore(tasks)
    assert [t["id"] for t in store.query(["acc_a"])] == ["task_1", "task_3"]
    store.mutate(DELETE, ["task_1"], partial=False, now="2026-12-01T00:00:00Z")
    assert [t["id"] for t in store.query(["acc_a"])] == ["task_3"]
    assert [t["id"] for t in store.query(["acc_a", "acc_b", "acc_a"])] == ["task_2", "task_3"]
    assert store.query(["acc_zzz"]) == []


def test_a_retry_moves_the_task_in_its_account_read() -> None:
    """A retry sets scheduled_time to now, so the task moves to its new place in the narrowed read too."""
    store = TaskStore(_tasks_fixed())
    store.mutate(RETRY, ["task_1"], partial=False, now="2026-11-05T00:00:00Z")
    assert [t["id"] for t in store.query(["acc_a"])] == ["task_3", "task_1"]
    assert store.query(["acc_a"])[1]["status"] == "scheduled"


def _tasks_fixed() -> list[dict[str, Any]]:
    def task(task_id: str, account: str, status: str, when: str) -> dict[str, Any]:
        return {"id": task_id, "account_id": account, "type": "warmup_scroll", "status": status, "scheduled_time": when,
                "created_at": "2026-10-01T00:00:00Z"}

    return [task("task_3", "acc_a", "scheduled", "2026-11-03T00:00:00Z"), task("task_1", "acc_a", "failed", "2026-11-01T00:00:00Z"),
            task("task_2", "acc_b", "scheduled", "2026-11-02T00:00:00Z")]
