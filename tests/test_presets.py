"""The four presets of the API docs' "When to delete tasks": which rows each picks, and the reason it gives per row."""

from __future__ import annotations

import pandas as pd
import pytest

import ugc_nb
from ugc_nb import tasks_frame
from ugc_nb.insight import join_accounts

NOW = pd.Timestamp("2026-11-30T12:00:00Z")


def task(i, status, *, account="acc_1", kind="warmup_scroll", created="2026-11-29T12:00:00Z", scheduled="2026-11-29T13:00:00Z"):
    return {"id": f"task_{i}", "account_id": account, "type": kind, "status": status, "scheduled_time": scheduled,
            "duration": 60, "keywords": None, "edit_profile_info": None, "created_at": created}


ACCOUNTS = [
    {"id": "acc_1", "username": "nate", "type": "tiktok", "tag": "test", "org_group": "lab", "user_group": "u1", "warmup_enabled": True},
    {"id": "acc_2", "username": "lena", "type": "tiktok", "tag": "beauty", "org_group": "prod", "user_group": "u2", "warmup_enabled": False},
]


@pytest.fixture
def df():
    records = [
        task(1, "failed", created="2026-11-10T12:00:00Z"),                                    # old failure (20 d)
        task(2, "failed", created="2026-11-28T12:00:00Z"),                                    # young failure (2 d)
        task(3, "complete", created="2026-11-01T12:00:00Z"),                                  # old, but done
        task(4, "scheduled", account="acc_gone", scheduled="2026-12-05T12:00:00Z"),          # account removed
        task(5, "scheduled", account="acc_2", scheduled="2026-12-05T12:00:00Z"),             # warm-up off
        task(6, "scheduled", account="acc_2", kind="edit_profile", scheduled="2026-12-05T12:00:00Z"),  # not a warm-up
        task(7, "scheduled", scheduled="2026-11-28T09:00:00Z"),                               # 2.1 d overdue
        task(8, "pending", account="acc_gone"),                                               # running: never picked
    ]
    return join_accounts(tasks_frame(records, now=NOW), ACCOUNTS)


def test_old_failures_are_failed_tasks_older_than_n_days(df):
    """old-failures (default 7 d): only task 1; with days=1 task 2 too; the reason says the age in days."""
    rows = ugc_nb.presets.pick("old-failures", df)
    assert rows["id"].tolist() == ["task_1"] and rows["reason"].iloc[0] == "failed, created 20.0 d ago (older than 7 d)"
    assert ugc_nb.presets.pick("old-failures", df, days=1)["id"].tolist() == ["task_1", "task_2"]
    assert rows.dtypes.drop("reason").equals(df.dtypes)  # the frame's own dtypes, plus a reason


def test_orphaned_is_removed_accounts_and_scheduled_warmups_whose_warmup_is_off(df):
    """orphaned: deletable tasks of an account /accounts no longer lists (not the pending one), and scheduled warm-up
    tasks of an account with warm-up disabled (not its profile edit); without the account list, a one-line error."""
    rows = ugc_nb.presets.pick("orphaned", df, accounts=ACCOUNTS).set_index("id")["reason"].to_dict()
    assert rows == {"task_4": "account acc_gone is no longer listed by /accounts", "task_5": "warm-up is disabled for account acc_2"}
    with pytest.raises(ValueError, match=r"needs the account list: pass accounts=client\.accounts\.list\(\)"):
        ugc_nb.presets.pick("orphaned", df)


def test_stale_is_overdue_scheduled_tasks(df):
    """stale: the scheduled task due 2.1 d ago; the reason gives its time in UTC and how late it is."""
    rows = ugc_nb.presets.pick("stale", df)
    assert rows["id"].tolist() == ["task_7"]
    assert rows["reason"].iloc[0] == "scheduled for 2026-11-28 09:00 UTC, 2.1 d ago, never ran"


def test_test_preset_picks_tasks_of_accounts_with_the_tag_or_group(df):
    """test: deletable tasks of accounts tagged 'test' (from the frame's join, or from accounts=), or of a group."""
    by_tag = ugc_nb.presets.pick("test", df)["id"].tolist()
    assert by_tag == ["task_1", "task_2", "task_7"]  # acc_1's scheduled/failed tasks; the complete one is not deletable
    assert ugc_nb.presets.pick("test", df.drop(columns=["tag"]), accounts=ACCOUNTS)["id"].tolist() == by_tag
    assert ugc_nb.presets.pick("test", df, group="prod", accounts=ACCOUNTS)["id"].tolist() == ["task_5", "task_6"]
    with pytest.raises(ValueError, match="needs the accounts' tag"):
        ugc_nb.presets.pick("test", df.drop(columns=["tag"]))


def test_unknown_presets_and_parameters_are_one_line_errors(df):
    """A misspelt preset names the presets; a wrong parameter names the preset's own."""
    assert ugc_nb.presets.names() == ["old-failures", "orphaned", "stale", "test"]
    with pytest.raises(ValueError, match="unknown preset 'old-failure'; the presets are old-failures, orphaned, stale, test"):
        ugc_nb.presets.pick("old-failure", df)
    with pytest.raises(ValueError, match="preset 'old-failures' takes days, not tag"):
        ugc_nb.presets.pick("old-failures", df, tag="x")


def test_a_preset_is_a_plan_like_any_other(df):
    """Picked rows go to plan_delete unchanged: every picked task is eligible, nothing is sent by picking."""
    plan = ugc_nb.plan_delete(ugc_nb.presets.pick("old-failures", df, days=1))
    assert plan.to_send == 2 and not plan.ineligible


def test_orphaned_refuses_an_empty_account_list(df):
    """An empty /accounts answer (wrong key, a bug) would make every task orphaned: that is an error, not a plan."""
    with pytest.raises(ValueError, match="account list is empty"):
        ugc_nb.presets.pick("orphaned", df, accounts=[])


@pytest.mark.parametrize("name, params", [("old-failures", {}), ("orphaned", {"accounts": ACCOUNTS}), ("stale", {}), ("test", {})])
def test_every_preset_on_an_empty_queue_picks_nothing(name, params):
    """An empty frame (a new organisation) gives an empty pick with the reason column, not an error."""
    empty = join_accounts(tasks_frame([], now=NOW), ACCOUNTS)
    rows = ugc_nb.presets.pick(name, empty, **params)
    assert rows.empty and "reason" in rows
