"""The deterministic data generator: schema, determinism, realism and speed."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ugc_nb.sandbox import Sandbox, generate_accounts, generate_tasks
from ugc_nb.sandbox.records import ACCOUNT_FIELDS, STATUSES, TASK_FIELDS, TASK_TYPES, parse_ts

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def accounts() -> list[dict[str, Any]]:
    return generate_accounts(40, seed=0)


@pytest.fixture(scope="module")
def tasks(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return generate_tasks(accounts, 500, seed=0, now=NOW)


def check_task(task: dict[str, Any]) -> None:
    """Assert one task matches the documented Task schema."""
    assert tuple(task) == TASK_FIELDS
    assert re.fullmatch(r"task_[0-9a-f]{12}", task["id"])
    assert task["account_id"].startswith("acc_")
    assert task["type"] in TASK_TYPES and task["status"] in STATUSES
    assert task["scheduled_time"] is None or TS.fullmatch(task["scheduled_time"])
    assert TS.fullmatch(task["created_at"])
    is_warmup = task["type"].startswith("warmup_")
    assert (type(task["duration"]) is int and task["duration"] > 0) if is_warmup else task["duration"] is None
    if task["type"] == "warmup_search_term":
        assert isinstance(task["keywords"], str) and task["keywords"]
    elif task["type"] != "warmup_search_profile":
        assert task["keywords"] is None
    if task["type"] == "edit_profile":
        info = task["edit_profile_info"]
        assert info and set(info) <= {"avatarUrl", "nickName", "bio"}
        assert all(isinstance(value, str) and value for value in info.values())
    else:
        assert task["edit_profile_info"] is None


def test_tasks_match_the_schema(tasks: list[dict[str, Any]]) -> None:
    """Every generated task has every field with the documented type."""
    for task in tasks:
        check_task(task)
    assert len({task["id"] for task in tasks}) == len(tasks)


def test_tasks_come_in_api_order(tasks: list[dict[str, Any]]) -> None:
    """Generated tasks are sorted by scheduled_time (nulls last), then id."""
    assert tasks == sorted(tasks, key=lambda task: (task["scheduled_time"] or "~", task["id"]))
    assert tasks[-1]["scheduled_time"] is None


def test_accounts_match_the_schema(accounts: list[dict[str, Any]]) -> None:
    """Accounts carry all fields with plausible, unique values."""
    for account in accounts:
        assert tuple(account) == ACCOUNT_FIELDS
        assert re.fullmatch(r"acc_[a-z0-9]{10}", account["id"])
        assert account["type"] in ("tiktok", "instagram")
        assert re.fullmatch(r"[a-z0-9._]{3,30}", account["username"])
        assert isinstance(account["warmup_enabled"], bool)
        assert account["warmup_version"] in ("original", "v1_smart", None)
        assert account["tag"] in (None, "fitness", "beauty", "gaming", "travel", "food")
    assert len({a["username"] for a in accounts}) == len({a["id"] for a in accounts}) == 40
    assert {a["type"] for a in accounts} == {"tiktok", "instagram"}


def test_same_inputs_same_data_and_seed_matters(
    accounts: list[dict[str, Any]], tasks: list[dict[str, Any]]
) -> None:
    """Same (seed, now, sizes) reproduce the data exactly; another seed or anchor changes it."""
    assert generate_accounts(40, seed=0) == accounts
    assert generate_tasks(accounts, 500, seed=0, now=NOW) == tasks
    assert generate_accounts(40, seed=1) != accounts
    assert generate_tasks(accounts, 500, seed=1, now=NOW) != tasks
    moved = generate_tasks(accounts, 500, seed=0, now=NOW + timedelta(days=1))
    assert moved[0]["scheduled_time"] != tasks[0]["scheduled_time"]
    assert Sandbox(seed=5, now=NOW).tasks == Sandbox(seed=5, now=NOW).tasks


def test_every_type_and_status_occurs(tasks: list[dict[str, Any]]) -> None:
    """500 tasks contain all five types and all four statuses."""
    assert {task["type"] for task in tasks} == set(TASK_TYPES)
    assert {task["status"] for task in tasks} == set(STATUSES)


def test_type_mix_is_roughly_as_specified(accounts: list[dict[str, Any]]) -> None:
    """Over 20k tasks the type shares are near 45/20/12/8/15 %."""
    counts = Counter(task["type"] for task in generate_tasks(accounts, 20_000, seed=2, now=NOW))
    expected = dict(zip(TASK_TYPES, (0.45, 0.20, 0.12, 0.08, 0.15)))
    for task_type, share in expected.items():
        assert counts[task_type] / 20_000 == pytest.approx(share, abs=0.02)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_failures_cluster_on_a_few_accounts(accounts: list[dict[str, Any]], seed: int) -> None:
    """The three worst accounts fail far more often than the median account."""
    by_account: dict[str, list[bool]] = defaultdict(list)
    for task in generate_tasks(accounts, 500, seed=seed, now=NOW):
        if task["status"] in ("complete", "failed"):
            by_account[task["account_id"]].append(task["status"] == "failed")
    rates = sorted(
        (sum(flags) / len(flags) for flags in by_account.values() if len(flags) >= 5), reverse=True
    )
    assert statistics.mean(rates[:3]) > 0.3
    assert statistics.mean(rates[:3]) > 3 * statistics.median(rates)


def test_failures_are_more_common_for_profile_types(accounts: list[dict[str, Any]]) -> None:
    """edit_profile and warmup_search_profile fail more often than warmup_scroll."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for task in generate_tasks(accounts, 20_000, seed=4, now=NOW):
        counts[task["type"]][task["status"]] += 1

    def rate(task_type: str) -> float:
        return counts[task_type]["failed"] / (counts[task_type]["failed"] + counts[task_type]["complete"])

    assert rate("edit_profile") > 2 * rate("warmup_scroll")
    assert rate("warmup_search_profile") > 1.5 * rate("warmup_scroll")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_timeline_shape(accounts: list[dict[str, Any]], seed: int) -> None:
    """Six weeks of history to a few days ahead; future is scheduled; overdue and pending exist."""
    tasks = generate_tasks(accounts, 500, seed=seed, now=NOW)
    timed = [(parse_ts(t["scheduled_time"]), t) for t in tasks if t["scheduled_time"]]
    assert min(when for when, _ in timed) >= NOW - timedelta(days=43)
    assert NOW + timedelta(days=2) <= max(when for when, _ in timed) <= NOW + timedelta(days=3)
    assert all(t["status"] == "scheduled" for when, t in timed if when > NOW)
    overdue = [when for when, t in timed if t["status"] == "scheduled" and when < NOW - timedelta(hours=1)]
    assert overdue and all(when > NOW - timedelta(days=3) for when in overdue)
    pending = [when for when, t in timed if t["status"] == "pending"]
    assert 1 <= len(pending) <= 10 and all(NOW - timedelta(hours=1) <= w <= NOW for w in pending)
    nulls = len(tasks) - len(timed)
    assert nulls <= 0.03 * len(tasks)


def test_created_at_precedes_schedule_and_now(tasks: list[dict[str, Any]]) -> None:
    """created_at is before scheduled_time (by at most 3 days) and never after now."""
    for task in tasks:
        created = parse_ts(task["created_at"])
        assert created <= NOW
        if task["scheduled_time"]:
            lead = parse_ts(task["scheduled_time"]) - created
            assert timedelta(0) < lead <= timedelta(days=3, hours=1)


def test_tasks_use_only_the_given_accounts() -> None:
    """Tasks are spread over the accounts passed in, and need at least one."""
    few = generate_accounts(ids=["acc_one", "acc_two"])
    assert {t["account_id"] for t in generate_tasks(few, 200, now=NOW)} == {"acc_one", "acc_two"}
    assert generate_tasks([], 0, now=NOW) == []
    with pytest.raises(ValueError):
        generate_tasks([], 10, now=NOW)


def test_large_generation_has_unique_ids(accounts: list[dict[str, Any]]) -> None:
    """200k generated tasks all have distinct ids (generation speed lives in benchmarks/)."""
    tasks = generate_tasks(accounts, 200_000, seed=9, now=NOW)
    assert len(tasks) == 200_000 and len({t["id"] for t in tasks}) == 200_000
