"""The df.ugc accessor and the summary it returns."""

from __future__ import annotations

import pandas as pd
import pytest

import ugc_nb  # noqa: F401  (registers df.ugc)
from ugc_nb import tasks_frame

NOW = pd.Timestamp("2025-01-10T00:00:00Z")


def rec(i, status, created, type_="warmup_scroll", account="acc_1", scheduled="2025-01-20T00:00:00Z"):
    return {
        "id": f"task_{i}",
        "account_id": account,
        "type": type_,
        "status": status,
        "scheduled_time": scheduled,
        "duration": 60,
        "keywords": None,
        "edit_profile_info": None,
        "created_at": created,
    }


@pytest.fixture
def df():
    return tasks_frame(
        [
            rec(1, "failed", "2025-01-01T00:00:00Z", "edit_profile", "acc_2"),
            rec(2, "failed", "2025-01-08T00:00:00Z"),
            rec(3, "scheduled", "2025-01-09T00:00:00Z", scheduled="2025-01-09T12:00:00Z"),
            rec(4, "pending", "2024-12-01T00:00:00Z"),
            rec(5, "complete", "2024-12-01T00:00:00Z", account="acc_3"),
        ],
        now=NOW,
    )


def test_filters(df):
    """deletable/retryable/overdue/with_status/older_than select the right ids."""
    assert df.ugc.deletable().ugc.ids() == ["task_1", "task_2", "task_3"]
    assert df.ugc.retryable().ugc.ids() == ["task_1", "task_2"]
    assert df.ugc.overdue().ugc.ids() == ["task_3"]
    assert df.ugc.with_status("pending", "complete").ugc.ids() == ["task_4", "task_5"]
    assert df.ugc.older_than("7D").ugc.ids() == ["task_1", "task_4", "task_5"]
    assert df.ugc.deletable().ugc.older_than("7D").ugc.ids() == ["task_1"]


def test_with_status_rejects_typos_and_takes_lists(df):
    """with_status('failled') raises naming the valid statuses; a list works like separate arguments."""
    with pytest.raises(ValueError, match="unknown status.*failled.*complete"):
        df.ugc.with_status("failled")
    assert df.ugc.with_status(["failed", "pending"]).ugc.ids() == ["task_1", "task_2", "task_4"]


def test_older_than_rejects_nonsense(df):
    """older_than('soon') raises a ValueError naming the argument."""
    with pytest.raises(ValueError, match="age"):
        df.ugc.older_than("soon")


def test_accessor_refuses_other_frames():
    """df.ugc on a frame that is not a task frame explains what is missing."""
    with pytest.raises(AttributeError, match="missing columns"):
        pd.DataFrame({"a": [1]}).ugc.deletable()


def test_summary_counts(df):
    """summary() counts by status/type (zeros included), deletable/retryable/overdue and the oldest failure."""
    s = df.ugc.summary()
    d = s.to_dict()
    assert d["total"] == 5 and d["accounts"] == 3
    assert d["by_status"] == {"scheduled": 1, "pending": 1, "complete": 1, "failed": 2}
    assert d["by_type"]["warmup_scroll"] == 4 and d["by_type"]["edit_profile"] == 1 and d["by_type"]["update_posts"] == 0
    assert (d["deletable"], d["retryable"], d["overdue"]) == (3, 2, 1)
    assert d["oldest_failed"]["id"] == "task_1" and d["oldest_failed"]["account_id"] == "acc_2"
    assert s.by_type_status.loc["total", "total"] == 5


def test_summary_renders_as_text_and_html(df):
    """The summary prints the key lines and renders an HTML table."""
    s = df.ugc.summary()
    text = str(s)
    assert "deletable (scheduled or failed)  3" in text
    assert "oldest failed" in text and "task_1" in text and "9.0 d old" in text
    assert "<table" in s._repr_html_()


def test_summary_of_empty_frame():
    """An empty frame summarises to zeros with no oldest failure."""
    s = tasks_frame([], now=NOW).ugc.summary()
    assert s.to_dict()["total"] == 0 and s.oldest_failed is None
    assert "none" in str(s)


def test_summary_of_frames_concatenated_with_repeated_index_labels():
    """summary() works when two loads were concatenated (index labels repeat) and names one oldest failure."""
    from ugc_nb import Sandbox, load_tasks

    box = Sandbox(n_tasks=80, seed=3)
    df = load_tasks(box.client())
    both = pd.concat([df.head(40), df.tail(40)])
    both.index = [0] * len(both)
    summary = both.ugc.summary()
    oldest = both[both["status"] == "failed"]["created_at"].min()
    assert summary.oldest_failed is not None and summary.oldest_failed["created_at"] == f"{oldest:%Y-%m-%d %H:%M} UTC"
    assert isinstance(summary.oldest_failed["id"], str)


def test_summary_to_dict_is_json_serialisable():
    """TaskSummary.to_dict() goes through json.dumps as its docstring says; the age is in seconds."""
    import json

    from ugc_nb import Sandbox, load_tasks

    d = load_tasks(Sandbox(n_tasks=50, seed=2).client()).ugc.summary().to_dict()
    back = json.loads(json.dumps(d))
    assert back["total"] == 50 and back["oldest_failed"]["age_seconds"] > 0
