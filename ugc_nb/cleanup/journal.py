"""The cleanup journal: an append-only JSON Lines file that keeps every row we delete.

Deletion on the server is permanent, so before each request that changes tasks
the engine appends an *intent* record holding the full task rows it is about to
send, written whole and fsynced before the request goes out, so a crash, a
kill -9 or a lost network never leaves a deleted task without its row on disk.
After the request come *outcome* records, written whole but not waited for on
disk: a crash may lose the last few, and those tasks then show as unfinished,
which :func:`ugc_nb.reconcile` settles.

Record kinds (one JSON object per line, all with ``kind``, ``run``, ``time``):

* ``run``: ``action``, ``dry_run``, ``source`` (the base URL — never the key), ``chosen``;
* ``intent``: ``send`` (a number within the run), ``action``, ``tasks`` (full rows);
* ``outcome``: ``action``, ``results`` (``id``, ``outcome``, ``reason``), optional
  ``tasks`` (rows of tasks that were never sent), and ``reconciled`` when written
  by :func:`ugc_nb.reconcile`.

The default file lives in the per-user data directory (``platformdirs``),
created with user-only permissions (directory 0700, file 0600). A journal that
already exists with permissions open to others (restored from a backup as 0644)
is made user-only when a run opens it, with a :class:`JournalWarning` saying so;
one whose permissions cannot be changed is refused. Only a regular file is a
journal: a folder, a device or a pipe is refused by the writer and the reader
alike, and no line may be longer than :data:`MAX_LINE` bytes (the writer refuses
such a record before its request; the reader skips such a line with a warning).
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import platformdirs

from ..api.client import UGCClient, key_in_environment
from ..api.errors import InvalidRecordError, JournalError, JournalWarning, UnknownValueWarning
from ..api.schema import TASK_FIELDS
from ..api.timeutil import iso_z, utcnow
from ..tasks.frame import DERIVED_COLUMNS, tasks_frame

__all__ = ["Journal", "check_regular", "default_journal_path", "default_journals", "journal_command", "journal_path_for",
            "read_journal", "journal_entries", "JournalEntry", "UNFINISHED"]

#: Outcome shown by :func:`read_journal` for a task that was sent but never settled.
UNFINISHED = "unfinished"
#: The longest line a journal holds (64 MiB: an intent of 10,000 full task rows is a few MB).
MAX_LINE = 64 * 1024 * 1024


def default_journal_path() -> Path:
    """``<user data dir>/ugc-nb/journal.jsonl`` (e.g. ``~/.local/share/ugc-nb/journal.jsonl`` on Linux)."""
    return platformdirs.user_data_path("ugc-nb", appauthor=False) / "journal.jsonl"


def journal_path_for(client: UGCClient | None = None) -> Path:
    """Where a run writes by default: the per-user journal, or its ``journal-sandbox.jsonl`` sibling for the in-process
    sandbox. With no client: the journal of the source ``load_tasks()`` would use now (the API when ``UGC_API_KEY``
    is set, else the sandbox)."""
    path = default_journal_path()
    sandbox = client.is_sandbox if client is not None else not key_in_environment()
    return path.with_name("journal-sandbox.jsonl") if sandbox else path


def default_journals() -> list[Path]:
    """The journals read when none is named: the per-user journal and its sandbox sibling."""
    path = default_journal_path()
    return [path, path.with_name("journal-sandbox.jsonl")]


def journal_command(run: str | None, journal: str | os.PathLike[str] | None) -> str:
    """The command that lists a run's tasks: ``ugc-nb journal RUN``, with ``--journal PATH`` when ``journal`` is not
    one of :func:`default_journals` (the command would not find it otherwise)."""
    other = journal is not None and Path(journal).resolve() not in {p.resolve() for p in default_journals()}
    return f"ugc-nb journal {run or ''}".rstrip() + (f" --journal {journal}" if other else "")


class Journal:
    """Append-only, fsynced JSON Lines writer; safe to share between threads.

    A record is on disk when :meth:`write` returns: short writes are continued
    until the whole line is written, then the file is fsynced. Any failure
    (ENOSPC, EIO from ``write`` or ``fsync``) raises :class:`JournalError`, and
    the next record starts on a fresh line, so a torn line never swallows the
    one after it.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._torn = False  # the last write may have left part of a line behind

    def _open(self) -> int:
        if self._fd is None:
            parent = self.path.parent
            if not parent.exists():
                parent.mkdir(parents=True, mode=0o700)
            created = not self.path.exists()
            if not created and not self.path.is_file():  # a socket, a pipe, a device: refused before it is opened
                raise OSError(errno.EINVAL, "it is not a regular file")
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o600)
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise OSError(errno.EINVAL, "it is not a regular file")
                if created:
                    os.chmod(self.path, 0o600)
                elif info.st_mode & 0o077:
                    self._make_private(fd, info.st_mode)
                size = info.st_size
                # A writer killed mid-line left no newline at the end: start on a fresh line.
                self._torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
        return self._fd

    def _make_private(self, fd: int, mode: int) -> None:
        """A journal others can read (restored from a backup, say) is made user-only before any row goes in."""
        was = stat.S_IMODE(mode)
        try:
            os.fchmod(fd, was & 0o700)
        except OSError as exc:
            raise OSError(exc.errno or errno.EPERM, f"it is open to other users (mode {was:04o}) and cannot be made user-only "
                          f"({exc.strerror or exc}); no deleted row is written into it") from exc
        warnings.warn(f"{self.path} was open to other users (mode {was:04o}); it is now user-only ({was & 0o700:04o}), "
                      "as it keeps every deleted task's full row", JournalWarning, stacklevel=5)

    def write(self, kind: str, run: str, *, durable: bool = True, **fields: Any) -> None:
        """Append one whole record and (``durable``) fsync it before returning; :class:`JournalError` if it
        could not be written. ``durable=False`` leaves it to the OS to put on disk (outcome records: a
        crash may lose the last few, and those tasks then show as unfinished, for reconcile)."""
        try:
            line = orjson.dumps({"kind": kind, "run": run, "time": iso_z(utcnow()), **fields}, default=str) + b"\n"
        except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError: nested too deep, a bad key …
            raise JournalError(f"cannot write the journal {self.path}: a row cannot be written as JSON ({exc})") from exc
        if len(line) > MAX_LINE:
            raise JournalError(f"cannot write the journal {self.path}: a record of {len(line) / 2**20:,.0f} MiB is longer than a "
                               f"journal line may be ({MAX_LINE // 2**20} MiB); use a smaller batch_size")
        with self._lock:
            try:
                fd = self._open()
                data = memoryview((b"\n" if self._torn else b"") + line)
                self._torn = True
                while data:
                    written = os.write(fd, data)
                    if written <= 0:
                        raise OSError(errno.ENOSPC, "no progress writing the journal")
                    data = data[written:]
                if durable:
                    os.fsync(fd)
                self._torn = False
            except OSError as exc:
                raise JournalError(f"cannot write the journal {self.path}: {exc.strerror or exc}") from exc

    def new_run(self, action: str, *, chosen: int, source: str, dry_run: bool, key_hash: str = "", run_id: str = "") -> str:
        """Start a run and return its id. ``key_hash`` (salted with the run id) identifies the
        API key, hence the organisation, without revealing it."""
        run = run_id or uuid.uuid4().hex[:12]
        fields: dict[str, Any] = {"key_hash": key_hash} if key_hash else {}
        self.write("run", run, action=action, chosen=chosen, source=source, dry_run=dry_run, **fields)
        return run

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                try:
                    os.close(self._fd)
                except OSError:
                    pass  # everything written was fsynced already
                self._fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_regular(path: str | os.PathLike[str]) -> None:
    """``path`` must be a regular file (a folder, a pipe, a socket or a device is not a journal): a ``ValueError``
    naming it otherwise, or ``FileNotFoundError`` when there is nothing there."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ValueError(f"{path} is a symbolic link to nothing; a journal is a JSON Lines file that ugc-nb writes") from None
        raise FileNotFoundError(f"no journal at {path} (no cleanup has written one yet)") from None
    except OSError as exc:  # a loop of links, a name too long …
        raise ValueError(f"{path} cannot be read as a journal: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file; a journal is a JSON Lines file that ugc-nb writes")


def _regular(path: Path) -> int:
    """A descriptor open for reading on ``path``, which must be a regular file (a pipe is not waited on)."""
    check_regular(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the two looks
        os.close(fd)
        raise ValueError(f"{path} is not a regular file; a journal is a JSON Lines file that ugc-nb writes")
    return fd


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` for every readable record; a torn or foreign line, or one longer than
    :data:`MAX_LINE`, is skipped with a warning."""
    with os.fdopen(_regular(path), "rb") as fh:
        number = 0
        while line := fh.readline(MAX_LINE + 1):
            number += 1
            if len(line) > MAX_LINE and not line.endswith(b"\n"):
                while (rest := fh.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    pass  # the rest of the over-long line
                warnings.warn(f"{path}: skipping line {number}, longer than {MAX_LINE:,} bytes (torn or foreign)", JournalWarning, stacklevel=3)
                continue
            yield from _record(path, number, line)


def _record(path: Path, number: int, line: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    """The line's record, or nothing (with a warning when it is not a journal record)."""
    if not line.strip():
        return
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        record = None
    if not isinstance(record, dict) or not isinstance(record.get("kind"), str) or not isinstance(record.get("run", ""), str):
        shown = line.rstrip(b"\n")[:80]
        warnings.warn(f"{path}: skipping line {number}, which is not a journal record (torn or foreign): {shown!r}", JournalWarning, stacklevel=4)
        return
    yield number, record


def _with_ids(value: Any) -> list[dict[str, Any]]:
    """The objects with a string ``id`` in a record's ``tasks`` or ``results`` list (nothing when it is not a list)."""
    return [r for r in value if isinstance(r, dict) and isinstance(r.get("id"), str)] if isinstance(value, list) else []


@dataclass
class JournalEntry:
    """Everything the journal knows about one task within one run."""

    run: str
    action: str
    id: str
    source: str = ""
    key_hash: str = ""
    row: dict[str, Any] | None = None
    sent: bool = False
    outcome: str | None = None
    reason: str = ""
    time: str | None = None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def journal_entries(path: str | os.PathLike[str]) -> list[JournalEntry]:
    """Parse a journal into one :class:`JournalEntry` per (run, task), in first-seen order."""
    entries: dict[tuple[str, str], JournalEntry] = {}
    runs: dict[str, dict[str, Any]] = {}

    def entry(run: str, task_id: str, action: str | None) -> JournalEntry:
        key = (run, task_id)
        if key not in entries:
            info = runs.get(run, {})
            entries[key] = JournalEntry(run, action or info.get("action", ""), task_id, info.get("source", ""), info.get("key_hash", ""))
        return entries[key]

    for number, rec in _lines(Path(path)):
        run, kind = rec.get("run", ""), rec["kind"]
        for field in ("tasks", "results"):
            if field in rec and len(_with_ids(rec[field])) != (len(rec[field]) if isinstance(rec[field], list) else -1):
                warnings.warn(f"{path}: line {number}: some of its {field} are not task records with an id; they are skipped",
                              JournalWarning, stacklevel=2)
        action = rec.get("action") if rec.get("action") in ("delete", "retry") else None
        if kind == "run":
            runs[run] = rec
        elif kind == "intent":
            for row in _with_ids(rec.get("tasks")):
                e = entry(run, row["id"], action)
                e.row, e.sent, e.time = row, True, _text(rec.get("time"))
        elif kind == "outcome":
            rows = {r["id"]: r for r in _with_ids(rec.get("tasks"))}
            for result in _with_ids(rec.get("results")):
                e = entry(run, result["id"], action)
                e.outcome, e.reason, e.time = _text(result.get("outcome")) or None, _text(result.get("reason")), _text(rec.get("time"))
                if e.row is None and result["id"] in rows:
                    e.row = rows[result["id"]]
    return list(entries.values())


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name = f"server_{name}"
    return name


def _typed_rows(rows: list[dict[str, Any]], entries: list[JournalEntry]) -> pd.DataFrame:
    """The journalled rows as a task frame; a field that cannot be typed is shown as missing (with a
    warning naming the task and run) instead of hiding the other rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownValueWarning)  # unknown values were warned about when loaded
        try:
            return tasks_frame(rows)
        except InvalidRecordError:
            pass
        clean = []
        for row, e in zip(rows, entries):
            try:
                tasks_frame([row])
            except InvalidRecordError:
                row = dict(row)
                for name in TASK_FIELDS[1:]:
                    try:
                        tasks_frame([{"id": e.id, name: row.get(name)}])
                    except InvalidRecordError:
                        warnings.warn(
                            f"journal row of task {e.id} (run {e.run}): {name} {row.get(name)!r} cannot be read; "
                            "shown as missing (the 'row' column has it as written)",
                            JournalWarning,
                            stacklevel=4,
                        )
                        row[name] = None
            clean.append(row)
        return tasks_frame(clean)


def read_journal(path: str | os.PathLike[str] | None = None, *, client: UGCClient | None = None) -> pd.DataFrame:
    """The journal as a frame: one row per task per run, with ``run, id, action, outcome, time, reason,
    source`` (the server's base URL), the task columns as they were when the task was sent (typed as
    by :func:`tasks_frame`, fields beyond the schema included) and ``row``, the row exactly as
    journalled (a dict; None when the journal has no row for the task).

    With no ``path``, the journal runs write by default for ``client`` (:func:`journal_path_for`): the sandbox's
    own on the sandbox, the per-user one against the API; with neither, that of the current source.

    A task that was sent but has no outcome (the run was interrupted) shows
    ``outcome == "unfinished"``; :func:`ugc_nb.reconcile` settles those. A line
    that is not a journal record (torn by a crash, or foreign) is skipped with a
    :class:`JournalWarning` naming its line number.
    """
    path = Path(path) if path is not None else journal_path_for(client)
    check_regular(path)
    entries = journal_entries(path)
    rows = [{**{f: None for f in TASK_FIELDS}, **(e.row or {}), "id": e.id} for e in entries]
    tasks = _typed_rows(rows, entries)
    columns = [c for c in tasks.columns if c not in DERIVED_COLUMNS]
    tasks = tasks.loc[:, columns]
    # A task field named like one of the journal's own columns keeps its value under ``server_<name>``.
    own = {"run", "action", "outcome", "time", "reason", "source", "row"}
    clash = {c: _free(f"server_{c}", set(tasks.columns) | own) for c in tasks.columns if c in own}
    tasks = tasks.rename(columns=clash)
    meta = pd.DataFrame(
        {
            "run": [e.run for e in entries],
            "action": pd.Categorical([e.action for e in entries]),
            "outcome": [e.outcome or UNFINISHED for e in entries],
            "time": pd.to_datetime(pd.Series([e.time or None for e in entries], dtype=object), utc=True, format="ISO8601", errors="coerce"),
            "reason": [e.reason or ("sent, no outcome recorded" if e.outcome is None else "") for e in entries],
            "source": [e.source for e in entries],
        }
    )
    out = pd.concat([tasks[["id"]], meta, tasks.drop(columns="id")], axis=1)
    out["outcome"] = out["outcome"].astype("category")
    out["row"] = pd.Series([e.row for e in entries], dtype=object)
    return out
