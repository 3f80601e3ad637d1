"""Matplotlib plots of a task frame.

Every function follows matplotlib's advice for helper functions: it takes an
``ax=`` (creating a figure only when it is None), draws on it, never calls
``plt.show()`` and returns the Axes. Edge cases (an empty frame, unknown
statuses, missing timestamps) give a labelled Axes with a note, not an
exception. Colours come from one :class:`Palette`, the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .schema import STATUSES

__all__ = ["Palette", "PALETTE", "plot_status", "plot_age", "plot_summary", "age_unit"]


@dataclass
class Palette:
    """One colour per status; unknown statuses get ``other``. Change ``ugc_nb.plots.PALETTE`` to restyle."""

    colors: dict[str, str] = field(
        default_factory=lambda: {
            "scheduled": "#4C78A8",
            "pending": "#F2A93B",
            "complete": "#54A24B",
            "failed": "#E45756",
        }
    )
    other: str = "#9D9D9D"

    def __getitem__(self, status: object) -> str:
        return self.colors.get(str(status), self.other)


PALETTE = Palette()


def _axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _note(ax: Axes, text: str) -> Axes:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#666666")
    return ax


def _statuses(df: pd.DataFrame) -> list[str]:
    """Statuses to show: the documented ones in lifecycle order, then any unknown ones present."""
    present = df["status"].dropna().astype(str).unique().tolist()
    return list(STATUSES) + sorted(s for s in present if s not in STATUSES)


def age_unit(ages: pd.Series) -> tuple[str, float]:
    """The unit to show ages in ("hours" or "days") and the seconds per unit, from the data's spread."""
    valid = ages.dropna()
    if valid.empty or valid.max() < pd.Timedelta(hours=48):
        return "hours", 3600.0
    return "days", 86400.0


def plot_status(df: pd.DataFrame, *, ax: Axes | None = None, stacked_by: str | None = None) -> Axes:
    """Bar chart of task counts per status, optionally stacked by ``stacked_by`` (e.g. "type"); totals on the bars."""
    ax = _axes(ax)
    ax.set_title("Tasks by status")
    ax.set_xlabel("status")
    ax.set_ylabel("tasks")
    if df.empty:
        return _note(ax, "no tasks")
    order = _statuses(df)
    status = df["status"].astype(str)
    if stacked_by is None:
        counts = status.value_counts().reindex(order, fill_value=0)
        bars = ax.bar(order, counts.to_numpy(), color=[PALETTE[s] for s in order])
        ax.bar_label(bars)
        return ax
    table = pd.crosstab(status, df[stacked_by].astype(str)).reindex(order, fill_value=0)
    bottom = np.zeros(len(order))
    colors = plt.get_cmap("tab10")
    for i, column in enumerate(table.columns):
        values = table[column].to_numpy()
        ax.bar(order, values, bottom=bottom, label=column, color=colors(i % 10))
        bottom += values
    for x, total in enumerate(bottom):
        ax.annotate(f"{int(total)}", (x, total), ha="center", va="bottom", xytext=(0, 2), textcoords="offset points")
    ax.legend(title=stacked_by, fontsize="small")
    return ax


def plot_age(df: pd.DataFrame, *, ax: Axes | None = None, by: str = "status", log: bool = False, bins: int = 30) -> Axes:
    """Histogram of task age (``now - created_at``) per ``by`` group, in hours or days chosen from the data."""
    ax = _axes(ax)
    ax.set_title("Task age")
    ax.set_ylabel("tasks")
    ages = df["age"] if "age" in df else pd.Series(dtype="timedelta64[ns]")
    unit, seconds = age_unit(ages)
    ax.set_xlabel(f"age ({unit})")
    valid = df[ages.notna()] if len(df) else df
    if valid.empty:
        return _note(ax, "no tasks with a creation time")
    values = valid["age"].dt.total_seconds() / seconds
    edges = np.histogram_bin_edges(values.to_numpy(), bins=bins)
    groups = _statuses(valid) if by == "status" else sorted(valid[by].dropna().astype(str).unique())
    key = valid[by].astype(str)
    for name in groups:
        part = values[key == name]
        if part.empty:
            continue
        color = PALETTE[name] if by == "status" else None
        ax.hist(part.to_numpy(), bins=edges, histtype="step", linewidth=1.8, label=f"{name} ({len(part)})", color=color)
    if log:
        ax.set_yscale("log")
    ax.legend(title=by, fontsize="small")
    return ax


def plot_summary(df: pd.DataFrame) -> Figure:
    """Status counts and age distribution side by side, titled with the task count and time range."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    plot_status(df, ax=left)
    plot_age(df, ax=right)
    created = df["created_at"].dropna() if "created_at" in df else pd.Series(dtype=object)
    span = f", created {created.min():%Y-%m-%d} to {created.max():%Y-%m-%d}" if len(created) else ""
    fig.suptitle(f"{len(df)} tasks{span}")
    return fig
