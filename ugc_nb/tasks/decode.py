"""Task records → columns, by the fastest of three paths that accepts them. Pure: no I/O.

:func:`columns` turns what the API returned — the raw bytes of a ``POST /tasks``
response, just its ``data`` array, or a list of dicts — into one column per
documented field, each a pyarrow array (or, on the general path, a list), which
:func:`ugc_nb.tasks.frame.assemble` types. The paths, tried in order:

* **arrow** (bytes only) — msgspec checks the JSON and splits the array into one
  raw text per task; Arrow's JSON reader parses those, one task a line, on every
  core, straight into typed columns against the documented schema. Taken when
  every task is exactly the documented shape on one line (what a JSON encoder
  writes by default); no Python object is made per task.
* **structs** — msgspec decodes (or converts a list of dicts) into small structs
  that the cyclic garbage collector does not track, checking types in the same
  pass; then one ``map(attrgetter(field), …)`` per column. Takes what the arrow path
  does not (tasks written over several lines, a float duration, numbers beyond 64 bits).
* **general** — anything else (a field beyond the schema, a record that is not an
  object, a number where a string belongs) is decoded with orjson and checked
  column by column, so a bad record is named in the error and extra fields are kept.

All three give the same frame (``tests/test_frame_paths.py`` holds them to it);
``benchmarks/`` holds the measurements behind the order.
"""

from __future__ import annotations

import gc
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import Annotated, Any

import msgspec
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from ..api import envelope
from ..api.errors import InvalidRecordError
from ..api.schema import TASK_FIELDS

__all__ = ["Columns", "columns", "first_unencodable", "PATHS", "PROFILE_FIELDS", "PROFILE_TYPE", "TIME_TYPE", "DERIVED_COLUMNS"]

#: The columns :mod:`ugc_nb.tasks.frame` computes; a server field of the same name is renamed.
DERIVED_COLUMNS = ("age", "deletable", "retryable", "overdue")
#: The decoding paths, fastest first.
PATHS = ("arrow", "structs", "general")
#: The documented keys of ``edit_profile_info`` (all optional strings).
PROFILE_FIELDS = ("avatarUrl", "nickName", "bio")
PROFILE_TYPE = pa.struct([(name, pa.string()) for name in PROFILE_FIELDS])
#: What a task's times become: ISO 8601 with a zone ("Z", "+02:00", any fraction), in UTC.
TIME_TYPE = pa.timestamp("us", tz="UTC")
_STRING_FIELDS = ("account_id", "type", "status", "keywords")
_JSON_ARRAY = re.compile(rb"\s*\[")
_BETWEEN_TASKS = re.compile(rb"\},\{")
_ARROW_TASK = pa.struct(
    [
        ("id", pa.large_string()),
        *((name, pa.string()) for name in ("account_id", "type", "status")),
        ("scheduled_time", TIME_TYPE),  # parsed by the reader as Arrow's cast would parse it
        ("duration", pa.int64()),
        ("keywords", pa.string()),
        ("edit_profile_info", PROFILE_TYPE),
        ("created_at", TIME_TYPE),
    ]
)
_ARROW_SCHEMA = pa.schema([("tasks", pa.list_(_ARROW_TASK))])
_ARROW_PARSE = pa_json.ParseOptions(explicit_schema=_ARROW_SCHEMA, unexpected_field_behavior="error")
#: The size of the pieces of a task array that are read side by side (one per core).
_PIECE = 4 << 20


@dataclass
class Columns:
    """One column per documented field (pyarrow arrays, or lists on the general path), plus what came with them."""

    fields: dict[str, Any]
    #: which of :data:`PATHS` decoded them
    path: str
    #: ``describe(i)`` names record ``i`` in an error: ``record 7 (id 'task_…')``
    describe: Callable[[int], str]
    #: fields beyond the schema, by column name (general path only)
    extras: dict[str, list[Any]] = field(default_factory=dict)
    #: column → the server's field name, where a field had to be renamed (``age`` → ``server_age``)
    renamed: dict[str, str] = field(default_factory=dict)


