"""Task records → a typed pandas DataFrame. Pure: no I/O.

The frame is built column by column (one list comprehension per field, then a
vectorised conversion of each column), never row by row, because this is the
hot path for organisations with a million tasks.

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
``server_`` prefix), so nothing the server says is lost.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import envelope
from .errors import InvalidRecordError, UnknownValueWarning
from .schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_FIELDS, TASK_TYPES
from .timeutil import DurationLike, TimeLike, iso_z, to_timedelta, to_utc, utcnow

__all__ = ["tasks_frame", "to_records", "DERIVED_COLUMNS", "COLUMNS", "DEFAULT_GRACE"]

DERIVED_COLUMNS = ("age", "deletable", "retryable", "overdue")
COLUMNS = TASK_FIELDS + DERIVED_COLUMNS
#: How late a scheduled task may be before it counts as overdue.
DEFAULT_GRACE = "1h"
_TIME_UNIT = "datetime64[us, UTC]"


def _describe(records: Sequence[Any], i: int) -> str:
    record = records[i]
    ident = record.get("id") if isinstance(record, dict) else None
    return f"record {i} (id {ident!r})" if ident is not None else f"record {i} ({str(record)[:120]})"


def _categorical(values: list[Any], known: tuple[str, ...], field: str) -> pd.Categorical:
    """A Categorical over ``known`` (in order) plus any unknown values seen, which are kept and warned about."""
    seen = set(values)
    seen.discard(None)
    unhashable = [v for v in seen if not isinstance(v, str)]
    if unhashable:
        raise InvalidRecordError(f"{field} must be a string, got {unhashable[0]!r}")
    unknown = sorted(seen.difference(known))
    if unknown:
        warnings.warn(
            f"unknown task {field} value(s) kept as they are: {', '.join(map(repr, unknown))}",
            UnknownValueWarning,
            stacklevel=4,
        )
    return pd.Categorical(values, categories=[*known, *unknown])


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
    try:
        return pd.array(values, dtype="Int64")
    except (TypeError, ValueError):
        pass
    raw = pd.Series(values, dtype=object)
    numbers = pd.to_numeric(raw.where(raw.map(lambda v: not isinstance(v, bool))), errors="coerce")
    bad = numbers.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidRecordError(f"{_describe(records, i)}: duration is not a number of seconds: {values[i]!r}")
    return numbers.round().astype("Int64").array


def _strings(values: list[Any], field: str, records: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    bad = [i for i, v in enumerate(values) if v is not None and not isinstance(v, str)]
    if bad:
        raise InvalidRecordError(f"{_describe(records, bad[0])}: {field} must be a string, got {values[bad[0]]!r}")
    return pd.array(values, dtype=pd.StringDtype())


def _as_records(records: Iterable[dict[str, Any]] | bytes | str) -> list[Any]:
    if isinstance(records, (bytes, bytearray, memoryview)):
        # Raw response bytes of POST /tasks: read the envelope, then the list.
        data = envelope.parse(200, bytes(records), path="/tasks")
        if not isinstance(data, list):
            raise InvalidRecordError(f"expected a list of tasks in 'data', got {type(data).__name__}")
        return data
    if isinstance(records, (str, dict)):
        raise TypeError("tasks_frame takes a list of task dicts (or the raw response bytes), not a single str/dict")
    return records if isinstance(records, list) else list(records)


def tasks_frame(
    records: Iterable[dict[str, Any]] | bytes,
    *,
    now: TimeLike | None = None,
    grace: DurationLike = DEFAULT_GRACE,
) -> pd.DataFrame:
    """Turn Task records (dicts as the API returns them) into a typed DataFrame.

    ``records`` may also be the raw bytes of a ``POST /tasks`` response.
    ``now`` (default: the current time) anchors ``age`` and ``overdue``; a
    scheduled task is overdue when its ``scheduled_time`` is before
    ``now - grace``. Both are stored in ``df.attrs``.

    Unknown ``status``/``type`` values are kept and reported with an
    :class:`~ugc_nb.errors.UnknownValueWarning`. A record that is not a dict,
    lacks an ``id``, or has an unparseable timestamp raises
    :class:`~ugc_nb.errors.InvalidRecordError` naming the record.
    """
    rows = _as_records(records)
    now_ts = to_utc(now, "now") if now is not None else utcnow()
    grace_td = to_timedelta(grace, "grace")

    not_dicts = [i for i, r in enumerate(rows) if type(r) is not dict]
    if not_dicts:
        i = not_dicts[0]
        raise InvalidRecordError(f"record {i} is not an object: {str(rows[i])[:120]}")
    ids = [r.get("id") for r in rows]
    missing = [i for i, v in enumerate(ids) if not isinstance(v, str) or not v]
    if missing:
        i = missing[0]
        raise InvalidRecordError(f"record {i} has no usable 'id' ({ids[i]!r}): {str(rows[i])[:160]}")

    raw = {field: [r.get(field) for r in rows] for field in TASK_FIELDS[1:]}
    columns: dict[str, Any] = {
        "id": pd.array(ids, dtype=pd.StringDtype()),
        "account_id": pd.Categorical(_strings(raw["account_id"], "account_id", rows)),
        "type": _categorical(raw["type"], TASK_TYPES, "type"),
        "status": _categorical(raw["status"], STATUSES, "status"),
        "scheduled_time": _times(raw["scheduled_time"], "scheduled_time", rows),
        "duration": _durations(raw["duration"], rows),
        "keywords": _strings(raw["keywords"], "keywords", rows),
        "edit_profile_info": pd.Series(raw["edit_profile_info"], dtype=object),
        "created_at": _times(raw["created_at"], "created_at", rows),
    }
    frame = pd.DataFrame(columns)

    known = set(TASK_FIELDS)
    extras = sorted(set().union(*map(dict.keys, rows)) - known) if rows else []
    for name in extras:
        column = name if name not in DERIVED_COLUMNS else f"server_{name}"
        frame[column] = pd.Series([r.get(name) for r in rows], dtype=object)

    status = frame["status"]
    frame.insert(len(TASK_FIELDS), "age", now_ts - frame["created_at"])
    frame.insert(len(TASK_FIELDS) + 1, "deletable", status.isin(DELETABLE_STATUSES).to_numpy(dtype=bool))
    frame.insert(len(TASK_FIELDS) + 2, "retryable", status.isin(RETRYABLE_STATUSES).to_numpy(dtype=bool))
    overdue = (status == "scheduled") & (frame["scheduled_time"] < now_ts - grace_td)
    frame.insert(len(TASK_FIELDS) + 3, "overdue", overdue.fillna(False).to_numpy(dtype=bool))
    frame.attrs.update({"now": now_ts, "grace": grace_td})
    return frame


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a task frame back into API-shaped dicts (the documented fields, ISO times, None for missing)."""
    out: list[dict[str, Any]] = []
    fields = [f for f in TASK_FIELDS if f in frame.columns]
    for values in frame[fields].itertuples(index=False, name=None):
        record: dict[str, Any] = {}
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
