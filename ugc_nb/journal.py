"""The cleanup journal: an append-only JSON Lines file that keeps every row we delete.

Deletion on the server is permanent, so before each request that changes tasks
the engine appends an *intent* record holding the full task rows it is about to
send, and after it an *outcome* record per task. Every line is flushed and
fsynced before the request goes out, so a crash, a kill -9 or a lost network
never leaves a deleted task without its row on disk.

Record kinds (one JSON object per line, all with ``kind``, ``run``, ``time``):

* ``run``: ``action``, ``dry_run``, ``source`` (the base URL — never the key), ``chosen``;
* ``intent``: ``send`` (a number within the run), ``action``, ``tasks`` (full rows);
* ``outcome``: ``action``, ``results`` (``id``, ``outcome``, ``reason``), optional
  ``tasks`` (rows of tasks that were never sent), and ``reconciled`` when written
  by :func:`ugc_nb.reconcile`.

The default file lives in the per-user data directory (``platformdirs``),
created with user-only permissions (directory 0700, file 0600).
"""

from __future__ import annotations

import os
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

from .frame import tasks_frame
from .schema import TASK_FIELDS
from .timeutil import iso_z, utcnow

__all__ = ["Journal", "default_journal_path", "read_journal", "journal_entries", "JournalEntry", "UNFINISHED"]

#: Outcome shown by :func:`read_journal` for a task that was sent but never settled.
UNFINISHED = "unfinished"


def default_journal_path() -> Path:
    """``<user data dir>/ugc-nb/journal.jsonl`` (e.g. ``~/.local/share/ugc-nb/journal.jsonl`` on Linux)."""
    return platformdirs.user_data_path("ugc-nb", appauthor=False) / "journal.jsonl"


class Journal:
    """Append-only, fsynced JSON Lines writer; safe to share between threads."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_journal_path()
        self._lock = threading.Lock()
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is None:
            parent = self.path.parent
            if not parent.exists():
                parent.mkdir(parents=True, mode=0o700)
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            if created:
                os.chmod(self.path, 0o600)
        return self._fd

    def write(self, kind: str, run: str, **fields: Any) -> None:
        """Append one record and fsync it before returning."""
        line = orjson.dumps({"kind": kind, "run": run, "time": iso_z(utcnow()), **fields}, default=str) + b"\n"
        with self._lock:
            fd = self._open()
            os.write(fd, line)
            os.fsync(fd)

    def new_run(self, action: str, *, chosen: int, source: str, dry_run: bool, key_hash: str = "", run_id: str = "") -> str:
        """Start a run and return its id. ``key_hash`` (salted with the run id) identifies the
        API key, hence the organisation, without revealing it."""
        run = run_id or uuid.uuid4().hex[:12]
        fields = {"key_hash": key_hash} if key_hash else {}
        self.write("run", run, action=action, chosen=chosen, source=source, dry_run=dry_run, **fields)
        return run

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            if number - 1 == last:
                warnings.warn(f"{path}: ignoring a torn last line {number} (the writer stopped mid-line)", stacklevel=3)
                continue
            raise ValueError(f"{path}: line {number} is not valid JSON: {line[:120]!r}") from None
        if isinstance(record, dict) and "kind" in record:
            yield record


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

    for rec in _lines(Path(path)):
        run, kind = rec.get("run", ""), rec["kind"]
        if kind == "run":
            runs[run] = rec
        elif kind == "intent":
            for row in rec.get("tasks", []):
                e = entry(run, row["id"], rec.get("action"))
                e.row, e.sent, e.time = row, True, rec.get("time")
        elif kind == "outcome":
            rows = {r["id"]: r for r in rec.get("tasks", []) if isinstance(r, dict) and "id" in r}
            for result in rec.get("results", []):
                e = entry(run, result["id"], rec.get("action"))
                e.outcome, e.reason, e.time = result.get("outcome"), result.get("reason", ""), rec.get("time")
                if e.row is None and result["id"] in rows:
                    e.row = rows[result["id"]]
    return list(entries.values())


def read_journal(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The journal as a frame: one row per task per run, with ``run, id, action, outcome, time, reason,
    source`` (the server's base URL) and the full task columns as they were when the task was sent
    (typed as by :func:`tasks_frame`).

    A task that was sent but has no outcome (the run was interrupted) shows
    ``outcome == "unfinished"``; :func:`ugc_nb.reconcile` settles those.
    """
    path = Path(path) if path is not None else default_journal_path()
    if not path.exists():
        raise FileNotFoundError(f"no journal at {path}")
    entries = journal_entries(path)
    rows = [{**{f: None for f in TASK_FIELDS}, **(e.row or {}), "id": e.id} for e in entries]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown values were warned about when loaded
        tasks = tasks_frame(rows).loc[:, list(TASK_FIELDS)]
    meta = pd.DataFrame(
        {
            "run": [e.run for e in entries],
            "action": pd.Categorical([e.action for e in entries]),
            "outcome": [e.outcome or UNFINISHED for e in entries],
            "time": pd.to_datetime([e.time for e in entries], utc=True, format="ISO8601"),
            "reason": [e.reason or ("sent, no outcome recorded" if e.outcome is None else "") for e in entries],
            "source": [e.source for e in entries],
        }
    )
    out = pd.concat([tasks[["id"]], meta, tasks.drop(columns="id")], axis=1)
    out["outcome"] = out["outcome"].astype("category")
    return out
