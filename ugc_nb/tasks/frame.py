"""Task records → a typed pandas DataFrame. Pure: no I/O.

This is the hot path for organisations with a million tasks, so the frame is
built column by column, never row by row, and each column is converted in C
(Arrow casts and dictionary encoding). The records take one of two paths:

* **fast** — records that are exactly the documented Task (no extra field,
  strings where strings belong, a non-empty ``id``) are decoded by msgspec
  straight from the response bytes into small structs (or converted from
  dicts), which checks those types in the same pass; then each column is one
  ``map(attrgetter(field), ...)``;
* **general** — anything else (an extra field, a record that is not an object,
  a number where a string belongs) is decoded with orjson and checked column by
  column, so a bad record is named in the error and extra fields are kept.

Both paths share the column builders and give the same frame; the tests check
that they agree. ``benchmarks/`` holds the measurements behind these choices.

Columns, in order:

==================  =======================================  ===================================
column              dtype                                    meaning
==================  =======================================  ===================================
id                  string                                   task id
account_id          category                                 owning account
type                category (5 documented types + unknown)  task type
status              category (lifecycle order + unknown)     scheduled, pending, complete, failed
scheduled_time      datetime64[UTC]                          when it is/was due (NaT if null)
duration            Int64                                    seconds (warm-up tasks)
keywords            string                                   search text
edit_profile_info   object (dict or None)                    profile change, edit_profile only
created_at          datetime64[UTC]                          creation time
age                 timedelta64                              ``now - created_at``
deletable           bool                                     status is scheduled or failed
retryable           bool                                     status is failed
overdue             bool                                     scheduled, and due before ``now - grace``
==================  =======================================  ===================================

Fields the server sends beyond the documented ones are kept as extra object
columns after ``created_at`` (a name that clashes with a derived column gets a
``server_`` prefix — more than one if that name is taken too — recorded in
``df.attrs["renamed"]``, which :func:`to_records` uses to give the field its own
name back), so nothing the server says is lost.
"""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, repeat
from operator import attrgetter
from typing import Annotated, Any

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from ..api import envelope
from ..api.errors import InvalidRecordError, UnknownValueWarning
from ..api.schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_FIELDS, TASK_TYPES
from ..api.timeutil import DurationLike, TimeLike, iso_z, to_timedelta, to_utc, utcnow

__all__ = ["with_deleted", "tasks_frame", "to_records", "DERIVED_COLUMNS", "COLUMNS", "DEFAULT_GRACE"]

DERIVED_COLUMNS = ("age", "deletable", "retryable", "overdue")
COLUMNS = TASK_FIELDS + DERIVED_COLUMNS
#: How late a scheduled task may be before it counts as overdue.
DEFAULT_GRACE = "1h"
_TIME_UNIT = "datetime64[us, UTC]"
_STRING_FIELDS = ("account_id", "type", "status", "keywords")
_JSON_ARRAY = re.compile(rb"\s*\[")


