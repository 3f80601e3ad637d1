"""The one place that chooses where the data comes from: the real API when a key is set, the embedded sandbox otherwise.

:func:`connect` (a notebook's first cell), :func:`default_client` and :func:`load_tasks`
(every task as a typed frame) live here, above the layers they join (``api``, ``tasks``,
``insight``, ``sandbox``) and below everything that shows data (``panel``, ``report``, the CLI).
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._version import __version__
from .api.client import UGCClient, key_in_environment
from .api.timeutil import DurationLike, TimeLike, to_utc
from .insight.accounts import join_accounts
from .insight.filters import TaskFilter
from .insight.known import check_known
from .tasks.frame import DEFAULT_GRACE, tasks_frame, with_deleted
from .tasks.rows import one_row_per_task

if TYPE_CHECKING:
    from .sandbox import Sandbox

__all__ = ["connect", "load_tasks", "default_client", "shared_sandbox", "check_environment", "notice"]

Source = Literal["auto", "api", "sandbox"]


def connect(source: Source = "auto", *, prompt: Callable[[str], str] = getpass.getpass, **kwargs: Any) -> UGCClient:
    """A client, chosen by ``source``:

    * ``"auto"`` — the real API when ``UGC_API_KEY`` is set, else the embedded sandbox;
    * ``"api"`` — the real API; the key comes from ``UGC_API_KEY`` or, when unset,
      from a password-style prompt (never echoed, never stored in the notebook);
    * ``"sandbox"`` — the embedded sandbox, even when a key is set.

    Which one was chosen is printed, so a notebook's output says where its data came from.
    """
    if source == "auto":
        client = default_client(announce=False, **kwargs)
    elif source == "sandbox":
        client = shared_sandbox().client(**kwargs)
    elif source == "api":
        try:
            key = os.environ.get("UGC_API_KEY", "").strip() or prompt("UGC.inc API key: ").strip()
        except EOFError:  # a script with no terminal to type at
            raise ValueError("no API key: UGC_API_KEY is not set and there is no terminal to type it at") from None
        if not key:
            raise ValueError("no API key given: set UGC_API_KEY or type the key at the prompt")
        client = UGCClient(api_key=key, **kwargs)
    else:
        raise ValueError(f"source must be 'auto', 'api' or 'sandbox', got {source!r}")
    print(notice(client), file=sys.stdout)
    return client


def notice(client: UGCClient) -> str:
    """The one sentence that says where the data comes from — the same in notebooks, scripts and the CLI."""
    if client.is_sandbox:
        return (f"ugc_nb {__version__}: using the embedded SANDBOX — synthetic data, nothing real is changed "
                "(UGC_API_KEY is not set).")
    return f"ugc_nb {__version__}: using {client.base_url} with the key in UGC_API_KEY."


_lock = threading.Lock()
_sandbox: Sandbox | None = None


def shared_sandbox() -> Sandbox:
    """The process-wide sandbox used when no API key is set (created on first use, so deletions persist);
    ``UGC_SANDBOX_TASKS`` sets its size (``0``: an empty queue, to try what every page says then)."""
    global _sandbox
    with _lock:
        if _sandbox is None:
            from .sandbox import Sandbox

            size = os.environ.get("UGC_SANDBOX_TASKS", "").strip()
            if size and not size.isdigit():
                raise ValueError(f"UGC_SANDBOX_TASKS must be a whole number of tasks, got {size!r}")
            _sandbox = Sandbox(n_tasks=int(size)) if size else Sandbox()
        return _sandbox


def check_environment() -> None:
    """``UGC_BASE_URL`` set without ``UGC_API_KEY`` is a ValueError: whoever set it meant that server, not the sandbox."""
    url = os.environ.get("UGC_BASE_URL", "").strip()
    if url and not key_in_environment():
        raise ValueError(f"UGC_BASE_URL is set ({url}) but UGC_API_KEY is empty or unset: set the key for that server, "
                         "or unset UGC_BASE_URL to use the embedded sandbox")


def default_client(*, announce: bool = True, **kwargs: Any) -> UGCClient:
    """A client for the real API if ``UGC_API_KEY`` is set, else for the shared sandbox (announced with :func:`notice`).

    ``UGC_BASE_URL`` set without a key is an error, not the sandbox: whoever set it meant that server."""
    if key_in_environment():
        return UGCClient(**kwargs)
    if "base_url" not in kwargs:
        check_environment()
    client = shared_sandbox().client(**kwargs)
    if announce:
        print(notice(client), file=sys.stdout)
    return client


def load_tasks(
    client: UGCClient | None = None,
    *,
    now: TimeLike | None = None,
    grace: DurationLike = DEFAULT_GRACE,
    accounts: bool = False,
    include_deleted: bool = False,
    journal: str | os.PathLike[str] | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Load tasks into a typed frame (see :func:`ugc_nb.tasks_frame`).

    ``filters`` go to ``client.tasks.list`` (``account_ids``, ``start``,
    ``end``, ``task_type``, ``window``, ``concurrency``, ``progress``). With no
    ``client`` it uses the real API when ``UGC_API_KEY`` is set and the
    embedded sandbox otherwise, and says so (:func:`notice`). ``df.attrs["source"]``
    records where the data came from.

    ``accounts=True`` also lists the organisation's accounts (``POST /accounts``)
    and adds ``username``, ``platform``, ``tag`` and ``org_group`` after
    ``account_id`` (see :func:`ugc_nb.accounts.join_accounts`); tasks of accounts
    the list does not contain are kept, with missing values there.

    ``include_deleted=True`` adds the tasks cleanups deleted from this source, as the journal kept them
    (``journal``, default :func:`ugc_nb.cleanup.journal_path_for`), marked with ``deleted_at`` and
    ``deleted_run`` and never deletable or retryable: the server forgets a deleted task, so without them
    failure rates and timelines over past weeks look better than they were. They are narrowed by
    ``account_ids`` and ``task_type`` as the server's list is, not by ``start``/``end`` (which field those
    filter is one of the API's open questions).
    """
    owned = client is None
    client = client or default_client()
    try:
        records = client.tasks.list_raw(**filters)  # tasks.list minus the decoding: tasks_frame decodes once
        account_records = client.accounts.list() if accounts else None
    finally:
        if owned:
            client.close()
    frame = one_row_per_task(tasks_frame(records, now=now, grace=grace))
    if include_deleted:
        frame = _with_journalled(frame, client, journal, filters)
    if account_records is not None:
        named = filters.get("account_ids")
        if named:  # a misspelt account id would load nothing, every time: an error naming it instead
            check_known(TaskFilter(accounts=tuple([named] if isinstance(named, str) else named)), frame, account_records)
        frame = join_accounts(frame, account_records)
    frame.attrs["source"] = client.base_url
    return frame


