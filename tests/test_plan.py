"""plan_delete / plan_retry: eligibility, reasons, breakdowns and rendering; no I/O."""

from __future__ import annotations

import pandas as pd
import pytest

from ugc_nb import plan_delete, plan_retry, tasks_frame

NOW = pd.Timestamp("2025-01-10T00:00:00Z")


def rec(i, status, account="acc_1", type_="warmup_scroll", created="2025-01-01T00:00:00Z"):
    return {"id": f"task_{i}", "account_id": account, "type": type_, "status": status, "created_at": created}


@pytest.fixture
def df():
    return tasks_frame(
        [
            rec(1, "failed", created="2024-12-01T00:00:00Z"),
            rec(2, "scheduled", "acc_2", "edit_profile", created="2025-01-05T06:30:00Z"),
            rec(3, "pending"),
            rec(4, "complete"),
            rec(5, "failed", "acc_2"),
        ],
        now=NOW,
    )


def test_delete_plan_splits_eligible_and_ineligible(df):
    """Scheduled and failed are eligible for delete; pending/complete skipped with a reason."""
    plan = plan_delete(df)
    assert plan.eligible == ["task_1", "task_2", "task_5"]
    assert set(plan.ineligible) == {"task_3", "task_4"}
    assert "status pending cannot be deleted" in plan.ineligible["task_3"]
    assert plan.to_send == 3


def test_retry_plan_takes_only_failed(df):
    """Only failed tasks are eligible for retry."""
    plan = plan_retry(df)
    assert plan.eligible == ["task_1", "task_5"] and len(plan.ineligible) == 3


def test_breakdowns_and_range(df):
    """Counts by status/type/account and the oldest/newest creation of the eligible tasks."""
    plan = plan_delete(df)
    assert plan.breakdown("status").to_dict() == {"failed": 2, "scheduled": 1}
    assert plan.breakdown("account_id").to_dict() == {"acc_2": 2, "acc_1": 1}
    named = plan_delete(df.assign(username=df["account_id"].map({"acc_2": "nate"})))
    assert named.breakdown("account_id").to_dict() == {"nate (acc_2)": 2, "acc_1": 1}  # one name per account, everywhere
    assert plan.oldest == pd.Timestamp("2024-12-01T00:00:00Z") and plan.newest == pd.Timestamp("2025-01-05T06:30:00Z")


def test_confirmation_text(df):
    """The text says how many will be sent, skipped, the breakdown, the range and that deletion is permanent."""
    text = str(plan_delete(df))
    assert text.startswith("3 of 5 chosen tasks can be deleted.")
    assert "2 will be skipped as ineligible" in text
    assert "By status: failed: 2, scheduled: 1" in text
    assert "Created between 2024-12-01 00:00 UTC and 2025-01-05 06:30 UTC." in text
    assert "permanent" in text
    assert "<details>" in plan_delete(df)._repr_html_()


def test_bare_ids_are_to_check_live():
    """A list of ids has no status: everything is 'to check live'; duplicates are dropped."""
    plan = plan_delete(["task_a", "task_b", "task_a"])
    assert plan.ids == ["task_a", "task_b"] and plan.unchecked == ["task_a", "task_b"] and plan.to_send == 2
    assert "checked live" in str(plan)


@pytest.mark.parametrize("bad", ["task_a", [None], pd.DataFrame({"x": [1]})])
def test_bad_selections(bad):
    """A bare string, non-string ids or a frame without ids is a ValueError."""
    with pytest.raises(ValueError):
        plan_delete(bad)


def test_a_task_listed_twice_with_different_fields_is_never_planned_for_sending(tmp_path):
    """The server lists task_a as failed and as complete: one row per copy stays in the frame (with a warning), the
    plan calls it ineligible, and even verify=False sends nothing for it; an exact copy is simply kept once."""
    import httpx

    import ugc_nb
    from ugc_nb.api.errors import DuplicateTaskWarning

    base = {"account_id": "acc_1", "type": "warmup_scroll", "scheduled_time": "2024-12-31T12:00:00Z", "duration": None,
            "keywords": None, "edit_profile_info": None, "created_at": "2024-12-25T10:00:00Z"}
    listed = [{**base, "id": "task_a", "status": "failed"}, {**base, "id": "task_a", "status": "complete"},
              {**base, "id": "task_b", "status": "failed"}, {**base, "id": "task_b", "status": "failed"}]
    sent = []

    def handler(request):
        if request.url.path == "/tasks":
            return httpx.Response(200, json={"ok": True, "code": 200, "message": "Success", "data": listed})
        body = __import__("json").loads(request.content)
        sent.extend(body["taskIds"])
        return httpx.Response(200, json={"ok": True, "code": 200, "message": "ok", "data": {"deleted": len(body["taskIds"]), "ids": body["taskIds"]}})

    client = ugc_nb.UGCClient(api_key="k" * 20, base_url="http://127.0.0.1:9", transport=httpx.MockTransport(handler))
    with pytest.warns(DuplicateTaskWarning, match="task_a"):
        df = ugc_nb.load_tasks(client)
    assert df["id"].tolist().count("task_b") == 1 and df["id"].tolist().count("task_a") == 2
    plan = plan_delete(df)
    assert plan.eligible == ["task_b"] and "listed it twice" in plan.ineligible["task_a"]
    report = ugc_nb.delete_tasks(client, df, verify=False, journal=tmp_path / "j.jsonl", progress=False)
    assert sent == ["task_b"] and report.to_frame().set_index("id").loc["task_a", "outcome"] == "ineligible"
