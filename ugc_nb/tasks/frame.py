"""Columns → a typed pandas DataFrame, and back to records for the journal. Pure: no I/O.

This is the hot path for organisations with a million tasks, so the frame is
built column by column, never row by row, and each column is converted in C
(Arrow casts and dictionary encoding). :mod:`ugc_nb.tasks.decode` turns the
records into columns by the fastest path that accepts them; the builders here
are shared by every path, so each gives the same frame.

Columns, in order:

==================  ==========================================  ===================================
column              dtype                                       meaning
==================  ==========================================  ===================================
id                  string                                      task id
account_id          category                                    owning account
type                category (5 documented types + unknown)     task type
status              category (lifecycle order + unknown)        scheduled, pending, complete, failed
scheduled_time      datetime64[us, UTC]                         when it is/was due (NaT if null)
duration            Int64                                       seconds (warm-up tasks)
keywords            category                                    search text
edit_profile_info   struct of avatarUrl, nickName, bio          profile change, edit_profile only
                    (pyarrow; each string dictionary-encoded)
created_at          datetime64[us, UTC]                         creation time
age                 timedelta64[us]                             ``now - created_at``
deletable           bool                                        status is scheduled or failed
retryable           bool                                        status is failed
overdue             bool                                        scheduled, and due before ``now - grace``
==================  ==========================================  ===================================

``edit_profile_info`` holds the three documented keys (a key sent as null reads
as absent); when the server sends another key or a value that is not a string,
the column holds the dicts as sent instead (dtype object). :func:`profile_edits`
gives the dicts back either way.

Fields the server sends beyond the documented ones are kept as extra object
columns after ``created_at`` (a name that clashes with a derived column gets a
``server_`` prefix — more than one if that name is taken too — recorded in
``df.attrs["renamed"]``, which :func:`to_records` uses to give the field its own
name back), so nothing the server says is lost.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..api.errors import InvalidRecordError, UnknownValueWarning
from ..api.schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_FIELDS, TASK_TYPES
from ..api.timeutil import DurationLike, TimeLike, iso_z, to_timedelta, to_utc, utcnow
from .decode import DERIVED_COLUMNS, PROFILE_FIELDS, TIME_TYPE, Columns, columns, first_unencodable

__all__ = ["with_deleted", "tasks_frame", "assemble", "to_records", "profile_edits", "DERIVED_COLUMNS", "COLUMNS", "DEFAULT_GRACE"]

COLUMNS = TASK_FIELDS + DERIVED_COLUMNS
#: How late a scheduled task may be before it counts as overdue.
DEFAULT_GRACE = "1h"
_TIME_UNIT = "datetime64[us, UTC]"
_PROFILE_ENCODED = pa.struct([(name, pa.dictionary(pa.int32(), pa.string())) for name in PROFILE_FIELDS])
#: A column as decoded: a pyarrow Array or ChunkedArray, or a list (general path).
Values = Any


# -- column builders (shared by every path; values are already type-checked) ----------------
def _arrow(values: Values, type_: pa.DataType) -> pa.Array:
    """One contiguous Arrow array of ``type_`` (a list is converted, chunks are joined)."""
    if isinstance(values, list):
        return pa.array(values, type_)
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return array if array.type == type_ else array.cast(type_)


def _strings(values: Values) -> pd.api.extensions.ExtensionArray:
    return pd.array(_arrow(values, pa.large_string()), dtype=pd.StringDtype())


def _categorical(values: Values, known: tuple[str, ...] | None = None) -> tuple[pd.Categorical, list[str]]:
    """A Categorical built from Arrow's dictionary encoding, and the values seen that are not ``known``.

    With ``known``, the categories are ``known`` in order plus any unknown values
    seen; without, they are the values seen, sorted.
    """
    encoded = _arrow(values, pa.string()).dictionary_encode()
    seen = encoded.dictionary  # distinct values, in order of first appearance
    # Arrow's codes index ``seen``; ``translate`` maps them to positions in the categories (a null → -1).
    translate = np.full(len(seen) + 1, -1, dtype=np.int32)
    unknown: list[str] = []
    if known is None:  # sorted by Arrow (UTF-8 byte order is code point order, as Python sorts), no Python string per value
        order = pc.array_sort_indices(seen).to_numpy()
        translate[order] = np.arange(len(order), dtype=np.int32)
        categories: list[str] | pd.Index = pd.Index(pd.array(seen.take(order), dtype=pd.StringDtype()))
    else:
        values_seen = seen.to_pylist()
        unknown = sorted(set(values_seen).difference(known))
        categories = [*known, *unknown]
        position = {value: code for code, value in enumerate(categories)}
        translate[:-1] = [position[value] for value in values_seen]
    codes = translate[encoded.indices.fill_null(len(seen)).to_numpy()]
    # The categories are distinct and every code indexes them: nothing for pandas to check again.
    return pd.Categorical.from_codes(codes, categories=categories, validate=False), unknown


def _times(values: Values, field: str, describe: Callable[[int], str]) -> pd.Series:
    # Fast path: Arrow parses ISO 8601 with a zone ("Z", "+02:00", fractions) in C (the arrow path's reader did already).
    try:
        texts_or_times = pa.array(values, pa.string()) if isinstance(values, list) else values
        return _in_years(_arrow(texts_or_times, TIME_TYPE).to_pandas().astype(_TIME_UNIT), field, describe)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        pass  # naive times, odd formats or non-strings: pandas parses or pinpoints the bad record
    if not isinstance(values, list):
        values = values.to_pylist()
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601", errors="coerce")
    clock = np.array([isinstance(v, str) and v.strip().lower() in ("now", "today") for v in values], dtype=bool)  # pandas reads the clock
    bad = (parsed.isna().to_numpy() & pd.notna(np.asarray(values, dtype=object))) | clock
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(
            f"{describe(i)}: {field} is not a valid ISO 8601 time: {values[i]!r}"
            + (f" (and {int(bad.sum()) - 1} more)" if bad.sum() > 1 else "")
        )
    return _in_years(parsed.astype(_TIME_UNIT), field, describe)


#: Years 1 to 9999 in UTC, in microseconds since 1970: what pandas can show and ISO 8601 can write back.
_YEARS = (-62_135_596_800_000_000, 253_402_300_800_000_000)


def _in_years(times: pd.Series, field: str, describe: Callable[[int], str]) -> pd.Series:
    """``times``, if every one falls in years 1 to 9999 once in UTC (``9999-12-31T23:59:59-01:00`` does not)."""
    micros = times.to_numpy(dtype="datetime64[us]").view("i8")
    outside = ~times.isna().to_numpy() & ((micros < _YEARS[0]) | (micros >= _YEARS[1]))
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise InvalidRecordError(f"{describe(i)}: {field} is outside years 1 to 9999 in UTC: {np.datetime64(int(micros[i]), 'us')}Z")
    return times


def _durations(values: Values, describe: Callable[[int], str]) -> pd.api.extensions.ExtensionArray:
    # Fast path: an Arrow int64 array (or a list Arrow infers as one: ints and nulls only) is one cast.
    try:
        arrow = values if not isinstance(values, list) else pa.array(values)
        if pa.types.is_integer(arrow.type) or pa.types.is_null(arrow.type):
            return arrow.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        pass
    if not isinstance(values, list):
        values = values.to_pylist()
    words = [i for i, v in enumerate(values) if isinstance(v, (bool, str))]  # JSON true or "300": not a number
    if words:
        raise InvalidRecordError(f"{describe(words[0])}: duration is not a number of seconds: {values[words[0]]!r}")
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
        raise InvalidRecordError(f"{describe(i)}: duration is not a number of seconds: {values[i]!r}")
    rounded = numbers.round()
    too_big = (rounded.abs() > np.iinfo(np.int64).max).to_numpy(dtype=bool, na_value=False)
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise InvalidRecordError(f"{describe(i)}: duration is out of range: {values[i]!r}")
    return rounded.astype("Int64").array


def _profiles(values: Values) -> Any:
    """The documented profile changes as a struct whose strings are dictionary-encoded (they repeat: an account's
    edits apply a few planned profiles), so a column that is mostly null costs a few bytes a row; anything off the
    documented shape (a list from the general path) stays the dicts as sent."""
    if isinstance(values, list):
        return pd.Series(values, dtype=object)
    struct = _arrow(values, values.type)
    children = [struct.field(i).dictionary_encode() for i in range(struct.type.num_fields)]
    encoded = pa.StructArray.from_arrays(children, fields=list(_PROFILE_ENCODED), mask=struct.is_null())
    return pd.arrays.ArrowExtensionArray(encoded)


def assemble(cols: Columns, *, now: TimeLike | None = None, grace: DurationLike = DEFAULT_GRACE) -> pd.DataFrame:
    """The typed frame of decoded columns (see :func:`tasks_frame`, which decodes and calls this)."""
    now_ts = to_utc(now, "now") if now is not None else utcnow()
    grace_td = to_timedelta(grace, "grace")
    try:
        return _assemble(cols, now_ts, grace_td)
    except UnicodeEncodeError:  # a lone surrogate in a list's text (bytes are checked as they are read)
        for name, values in cols.fields.items():
            culprit = first_unencodable(values) if isinstance(values, list) else None
            if culprit is not None:
                raise InvalidRecordError(f"{cols.describe(culprit)}: {name} is not valid text (a lone surrogate): {values[culprit]!r}") from None
        raise


def _assemble(cols: Columns, now_ts: pd.Timestamp, grace_td: pd.Timedelta) -> pd.DataFrame:
    fields, describe = cols.fields, cols.describe
    unknown: dict[str, list[str]] = {}
    typed: dict[str, Any] = {"id": _strings(fields["id"])}
    for name, known in (("account_id", None), ("type", TASK_TYPES), ("status", STATUSES)):
        typed[name], unknown[name] = _categorical(fields[name], known)
    typed["scheduled_time"] = _times(fields["scheduled_time"], "scheduled_time", describe)
    typed["duration"] = _durations(fields["duration"], describe)
    typed["keywords"], _ = _categorical(fields["keywords"])
    typed["edit_profile_info"] = _profiles(fields["edit_profile_info"])
    typed["created_at"] = _times(fields["created_at"], "created_at", describe)
    for name, values in unknown.items():
        if values:
            warnings.warn(f"unknown task {name} value(s) kept as they are: {', '.join(map(repr, values))}", UnknownValueWarning, stacklevel=3)
    frame = pd.DataFrame(typed)
    for name, values in cols.extras.items():
        frame[name] = pd.Series(values, dtype=object)

    status = frame["status"]
    frame.insert(len(TASK_FIELDS), "age", now_ts - frame["created_at"])
    frame.insert(len(TASK_FIELDS) + 1, "deletable", status.isin(DELETABLE_STATUSES).to_numpy(dtype=bool))
    frame.insert(len(TASK_FIELDS) + 2, "retryable", status.isin(RETRYABLE_STATUSES).to_numpy(dtype=bool))
    overdue = (status == "scheduled") & (frame["scheduled_time"] < now_ts - grace_td)
    frame.insert(len(TASK_FIELDS) + 3, "overdue", overdue.fillna(False).to_numpy(dtype=bool))
    frame.attrs.update({"now": now_ts, "grace": grace_td, "renamed": dict(cols.renamed)})
    return frame


def tasks_frame(
    records: Iterable[dict[str, Any]] | bytes | bytearray | memoryview,
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
    return assemble(columns(records), now=now, grace=grace)


def profile_edits(column: pd.Series) -> pd.Series:
    """``edit_profile_info`` as dicts again (None where a task has none), with only the keys the server set."""
    if column.dtype == object:
        return column.copy()
    values = [{k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else None for value in column.tolist()]
    return pd.Series(values, index=column.index, name=column.name, dtype=object)


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
    if name == "edit_profile_info":
        column = profile_edits(column)
    if column.dtype.kind == "M":  # formatted a column at a time: iso_z per value is slow
        return [None if gone else text for text, gone in zip(_iso_z_texts(column), missing)]
    return [None if gone else _api_value(value, name) for value, gone in zip(column.to_numpy(dtype=object), missing)]


def _api_value(value: Any, name: str) -> Any:
    if isinstance(value, pd.Timestamp):
        return iso_z(value)
    if name == "duration":
        return int(value)
    if name == "edit_profile_info":  # a profile change off the documented shape: as the server sent it
        return value
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
    for name in ("account_id", "type", "status", "keywords"):  # categories of both (concat alone would give object)
        if isinstance(live[name].dtype, pd.CategoricalDtype) and name in gone:
            categories = list(dict.fromkeys([*live[name].cat.categories, *gone[name].astype(object).dropna()]))
            if name in ("account_id", "keywords"):  # these are sorted; type and status keep their lifecycle order
                categories = pd.Index(sorted(categories), dtype=pd.StringDtype())
            marked[name] = pd.Categorical(marked[name].astype(object), categories=categories)
    marked["deleted_at"] = marked["deleted_at"].astype("datetime64[us, UTC]")
    marked.attrs = dict(live.attrs)
    return marked
