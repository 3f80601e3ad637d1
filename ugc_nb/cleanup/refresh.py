"""A task frame brought up to date after an action, from its report and one re-read of the rows that moved.

Deleted (and already gone) rows leave the frame; rows the server changed (retried, found
changed, or unknown) are re-read, so their new state is the server's, not a guess. Used by
the panel after every action; usable on its own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..api.client import UGCClient
from ..api.errors import APIError, UnknownValueWarning
from ..tasks.frame import DEFAULT_GRACE, tasks_frame
from ..tasks.units import count
from .live import CONFLICTING, live_tasks
from .outcome import CleanupReport

__all__ = ["frame_after"]


def frame_after(df: pd.DataFrame, report: CleanupReport, client: UGCClient) -> tuple[pd.DataFrame, str]:
    """``df`` after ``report``'s action, and a note for a person ("" unless the re-read failed)."""
    gone = set(report.ids("deleted")) | set(report.ids("not_found"))
    frame = df[~df["id"].isin(gone)]
    moved = set(report.ids("retried")) | set(report.ids("changed")) | set(report.ids("unknown"))
    if not moved:
        return frame, ""
    hit = frame["id"].isin(moved)
    accounts = set(frame.loc[hit, "account_id"].astype(object))
    try:
        records = [{k: v for k, v in r.items() if k != CONFLICTING} for r in live_tasks(client, accounts) if r["id"] in moved]
    except APIError as exc:
        return frame, f"Could not re-read {count(len(moved), 'changed task')} ({exc}); reload to see their state."
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownValueWarning)
        fresh = tasks_frame(records, now=frame.attrs.get("now"), grace=frame.attrs.get("grace", DEFAULT_GRACE)).set_index("id")
    keep = frame[~hit | frame["id"].isin(fresh.index)].copy()
    rows = keep["id"].isin(fresh.index).to_numpy()
    # Each row that moved takes its column values from the re-read: the old column and the new values are put end to
    # end and taken back in the frame's order (setting rows in place is not possible for every dtype: Arrow structs).
    source = np.arange(len(keep))
    source[rows] = len(keep) + np.arange(int(rows.sum()))
    for column in [c for c in fresh.columns if c in keep.columns]:
        old = keep[column].reset_index(drop=True)
        new = fresh[column].reindex(keep.loc[rows, "id"]).reset_index(drop=True)
        if isinstance(old.dtype, pd.CategoricalDtype):  # keep it categorical: the new values' categories are added
            values = pd.unique(new.astype(object).dropna())
            added = sorted({v for v in values if isinstance(v, str)} - set(old.cat.categories))
            old = old.cat.add_categories(added) if added else old
            new = pd.Series(pd.Categorical(new.astype(object), dtype=old.dtype))
        keep[column] = pd.concat([old, new], ignore_index=True).take(source).set_axis(keep.index)
    return keep, ""
