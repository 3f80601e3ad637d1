"""tasks_frame's fast (msgspec) and general (orjson) paths agree; lazy envelope parsing; the client's undecoded path."""

from __future__ import annotations

import gc
import warnings

import httpx
import orjson
import pandas as pd
import pytest

from ugc_nb import Sandbox, UGCClient, UnknownValueWarning, load_tasks, tasks_frame
from ugc_nb.api import envelope
from ugc_nb.api.errors import APIResponseValidationError, InvalidRecordError, NotFoundError, ServerError
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.sandbox import generate_accounts, generate_tasks
from ugc_nb.tasks import frame as frame_module

NOW = pd.Timestamp("2026-11-01T12:00:00Z")
RECORDS = generate_tasks(generate_accounts(12, seed=5), 1500, seed=5, now=NOW.to_pydatetime())


def response(data, **envelope_fields):
    return orjson.dumps({"ok": True, "code": 200, "message": "Success", **envelope_fields, "data": data})


def general(records, **kwargs):
    """tasks_frame with the fast path switched off."""
    original = frame_module._fast_records
    frame_module._fast_records = lambda _records: None
    try:
        return tasks_frame(records, **kwargs)
    finally:
        frame_module._fast_records = original


def test_fast_path_struct_has_the_documented_fields_in_order():
    """The msgspec Task the fast path decodes into is the documented schema, field for field."""
    assert frame_module._Task.__struct_fields__ == frame_module.TASK_FIELDS


@pytest.mark.parametrize("form", ["envelope bytes", "data array bytes", "memoryview", "list of dicts"])
def test_fast_path_gives_the_same_frame_as_the_general_path(form):
    """Generated tasks in every input form give exactly the frame the general path gives."""
    records = {
        "envelope bytes": response(RECORDS),
        "data array bytes": orjson.dumps(RECORDS),
        "memoryview": memoryview(orjson.dumps(RECORDS)),
        "list of dicts": RECORDS,
    }[form]
    assert frame_module._fast_records(records) is not None, "these records should take the fast path"
    pd.testing.assert_frame_equal(tasks_frame(records, now=NOW), general(RECORDS, now=NOW))


@pytest.mark.parametrize(
    "change, fast",
    [
        ({"extra": "kept"}, False),
        ({"duration": 299.6}, True),  # a float duration is rounded by the shared builder
        ({"duration": True}, False),
        ({"keywords": ["a"]}, False),
        ({"edit_profile_info": ["not", "a", "dict"]}, False),
        ({"id": ""}, False),
        ({"status": 3}, False),
    ],
)
def test_records_off_the_documented_shape_give_what_the_general_path_gives(change, fast):
    """Anything msgspec's Task does not accept falls back to the general path, which keeps or names it."""
    records = [dict(r) for r in RECORDS[:50]]
    records[7].update(change)
    assert (frame_module._fast_records(records) is not None) is fast
    for form in (records, response(records)):
        try:
            got = tasks_frame(form, now=NOW)
        except InvalidRecordError as exc:
            with pytest.raises(InvalidRecordError, match="record 7"):
                general(records, now=NOW)
            assert "record 7" in str(exc)
        else:
            pd.testing.assert_frame_equal(got, general(records, now=NOW))


def test_unknown_values_warn_on_the_fast_path():
    """An unknown status on otherwise documented records is kept and warned about, as on the general path."""
    records = [dict(r) for r in RECORDS[:20]]
    records[3]["status"] = "retrying"
    assert frame_module._fast_records(records) is not None
    with pytest.warns(UnknownValueWarning, match="retrying"):
        df = tasks_frame(orjson.dumps(records), now=NOW)
    assert df.loc[3, "status"] == "retrying"
    assert list(df["status"].cat.categories) == ["scheduled", "pending", "complete", "failed", "retrying"]


def test_bad_timestamp_on_the_fast_path_names_the_record():
    """A string that is not a time passes msgspec but is still named in the error."""
    records = [dict(r) for r in RECORDS[:20]]
    records[4]["created_at"] = "yesterday"
    with pytest.raises(InvalidRecordError, match=rf"record 4 \(id '{records[4]['id']}'\): created_at"):
        tasks_frame(orjson.dumps(records), now=NOW)


