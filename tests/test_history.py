"""Truth after a cleanup: load_tasks(include_deleted=True) brings back, from the journal, the tasks a cleanup deleted."""

from __future__ import annotations

import pandas as pd

import ugc_nb
from ugc_nb import Sandbox, delete_tasks, load_tasks, plan_delete
from ugc_nb.insight import analysis


def cleaned(tmp_path):
    box = Sandbox(n_tasks=300, seed=2)
    client = box.client()
    df = load_tasks(client)
    delete_tasks(client, df[df["status"] == "failed"], journal=tmp_path / "j.jsonl", progress=False)
    return box, client, df


def test_the_failure_rate_after_a_cleanup_is_what_it_was_before(tmp_path):
    """Deleting every failed task makes the live rate 0 %; with the journal's rows it is the rate it was."""
    _box, client, before = cleaned(tmp_path)
    rate = lambda df: analysis.failure_rates(df, by=None, freq=None)["failure_rate"].iloc[0]  # noqa: E731
    after = load_tasks(client)
    full = load_tasks(client, include_deleted=True, journal=tmp_path / "j.jsonl")
    assert rate(after) == 0 and rate(full) == rate(before) > 0
    assert len(full) == len(before) and full["deleted_at"].notna().sum() == (before["status"] == "failed").sum()


def test_deleted_rows_are_marked_and_can_never_be_chosen_again(tmp_path):
    """deleted_at/deleted_run set, deletable and retryable False; a plan over them sends nothing and says why."""
    box, client, _ = cleaned(tmp_path)
    full = load_tasks(client, include_deleted=True, journal=tmp_path / "j.jsonl")
    gone = full[full["deleted_at"].notna()]
    assert not gone["deletable"].any() and not gone["retryable"].any() and gone["deleted_run"].notna().all()
    assert full["deleted_at"].dtype == "datetime64[us, UTC]" and full["status"].dtype.name == "category"
    plan = plan_delete(gone)
    assert plan.to_send == 0 and all("deleted earlier" in r for r in plan.ineligible.values())
    box.reset_log()
    report = ugc_nb.delete_tasks(client, gone, journal=tmp_path / "j2.jsonl", progress=False)
    assert set(report.totals) == {"ineligible"} and not [r for r in box.requests if r.path == "/tasks/delete"]


def test_the_history_is_narrowed_like_the_list_and_live_rows_win(tmp_path):
    """account_ids narrows the journalled rows too; without a journal nothing is added (but the columns are there)."""
    _box, client, before = cleaned(tmp_path)
    account = before.loc[before["status"] == "failed", "account_id"].astype(str).iloc[0]
    one = load_tasks(client, include_deleted=True, journal=tmp_path / "j.jsonl", account_ids=[account])
    assert set(one["account_id"].astype(str)) == {account}
    expected = ((before["status"] == "failed") & (before["account_id"].astype(str) == account)).sum()
    assert one["deleted_at"].notna().sum() == expected
    none = load_tasks(client, include_deleted=True, journal=tmp_path / "missing.jsonl")
    assert "deleted_at" in none and none["deleted_at"].isna().all() and pd.api.types.is_datetime64_any_dtype(none["deleted_at"])
