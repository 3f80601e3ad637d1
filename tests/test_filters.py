"""TaskFilter: the row filters the panel and the CLI share — each field keeps exactly the rows it names."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ugc_nb import tasks_frame
from ugc_nb.insight.filters import TaskFilter

NOW = pd.Timestamp("2026-11-30T12:00:00Z")


def task(i, status, created, account="acc_1", kind="warmup_scroll"):
    return {"id": f"task_{i}", "account_id": account, "type": kind, "status": status, "scheduled_time": "2026-12-05T12:00:00Z",
            "duration": 60, "keywords": None, "edit_profile_info": None, "created_at": created}


@pytest.fixture
def df():
    return tasks_frame([
        task(1, "failed", "2026-11-10T12:00:00Z"),
        task(2, "failed", "2026-11-28T12:00:00Z", account="acc_2"),
        task(3, "scheduled", "2026-11-20T00:00:00Z", kind="edit_profile"),
        task(4, "complete", "2026-11-29T23:59:59Z", account="acc_2"),
    ], now=NOW)


def ids(f: TaskFilter, df) -> list[str]:
    return sorted(f.apply(df)["id"])


def test_an_empty_filter_keeps_every_row(df):
    """No field set: every row passes and describe() says so."""
    f = TaskFilter()
    assert f.is_empty() and ids(f, df) == sorted(df["id"]) and f.describe() == "no filters"


def test_fields_combine_with_and_and_values_with_or(df):
    """Two statuses are OR; status and account are AND."""
    assert ids(TaskFilter(statuses=("failed", "scheduled")), df) == ["task_1", "task_2", "task_3"]
    assert ids(TaskFilter(statuses=("failed",), accounts=("acc_2",)), df) == ["task_2"]


def test_min_age_and_exact_creation_bounds(df):
    """min_age_days counts from the frame's now; created_after/before are strict instants."""
    assert ids(TaskFilter(min_age_days=7), df) == ["task_1", "task_3"]
    bound = pd.Timestamp("2026-11-20T00:00:00Z")
    assert ids(TaskFilter(created_after=bound), df) == ["task_2", "task_4"]
    assert ids(TaskFilter(created_before=bound), df) == ["task_1"]


def test_created_to_takes_the_whole_last_day(df):
    """The panel's date range is whole days: created_to 2026-11-29 keeps a task made at 23:59:59 that day."""
    assert "task_4" in ids(TaskFilter(created_from=date(2026, 11, 29), created_to=date(2026, 11, 29)), df)


def test_ids_keep_only_the_listed_rows(df):
    """ids: only those rows; an id the frame lacks simply matches nothing."""
    f = TaskFilter(ids=("task_3", "task_9"))
    assert ids(f, df) == ["task_3"] and "2 listed ids" in f.describe()


def test_a_filter_on_a_missing_column_is_an_error_not_a_no_op(df):
    """A tag filter on a frame without accounts joined raises instead of silently keeping every row."""
    with pytest.raises(ValueError, match="no 'tag' column"):
        TaskFilter(tags=("test",)).apply(df)


def test_a_choice_on_a_categorical_column_keeps_exactly_what_isin_keeps(df):
    """On a categorical column (decided per category, read off the codes) a choice keeps the rows isin keeps: a tag no row has
    matches nothing (tags are checked against the account list elsewhere), a missing value only when asked for, an unused
    category nothing; a status that is no status is an error."""
    df = df.copy()
    df["tag"] = pd.Categorical(["test", None, "prod", "test"], categories=["prod", "test", "unused"])
    for wanted in (["test"], ["prod", "test"], ["unused"], ["nope"], [None], ["prod", None]):
        expected = sorted(df.loc[df["tag"].isin(wanted), "id"])
        assert ids(TaskFilter(tags=wanted), df) == expected
    with pytest.raises(ValueError, match="no status 'nope'"):  # a status no task can have: a typo, not "nothing"
        ids(TaskFilter(statuses=("failed", "nope")), df)


def test_narrowing_names_each_filter_in_turn_and_what_it_left():
    """TaskFilter.narrowing applies the filters one after another and says how many rows each left, so the one that
    emptied a selection can be named (and cleared)."""
    from ugc_nb import Sandbox, load_tasks

    df = load_tasks(Sandbox(n_tasks=300, seed=2).client())
    account = df["account_id"].iloc[0]
    steps = TaskFilter(statuses=["failed"], accounts=[account], min_age_days=5000).narrowing(df, {account: "nate"})
    failed = int((df["status"] == "failed").sum())
    both = int(((df["status"] == "failed") & (df["account_id"] == account)).sum())
    assert steps == [("statuses", "status failed", failed), ("accounts", f"account nate ({account})", both),
                     ("min_age_days", "age ≥ 5000 d", 0)]
    assert TaskFilter().narrowing(df) == []


def test_a_status_or_type_that_names_nothing_known_is_an_error_not_an_empty_result():
    """TaskFilter with a misspelt status or type raises naming it and the nearest known value; one the server sends is
    known; a known value with no task left is an empty result."""
    import ugc_nb
    from ugc_nb.insight.filters import TaskFilter

    df = ugc_nb.load_tasks(ugc_nb.Sandbox(n_tasks=60, seed=2).client())
    with pytest.raises(ValueError, match=r"^no status 'faild'; did you mean failed\?$"):
        TaskFilter(statuses=("faild",)).apply(df)
    with pytest.raises(ValueError, match=r"^no type 'edit_profle'; did you mean edit_profile\?$"):
        TaskFilter(types=("edit_profle",)).mask(df)
    odd = df.assign(type=df["type"].astype(str).where(df.index > 0, "new_kind"))
    assert len(TaskFilter(types=("new_kind",)).apply(odd)) == 1
    assert TaskFilter(statuses=("failed",)).apply(df[df["status"] != "failed"]).empty
