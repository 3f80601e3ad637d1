"""The order the panel's table shows rows in — chosen by clicking a header — and the rows it picks by that order.

The table holds at most ``max_rows`` rows, so a sort in the browser alone would order only those
(the 1,000 oldest, re-sorted) and a person asking for "the youngest" would never see them. Here a
header click names a column and a direction (:class:`RowOrder`); the panel picks, among **all**
matching rows, the first ``max_rows`` in that order (:func:`first_rows`), and the table shows
them in the same order. The counts line says which rows those are ("the 1,000 youngest of
10,437", :meth:`RowOrder.words`).

Keys follow what the table shows and how DataTables orders it: text case-insensitively, an
account by the "username (acc_…)" it shows, ties in the frame's order; a missing value (no date,
no tag) comes last in either direction — "the earliest-scheduled" are tasks with a schedule — and
the table sorts its empty cells last too (``table._empty_last``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["RowOrder", "OLDEST_FIRST", "first_rows", "sort_key"]


@dataclass(frozen=True)
class RowOrder:
    """Rows ordered by one view column (``table.HEADERS``' keys), ascending or descending."""

    column: str
    descending: bool

    def words(self, count: int) -> str:
        """Which ``count`` rows this order puts first, as a person reads it: "the 1,000 youngest", "the first 1,000 by
        account (Z→A)"."""
        n = f"{count:,}"
        named = {("age_days", True): "oldest", ("age_days", False): "youngest", ("created_at", False): "oldest",
                 ("created_at", True): "newest", ("scheduled_time", False): "earliest-scheduled",
                 ("scheduled_time", True): "latest-scheduled"}
        word = named.get((self.column, self.descending))
        if word:
            return f"the {n} {word}"
        label = {"id": "task id", "reason": "reason"}.get(self.column, self.column)
        return f"the first {n} by {label} ({'Z→A' if self.descending else 'A→Z'})"


#: The table's order until a header is clicked: oldest first.
OLDEST_FIRST = RowOrder("age_days", True)


def sort_key(df: pd.DataFrame, column: str, positions: np.ndarray, names: dict[str, str] | None = None) -> pd.Series:
    """The values the view column ``column`` is ordered by, for the rows at ``positions`` of ``df`` (numbers or
    lower-cased text; NaN where the value is missing)."""
    if column == "age_days":
        return -_stamps(df["created_at"], positions)  # older = larger age
    if column in ("created_at", "scheduled_time"):
        return _stamps(df[column], positions)
    source = {"account": "account_id"}.get(column, column)
    values = df[source]
    label = (lambda v: f"{names.get(v, '')} ({v})" if names and names.get(v) else v) if column == "account" else (lambda v: v)
    if isinstance(values.dtype, pd.CategoricalDtype):  # rank the few categories once, then look the codes up
        words = [str(label(str(c))).lower() for c in values.cat.categories]
        rank = np.empty(len(words) + 1, dtype=np.int64)
        rank[:-1] = np.argsort(np.argsort(np.asarray(words, dtype=object), kind="stable"), kind="stable") + 1
        rank[-1] = 0  # code -1 looks up the last slot (masked as missing below)
        ranked = pd.Series(rank[values.cat.codes.to_numpy()[positions]], dtype="float64")
        return ranked.where(values.cat.codes.to_numpy()[positions] >= 0)  # code -1: no value, NaN
    text = values.iloc[positions].astype(object).reset_index(drop=True)
    missing = text.isna() | (text.astype(str) == "")
    shown = text.where(~missing, "").astype(str)
    if column == "account":
        shown = shown.map(label)
    return shown.str.lower().where(~missing)


def first_rows(df: pd.DataFrame, positions: np.ndarray, order: RowOrder, limit: int,
               names: dict[str, str] | None = None) -> np.ndarray:
    """The first ``limit`` of the rows at ``positions`` (in frame order) by ``order``; ties keep the frame's order."""
    key = sort_key(df, order.column, positions, names)
    ranked = key.sort_values(ascending=not order.descending, kind="stable", na_position="last").index.to_numpy()[:limit]
    return positions[ranked]


def _stamps(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """Datetimes at ``positions`` as float nanoseconds (exact to well under a second), NaN where missing."""
    values = pd.to_datetime(column.iloc[positions], utc=True).reset_index(drop=True)
    stamps = pd.Series(values.to_numpy(dtype="datetime64[ns]").view(np.int64).astype("float64"))
    return stamps.where(values.notna().to_numpy())
