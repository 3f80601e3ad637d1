"""tasks_frame: dtypes, derived columns, the doc examples verbatim, edge cases and bad records."""

from __future__ import annotations

import warnings

import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugc_nb import UnknownValueWarning, tasks_frame
from ugc_nb.api import InvalidRecordError
from ugc_nb.api.schema import STATUSES, TASK_TYPES
from ugc_nb.tasks import COLUMNS, profile_edits

# The two Task examples of shared/ugc-api.md §2.1, verbatim.
DOC_EXAMPLE_1 = {
    "id": "task_abc123",
    "account_id": "acc_123456",
    "type": "edit_profile",
    "status": "scheduled",
    "scheduled_time": "2024-12-31T12:00:00Z",
    "duration": None,
    "keywords": None,
    "edit_profile_info": {"nickName": "New Display Name", "bio": "Updated bio text"},
    "created_at": "2024-12-25T10:00:00Z",
}
DOC_EXAMPLE_2 = {
    "id": "task_def456",
    "account_id": "acc_789012",
    "type": "warmup_scroll",
    "status": "complete",
    "scheduled_time": "2024-12-26T15:00:00Z",
    "duration": 300,
    "keywords": None,
    "edit_profile_info": None,
    "created_at": "2024-12-25T11:00:00Z",
}
NOW = pd.Timestamp("2025-01-01T00:00:00Z")
UTC = pd.Timestamp


def record(**overrides):
    return {**DOC_EXAMPLE_2, **overrides}


