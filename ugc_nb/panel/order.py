"""The order the panel's table shows rows in — chosen by clicking a header — and the rows it picks by that order.

The table holds at most ``max_rows`` rows, so a sort in the browser alone would order only those
(the 1,000 oldest, re-sorted) and a person asking for "the youngest" would never see them. Here a
header click names a column and a direction (:class:`RowOrder`); the panel picks, among **all**
matching rows, the first ``max_rows`` in that order (:func:`first_rows`), and the table shows
them in the same order. The counts line says which rows those are ("the 1,000 youngest of
10,437", :meth:`RowOrder.words`).

Keys follow what the table shows and how DataTables orders it: text case-insensitively, an
account by the "username (acc_…)" it shows, a missing date as the smallest value (an empty cell
sorts first ascending), ties in the frame's order.
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
    lower-cased text; a missing date as the smallest value)."""
    if column == "age_days":
        stamps = _stamps(df["created_at"], positions)
        return pd.Series(np.where(stamps == _NONE, _NONE, -stamps))  # older = larger age; no date = no age, smallest
    if column in ("created_at", "scheduled_time"):
        return pd.Series(_stamps(df[column], positions))
    source = {"account": "account_id"}.get(column, column)
    values = df[source]
    label = (lambda v: f"{names.get(v, '')} ({v})" if names and names.get(v) else v) if column == "account" else (lambda v: v)
    if isinstance(values.dtype, pd.CategoricalDtype):  # rank the few categories once, then look the codes up
        words = [str(label(str(c))).lower() for c in values.cat.categories]
        rank = np.empty(len(words) + 1, dtype=np.int64)
        rank[:-1] = np.argsort(np.argsort(np.asarray(words, dtype=object), kind="stable"), kind="stable") + 1
        rank[-1] = 0  # code -1 (no value) looks up the last slot: an empty cell, first
        return pd.Series(rank[values.cat.codes.to_numpy()[positions]])
    text = values.iloc[positions].astype(object)
    shown = text.where(text.notna(), "").astype(str)
    if column == "account":
        shown = shown.map(label)
    return shown.str.lower().reset_index(drop=True)


def first_rows(df: pd.DataFrame, positions: np.ndarray, order: RowOrder, limit: int,
               names: dict[str, str] | None = None) -> np.ndarray:
    """The first ``limit`` of the rows at ``positions`` (in frame order) by ``order``; ties keep the frame's order."""
    key = sort_key(df, order.column, positions, names)
    ranked = key.sort_values(ascending=not order.descending, kind="stable").index.to_numpy()[:limit]
    return positions[ranked]


def _stamps(column: pd.Series, positions: np.ndarray) -> np.ndarray:
    """Datetimes at ``positions`` as int64 nanoseconds, a missing one as the smallest int64."""
    values = pd.to_datetime(column.iloc[positions], utc=True)
    out = values.to_numpy(dtype="datetime64[ns]").view(np.int64).copy()
    out[values.isna().to_numpy()] = _NONE
    return out


_NONE = np.iinfo(np.int64).min
