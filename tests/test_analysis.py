"""Insight tables, checked against counts computed independently with plain loops over the records."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from ugc_nb import Sandbox, tasks_frame
from ugc_nb.api.schema import TASK_TYPES
from ugc_nb.insight.accounts import join_accounts
from ugc_nb.insight.analysis import (
    MISSING,
    age_summary,
    cleanup_candidates,
    failure_rates,
    overdue,
    status_counts,
    timeline,
    top_failing_accounts,
)

NOW_DT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOW = pd.Timestamp(NOW_DT)
STATUSES = ["scheduled", "pending", "complete", "failed"]


def when(text):
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def box():
    return Sandbox(n_tasks=800, n_accounts=25, seed=11, now=NOW_DT)


@pytest.fixture(scope="module")
def records(box):
    return box.tasks


@pytest.fixture(scope="module")
def accounts(box):
    return box.accounts


@pytest.fixture
def df(records):
    return tasks_frame(records, now=NOW)


def rec(i, status, created="2026-02-20T00:00:00Z", type_="warmup_scroll", account="acc_a", scheduled=None):
    return {"id": f"t{i}", "account_id": account, "type": type_, "status": status, "scheduled_time": scheduled, "created_at": created}


def test_status_counts_match_a_loop(df, records):
    """Tasks per status in lifecycle order, every documented status present, shares summing to 1."""
    expected = Counter(r["status"] for r in records)
    table = status_counts(df)
    assert list(table.index) == STATUSES and table.index.name == "status"
    assert table["tasks"].to_dict() == {s: expected[s] for s in STATUSES}
    assert table["share"].sum() == pytest.approx(1.0)


def test_status_counts_by_type_match_a_loop(df, records):
    """status_counts(by="type"): one column per type present plus total, each cell the loop's count."""
    expected = Counter((r["status"], r["type"]) for r in records)
    table = status_counts(df, by="type")
    types = [t for t in TASK_TYPES if any(r["type"] == t for r in records)]
    assert list(table.columns) == [*types, "total"] and table.columns.name == "type"
    for status in STATUSES:
        for type_ in types:
            assert table.loc[status, type_] == expected[(status, type_)]
        assert table.loc[status, "total"] == sum(r["status"] == status for r in records)


def test_unknown_status_and_missing_group_are_counted():
    """An unknown status follows the documented ones; a missing group value is counted as "(none)"."""
    with pytest.warns(UserWarning):
        frame = tasks_frame([rec(1, "retrying"), rec(2, "failed"), rec(3, "failed", account="acc_gone")], now=NOW)
    frame = join_accounts(frame, [{"id": "acc_a", "type": "tiktok", "tag": "beauty"}])
    assert list(status_counts(frame).index) == [*STATUSES, "retrying"]
    table = status_counts(frame, by="tag")
    assert list(table.columns) == ["beauty", MISSING, "total"]
    assert table.loc["failed"].to_dict() == {"beauty": 1, MISSING: 1, "total": 2}
    assert table.loc["retrying", "beauty"] == 1


def quantile(values, q):
    """Linear-interpolation quantile, as numpy's default, on a sorted list of timedeltas."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def test_age_summary_matches_a_loop(df, records):
    """Per status: task count, median, p90 and max of now - created_at, to the second."""
    table = age_summary(df)
    assert list(table.columns) == ["tasks", "median_age", "p90_age", "max_age"]
    for status in STATUSES:
        ages = [NOW_DT - when(r["created_at"]) for r in records if r["status"] == status]
        row = table.loc[status]
        assert row["tasks"] == len(ages)
        for column, expected in (("median_age", quantile(ages, 0.5)), ("p90_age", quantile(ages, 0.9)), ("max_age", max(ages))):
            assert abs(row[column] - expected) <= timedelta(seconds=0.5), column


def test_age_summary_ignores_missing_creation_times():
    """Tasks without created_at count as tasks but not in the age statistics; a status with no ages shows NaT."""
    frame = tasks_frame(
        [rec(1, "failed", created=None), rec(2, "failed", created="2026-02-28T12:00:00Z"), rec(3, "pending", created=None)], now=NOW
    )
    table = age_summary(frame)
    assert table.loc["failed", "tasks"] == 2 and table.loc["failed", "max_age"] == pd.Timedelta("1D")
    assert table.loc["pending", "tasks"] == 1 and pd.isna(table.loc["pending", "median_age"])
    assert table.loc["scheduled", "tasks"] == 0 and pd.isna(table.loc["scheduled", "max_age"])


def test_overdue_matches_a_loop(df, records):
    """Scheduled tasks due more than the frame's grace (1 h) ago, most late first, with late_by; same as df.ugc.overdue()."""
    expected = {
        r["id"]: NOW_DT - when(r["scheduled_time"])
        for r in records
        if r["status"] == "scheduled" and r["scheduled_time"] and NOW_DT - when(r["scheduled_time"]) > timedelta(hours=1)
    }
    table = overdue(df)
    assert expected and dict(zip(table["id"], table["late_by"])) == expected
    assert list(table["late_by"]) == sorted(expected.values(), reverse=True)
    assert set(table["id"]) == set(df.ugc.overdue()["id"])
    assert list(table.columns).index("late_by") == list(table.columns).index("scheduled_time") + 1