class _Profile(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    avatarUrl: str | None = None  # noqa: N815 - the API's own names
    nickName: str | None = None  # noqa: N815
    bio: str | None = None


class _Task(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """A Task exactly as documented: what the structs path accepts (missing fields are null).

    ``gc=False``: a million of these cost the cyclic garbage collector nothing.
    """

    id: Annotated[str, msgspec.Meta(min_length=1)]
    account_id: str | None = None
    type: str | None = None
    status: str | None = None
    scheduled_time: str | None = None
    duration: int | float | None = None
    keywords: str | None = None
    edit_profile_info: _Profile | None = None
    created_at: str | None = None


_DECODE_TASKS = msgspec.json.Decoder(list[_Task]).decode
_CHECK_JSON = msgspec.json.Decoder(msgspec.Raw).decode


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


def columns(records: Iterable[dict[str, Any]] | bytes | bytearray | memoryview, paths: Sequence[str] = PATHS) -> Columns:
    """The records as columns, by the first of ``paths`` that accepts them (the last one always does, or raises).

    Raw bytes may be a whole ``POST /tasks`` response (its envelope is checked
    first and an error envelope raises its typed error) or just its ``data`` array.
    ``paths`` is for tests and benchmarks that hold one path against another.
    """
    unknown = set(paths).difference(PATHS)
    if unknown or not paths:
        raise ValueError(f"paths must be some of {', '.join(PATHS)}, got {paths!r}")
    if isinstance(records, (bytes, bytearray, memoryview)):
        array = _data_array(records) if paths[:-1] else None
        if array is not None:
            for path in paths[:-1]:
                found = (_arrow if path == "arrow" else _structs)(array)
                if found is not None:
                    return found
        return _general(records)
    if isinstance(records, list) and "structs" in paths[:-1]:
        found = _structs(records)
        if found is not None:
            return found
    return _general(records)


def _data_array(records: bytes | bytearray | memoryview) -> Any:
    """The checked JSON text of the task array (a whole response's envelope read and checked first, as
    :func:`ugc_nb.api.envelope.parse_lazy` checks the ``data`` it returns), or None when it is not an array."""
    if _JSON_ARRAY.match(records):
        if isinstance(records, memoryview) and isinstance(records.obj, msgspec.Raw):
            return records  # the client's undecoded ``data`` (envelope.parse_lazy): msgspec checked it already
        try:
            _CHECK_JSON(records)  # the paths below trust the text to be JSON: msgspec checks it without building anything
        except (msgspec.DecodeError, RecursionError):  # not JSON, or nested deeper than msgspec goes
            return None  # the general path words the error
        return records
    data = envelope.parse_lazy(200, bytes(records), path="/tasks")
    return data if isinstance(data, (bytes, bytearray, memoryview)) else None


# -- the paths ------------------------------------------------------------------------
def _arrow(array: bytes | bytearray | memoryview) -> Columns | None:
    """Arrow's JSON reader over the tasks, a piece of the array per core; None when they are not all exactly documented.

    ``array`` is checked JSON text (see :func:`_data_array`). It is cut into pieces between two tasks (at a ``},{``,
    where a compact encoder puts them) and each piece, wrapped as ``{"tasks":[…]}``, is read on its own thread
    against the documented schema. A cut that was not between two tasks (inside a string, or between objects
    nested in a task) leaves a piece that is not JSON, and any error sends the records down the structs path.
    """
    view = memoryview(array)  # the text is not copied: the pieces are views of it
    if view.format != "B" or view.ndim != 1 or not view.c_contiguous:
        view = memoryview(view.tobytes())
    opening = _JSON_ARRAY.match(view)
    begin = opening.end() if opening else 0
    end = _before_blank(view, len(view), begin) - 1  # the closing bracket (the text is a checked JSON array)
    end = _before_blank(view, end, begin)
    if view[begin : begin + 1] != b"{" or view[end - 1 : end] != b"}":  # empty, or a first or last value that is no task
        return None
    bounds = []
    while begin < end:
        cut = _BETWEEN_TASKS.search(view, begin + _PIECE, end)
        stop = end if cut is None else cut.start() + 1
        bounds.append((begin, stop))
        begin = stop + 1
    try:
        if len(bounds) == 1:
            pieces = [_read_piece(view[bounds[0][0] : bounds[0][1]])]  # one piece: no thread to start
        else:
            with ThreadPoolExecutor(max_workers=min(len(bounds), os.cpu_count() or 1), thread_name_prefix="ugc-nb-json") as pool:
                pieces = list(pool.map(lambda bound: _read_piece(view[bound[0] : bound[1]]), bounds))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):  # a field, a type or a cut off the schema
        return None
    fields = {name: pa.chunked_array([piece[k] for piece in pieces], _ARROW_TASK[k].type) for k, name in enumerate(TASK_FIELDS)}
    ids = fields["id"]
    if ids.null_count or pc.any(pc.equal(pc.binary_length(ids), 0)).as_py():
        return None
    return Columns(fields, "arrow", _describe_by_id(ids))


def _before_blank(text: memoryview, end: int, begin: int) -> int:
    """``end`` moved back over blank space (not before ``begin``)."""
    while end > begin and text[end - 1] in b" \t\n\r":
        end -= 1
    return end


def _read_piece(piece: memoryview) -> list[pa.Array]:
    """The tasks of one piece of the array, read by Arrow against the documented schema: one array per field."""
    wrapped = b"".join((b'{"tasks":[', piece, b"]}"))
    options = pa_json.ReadOptions(use_threads=False, block_size=len(wrapped) + 1)  # one object: one block
    table = pa_json.read_json(io.BytesIO(wrapped), read_options=options, parse_options=_ARROW_PARSE)
    tasks = table.column("tasks").combine_chunks().flatten()  # the list's values: one struct per task
    tasks.validate(full=True)  # the reader does not check that text is UTF-8: this does (ArrowInvalid if not)
    return tasks.flatten()  # its fields, a null task (``null`` in the array) null in each


def _structs(records: Any) -> Columns | None:
    """msgspec structs, from JSON text or from a list of dicts; None when a record is not exactly a documented Task."""
    try:
        with _gc_paused():
            tasks = _DECODE_TASKS(records) if isinstance(records, (bytes, bytearray, memoryview)) else msgspec.convert(records, list[_Task])
            profiles = [task.edit_profile_info for task in tasks]
            fields = {name: list(map(attrgetter(name), tasks)) for name in TASK_FIELDS if name != "edit_profile_info"}
    except (msgspec.DecodeError, RecursionError):  # also msgspec.ValidationError: not exactly the documented shape
        return None
    try:
        fields["edit_profile_info"] = pa.array(msgspec.to_builtins(profiles), PROFILE_TYPE)
    except UnicodeEncodeError:  # a lone surrogate: the general path names it
        return None
    ids = fields["id"]
    return Columns({name: fields[name] for name in TASK_FIELDS}, "structs", lambda i: f"record {i} (id {ids[i]!r})")


def _general(records: Any) -> Columns:
    """Any records, checked column by column (naming the first bad record); extra fields are kept."""
    rows = _as_list(records)
    if set(map(type, rows)) - {dict}:
        if not all(isinstance(r, dict) for r in rows):
            i = next(i for i, r in enumerate(rows) if not isinstance(r, dict))
            raise InvalidRecordError(f"record {i} is not an object: {str(rows[i])[:120]}")
        rows = [r if type(r) is dict else dict(r) for r in rows]  # OrderedDict & co., as the other paths take them
    fields = {name: list(map(dict.get, rows, repeat(name))) for name in TASK_FIELDS}
    ids = fields["id"]
    if set(map(type, ids)) != {str} or "" in ids:
        missing = [i for i, v in enumerate(ids) if not isinstance(v, str) or not v]
        if missing:
            i = missing[0]
            raise InvalidRecordError(f"record {i} has no usable 'id' ({ids[i]!r}): {str(rows[i])[:160]}")

    def describe(i: int) -> str:
        return f"record {i} (id {ids[i]!r})"

    for name in _STRING_FIELDS:
        values = fields[name]
        if set(map(type, values)) - {str, type(None)}:
            bad = next(i for i, v in enumerate(values) if v is not None and not isinstance(v, str))
            raise InvalidRecordError(f"{describe(bad)}: {name} must be a string, got {values[bad]!r}")
    profiles = fields["edit_profile_info"]
    if _documented_profiles(profiles):
        try:
            fields["edit_profile_info"] = pa.array(profiles, PROFILE_TYPE)
        except UnicodeEncodeError:
            bad = next(i for i, p in enumerate(profiles) if p is not None and first_unencodable(list(p.values())) is not None)
            raise InvalidRecordError(f"{describe(bad)}: edit_profile_info is not valid text (a lone surrogate): {profiles[bad]!r}") from None
    extras, renamed = _extras(rows)
    return Columns(fields, "general", describe, extras, renamed)


def _as_list(records: Any) -> list[Any]:
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


def _documented_profiles(values: list[Any]) -> bool:
    """Whether every ``edit_profile_info`` is None or a dict of documented keys with string (or null) values."""
    keys = set(PROFILE_FIELDS)
    for value in values:
        if value is None:
            continue
        if type(value) is not dict or not value.keys() <= keys or any(v is not None and type(v) is not str for v in value.values()):
            return False
    return True


def _extras(rows: list[dict[str, Any]]) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Fields beyond the schema, as columns; a name that clashes with a derived column gets a ``server_`` prefix."""
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
    return extras, renamed


def first_unencodable(values: list[Any]) -> int | None:
    """The position of the first string in ``values`` that is not valid text (a lone surrogate), or None."""
    for i, value in enumerate(values):
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                return i
    return None


def _describe_by_id(ids: pa.ChunkedArray) -> Callable[[int], str]:
    return lambda i: f"record {i} (id {ids[i].as_py()!r})"