def test_error_envelope_bytes_raise_the_typed_error():
    """Raw bytes of an error envelope raise its typed error, not a parsing error."""
    with pytest.raises(NotFoundError):
        tasks_frame(orjson.dumps({"ok": False, "code": 404, "message": "gone"}))
    with pytest.raises(InvalidRecordError, match="expected a list"):
        tasks_frame(response({"not": "a list"}))


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled):
    """tasks_frame pauses the cyclic GC while decoding and leaves it as it found it."""
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        tasks_frame(response(RECORDS[:10]), now=NOW)
        general(response([{**RECORDS[0], "extra": 1}]), now=NOW)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# -- envelope.parse_lazy --------------------------------------------------------------------
def test_parse_lazy_returns_the_undecoded_data():
    """A clean success gives a memoryview of data's JSON text; parse gives the same value decoded."""
    body = b'{"ok": true, "code": 200, "message": "Success", "data": [{"id": "t"}, 2]}'
    lazy = envelope.parse_lazy(200, body, path="/tasks")
    assert isinstance(lazy, memoryview)
    assert bytes(lazy) == b'[{"id": "t"}, 2]'
    assert orjson.loads(lazy) == envelope.parse(200, body, path="/tasks")


@pytest.mark.parametrize(
    "status, body, error",
    [
        (200, b'{"ok": false, "code": 404, "message": "nope"}', NotFoundError),
        (200, b'{"code": "503", "data": []}', ServerError),
        (500, b'{"ok": true, "code": 200, "data": []}', ServerError),
        (200, b"", APIResponseValidationError),
        (200, b"<html>", APIResponseValidationError),
        (200, b'{"ok": true, "code": 200}', APIResponseValidationError),
    ],
)
def test_parse_lazy_raises_what_parse_raises(status, body, error):
    """Every response that is not a clean success raises exactly as parse does."""
    with pytest.raises(error) as lazy:
        envelope.parse_lazy(status, body, path="/tasks")
    with pytest.raises(error) as eager:
        envelope.parse(status, body, path="/tasks")
    assert str(lazy.value) == str(eager.value)


def test_parse_lazy_keeps_a_null_data_as_text():
    """A null ``data`` is still a clean success: its JSON text comes back, for the caller to refuse."""
    assert bytes(envelope.parse_lazy(200, b'{"data": null}', path="/tasks")) == b"null"


def test_parse_lazy_hands_a_body_that_is_not_an_object_to_parse():
    """A success whose body is a bare array is refused with parse's message."""
    with pytest.raises(APIResponseValidationError, match="no 'data' field"):
        envelope.parse_lazy(200, b"[1, 2]", path="/tasks")


# -- the client's undecoded path and load_tasks ---------------------------------------------
@pytest.fixture
def box():
    return Sandbox(n_tasks=400, n_accounts=10, seed=4, now=NOW.to_pydatetime())


def test_tasks_json_is_undecoded_and_equals_get_tasks(box):
    """A single query returns the data array undecoded; decoded, it is what get_tasks returns."""
    with box.client(retry=NO_WAIT) as client:
        raw = client.tasks.list_raw(task_type="warmup_scroll")
        assert isinstance(raw, memoryview)
        assert orjson.loads(raw) == client.tasks.list(task_type="warmup_scroll")


def test_tasks_json_with_a_window_returns_records(box):
    """A windowed query is merged from several requests, so it comes back as get_tasks' list."""
    with box.client(retry=NO_WAIT) as client:
        got = client.tasks.list_raw(start=NOW - pd.Timedelta("30D"), end=NOW, window="7D")
        assert isinstance(got, list)
        assert got == client.tasks.list(start=NOW - pd.Timedelta("30D"), end=NOW, window="7D")


def test_tasks_json_retries_like_get_tasks(box):
    """A 500 before the answer is retried on the undecoded path too."""
    box.fail_next("500", "/tasks")
    with box.client(retry=NO_WAIT) as client:
        assert isinstance(client.tasks.list_raw(), memoryview)
    assert [r.status for r in box.requests] == [500, 200]


