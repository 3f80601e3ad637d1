"""tasks_frame's three decoding paths (arrow, structs, general) give the same frame; lazy envelope parsing; the client's undecoded path."""

from __future__ import annotations

import gc
import json
import string
import warnings

import httpx
import orjson
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugc_nb import Sandbox, UGCClient, UnknownValueWarning, load_tasks, tasks_frame
from ugc_nb.api import envelope
from ugc_nb.api.errors import APIResponseValidationError, InvalidRecordError, NotFoundError, ServerError
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.api.schema import STATUSES, TASK_FIELDS, TASK_TYPES
from ugc_nb.sandbox import generate_accounts, generate_tasks
from ugc_nb.tasks import frame as frame_module
from ugc_nb.tasks.decode import PATHS, columns

NOW = pd.Timestamp("2026-11-01T12:00:00Z")
RECORDS = generate_tasks(generate_accounts(12, seed=5), 1500, seed=5, now=NOW.to_pydatetime())


def response(data, **envelope_fields):
    return orjson.dumps({"ok": True, "code": 200, "message": "Success", **envelope_fields, "data": data})


def via(path, records, **kwargs):
    """The frame of ``records`` decoded by ``path`` (and the paths after it, should it refuse them)."""
    return frame_module.assemble(columns(records, paths=PATHS[PATHS.index(path):]), **kwargs)


def general(records, **kwargs):
    """tasks_frame by the general path alone."""
    return via("general", records, **kwargs)


@pytest.mark.parametrize(
    "form, path",
    [("envelope bytes", "arrow"), ("data array bytes", "arrow"), ("memoryview", "arrow"), ("list of dicts", "structs")],
)
def test_every_path_gives_the_same_frame_as_the_general_path(form, path):
    """Generated tasks in every input form take the fastest path that accepts them and give exactly the general path's frame."""
    records = {
        "envelope bytes": response(RECORDS),
        "data array bytes": orjson.dumps(RECORDS),
        "memoryview": memoryview(orjson.dumps(RECORDS)),
        "list of dicts": RECORDS,
    }[form]
    assert columns(records).path == path
    expected = general(RECORDS, now=NOW)
    pd.testing.assert_frame_equal(tasks_frame(records, now=NOW), expected)
    if path == "arrow":  # the structs path, which takes what the arrow path refuses, agrees too
        assert columns(records, paths=("structs", "general")).path == "structs"
        pd.testing.assert_frame_equal(via("structs", records, now=NOW), expected)


@pytest.mark.parametrize(
    "change, path",
    [
        ({"extra": "kept"}, "general"),
        ({"duration": 299.6}, "structs"),  # a float duration is rounded by the shared builder
        ({"duration": 1e30}, "structs"),  # beyond 64 bits: refused by the builder, naming the record
        ({"duration": True}, "general"),
        ({"keywords": ["a"]}, "general"),
        ({"edit_profile_info": ["not", "a", "dict"]}, "general"),
        ({"edit_profile_info": {"bio": "x", "links": ["a"]}}, "general"),  # a key beyond the documented three: dicts kept
        ({"edit_profile_info": {"bio": 5}}, "general"),
        ({"edit_profile_info": {"bio": None, "nickName": "n"}}, "arrow"),  # a null key reads as absent on every path
        ({"keywords": 'a},{"id":"b'}, "arrow"),  # the arrow path's cut pattern inside a string
        ({"id": ""}, "general"),
        ({"status": 3}, "general"),
        ({"created_at": "yesterday"}, "structs"),  # the reader refuses it; the shared builder names it
    ],
)
def test_records_off_the_documented_shape_give_what_the_general_path_gives(change, path):
    """Whatever a fast path refuses goes down the next path; every path keeps, or names, exactly what the general path does."""
    records = [dict(r) for r in RECORDS[:50]]
    records[7].update(change)
    for form in (orjson.dumps(records), response(records), records):
        try:
            taken = columns(form).path
            assert taken == path or (taken == "structs" and path == "arrow" and isinstance(form, list))
            got = tasks_frame(form, now=NOW)
        except InvalidRecordError as exc:
            with pytest.raises(InvalidRecordError) as expected:
                general(records, now=NOW)
            assert str(exc) == str(expected.value) and "record 7" in str(exc)
        else:
            pd.testing.assert_frame_equal(got, general(records, now=NOW))


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(RECORDS[:40], indent=2),  # spread over lines
        json.dumps(RECORDS[:40]),  # ", " between tasks: no cut, one piece
        orjson.dumps(RECORDS[:40]).decode().replace("},{", "},\n{"),  # one task a line
    ],
)
def test_other_json_layouts_give_the_same_frame(text):
    """A server that writes its JSON with other blank space gets the same frame, by whichever path takes it."""
    body = text.encode()
    pd.testing.assert_frame_equal(tasks_frame(body, now=NOW), general(RECORDS[:40], now=NOW))


