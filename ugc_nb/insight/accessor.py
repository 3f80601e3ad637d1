"""The ``df.ugc`` accessor: the verbs people chain on a task frame.

>>> df.ugc.deletable().ugc.older_than("7D").ugc.ids()  # doctest: +SKIP
>>> df.ugc.failure_rates(by="tag", freq=None)          # doctest: +SKIP
>>> df.ugc.plot_overview()                             # doctest: +SKIP

The tables come from :mod:`ugc_nb.analysis`, the plots from :mod:`ugc_nb.plots`
(imported on first use, so loading ugc_nb does not load matplotlib).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.schema import STATUSES
from ..api.timeutil import DurationLike, to_timedelta
from ..tasks.frame import COLUMNS
from . import analysis
from .summary import TaskSummary, summarize

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
        """Tasks in any of ``statuses`` (``with_status("failed")``, ``with_status("scheduled", "failed")``).

        A status that is neither documented nor present in the frame is a ValueError, so a typo
        cannot quietly select nothing.
        """
        wanted = [s for item in statuses for s in ([item] if isinstance(item, str) else list(item))]
        known = set(STATUSES) | set(self._df["status"].dropna().astype(str))
        unknown = [s for s in wanted if s not in known]
        if unknown or not wanted:
            raise ValueError(f"unknown status {unknown or wanted!r}; expected some of {', '.join(sorted(known))}")
        return self._df[self._df["status"].isin(wanted)]

    def older_than(self, age: DurationLike) -> pd.DataFrame:
        """Tasks created more than ``age`` (``"7D"``, ``"12h"``, a timedelta) before the frame's ``now``."""
        return self._df[self._df["age"] > to_timedelta(age, "age")]

    def ids(self) -> list[str]:
        """The task ids, as a list of str."""
        return self._df["id"].astype(str).tolist()

    def summary(self) -> TaskSummary:
        """Counts by status and type, deletable/retryable/overdue counts and the oldest failed task."""
        return summarize(self._df)

    # -- insight tables (ugc_nb.analysis) -------------------------------------

    def status_counts(self, by: str | None = None) -> pd.DataFrame:
        """Tasks per status, optionally split by ``by`` (see :func:`ugc_nb.analysis.status_counts`)."""
        return analysis.status_counts(self._df, by=by)

    def age_summary(self) -> pd.DataFrame:
        """Count, median, p90 and max age per status (see :func:`ugc_nb.analysis.age_summary`)."""
        return analysis.age_summary(self._df)

    def failure_rates(self, by: str | None = "type", freq: str | None = "D") -> pd.DataFrame:
        """Failed / finished per group and period (see :func:`ugc_nb.analysis.failure_rates`)."""
        return analysis.failure_rates(self._df, by=by, freq=freq)

    def top_failing_accounts(self, n: int = 10) -> pd.DataFrame:
        """Accounts with the most failures (see :func:`ugc_nb.analysis.top_failing_accounts`)."""
        return analysis.top_failing_accounts(self._df, n=n)

    def cleanup_candidates(
        self,
        older_than: DurationLike = "7D",
        statuses: str | Sequence[str] = ("failed",),
        *,
        by: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Old tasks a clean-up would remove (see :func:`ugc_nb.analysis.cleanup_candidates`)."""
        return analysis.cleanup_candidates(self._df, older_than, statuses, by=by)

    # -- plots (ugc_nb.plots) ---------------------------------------------------

    def plot_status(self, **kwargs: Any) -> Axes:
        """Bars of tasks per status (see :func:`ugc_nb.plots.plot_status`)."""
        from . import plots

        return plots.plot_status(self._df, **kwargs)

    def plot_age(self, **kwargs: Any) -> Axes:
        """Age histograms per status (see :func:`ugc_nb.plots.plot_age`)."""
        from . import plots

        return plots.plot_age(self._df, **kwargs)

    def plot_timeline(self, **kwargs: Any) -> Axes:
        """Tasks created per period, by status (see :func:`ugc_nb.plots.plot_timeline`)."""
        from . import plots

        return plots.plot_timeline(self._df, **kwargs)

    def plot_failure_rate(self, **kwargs: Any) -> Axes:
        """Failure rate per group, with counts (see :func:`ugc_nb.plots.plot_failure_rate`)."""
        from . import plots

        return plots.plot_failure_rate(self._df, **kwargs)

    def plot_overview(self, **kwargs: Any) -> Figure:
        """The four plots on one figure (see :func:`ugc_nb.plots.plot_overview`)."""
        from . import plots

        return plots.plot_overview(self._df, **kwargs)
