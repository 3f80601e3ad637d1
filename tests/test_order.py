"""The table's order (panel/order.py): what a header click names, and the rows it puts first among all matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ugc_nb.panel.order import OLDEST_FIRST, RowOrder, first_rows, sort_key

T0 = pd.Timestamp("2026-11-01T00:00:00Z")


def frame() -> pd.DataFrame:
    created = [T0 - pd.Timedelta(days=d) for d in (3, 1, 5, 1, 2)]
    df = pd.DataFrame({
        "id": ["t_b", "T_a", "t_c", "t_e", "t_d"],
        "account_id": pd.Categorical(["acc_2", "acc_1", "acc_3", "acc_1", "acc_2"]),
        "username": ["Zed", "amy", None, "amy", "Zed"],
        "status": pd.Categorical(["failed", "scheduled", "failed", "scheduled", "failed"]),
        "tag": ["x", None, "B", "a", None],
        "created_at": pd.to_datetime(created, utc=True),
        "scheduled_time": pd.to_datetime([T0, None, T0 - pd.Timedelta("1h"), T0 + pd.Timedelta("1h"), None], utc=True),
    })
    return df


ALL = np.arange(5)


def test_age_descending_is_oldest_first_ties_in_frame_order():
    """Age descending puts the oldest first; rows created at the same moment keep the frame's order."""
    df = frame()
    assert df["id"].iloc[first_rows(df, ALL, OLDEST_FIRST, 5)].tolist() == ["t_c", "t_b", "t_d", "T_a", "t_e"]
    assert df["id"].iloc[first_rows(df, ALL, RowOrder("age_days", False), 2)].tolist() == ["T_a", "t_e"]


def test_a_missing_value_comes_last_either_way():
    """No scheduled time (or no tag) sorts last ascending and descending: "the earliest-scheduled" have a schedule."""
    df = frame()
    assert df["id"].iloc[first_rows(df, ALL, RowOrder("scheduled_time", False), 5)].tolist() == ["t_c", "t_b", "t_e", "T_a", "t_d"]
    assert df["id"].iloc[first_rows(df, ALL, RowOrder("scheduled_time", True), 5)].tolist() == ["t_e", "t_b", "t_c", "T_a", "t_d"]
    df.loc[1, "created_at"] = pd.NaT
    assert df["id"].iloc[first_rows(df, ALL, OLDEST_FIRST, 5)].tolist()[-1] == "T_a"  # no date, no age: last


def test_text_is_ordered_case_insensitively_and_accounts_by_the_name_shown():
    """Ids and tags sort ignoring case (no tag last); an account sorts by "username (acc_…)", a bare id without one."""
    df = frame()
    assert df["id"].iloc[first_rows(df, ALL, RowOrder("id", False), 5)].tolist() == ["T_a", "t_b", "t_c", "t_d", "t_e"]
    assert df["tag"].iloc[first_rows(df, ALL, RowOrder("tag", False), 5)].fillna("").tolist() == ["a", "B", "x", "", ""]
    assert df["tag"].iloc[first_rows(df, ALL, RowOrder("tag", True), 5)].fillna("").tolist() == ["x", "B", "a", "", ""]
    names = {"acc_1": "amy", "acc_2": "Zed"}
    picked = first_rows(df, ALL, RowOrder("account", False), 5, names)
    assert df["account_id"].iloc[picked].astype(str).tolist() == ["acc_3", "acc_1", "acc_1", "acc_2", "acc_2"]  # "acc_3" < "amy" < "zed"
    assert df["account_id"].iloc[first_rows(df, ALL, RowOrder("account", True), 1, names)].tolist() == ["acc_2"]


def test_only_the_given_positions_are_ordered():
    """first_rows picks among the positions given (the matching rows), returning frame positions."""
    df = frame()
    assert first_rows(df, np.array([1, 3, 4]), OLDEST_FIRST, 2).tolist() == [4, 1]


def test_categorical_and_object_columns_give_the_same_order():
    """A category column ranks its categories once; the order equals that of the same values as text."""
    df = frame()
    as_text = df.assign(status=df["status"].astype(str))
    order = RowOrder("status", True)
    assert first_rows(df, ALL, order, 5).tolist() == first_rows(as_text, ALL, order, 5).tolist()
    assert sort_key(df, "status", ALL).tolist() == [1, 2, 1, 2, 1]


@pytest.mark.parametrize(("order", "words"), [
    (OLDEST_FIRST, "the 1,000 oldest"), (RowOrder("age_days", False), "the 1,000 youngest"),
    (RowOrder("created_at", True), "the 1,000 newest"), (RowOrder("scheduled_time", False), "the 1,000 earliest-scheduled"),
    (RowOrder("account", False), "the first 1,000 by account (A→Z)"), (RowOrder("id", True), "the first 1,000 by task id (Z→A)"),
])
def test_the_order_in_words(order, words):
    """The counts line names the rows the table holds in the order's own words."""
    assert order.words(1000) == words