def assert_typed(df):
    assert list(df.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert df["id"].dtype == pd.StringDtype()
    assert isinstance(df["account_id"].dtype, pd.CategoricalDtype)
    assert list(df["status"].cat.categories[:4]) == list(STATUSES)
    assert list(df["type"].cat.categories[:5]) == list(TASK_TYPES)
    for col in ("scheduled_time", "created_at"):
        assert isinstance(df[col].dtype, pd.DatetimeTZDtype) and str(df[col].dt.tz) == "UTC"
    assert df["duration"].dtype == pd.Int64Dtype()
    assert isinstance(df["keywords"].dtype, pd.CategoricalDtype) and df["keywords"].cat.categories.dtype == pd.StringDtype()
    assert str(df["edit_profile_info"].dtype).startswith("struct<avatarUrl: dictionary<values=string")
    assert df["age"].dtype.kind == "m"
    for col in ("deletable", "retryable", "overdue"):
        assert df[col].dtype == bool


def test_doc_examples_load_exactly():
    """The two Task examples from the API docs load with every value intact."""
    df = tasks_frame([DOC_EXAMPLE_1, DOC_EXAMPLE_2], now=NOW)
    assert_typed(df)
    a, b = df.iloc[0], df.iloc[1]
    assert (a["id"], a["account_id"], a["type"], a["status"]) == ("task_abc123", "acc_123456", "edit_profile", "scheduled")
    assert a["scheduled_time"] == UTC("2024-12-31T12:00:00Z")
    assert a["created_at"] == UTC("2024-12-25T10:00:00Z")
    assert pd.isna(a["duration"]) and pd.isna(a["keywords"])
    assert a["edit_profile_info"] == {"avatarUrl": None, "nickName": "New Display Name", "bio": "Updated bio text"}
    assert profile_edits(df["edit_profile_info"]).tolist() == [{"nickName": "New Display Name", "bio": "Updated bio text"}, None]
    assert (b["id"], b["type"], b["status"], b["duration"]) == ("task_def456", "warmup_scroll", "complete", 300)
    assert pd.isna(b["edit_profile_info"])
    assert b["scheduled_time"] == UTC("2024-12-26T15:00:00Z")


def test_derived_columns():
    """age = now - created_at; deletable/retryable follow status; overdue = scheduled and past due + grace."""
    recs = [
        record(id="s_late", status="scheduled", scheduled_time="2024-12-31T22:00:00Z"),
        record(id="s_grace", status="scheduled", scheduled_time="2024-12-31T23:30:00Z"),
        record(id="s_future", status="scheduled", scheduled_time="2025-01-02T00:00:00Z"),
        record(id="s_null", status="scheduled", scheduled_time=None),
        record(id="p", status="pending", scheduled_time="2024-12-01T00:00:00Z"),
        record(id="c", status="complete"),
        record(id="f", status="failed", created_at="2024-12-30T00:00:00Z"),
    ]
    df = tasks_frame(recs, now=NOW, grace="1h").set_index("id")
    assert df.loc["f", "age"] == pd.Timedelta(days=2)
    assert df["deletable"].to_dict() == {"s_late": True, "s_grace": True, "s_future": True, "s_null": True, "p": False, "c": False, "f": True}
    assert df.index[df["retryable"]].tolist() == ["f"]
    assert df.index[df["overdue"]].tolist() == ["s_late"]
    assert df.attrs["now"] == NOW and df.attrs["grace"] == pd.Timedelta("1h")


def test_empty_input_has_same_columns_and_dtypes():
    """An empty list gives an empty frame with the full column set and the same dtypes."""
    empty = tasks_frame([], now=NOW)
    full = tasks_frame([DOC_EXAMPLE_1], now=NOW)
    assert len(empty) == 0
    assert_typed(empty)
    assert list(empty.columns) == list(full.columns)
    for col in empty.columns:
        assert type(empty[col].dtype) is type(full[col].dtype), col


def test_unknown_status_and_type_are_kept_and_warned():
    """Unknown values stay as values (not NaN), and one UnknownValueWarning names them."""
    with pytest.warns(UnknownValueWarning) as caught:
        df = tasks_frame([record(id="a", status="retrying", type="warmup_browse"), record(id="b")], now=NOW)
    text = " ".join(str(w.message) for w in caught)
    assert "retrying" in text and "warmup_browse" in text
    assert df["status"].tolist() == ["retrying", "complete"]
    assert df["type"].tolist() == ["warmup_browse", "warmup_scroll"]
    assert df["status"].notna().all()
    assert not df.loc[0, "deletable"]


def test_unknown_value_warning_can_be_filtered():
    """Users can silence UnknownValueWarning by category."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=UnknownValueWarning)
        tasks_frame([record(status="retrying")], now=NOW)


def test_known_values_do_not_warn():
    """Documented statuses and types never warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tasks_frame([DOC_EXAMPLE_1, DOC_EXAMPLE_2], now=NOW)


def test_nulls_and_missing_fields_become_missing_values():
    """Null or absent optional fields are NA/NaT, not errors (AccountTask objects lack duration/keywords)."""
    account_task = {k: v for k, v in DOC_EXAMPLE_2.items() if k not in ("duration", "keywords")}
    df = tasks_frame([account_task, record(id="n", scheduled_time=None, created_at=None)], now=NOW)
    assert df["duration"].isna().tolist() == [True, False]
    assert pd.isna(df.loc[1, "scheduled_time"]) and pd.isna(df.loc[1, "created_at"]) and pd.isna(df.loc[1, "age"])


def test_millisecond_and_offset_timestamps_parse_to_utc():
    """ISO strings with milliseconds or an offset become the same UTC instant."""
    df = tasks_frame([record(id="a", created_at="2024-01-15T10:30:00.250Z"), record(id="b", created_at="2024-01-15T12:30:00+02:00")], now=NOW)
    assert df.loc[0, "created_at"] == UTC("2024-01-15T10:30:00.250Z")
    assert df.loc[1, "created_at"] == UTC("2024-01-15T10:30:00Z")


def test_float_durations_round_to_integer_seconds():
    """A duration of 299.6 s becomes 300 (nullable integer column)."""
    df = tasks_frame([record(id="a", duration=299.6), record(id="b", duration=None)], now=NOW)
    assert df["duration"].dtype == pd.Int64Dtype()
    assert df.loc[0, "duration"] == 300 and pd.isna(df.loc[1, "duration"])


def test_extra_server_fields_are_kept():
    """Fields beyond the schema become extra columns; a clash with a derived name gets a prefix."""
    df = tasks_frame([record(error="token expired", age=3)], now=NOW)
    assert df.loc[0, "error"] == "token expired"
    assert df.loc[0, "server_age"] == 3
    assert df["age"].dtype.kind == "m"


@pytest.mark.parametrize(
    "bad, match",
    [
        (record(id=None), r"record 1 has no usable 'id'"),
        ({k: v for k, v in DOC_EXAMPLE_2.items() if k != "id"}, "record 1 has no usable 'id'"),
        (record(id="task_bad", created_at="yesterday"), r"record 1 \(id 'task_bad'\): created_at .* 'yesterday'"),
        (record(id="task_bad", scheduled_time="2024-13-45T00:00:00Z"), r"task_bad.*scheduled_time"),
        (record(id="task_bad", duration="five minutes"), r"task_bad.*duration"),
        (record(id="task_bad", keywords=["a", "b"]), r"task_bad.*keywords"),
        ("not a dict", "record 1 is not an object"),
    ],
)
def test_bad_records_raise_naming_the_record(bad, match):
    """A record without id, with a bad timestamp/duration/type, or not a dict raises InvalidRecordError naming it."""
    with pytest.raises(InvalidRecordError, match=match):
        tasks_frame([DOC_EXAMPLE_1, bad], now=NOW)


def test_invalid_record_error_is_a_value_error():
    """InvalidRecordError can be caught as ValueError."""
    with pytest.raises(ValueError):
        tasks_frame([record(id=None)], now=NOW)


def test_raw_response_bytes_are_accepted():
    """The raw bytes of a POST /tasks response give the same frame as the parsed records."""
    raw = orjson.dumps({"ok": True, "code": 200, "message": "Success", "data": [DOC_EXAMPLE_1, DOC_EXAMPLE_2]})
    pd.testing.assert_frame_equal(tasks_frame(raw, now=NOW), tasks_frame([DOC_EXAMPLE_1, DOC_EXAMPLE_2], now=NOW))


def test_single_dict_is_rejected():
    """Passing one task dict instead of a list is a TypeError that says so."""
    with pytest.raises(TypeError, match="list of task dicts"):
        tasks_frame(DOC_EXAMPLE_1)


iso = st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(), max_value=pd.Timestamp("2030-01-01").to_pydatetime()).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
)
task_records = st.lists(
    st.fixed_dictionaries(
        {
            "account_id": st.sampled_from(["acc_1", "acc_2", "acc_3"]),
            "type": st.sampled_from(TASK_TYPES),
            "status": st.sampled_from(STATUSES),
            "scheduled_time": st.one_of(st.none(), iso),
            "duration": st.one_of(st.none(), st.integers(0, 10_000)),
            "keywords": st.one_of(st.none(), st.text(max_size=20)),
            "edit_profile_info": st.one_of(st.none(), st.fixed_dictionaries({"bio": st.text(max_size=10)})),
            "created_at": iso,
        }
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(task_records)
def test_property_rows_and_rules_match_records(recs):
    """For any valid records: one row each, in order, values preserved, and the flags follow the status rules."""
    recs = [dict(r, id=f"task_{i}") for i, r in enumerate(recs)]
    df = tasks_frame(recs, now=NOW)
    assert_typed(df)
    assert df["id"].tolist() == [r["id"] for r in recs]
    assert df["status"].astype(str).tolist() == [r["status"] for r in recs]
    assert df["deletable"].tolist() == [r["status"] in ("scheduled", "failed") for r in recs]
    assert df["retryable"].tolist() == [r["status"] == "failed" for r in recs]
    assert [None if pd.isna(d) else int(d) for d in df["duration"]] == [r["duration"] for r in recs]
    expected_overdue = [
        r["status"] == "scheduled" and r["scheduled_time"] is not None and UTC(r["scheduled_time"]) < NOW - pd.Timedelta("1h") for r in recs
    ]
    assert df["overdue"].tolist() == expected_overdue
    assert (df["age"] == NOW - df["created_at"]).all()


@pytest.mark.parametrize("huge", [1e20, 2**63])
def test_out_of_range_duration_names_the_record(huge):
    """A duration beyond 64-bit seconds is an InvalidRecordError naming the record, not a TypeError."""
    with pytest.raises(InvalidRecordError, match=r"task_big.*duration"):
        tasks_frame([record(id="task_big", duration=huge)], now=NOW)


def test_mapping_records_are_accepted_on_every_path():
    """An OrderedDict record loads the same with or without an extra field (fast and general paths)."""
    from collections import OrderedDict

    plain = tasks_frame([OrderedDict(DOC_EXAMPLE_2)], now=NOW)
    extra = tasks_frame([OrderedDict(DOC_EXAMPLE_2, note="x")], now=NOW)
    pd.testing.assert_frame_equal(plain, extra.drop(columns="note"))


def test_free_text_categories_are_sorted_as_python_sorts_them():
    """account_id/keywords categories are the distinct values in Python's (code point) order, non-ASCII included,
    and each row keeps its own value."""
    words = ["zebra", "Zebra", "é clair", "e clair", "ａ wide", "😀 smile", "ß", "", "a\u0301", "á", "leg day"]
    records = [record(id=f"task_{k}", account_id=f"acc_{w}", keywords=w) for k, w in enumerate(words + words[::3])] + [record(id="task_none", keywords=None)]
    for source in (records, orjson.dumps(records)):
        df = tasks_frame(source, now=NOW)
        assert list(df["keywords"].cat.categories) == sorted(set(words))
        assert list(df["account_id"].cat.categories) == sorted({f"acc_{w}" for w in words} | {DOC_EXAMPLE_2["account_id"]})
        assert df["keywords"].iloc[:-1].astype(str).tolist() == words + words[::3]
        assert pd.isna(df["keywords"].iloc[-1])