def test_overdue_grace_is_explicit_or_the_frames():
    """grace= overrides the frame's grace; tasks without a scheduled_time are never overdue."""
    tasks = [
        rec(1, "scheduled", scheduled="2026-03-01T10:30:00Z"),  # 1.5 h late
        rec(2, "scheduled", scheduled="2026-03-01T11:30:00Z"),  # 0.5 h late
        rec(3, "scheduled", scheduled=None),
        rec(4, "failed", scheduled="2026-02-01T00:00:00Z"),
    ]
    assert list(overdue(tasks_frame(tasks, now=NOW))["id"]) == ["t1"]
    assert list(overdue(tasks_frame(tasks, now=NOW, grace="2h"))["id"]) == []
    assert list(overdue(tasks_frame(tasks, now=NOW), grace="10min")["id"]) == ["t1", "t2"]


def test_failure_rate_excludes_unfinished_tasks():
    """failed / (complete + failed): scheduled and pending tasks are not in the denominator; nothing finished gives NaN."""
    tasks = [rec(1, "failed"), rec(2, "complete"), *(rec(i, "scheduled") for i in range(3, 8)), rec(8, "pending")]
    tasks.append(rec(9, "scheduled", type_="edit_profile"))
    table = failure_rates(tasks_frame(tasks, now=NOW), by="type", freq=None)
    assert table.loc["warmup_scroll"].to_dict() == {"failed": 1, "complete": 1, "finished": 2, "failure_rate": 0.5}
    assert table.loc["edit_profile", "finished"] == 0 and math.isnan(table.loc["edit_profile", "failure_rate"])


def test_failure_rates_per_type_match_a_loop(df, records):
    """Per type, without periods: failed, complete, finished and their ratio."""
    table = failure_rates(df, by="type", freq=None)
    for type_, row in table.iterrows():
        failed = sum(r["type"] == type_ and r["status"] == "failed" for r in records)
        complete = sum(r["type"] == type_ and r["status"] == "complete" for r in records)
        assert (row["failed"], row["complete"], row["finished"]) == (failed, complete, failed + complete)
        assert row["failure_rate"] == pytest.approx(failed / (failed + complete))


def test_failure_rates_per_day_and_type_match_a_loop(df, records):
    """Per UTC day of scheduled_time (created_at when none) and type: the loop's counts, only days with tasks."""
    expected: Counter = Counter()
    seen = set()
    for r in records:
        day = when(r["scheduled_time"] or r["created_at"]).date()
        seen.add((day, r["type"]))
        if r["status"] in ("failed", "complete"):
            expected[(day, r["type"], r["status"])] += 1
    table = failure_rates(df, by="type", freq="D")
    assert table.index.names == ["period", "type"]
    assert {(p.date(), t) for p, t in table.index} == seen
    for (period, type_), row in table.iterrows():
        assert row["failed"] == expected[(period.date(), type_, "failed")]
        assert row["complete"] == expected[(period.date(), type_, "complete")]


def test_overall_failure_rate_is_one_row(df, records):
    """by=None, freq=None: a single "all" row with the organisation's counts."""
    table = failure_rates(df, by=None, freq=None)
    failed = sum(r["status"] == "failed" for r in records)
    assert list(table.index) == ["all"] and table.loc["all", "failed"] == failed


def test_top_failing_accounts_match_a_loop(df, records, accounts):
    """Accounts ranked by failed count then rate, with username, task totals and rate; only accounts that failed."""
    joined = join_accounts(df, accounts)
    names = {a["id"]: a["username"] for a in accounts}
    stats = {}
    for r in records:
        s = stats.setdefault(r["account_id"], Counter())
        s[r["status"]] += 1
        s["tasks"] += 1
    failing = [(a, s) for a, s in stats.items() if s["failed"]]
    assert len(failing) > 5
    failing.sort(key=lambda item: (item[1]["failed"], item[1]["failed"] / (item[1]["failed"] + item[1]["complete"])), reverse=True)
    table = top_failing_accounts(joined, n=5)
    assert list(table.columns) == ["username", "tasks", "failed", "complete", "finished", "failure_rate"]
    assert list(table.index) == [a for a, _ in failing[:5]]
    for account, s in failing[:5]:
        row = table.loc[account]
        assert (row["username"], row["tasks"], row["failed"], row["complete"]) == (names[account], s["tasks"], s["failed"], s["complete"])
    assert "username" not in top_failing_accounts(df).columns
    assert len(top_failing_accounts(df, n=1000)) == len(failing)


