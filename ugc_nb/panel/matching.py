"""Which rows of the panel's frame match the filters, kept as a mask over the frame rather than a copy of it.

A filter change at a million tasks must cost milliseconds, so nothing here walks the frame in Python
or copies it: the plain filters (:meth:`~ugc_nb.insight.filters.TaskFilter.mask`) give one boolean
array; the count is its sum; the table's bounded view is the first ``max_rows`` matching rows in the
frame's oldest-first order (sorted once per frame); "are all matching selected" and "which selected
are hidden" look at the selected rows' positions only. The matching rows as a frame are built when
someone asks for them (:attr:`CleanupPanel.filtered`, an action on all matching). A preset picks rows
with a reason each (:func:`ugc_nb.insight.presets.pick`), so with a preset the picked rows are kept
as they are, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..insight.filters import TaskFilter
from .order import OLDEST_FIRST, RowOrder, first_rows
from .table import VIEW_COLUMNS, oldest

__all__ = ["FrameIndex", "Matching", "Chosen", "Selection"]


class FrameIndex:
    """What the panel looks up in one frame (with a ``RangeIndex``), computed once per frame: ids → row positions,
    the rows oldest first, which rows are failed. The frame is not changed in place: a new one is a new index."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self.ids = pd.Index(df["id"].astype(str))  # id → position, hashed once per frame, not per update
        self._order: np.ndarray | None = None
        self._failed: np.ndarray | None = None
        self._statuses: set[str] | None = None

    def __len__(self) -> int:
        return len(self.df)

    @property
    def order(self) -> np.ndarray:
        """Row positions oldest first: exactly ``df.sort_values("created_at", kind="stable")`` (ties in frame order,
        no date last), so the rows of any subset in this order are that subset sorted the same way."""
        if self._order is None:
            created = pd.DataFrame({"created_at": self.df["created_at"].array})  # a fresh RangeIndex: labels are positions
            self._order = created.sort_values("created_at", kind="stable").index.to_numpy()
        return self._order

    @property
    def failed(self) -> np.ndarray:
        """Which rows are failed (what Retry… can act on)."""
        if self._failed is None:
            self._failed = (self.df["status"] == "failed").to_numpy(dtype=bool, na_value=False)
        return self._failed

    @property
    def statuses(self) -> set[str]:
        """The statuses the frame's rows have."""
        if self._statuses is None:
            self._statuses = {str(s) for s in pd.unique(self.df["status"].dropna())}
        return self._statuses

    def rows_of(self, ids: list[str]) -> pd.DataFrame:
        """The rows holding ``ids``, in the order of ``ids`` (ids the frame lacks left out; a fresh RangeIndex)."""
        if self.ids.is_unique:  # the usual case: one hash lookup per id
            positions = self.ids.get_indexer(ids)
            return self.df.iloc[positions[positions >= 0]].reset_index(drop=True)  # -1 would be the last row
        known = set(self.ids)
        present = [i for i in ids if i in known]
        return self.df.set_index(self.ids, drop=False).loc[present].reset_index(drop=True)

    def positions(self, ids: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """The positions of every row holding one of ``ids`` (all of them when an id is listed twice in the frame),
        and the ids the frame does not have."""
        if not len(ids):
            return np.empty(0, dtype=np.intp), []
        if self.ids.is_unique:
            found = self.ids.get_indexer(list(ids))
            return found[found >= 0], [i for i, p in zip(ids, found) if p < 0]
        found, missing = self.ids.get_indexer_non_unique(list(ids))
        return found[found >= 0], [ids[k] for k in missing]


class Chosen:
    """The selected ids and the positions of their rows in one frame (worked out once per selection and frame)."""

    def __init__(self, index: FrameIndex, ids: list[str]) -> None:
        self.index, self.ids = index, ids
        self.rows, self.missing = index.positions(ids)


class Selection:
    """The selected task ids, in the order they were chosen, and their rows in the panel's frame (worked out once per
    selection and frame: :meth:`rows`)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._chosen: Chosen | None = None

    def set(self, ids: list[str], chosen: Chosen | None = None) -> None:
        """Select ``ids`` (``chosen``: their rows, when the caller has worked them out already)."""
        self.ids, self._chosen = ids, chosen

    def rows(self, index: FrameIndex) -> Chosen:
        """The selected ids with the positions of their rows in ``index``'s frame."""
        if self._chosen is None or self._chosen.index is not index or self._chosen.ids is not self.ids:
            self._chosen = Chosen(index, self.ids)
        return self._chosen

    def positions_in(self, shown_ids: pd.Series) -> list[int]:
        """Where the selected ids stand among ``shown_ids`` (the table's rows), in selection order."""
        where = {task_id: k for k, task_id in enumerate(shown_ids)}
        return [where[i] for i in self.ids if i in where]


class Matching:
    """The rows of a frame that pass a :class:`TaskFilter`."""

    def __init__(self, index: FrameIndex, flt: TaskFilter) -> None:
        self.index = index
        self._rows: pd.DataFrame | None = None
        self._ids: set[str] | None = None
        self.mask: np.ndarray | None = None  # None with a preset: then the picked rows are kept instead
        if flt.preset is None:
            self.mask = np.asarray(flt.mask(index.df), dtype=bool)
            self.count = int(np.count_nonzero(self.mask))
        else:
            self._rows = flt.apply(index.df)
            self.count = len(self._rows)

    @property
    def rows(self) -> pd.DataFrame:
        """The matching rows (a copy, built on first use)."""
        if self._rows is None:
            assert self.mask is not None
            self._rows = self.index.df[self.mask]
        return self._rows

    def oldest(self, max_rows: int) -> pd.DataFrame:
        """The ``max_rows`` oldest matching rows, oldest first — the rows of the table's view (``table.oldest(rows)``)."""
        if self.mask is None:
            return oldest(self.rows, max_rows)
        order, mask = self.index.order, self.mask
        picked: list[np.ndarray] = []
        found, start, step = 0, 0, max(4 * max_rows, 1 << 16)
        while found < max_rows and start < len(order):  # walk the order in growing chunks: the oldest come first
            chunk = order[start:start + step]
            hits = chunk[mask[chunk]][: max_rows - found]
            picked.append(hits)
            found += len(hits)
            start, step = start + step, step * 4
        positions = np.concatenate(picked) if picked else np.empty(0, dtype=np.intp)
        df = self.index.df
        return df[[c for c in VIEW_COLUMNS if c in df]].iloc[positions]

    def first(self, max_rows: int, order: RowOrder = OLDEST_FIRST, names: dict[str, str] | None = None) -> pd.DataFrame:
        """The first ``max_rows`` matching rows by ``order`` (a header click), picked among **all** matching rows."""
        if order == OLDEST_FIRST:
            return self.oldest(max_rows)
        if self.mask is None:  # a preset's picked rows, with their reasons
            rows = self.rows.reset_index(drop=True)
            return rows.iloc[first_rows(rows, np.arange(len(rows)), order, max_rows, names)]
        df = self.index.df
        positions = first_rows(df, np.flatnonzero(self.mask), order, max_rows, names)
        return df[[c for c in VIEW_COLUMNS if c in df]].iloc[positions]

    def hidden(self, chosen: Chosen) -> list[str]:
        """The chosen ids that no matching row holds (the filters hide them)."""
        if not chosen.ids:
            return []
        if self.mask is None:
            matching = self._matching_ids()
        else:
            rows = chosen.rows[self.mask[chosen.rows]]
            matching = set(self.index.ids[rows])
        return [i for i in chosen.ids if i not in matching]

    def all_chosen(self, chosen: Chosen) -> bool:
        """True when there are matching rows and every one of them holds a chosen id."""
        if self.count == 0 or not chosen.ids:
            return False
        if self.mask is None:
            return set(chosen.ids) >= self._matching_ids()
        if len(chosen.rows) < self.count:  # fewer rows hold a chosen id than match: some matching row is not chosen
            return False
        outside = self.mask.copy()
        outside[chosen.rows] = False
        return not outside.any()

    def _matching_ids(self) -> set[str]:
        if self._ids is None:
            self._ids = set(self.rows["id"].astype(str))
        return self._ids
