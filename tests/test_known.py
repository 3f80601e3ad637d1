"""A filter value that names nothing known is a one-line error naming it and the closest values (insight/known.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from ugc_nb.insight import presets
from ugc_nb.insight.filters import TaskFilter
from ugc_nb.insight.known import UnknownValueError, check_known

ACCOUNTS = [{"id": "acc_1234x", "username": "nate", "tag": "fitness", "org_group": "team-a"},
            {"id": "acc_77", "username": "mia", "tag": "beauty", "user_group": "ops"},
            {"id": "acc_idle", "username": "idle"}]  # an account with no task


def frame() -> pd.DataFrame:
    return pd.DataFrame({"id": ["t1", "t2"], "account_id": pd.Categorical(["acc_1234x", "acc_77"]),
                         "type": ["edit_profile", "warmup_scroll"], "status": ["failed", "scheduled"],
                         "created_at": pd.to_datetime(["2026-11-01", "2026-11-02"], utc=True)})


def test_a_misspelt_account_names_the_closest_ids():
    """acc_123 is neither in the tasks nor the account list: the error names it and the nearest id."""
    with pytest.raises(UnknownValueError, match=r"^no account 'acc_123' among the 2 tasks and 3 accounts; did you mean acc_1234x\?$"):
        check_known(TaskFilter(accounts=("acc_123",)), frame(), ACCOUNTS)


def test_a_username_given_as_an_account_says_which_id_it_is():
    """A username where an account id goes points at the id."""
    with pytest.raises(UnknownValueError, match="nate is the username of acc_1234x — give the account id"):
        check_known(TaskFilter(accounts=("nate",)), frame(), ACCOUNTS)


def test_known_values_with_no_task_are_not_errors():
    """An account of the list with no task, and a documented type no task has, are known: "nothing matches", not a typo."""
    check_known(TaskFilter(accounts=("acc_idle",), types=("update_posts",), tags=("beauty",)), frame(), ACCOUNTS)


def test_tags_and_the_test_presets_tag_or_group_are_checked_too():
    """--tag fitnes and the test preset's tag or group are checked against the accounts' values."""
    with pytest.raises(UnknownValueError, match="no tag 'fitnes' .*did you mean fitness"):
        check_known(TaskFilter(tags=("fitnes",)), frame(), ACCOUNTS)
    with pytest.raises(UnknownValueError, match=r"no group 'teamA' .*did you mean team-a\?"):
        check_known(TaskFilter(preset="test", preset_params={"group": "teamA"}), frame(), ACCOUNTS)
    with pytest.raises(UnknownValueError, match=r"no group 'qa' .*\(known: ops, team-a\)"):
        check_known(TaskFilter(preset="test", preset_params={"group": "qa"}), frame(), ACCOUNTS)
    check_known(TaskFilter(preset="test", preset_params={"group": "ops"}), frame(), ACCOUNTS)


def test_a_type_that_is_no_task_type_is_an_error():
    """A type neither documented nor in the tasks is an error (one the server sends is known)."""
    with pytest.raises(UnknownValueError, match="no type 'edit_profle'.*did you mean edit_profile"):
        check_known(TaskFilter(types=("edit_profle",)), frame())
    check_known(TaskFilter(types=("new_kind",)), frame().assign(type=["new_kind", "edit_profile"]))


def test_the_test_preset_refuses_a_tag_no_account_has():
    """presets.pick("test", tag=…) with a tag no account carries is an error; a known tag with no deletable task picks none."""
    with pytest.raises(UnknownValueError, match="no tag 'tset' among the 4 accounts; did you mean test\\?"):
        presets.pick("test", frame(), tag="tset", accounts=ACCOUNTS + [{"id": "acc_9", "tag": "test"}])
    assert presets.pick("test", frame(), tag="beauty", accounts=ACCOUNTS)["id"].tolist() == ["t2"]
    empty = frame().iloc[:0].assign(tag=pd.Series([], dtype="category"))
    assert presets.pick("test", empty, tag="anything").empty  # an empty queue and no account list: nothing to check against


def test_load_tasks_refuses_an_account_id_no_account_has():
    """load_tasks(account_ids=[…], accounts=True) names a misspelt id instead of returning an empty frame every time."""
    from ugc_nb import Sandbox, load_tasks

    box = Sandbox(n_tasks=50, n_accounts=5, seed=1)
    real = box.tasks[0]["account_id"]
    with pytest.raises(UnknownValueError, match=rf"no account '{real[:-1]}Q' among the 5 accounts; did you mean {real}\?"):
        load_tasks(box.client(), accounts=True, account_ids=[real[:-1] + "Q"])
    assert set(load_tasks(box.client(), accounts=True, account_ids=[real])["account_id"]) == {real}