def _with_journalled(frame: pd.DataFrame, client: UGCClient, journal: Any, filters: dict[str, Any]) -> pd.DataFrame:
    """``frame`` plus the tasks the journal says were deleted from ``client``'s source (see :func:`load_tasks`)."""
    import warnings

    from .api.schema import TASK_FIELDS
    from .cleanup.journal import journal_path_for, read_journal

    path = journal if journal is not None else journal_path_for(client)
    if not os.path.exists(path):
        return with_deleted(frame, frame.iloc[0:0], [], [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a torn line is read_journal's to report, not the analysis'
        entries = read_journal(path)
    done = entries[(entries["outcome"].astype(str) == "deleted") & (entries["source"] == client.base_url) & entries["row"].notna()]
    if client.sandbox_born is not None:  # an in-process sandbox: only its own runs (an earlier one's queue is gone)
        done = done[done["time"] >= pd.Timestamp(client.sandbox_born)]
    done = done.sort_values("time", kind="stable").drop_duplicates("id", keep="last")
    accounts, kind = filters.get("account_ids"), filters.get("task_type")
    if accounts:
        done = done[done["account_id"].astype(str).isin(list(accounts))]
    if kind:
        done = done[done["type"].astype(str) == str(kind)]
    rows = [{k: r.get(k) for k in TASK_FIELDS} for r in done["row"]]
    gone = tasks_frame(rows, now=frame.attrs["now"], grace=frame.attrs["grace"])
    start, end = filters.get("start"), filters.get("end")
    if len(gone) and (start is not None or end is not None):  # the load's date window holds for the deleted rows too
        when = gone["scheduled_time"].fillna(gone["created_at"])  # the server's date field (scheduled_time, else created)
        keep = np.ones(len(gone), dtype=bool)
        if start is not None:
            keep &= (when >= to_utc(start)).to_numpy(dtype=bool, na_value=False)
        if end is not None:
            keep &= (when <= to_utc(end)).to_numpy(dtype=bool, na_value=False)
        gone, done = gone[keep].reset_index(drop=True), done[keep]
    return with_deleted(frame, gone, done["time"], done["run"])