@pytest.mark.parametrize("first", [b"null", b"1", b'"x"', b"[]", b"{}"])
def test_an_array_whose_values_are_not_tasks_is_named_not_crashed_on(first):
    """A value that is not a task anywhere in the array (a bare null crashes pyarrow's reader) is refused, naming it."""
    body = b"[" + first + b"," + orjson.dumps(RECORDS[:3])[1:]
    with pytest.raises(InvalidRecordError, match="record 0"):
        tasks_frame(body, now=NOW)
    body = orjson.dumps(RECORDS[:3])[:-1] + b"," + first + b"]"
    with pytest.raises(InvalidRecordError, match="record 3"):
        tasks_frame(body, now=NOW)
    body = orjson.dumps(RECORDS[:2])[:-1] + b"," + first + b"," + orjson.dumps(RECORDS[2:4])[1:]
    with pytest.raises(InvalidRecordError, match="record 2"):
        tasks_frame(body, now=NOW)


def test_a_large_array_is_read_in_pieces_that_agree():
    """An array larger than one piece is cut between tasks, read piece by piece, and gives the general path's frame."""
    records = RECORDS * 20  # ~6 MB: more than one piece
    body = orjson.dumps(records)
    assert len(body) > 4 << 20
    assert columns(body).path == "arrow"
    pd.testing.assert_frame_equal(tasks_frame(body, now=NOW), general(records, now=NOW))


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
iso = st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(), max_value=pd.Timestamp("2030-01-01").to_pydatetime()).flatmap(
    lambda d: st.sampled_from([d.strftime("%Y-%m-%dT%H:%M:%SZ"), d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                               d.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")])
)
documented = st.fixed_dictionaries(
    {"id": st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=24)},
    optional={
        "account_id": st.one_of(st.none(), st.sampled_from(["acc_1", "acc_2", "acc_3"])),
        "type": st.one_of(st.none(), st.sampled_from([*TASK_TYPES, "browse"])),
        "status": st.one_of(st.none(), st.sampled_from([*STATUSES, "retrying"])),
        "scheduled_time": st.one_of(st.none(), iso),
        "duration": st.one_of(st.none(), st.integers(-(2**40), 2**40)),
        "keywords": st.one_of(st.none(), text),
        "edit_profile_info": st.one_of(
            st.none(), st.fixed_dictionaries({}, optional={k: st.one_of(st.none(), text) for k in ("avatarUrl", "nickName", "bio")})
        ),
        "created_at": st.one_of(st.none(), iso),
    },
)


@settings(max_examples=80, deadline=None)
@given(st.lists(documented, max_size=30))
def test_property_every_path_gives_the_same_frame(records):
    """For any documented records (any precision, unknown values, unicode, nulls, missing fields) the three paths agree."""
    body = orjson.dumps(records)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownValueWarning)
        expected = general(records, now=NOW)
        for path in PATHS:
            pd.testing.assert_frame_equal(via(path, body, now=NOW), expected)
        pd.testing.assert_frame_equal(via("structs", records, now=NOW), expected)
    def documented_form(name, value):  # what to_records gives back: a profile's null keys read as absent
        return {k: v for k, v in value.items() if v is not None} if name == "edit_profile_info" and value is not None else value

    times = ("scheduled_time", "created_at")
    back = [{k: v for k, v in r.items() if k not in times} for r in frame_module.to_records(expected)]
    assert back == [{name: documented_form(name, r.get(name)) for name in TASK_FIELDS if name not in times} for r in records]


def test_unknown_values_warn_once_on_every_path():
    """An unknown status on otherwise documented records is kept and warned about once, whichever path decodes it."""
    records = [dict(r) for r in RECORDS[:20]]
    records[3]["status"] = "retrying"
    for form in (orjson.dumps(records), records):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = tasks_frame(form, now=NOW)
        assert [str(w.message) for w in caught if w.category is UnknownValueWarning] == ["unknown task status value(s) kept as they are: 'retrying'"]
        assert df.loc[3, "status"] == "retrying"
        assert list(df["status"].cat.categories) == ["scheduled", "pending", "complete", "failed", "retrying"]