class _Task(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """A Task exactly as documented: what the fast path accepts (missing fields are null).

    ``gc=False``: a million of these cost the cyclic garbage collector nothing.
    """

    id: Annotated[str, msgspec.Meta(min_length=1)]
    account_id: str | None = None
    type: str | None = None
    status: str | None = None
    scheduled_time: str | None = None
    duration: int | float | None = None
    keywords: str | None = None
    edit_profile_info: dict[str, Any] | None = None
    created_at: str | None = None


_DECODE_TASKS = msgspec.json.Decoder(list[_Task]).decode


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a million containers are built: its passes would find no garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _describe(records: Sequence[Any], i: int) -> str:
    record = records[i]
    ident = record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
    return f"record {i} (id {ident!r})" if ident is not None else f"record {i} ({str(record)[:120]})"


# -- decoding ------------------------------------------------------------------------
def _fast_records(records: Any) -> list[_Task] | None:
    """The records as :class:`_Task` structs if every one is exactly a documented Task, else None.

    Raw bytes may be a whole ``POST /tasks`` response (its envelope is checked
    first and an error envelope raises its typed error) or just the JSON array
    of tasks. A list of dicts is converted without a JSON round trip.
    """
    try:
        with _gc_paused():
            if isinstance(records, (bytes, bytearray, memoryview)):
                data = records if _JSON_ARRAY.match(records) else envelope.parse_lazy(200, bytes(records), path="/tasks")
                return _DECODE_TASKS(data) if isinstance(data, (bytes, bytearray, memoryview)) else None
            if isinstance(records, list):
                return msgspec.convert(records, list[_Task])
    except msgspec.DecodeError:  # also msgspec.ValidationError: not exactly the documented shape
        return None
    return None


def _as_records(records: Iterable[dict[str, Any]] | bytes | str) -> list[Any]:
    """The general path: any records as a list (raw response bytes decoded with orjson)."""
    if isinstance(records, (bytes, bytearray, memoryview)):
        with _gc_paused():
            try:
                if _JSON_ARRAY.match(records):
                    data = orjson.loads(records)
                else:  # a whole POST /tasks response: read the envelope, then the list
                    data = envelope.parse(200, bytes(records), path="/tasks")
            except orjson.JSONDecodeError as exc:  # e.g. a number beyond a double (1e400)
                raise InvalidRecordError(f"the task list cannot be decoded: {exc}") from None
        if not isinstance(data, list):
            raise InvalidRecordError(f"expected a list of tasks in 'data', got {type(data).__name__}")
        return data
    if isinstance(records, (str, dict)):
        raise TypeError("tasks_frame takes a list of task dicts (or the raw response bytes), not a single str/dict")
    return records if isinstance(records, list) else list(records)


def _checked_columns(rows: list[Any]) -> tuple[dict[str, list[Any]], dict[str, list[Any]], dict[str, str]]:
    """Columns of general-path records, checked (naming the first bad record); plus extra fields.

    Each check is a C-level pass (``set(map(type, ...))``); the Python scan that
    finds the culprit runs only when a check fails.
    """
    if set(map(type, rows)) - {dict}:
        if not all(isinstance(r, dict) for r in rows):
            i = next(i for i, r in enumerate(rows) if not isinstance(r, dict))
            raise InvalidRecordError(f"record {i} is not an object: {str(rows[i])[:120]}")
        rows = [r if type(r) is dict else dict(r) for r in rows]  # OrderedDict & co., as the fast path takes them
    columns = {field: list(map(dict.get, rows, repeat(field))) for field in TASK_FIELDS}
    ids = columns["id"]
    if set(map(type, ids)) != {str} or "" in ids:
        missing = [i for i, v in enumerate(ids) if not isinstance(v, str) or not v]
        if missing:
            i = missing[0]
            raise InvalidRecordError(f"record {i} has no usable 'id' ({ids[i]!r}): {str(rows[i])[:160]}")
    for field in _STRING_FIELDS:
        values = columns[field]
        if set(map(type, values)) - {str, type(None)}:
            bad = [i for i, v in enumerate(values) if v is not None and not isinstance(v, str)]
            if bad:
                raise InvalidRecordError(f"{_describe(rows, bad[0])}: {field} must be a string, got {values[bad[0]]!r}")
    names = sorted(set(chain.from_iterable(rows)).difference(TASK_FIELDS))
    taken = set(TASK_FIELDS) | set(DERIVED_COLUMNS) | set(names)
    extras: dict[str, list[Any]] = {}
    renamed: dict[str, str] = {}  # column -> the server's field name
    for name in names:
        column = name
        while column in DERIVED_COLUMNS or (column != name and column in taken):
            column = f"server_{column}"  # ``age`` → ``server_age`` (→ ``server_server_age`` if that is taken too)
        taken.add(column)
        extras[column] = list(map(dict.get, rows, repeat(name)))
        if column != name:
            renamed[column] = name
    return columns, extras, renamed


# -- column builders (shared by both paths; values are already type-checked) ----------------
def _strings(values: list[str | None]) -> pd.api.extensions.ExtensionArray:
    return pd.array(pa.array(values, pa.string()), dtype=pd.StringDtype())


def _categorical(values: list[str | None], field: str, known: tuple[str, ...] | None = None) -> pd.Categorical:
    """A Categorical built from Arrow's dictionary encoding.

    With ``known``, the categories are ``known`` in order plus any unknown values
    seen, which are kept and reported with an :class:`UnknownValueWarning`;
    without, they are the values seen, sorted.
    """
    encoded = pa.array(values, pa.string()).dictionary_encode()
    seen = encoded.dictionary.to_pylist()
    if known is None:
        categories: list[str] | pd.Index = pd.Index(sorted(seen), dtype=pd.StringDtype())
    else:
        unknown = sorted(set(seen).difference(known))
        if unknown:
            warnings.warn(
                f"unknown task {field} value(s) kept as they are: {', '.join(map(repr, unknown))}",
                UnknownValueWarning,
                stacklevel=5,
            )
        categories = [*known, *unknown]
    position = {value: code for code, value in enumerate(categories)}
    # Arrow's codes index ``seen``; translate them to positions in ``categories`` (a null → -1).
    translate = np.array([position[value] for value in seen] + [-1], dtype=np.int32)
    codes = translate[encoded.indices.fill_null(len(seen)).to_numpy()]
    return pd.Categorical.from_codes(codes, categories=categories)


def _times(values: list[Any], field: str, records: Sequence[Any]) -> pd.Series:
    # Fast path: Arrow parses ISO 8601 with a zone ("Z", "+02:00", fractions) in C.
    try:
        arrow = pa.array(values, pa.string()).cast(pa.timestamp("us", tz="UTC"))
        return arrow.to_pandas().astype(_TIME_UNIT)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        pass  # naive times, odd formats or non-strings: pandas parses or pinpoints the bad record
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna().to_numpy() & pd.notna(np.asarray(values, dtype=object))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(
            f"{_describe(records, i)}: {field} is not a valid ISO 8601 time: {values[i]!r}"
            + (f" (and {int(bad.sum()) - 1} more)" if bad.sum() > 1 else "")
        )
    return parsed.astype(_TIME_UNIT)


def _durations(values: list[Any], records: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    # Fast path: Arrow infers int64 when every value is an int or null (a float, a bool or
    # a string makes it infer something else, or fail); then it is one cast.
    try:
        arrow = pa.array(values)
        if pa.types.is_integer(arrow.type) or pa.types.is_null(arrow.type):
            return arrow.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    try:
        with np.errstate(invalid="ignore"):  # an out-of-range float is refused below, not warned about
            return pd.array(values, dtype="Int64")
    except (TypeError, ValueError, OverflowError):
        pass
    raw = pd.Series(values, dtype=object)
    numbers = pd.to_numeric(raw.where(raw.map(lambda v: not isinstance(v, bool))), errors="coerce")
    bad = numbers.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(f"{_describe(records, i)}: duration is not a number of seconds: {values[i]!r}")
    rounded = numbers.round()
    too_big = (rounded.abs() > np.iinfo(np.int64).max).to_numpy(dtype=bool, na_value=False)
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise InvalidRecordError(f"{_describe(records, i)}: duration is out of range: {values[i]!r}")
    return rounded.astype("Int64").array


def _typed(columns: dict[str, list[Any]], records: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": _strings(columns["id"]),
        "account_id": _categorical(columns["account_id"], "account_id"),
        "type": _categorical(columns["type"], "type", TASK_TYPES),
        "status": _categorical(columns["status"], "status", STATUSES),
        "scheduled_time": _times(columns["scheduled_time"], "scheduled_time", records),
        "duration": _durations(columns["duration"], records),
        "keywords": _strings(columns["keywords"]),
        "edit_profile_info": pd.Series(columns["edit_profile_info"], dtype=object),
        "created_at": _times(columns["created_at"], "created_at", records),
    }


def tasks_frame(
    records: Iterable[dict[str, Any]] | bytes,
    *,
    now: TimeLike | None = None,
    grace: DurationLike = DEFAULT_GRACE,
) -> pd.DataFrame:
    """Turn Task records (dicts as the API returns them) into a typed DataFrame.

    ``records`` may also be raw JSON bytes: a whole ``POST /tasks`` response,
    or just its ``data`` array. ``now`` (default: the current time) anchors
    ``age`` and ``overdue``; a scheduled task is overdue when its
    ``scheduled_time`` is before ``now - grace``. Both are stored in ``df.attrs``.

    Unknown ``status``/``type`` values are kept and reported with an
    :class:`~ugc_nb.errors.UnknownValueWarning`. A record that is not a dict,
    lacks an ``id``, or has an unparseable timestamp raises
    :class:`~ugc_nb.errors.InvalidRecordError` naming the record.
    """
    now_ts = to_utc(now, "now") if now is not None else utcnow()
    grace_td = to_timedelta(grace, "grace")

    tasks = _fast_records(records)
    rows: Sequence[Any]
    renamed: dict[str, str] = {}
    extras: dict[str, Any]
    if tasks is not None:
        rows, extras = tasks, {}
        columns = {field: list(map(attrgetter(field), tasks)) for field in TASK_FIELDS}
    else:
        rows = _as_records(records)
        columns, extras, renamed = _checked_columns(rows)
    frame = pd.DataFrame(_typed(columns, rows))
    for name, values in extras.items():
        frame[name] = pd.Series(values, dtype=object)

    status = frame["status"]
    frame.insert(len(TASK_FIELDS), "age", now_ts - frame["created_at"])
    frame.insert(len(TASK_FIELDS) + 1, "deletable", status.isin(DELETABLE_STATUSES).to_numpy(dtype=bool))
    frame.insert(len(TASK_FIELDS) + 2, "retryable", status.isin(RETRYABLE_STATUSES).to_numpy(dtype=bool))
    overdue = (status == "scheduled") & (frame["scheduled_time"] < now_ts - grace_td)
    frame.insert(len(TASK_FIELDS) + 3, "overdue", overdue.fillna(False).to_numpy(dtype=bool))
    frame.attrs.update({"now": now_ts, "grace": grace_td, "renamed": renamed})
    return frame


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a task frame back into API-shaped dicts: the documented fields (ISO times, None for
    missing), then every other column but the derived ones (fields beyond the schema, an account join)."""
    fields = [f for f in TASK_FIELDS if f in frame.columns]
    fields += [c for c in frame.columns if c not in TASK_FIELDS and c not in DERIVED_COLUMNS and isinstance(c, str)]
    columns = [_api_values(frame[name], name) for name in fields]
    renamed = frame.attrs.get("renamed") or {}  # a server field the frame had to rename (``age`` → ``server_age``)
    keys = [renamed.get(name, name) for name in fields]
    return [dict(zip(keys, values)) for values in zip(*columns)]


def _api_values(column: pd.Series, name: str) -> list[Any]:
    """One column as the API writes it: None for missing, ISO times, int durations, dicts as they are, else str."""
    missing = column.isna().to_numpy(dtype=bool)
    if column.dtype.kind == "M":  # formatted a column at a time: iso_z per value is slow
        return [None if gone else text for text, gone in zip(_iso_z_texts(column), missing)]
    return [None if gone else _api_value(value, name) for value, gone in zip(column.to_numpy(dtype=object), missing)]


def _api_value(value: Any, name: str) -> Any:
    if isinstance(value, pd.Timestamp):
        return iso_z(value)
    if name == "duration":
        return int(value)
    if name in TASK_FIELDS:
        return value if isinstance(value, dict) else str(value)
    return value.item() if isinstance(value, np.generic) else value  # an extra field: as the server sent it


def _iso_z_texts(column: pd.Series) -> list[str]:
    """:func:`iso_z` of a datetime column (naive means UTC): whole seconds, milliseconds or microseconds,
    the least that keeps every value exact."""
    if column.dt.tz is not None:
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    values = column.to_numpy().astype("datetime64[us]")
    texts = np.datetime_as_string(values, unit="s")
    has_ms = values != values.astype("datetime64[s]")
    has_us = values != values.astype("datetime64[ms]")
    texts = np.where(has_ms, np.datetime_as_string(values, unit="ms"), texts)
    texts = np.where(has_us, np.datetime_as_string(values, unit="us"), texts)
    return [f"{text}Z" for text in texts.tolist()]


def with_deleted(live: pd.DataFrame, gone: pd.DataFrame, deleted_at: Any, runs: Any) -> pd.DataFrame:
    """``live`` with the rows of ``gone`` — tasks the server no longer lists because a cleanup deleted them, as the
    journal kept them — appended and marked: ``deleted_at`` (UTC) and ``deleted_run`` set, ``deletable``,
    ``retryable`` and ``overdue`` False (nothing can be done to a task that is gone). Live rows get NaT/None there.
    Counts over the past (failure rates, timelines) stay true after a cleanup; a deleted failed task counts as failed."""
    fresh = ~gone["id"].isin(live["id"]).to_numpy(dtype=bool)  # listed again by the server: the live row wins
    when = pd.to_datetime(pd.Series(list(deleted_at), dtype=object), utc=True).to_numpy()[fresh]
    gone = gone[fresh].assign(deletable=False, retryable=False, overdue=False, deleted_at=when,
                              deleted_run=np.asarray(list(runs), dtype=object)[fresh])
    marked = pd.concat([live.assign(deleted_at=pd.NaT, deleted_run=None), gone], ignore_index=True)
    for name in ("status", "type"):
        if isinstance(live[name].dtype, pd.CategoricalDtype):
            categories = list(dict.fromkeys([*live[name].cat.categories, *gone[name].astype(object).dropna()]))
            marked[name] = pd.Categorical(marked[name].astype(object), categories=categories)
    marked["deleted_at"] = marked["deleted_at"].astype("datetime64[us, UTC]")
    marked.attrs = dict(live.attrs)
    return marked
