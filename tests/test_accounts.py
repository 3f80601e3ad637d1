"""Account columns on tasks: load_tasks(accounts=True) against the sandbox, and the join itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from ugc_nb import Sandbox, load_tasks, tasks_frame
from ugc_nb.insight.accounts import join_accounts
from ugc_nb.insight.analysis import MISSING, failure_rates, top_failing_accounts

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNTS = [
    {"id": "acc_1", "type": "tiktok", "tag": "fitness", "org_group": "team-a", "username": "liftwithlena", "nick_name": "Lena"},
    {"id": "acc_2", "type": "instagram", "tag": None, "org_group": "team-b", "username": "glowbyjess"},
]


def task(i, account, status="failed"):
    return {"id": f"task_{i}", "account_id": account, "type": "warmup_scroll", "status": status, "created_at": "2026-02-20T00:00:00Z"}


TASKS = [task(1, "acc_1"), task(2, "acc_2", "complete"), task(3, "acc_gone"), task(4, "acc_1", "complete")]


def test_load_tasks_joins_account_fields():
    """Each task gets username, platform (the account's type), tag and org_group, right after account_id."""
    box = Sandbox(tasks=TASKS, accounts=ACCOUNTS, now=NOW)
    with box.client() as client:
        df = load_tasks(client, now=NOW, accounts=True)
    assert list(df.columns[:6]) == ["id", "account_id", "username", "platform", "tag", "org_group"]
    by_id = df.set_index("id")
    assert by_id.loc["task_1", ["username", "platform", "tag", "org_group"]].tolist() == ["liftwithlena", "tiktok", "fitness", "team-a"]
    assert by_id.loc["task_2", "platform"] == "instagram" and pd.isna(by_id.loc["task_2", "tag"])
    assert df["username"].dtype == pd.StringDtype()
    assert all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in ("platform", "tag", "org_group"))
    assert any(r.path == "/accounts" for r in box.requests)


def test_tasks_of_unknown_accounts_are_kept_with_missing_values():
    """A task whose account /accounts does not list stays in the frame, its account columns missing."""
    box = Sandbox(tasks=TASKS, accounts=ACCOUNTS, now=NOW)
    with box.client() as client:
        df = load_tasks(client, now=NOW, accounts=True)
    assert len(df) == len(TASKS)
    gone = df.set_index("id").loc["task_3"]
    assert gone["account_id"] == "acc_gone"
    assert all(pd.isna(gone[c]) for c in ("username", "platform", "tag", "org_group"))
    rates = failure_rates(df, by="platform", freq=None)
    assert rates.loc[MISSING, "failed"] == 1 and rates.loc["tiktok", "finished"] == 2
    assert pd.isna(top_failing_accounts(df).loc["acc_gone", "username"])


def test_without_accounts_no_account_request_is_made():
    """accounts=False (the default) leaves the frame as tasks_frame makes it and never calls /accounts."""
    box = Sandbox(tasks=TASKS, accounts=ACCOUNTS, now=NOW)
    with box.client() as client:
        df = load_tasks(client, now=NOW)
    assert "username" not in df.columns
    assert not any(r.path == "/accounts" for r in box.requests)


def test_join_keeps_rows_and_attrs_when_account_ids_repeat():
    """A repeated account id in the list does not duplicate tasks (first record wins); attrs survive; re-joining replaces."""
    frame = tasks_frame(TASKS, now=NOW)
    twice = [*ACCOUNTS, {"id": "acc_1", "type": "instagram", "username": "impostor"}]
    joined = join_accounts(frame, twice)
    assert len(joined) == len(frame)
    assert set(joined.loc[joined["account_id"] == "acc_1", "username"]) == {"liftwithlena"}
    assert joined.attrs["now"] == frame.attrs["now"]
    again = join_accounts(joined, [{"id": "acc_1", "type": "tiktok", "username": "renamed"}])
    assert list(again.columns) == list(joined.columns)
    assert set(again.loc[again["account_id"] == "acc_1", "username"]) == {"renamed"}