def test_bad_timestamp_on_the_fast_path_names_the_record():
    """A string that is not a time passes the fast paths' type checks but is still named in the error."""
    records = [dict(r) for r in RECORDS[:20]]
    records[4]["created_at"] = "yesterday"
    for form in (orjson.dumps(records), records):
        with pytest.raises(InvalidRecordError, match=rf"record 4 \(id '{records[4]['id']}'\): created_at"):
            tasks_frame(form, now=NOW)


def test_error_envelope_bytes_raise_the_typed_error():
    """Raw bytes of an error envelope raise its typed error, not a parsing error."""
    with pytest.raises(NotFoundError):
        tasks_frame(orjson.dumps({"ok": False, "code": 404, "message": "gone"}))
    with pytest.raises(InvalidRecordError, match="expected a list"):
        tasks_frame(response({"not": "a list"}))


def test_an_array_that_is_not_json_is_named_by_the_general_path():
    """Bytes that look like an array but are not JSON never reach a fast path: the general path says what is wrong."""
    with pytest.raises(InvalidRecordError, match="cannot be decoded"):
        tasks_frame(b'[{"id":"a"}{"id":"b"}]')


def test_paths_must_be_known():
    """columns() refuses a path it does not have, naming the ones it has."""
    with pytest.raises(ValueError, match="arrow, structs, general"):
        columns([], paths=("fast",))