def test_cleanup_candidates_match_a_loop(df, records):
    """Failed tasks older than 7 days, oldest first; by=["type", "account_id"] counts them per group."""
    old = [r for r in records if r["status"] == "failed" and NOW_DT - when(r["created_at"]) > timedelta(days=7)]
    rows = cleanup_candidates(df)
    assert old and set(rows.ugc.ids()) == {r["id"] for r in old}
    assert rows["age"].is_monotonic_decreasing
    table = cleanup_candidates(df, by=["type", "account_id"])
    assert list(table.columns) == ["tasks", "oldest_age"]
    assert table["tasks"].to_dict() == dict(Counter((r["type"], r["account_id"]) for r in old))
    assert table["tasks"].is_monotonic_decreasing


def test_cleanup_candidates_refuse_statuses_that_cannot_be_deleted(df):
    """Asking for complete or pending tasks is a ValueError; a single status may be a plain string."""
    with pytest.raises(ValueError, match="complete"):
        cleanup_candidates(df, statuses=("failed", "complete"))
    assert set(cleanup_candidates(df, "1D", "scheduled")["status"]) <= {"scheduled"}


def test_timeline_matches_a_loop_and_fills_gaps():
    """Tasks created per day and status, days without tasks as zero rows, tasks without created_at left out."""
    tasks = [
        rec(1, "failed", created="2026-02-01T05:00:00Z"),
        rec(2, "complete", created="2026-02-01T23:59:59Z"),
        rec(3, "failed", created="2026-02-03T00:00:00Z"),
        rec(4, "complete", created=None),
    ]
    table = timeline(tasks_frame(tasks, now=NOW))
    assert list(table.columns) == ["complete", "failed"]
    assert [p.strftime("%m-%d") for p in table.index] == ["02-01", "02-02", "02-03"]
    assert table.to_dict("list") == {"complete": [1, 0, 0], "failed": [1, 0, 1]}


EMPTY = tasks_frame([], now=NOW)


@pytest.mark.parametrize(
    "call",
    [
        lambda f: status_counts(f),
        lambda f: status_counts(f, by="type"),
        lambda f: age_summary(f),
        lambda f: overdue(f),
        lambda f: failure_rates(f),
        lambda f: failure_rates(f, by=None, freq=None),
        lambda f: top_failing_accounts(f),
        lambda f: cleanup_candidates(f),
        lambda f: cleanup_candidates(f, by="type"),
        lambda f: timeline(f),
    ],
)
def test_empty_frame_gives_zero_or_empty_tables(call):
    """Every table survives an empty frame: zero counts where rows are fixed, no rows otherwise."""
    table = call(EMPTY)
    assert isinstance(table, pd.DataFrame)
    counts = table.select_dtypes(include=["int64"])
    assert (counts == 0).all().all()


def test_grouping_by_an_absent_account_column_says_how_to_get_it(df):
    """by="tag" on a frame loaded without accounts raises a KeyError that points at accounts=True."""
    with pytest.raises(KeyError, match="accounts=True"):
        failure_rates(df, by="tag")


def test_tables_do_not_modify_the_frame(df):
    """The input frame is left as it was."""
    before = df.copy()
    overdue(df), cleanup_candidates(df, by="type"), failure_rates(df), top_failing_accounts(df)
    pd.testing.assert_frame_equal(df, before)


def test_a_week_is_an_iso_week_in_the_tables_the_plots_and_the_report():
    """freq="W" is Monday 00:00 UTC to Monday in failure_rates, timeline, plot_failure_rate's line and the report's
    weekly table (pandas' own "W" ends on Sunday): a task on Sunday 2026-11-08 and one on Monday 2026-11-09 fall in
    different weeks, of 2026-11-02 and 2026-11-09."""
    from ugc_nb.insight.analysis import failure_rates, period_freq, timeline
    from ugc_nb.insight.plots import plot_failure_rate
    from ugc_nb.report.sections import failure_table

    times = pd.to_datetime(["2026-11-08T23:00Z", "2026-11-09T01:00Z", "2026-11-09T02:00Z"], utc=True)
    df = pd.DataFrame({"id": ["a", "b", "c"], "account_id": "acc_1", "type": "edit_profile",
                       "status": pd.Categorical(["failed", "complete", "failed"]), "created_at": times,
                       "scheduled_time": times, "age": pd.Timestamp("2026-11-20T00:00Z") - times})
    df.attrs["now"] = pd.Timestamp("2026-11-20T00:00Z")
    mondays = [pd.Timestamp("2026-11-02T00:00Z"), pd.Timestamp("2026-11-09T00:00Z")]
    assert period_freq("W") == period_freq("W-SUN") == "W-MON" and period_freq("D") == "D"
    rates = failure_rates(df, by=None, freq="W")
    assert list(rates.index) == mondays and rates["failed"].tolist() == [1, 1]
    assert list(timeline(df, "W").index) == mondays
    line = plot_failure_rate(df, by=None, freq="W").get_lines()[0]
    assert list(pd.to_datetime(line.get_xdata(), utc=True)) == mondays
    page = failure_table(df)
    assert "2026-11-02" in page and "2026-11-09" in page and "2026-11-08" not in page
