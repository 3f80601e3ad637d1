"""One row per task in a server's list: an exact repeat is dropped, a conflicting one is kept and named.

:func:`one_row_per_task` is for what ``POST /tasks`` returned (:func:`ugc_nb.load_tasks`); the journal, where one
task has a row per run, is typed without it. :func:`conflicting_ids` is the rule the cleanup plan uses never to
send a task whose state the server contradicted.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..api.errors import DuplicateTaskWarning
from .units import count

__all__ = ["one_row_per_task", "conflicting_ids"]


def conflicting_ids(frame: pd.DataFrame) -> set[str]:
    """Ids the frame holds more than once with different fields (a copy repeated exactly does not count)."""
    repeated = frame["id"].duplicated(keep=False).to_numpy(dtype=bool)
    if not repeated.any():
        return set()
    copies = frame[repeated].astype(str).drop_duplicates()
    return set(copies["id"][copies["id"].duplicated(keep=False)])


def one_row_per_task(frame: pd.DataFrame) -> pd.DataFrame:
    """A task listed twice the same is kept once; listed with different fields, both rows stay and a
    :class:`~ugc_nb.api.errors.DuplicateTaskWarning` says so (the cleanup plan then never sends it)."""
    repeated = frame["id"].duplicated(keep=False).to_numpy(dtype=bool)
    if not repeated.any():
        return frame
    exact = frame.astype(str).duplicated(keep="first").to_numpy(dtype=bool) & repeated
    attrs = dict(frame.attrs)
    frame = frame[~exact].reset_index(drop=True)
    frame.attrs = attrs
    clash = conflicting_ids(frame)
    if clash:
        shown = ", ".join(sorted(clash)[:5]) + (" …" if len(clash) > 5 else "")
        warnings.warn(f"the server listed {count(len(clash))} twice with different fields ({shown}); both rows are kept "
                      "and neither will be deleted or retried", DuplicateTaskWarning, stacklevel=3)
    return frame