@pytest.mark.parametrize("enabled", [True, False])
def test_garbage_collector_state_is_restored(enabled):
    """tasks_frame pauses the cyclic GC while decoding and leaves it as it found it."""
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        tasks_frame(response(RECORDS[:10]), now=NOW)
        tasks_frame(RECORDS[:10], now=NOW)
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
        assert columns(raw).path == "arrow"  # checked by msgspec with its envelope, read by Arrow


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
    """Records whose optional fields are all null or missing give the same frame on every path."""
    records = [{"id": "a"}, {"id": "b", "status": None, "type": None, "account_id": None, "created_at": None}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = tasks_frame(records, now=NOW)
        for path in PATHS:
            pd.testing.assert_frame_equal(via(path, orjson.dumps(records), now=NOW), fast)
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
            elif name == "edit_profile_info":  # a profile change: the keys the server set, or the value as sent
                record[name] = {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value
            elif isinstance(value, dict):
                record[name] = value
            else:
                record[name] = str(value)
        out.append(record)
    return out


def test_to_records_matches_the_row_by_row_conversion():
    """to_records, converting a column at a time, gives what the row-by-row rules give."""
    frame = tasks_frame(RECORDS, now=NOW)
    assert frame_module.to_records(frame) == reference_records(frame)
    assert frame_module.to_records(frame) == [{k: r[k] for k in frame_module.TASK_FIELDS} for r in RECORDS]


def test_to_records_keeps_milliseconds_and_odd_values():
    """Sub-second times keep their milliseconds and microseconds; naive times are UTC; an odd profile change stays as sent; NaT and NA become None."""
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
    assert got[1]["edit_profile_info"] == ["a"] and got[1]["duration"] is None and got[1]["status"] is None


def test_frame_to_records_and_back_is_the_same_frame():
    """frame → records (the journal's rows) → frame gives the frame again, profile changes and categories included."""
    frame = tasks_frame(orjson.dumps(RECORDS), now=NOW)
    again = tasks_frame(frame_module.to_records(frame), now=NOW)
    pd.testing.assert_frame_equal(again, frame)


def test_with_deleted_keeps_the_categorical_columns_categorical():
    """Appending journalled rows keeps account_id, type, status and keywords categorical over the values of both."""
    live = tasks_frame(RECORDS[:100], now=NOW)
    gone = tasks_frame([{**r, "account_id": "acc_gone", "keywords": "only here"} for r in RECORDS[100:110]], now=NOW)
    marked = frame_module.with_deleted(live, gone, [NOW] * len(gone), ["run1"] * len(gone))
    for name in ("account_id", "type", "status", "keywords"):
        assert isinstance(marked[name].dtype, pd.CategoricalDtype), name
    assert "acc_gone" in marked["account_id"].cat.categories and "only here" in marked["keywords"].cat.categories
    assert list(marked["status"].cat.categories[:4]) == ["scheduled", "pending", "complete", "failed"]
    assert marked["keywords"].astype(object).tolist() == [*live["keywords"].astype(object), *gone["keywords"].astype(object)]


# -- found by a README-only adversary ---------------------------------------------------------
def doc_task(**fields):
    return {"id": "a", "account_id": "acc_1", "type": "warmup_scroll", "status": "failed", "scheduled_time": None,
            "duration": None, "keywords": None, "edit_profile_info": None, "created_at": "2024-12-25T11:00:00Z", **fields}


@pytest.mark.parametrize("field", ["id", "status", "account_id", "keywords"])
@pytest.mark.parametrize("n", [1, 2, 20_000])
def test_text_that_is_not_utf8_is_refused_on_every_path(field, n):
    """A byte that is not UTF-8 in a task's text is an InvalidRecordError naming the problem, never a frame with an
    unreadable id (Arrow's reader does not check UTF-8 itself)."""
    tasks = [doc_task(id=f"t{i}") for i in range(n)]
    tasks[n // 2][field] = "PLACEHOLDER"
    body = orjson.dumps(tasks).replace(b"PLACEHOLDER", b"a\xff")
    with pytest.raises(InvalidRecordError, match="UTF-8|utf-8"):
        tasks_frame(body, now=NOW)


@pytest.mark.parametrize("word", ["now", "today", " Now "])
def test_clock_words_are_not_times(word):
    """'now' and 'today' (which pandas reads as the wall clock) are not ISO 8601 times: refused, naming the record."""
    for form in ([doc_task(created_at=word)], orjson.dumps([doc_task(scheduled_time=word)])):
        with pytest.raises(InvalidRecordError, match=r"record 0 \(id 'a'\): (created_at|scheduled_time) is not a valid ISO 8601 time"):
            tasks_frame(form, now=NOW)


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_times_outside_years_1_to_9999_in_utc_are_refused(when):
    """A time that lands outside years 1–9999 once in UTC is refused (pandas could not show it, nor ISO 8601 write it back)."""
    for form in ([doc_task(created_at=when)], orjson.dumps([doc_task(created_at=when)])):
        with pytest.raises(InvalidRecordError, match="outside years 1 to 9999"):
            tasks_frame(form, now=NOW)


def test_deep_nesting_is_read_or_named_not_a_recursion_error():
    """An extra field nested a thousand deep gives the frame (as orjson reads it); deeper than any decoder goes, a typed error."""
    body = b'[{"id":"a","status":"failed","created_at":"2024-12-25T11:00:00Z","x":' + b"[" * 1000 + b"]" * 1000 + b"}]"
    assert tasks_frame(body, now=NOW)["status"].tolist() == ["failed"]
    deeper = b'[{"id":"a","x":' + b"[" * 5000 + b"]" * 5000 + b"}]"
    with pytest.raises(InvalidRecordError, match="cannot be decoded"):
        tasks_frame(deeper, now=NOW)


@pytest.mark.parametrize("value", [True, "300", "60.5"])
def test_a_duration_that_is_not_a_number_is_refused_whatever_the_other_rows(value):
    """true or a string is not a number of seconds, alone or beside other rows (a bool was read as 1 when alone)."""
    for tasks in ([doc_task(duration=value)], [doc_task(id="b", duration=60), doc_task(duration=value)]):
        with pytest.raises(InvalidRecordError, match="duration is not a number of seconds"):
            tasks_frame(tasks, now=NOW)


@pytest.mark.parametrize("value", [[], 5, True, [{"bio": "x"}]])
def test_to_records_writes_an_odd_profile_change_as_the_server_sent_it(value):
    """An edit_profile_info that is not an object goes back to records as the JSON value it was, not a Python repr."""
    frame = tasks_frame([doc_task(edit_profile_info=value)], now=NOW)
    assert frame_module.to_records(frame)[0]["edit_profile_info"] == value


@pytest.mark.parametrize("field", ["id", "status", "keywords", "edit_profile_info"])
def test_a_lone_surrogate_in_a_list_is_named(field):
    """Text with a lone surrogate (possible in a list of dicts, not in JSON bytes) is an InvalidRecordError naming the record."""
    task = doc_task(**{field: {"bio": "\ud800"} if field == "edit_profile_info" else "x\ud800"})
    with pytest.raises(InvalidRecordError, match=rf"record 0 .*{field} is not valid text"):
        tasks_frame([task], now=NOW)
