"""The ``df.ugc`` accessor: the verbs people chain on a task frame.

>>> df.ugc.deletable().ugc.older_than("7D").ugc.ids()  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from .frame import COLUMNS
from .summary import TaskSummary, summarize
from .timeutil import DurationLike, to_timedelta

__all__ = ["UGCAccessor"]


@pd.api.extensions.register_dataframe_accessor("ugc")
class UGCAccessor:
    """Filters and summaries for frames made by :func:`ugc_nb.tasks_frame`; each filter returns a frame."""

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise AttributeError(
                f"df.ugc needs a task frame from ugc_nb.tasks_frame/load_tasks; missing columns: {', '.join(missing)}"
            )
        self._df = frame

    def deletable(self) -> pd.DataFrame:
        """Tasks that may be deleted (status scheduled or failed)."""
        return self._df[self._df["deletable"]]

    def retryable(self) -> pd.DataFrame:
        """Tasks that may be retried (status failed)."""
        return self._df[self._df["retryable"]]

    def overdue(self) -> pd.DataFrame:
        """Scheduled tasks whose time passed more than the grace period ago."""
        return self._df[self._df["overdue"]]

    def with_status(self, *statuses: str) -> pd.DataFrame:
        """Tasks in any of ``statuses``."""
        return self._df[self._df["status"].isin(statuses)]

    def older_than(self, age: DurationLike) -> pd.DataFrame:
        """Tasks created more than ``age`` (``"7D"``, ``"12h"``, a timedelta) before the frame's ``now``."""
        return self._df[self._df["age"] > to_timedelta(age, "age")]

    def ids(self) -> list[str]:
        """The task ids, as a list of str."""
        return self._df["id"].astype(str).tolist()

    def summary(self) -> TaskSummary:
        """Counts by status and type, deletable/retryable/overdue counts and the oldest failed task."""
        return summarize(self._df)