def test_tasks_json_checks_the_filters(box):
    """Bad filters are refused before any request, as by get_tasks."""
    with box.client(retry=NO_WAIT) as client:
        with pytest.raises(ValueError, match="unknown task_type"):
            client.tasks.list_raw(task_type="nope")
        with pytest.raises(TypeError):
            client.tasks.list_raw(colour="red")
    assert box.requests == []


def test_load_tasks_equals_the_frame_of_get_tasks(box):
    """load_tasks (undecoded path) gives exactly tasks_frame(get_tasks())."""
    with box.client(retry=NO_WAIT) as client:
        pd.testing.assert_frame_equal(load_tasks(client, now=NOW), tasks_frame(client.tasks.list(), now=NOW))


def test_tasks_json_with_a_non_list_data_is_refused():
    """A success whose data is not an array is refused as by get_tasks."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True, "code": 200, "data": {"tasks": []}})

    with UGCClient(api_key="k", transport=httpx.MockTransport(handler), retry=NO_WAIT) as client:
        with pytest.raises(APIResponseValidationError, match="expected a list"):
            client.tasks.list_raw()


def test_fast_and_general_paths_agree_with_nulls_everywhere():
    """Records whose optional fields are all null or missing give the same frame on both paths."""
    records = [{"id": "a"}, {"id": "b", "status": None, "type": None, "account_id": None, "created_at": None}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = tasks_frame(records, now=NOW)
    pd.testing.assert_frame_equal(fast, general(records, now=NOW))
    assert fast["status"].isna().all() and fast["account_id"].isna().all()


# -- to_records ---------------------------------------------------------------------------
def reference_records(frame):
    """The row-by-row conversion to_records must match."""
    from ugc_nb.api.timeutil import iso_z

    out = []
    fields = [f for f in frame_module.TASK_FIELDS if f in frame.columns]
    for values in frame[fields].itertuples(index=False, name=None):
        record = {}
        for name, value in zip(fields, values):
            if value is None or (not isinstance(value, (dict, list)) and pd.isna(value)):
                record[name] = None
            elif isinstance(value, pd.Timestamp):
                record[name] = iso_z(value)
            elif name == "duration":
                record[name] = int(value)
            else:
                record[name] = value if isinstance(value, dict) else str(value)
        out.append(record)
    return out


def test_to_records_matches_the_row_by_row_conversion():
    """to_records, converting a column at a time, gives what the row-by-row rules give."""
    frame = tasks_frame(RECORDS, now=NOW)
    assert frame_module.to_records(frame) == reference_records(frame)
    assert frame_module.to_records(frame) == [{k: r[k] for k in frame_module.TASK_FIELDS} for r in RECORDS]


def test_to_records_keeps_milliseconds_and_odd_values():
    """Sub-second times keep their milliseconds and microseconds; naive times are UTC; lists become text; NaT and NA become None."""
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "created_at": pd.to_datetime(["2024-01-01T00:00:00.250Z", "2024-01-01T00:00:01Z", None], utc=True, format="ISO8601"),
            "scheduled_time": pd.to_datetime(["2024-01-01T00:00:00.000001", "2024-01-01T10:00:00", "2024-01-01T10:00:00.5"], format="ISO8601"),
            "duration": pd.array([1, None, 3], dtype="Int64"),
            "edit_profile_info": [{"bio": "x"}, ["a"], None],
            "status": pd.Categorical(["failed", None, "scheduled"]),
        }
    )
    got = frame_module.to_records(frame)
    assert got == reference_records(frame)
    assert got[0]["created_at"] == "2024-01-01T00:00:00.250Z" and got[2]["created_at"] is None
    assert got[0]["scheduled_time"] == "2024-01-01T00:00:00.000001Z" and got[2]["scheduled_time"] == "2024-01-01T10:00:00.500Z"
    assert got[1]["edit_profile_info"] == "['a']" and got[1]["duration"] is None and got[1]["status"] is None
