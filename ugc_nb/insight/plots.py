"""Matplotlib plots of a task frame.

Every function follows matplotlib's advice for helper functions: it takes an
``ax=`` (creating a figure only when it is None), draws on it, never calls
``plt.show()`` and returns the Axes (:func:`plot_overview` returns its Figure).
Edge cases (an empty frame, unknown statuses, missing timestamps) give a labelled
Axes with a note, not an exception. Colours come from one :class:`Palette`, the
same everywhere; the numbers drawn come from :mod:`ugc_nb.analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter
from pandas.tseries.frequencies import to_offset

from .analysis import failure_rates, group_labels, group_order, period_freq, status_counts, status_order, timeline

__all__ = [
    "Palette",
    "PALETTE",
    "plot_status",
    "plot_age",
    "plot_timeline",
    "plot_failure_rate",
    "plot_overview",
    "age_unit",
]

_GREY = "#666666"
_PERIODS = {"h": "hour", "D": "day", "W": "week", "M": "month", "MS": "month", "ME": "month"}


@dataclass
class Palette:
    """One colour per status (unknown statuses get ``other``), and colours for other groups.

    ``groups`` (types, tags, …) avoid the red and green that mean failed and
    complete. Change ``ugc_nb.plots.PALETTE`` (or its dicts) to restyle every plot.
    """

    colors: dict[str, str] = field(
        default_factory=lambda: {
            "scheduled": "#4C78A8",
            "pending": "#F2A93B",
            "complete": "#54A24B",
            "failed": "#E45756",
        }
    )
    other: str = "#9D9D9D"
    groups: tuple[str, ...] = ("#1F77B4", "#FF7F0E", "#9467BD", "#8C564B", "#E377C2", "#BCBD22", "#17BECF", "#7F7F7F")

    def __getitem__(self, status: object) -> str:
        return self.colors.get(str(status), self.other)

    def group(self, i: int) -> str:
        """Colour of the ``i``-th non-status group (cycling)."""
        return self.groups[i % len(self.groups)]


PALETTE = Palette()


def _axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.0)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _thousands(value: float, _position: object) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _label(ax: Axes, title: str, xlabel: str, ylabel: str, *, counts: bool = True) -> None:
    """Title and axis labels; ``counts`` puts whole-number ticks on the y axis (it counts tasks)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if counts:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))  # "90,000", as every count a person reads


def _note(ax: Axes, text: str) -> Axes:
    """Say in the middle of an empty Axes why there is nothing to draw."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color=_GREY)
    return ax


def _footnote(ax: Axes, text: str) -> None:
    """A small grey remark under the bottom left corner (clear of the data), e.g. what could not be drawn."""
    ax.annotate(
        text,
        (0, 0),
        xycoords="axes fraction",
        xytext=(0, -30),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize="small",
        color=_GREY,
        annotation_clip=False,
    )


def _not_shown(ax: Axes, missing: int, what: str) -> None:
    if missing:
        _footnote(ax, f"{missing} task{'s' if missing != 1 else ''} without {what} not shown")


def _headroom(ax: Axes, top: float) -> None:
    """Room above the tallest (stacked) bar for its label; set explicitly because
    zero-height segments on top of a stack stop matplotlib's automatic margin."""
    ax.set_ylim(0, max(top, 1) * 1.12)


def _per(freq: str) -> str:
    """A period alias in words: "D" → "day", "6h" → "6h"."""
    return "week" if period_freq(freq) == "W-MON" else _PERIODS.get(freq, freq)


def age_unit(ages: pd.Series) -> tuple[str, float]:
    """The unit to show ages in ("hours" or "days") and the seconds per unit, from the data's spread."""
    valid = ages.dropna()
    if valid.empty or valid.max() < pd.Timedelta(hours=48):
        return "hours", 3600.0
    return "days", 86400.0


def plot_status(df: pd.DataFrame, *, ax: Axes | None = None, stacked_by: str | None = None) -> Axes:
    """Bar chart of task counts per status, optionally stacked by ``stacked_by`` (e.g. "type"); totals on the bars.

    Every documented status gets a bar (zero included), unknown ones follow. Plain
    bars use the status colours; stacked segments are coloured by group, in the
    order of :func:`ugc_nb.analysis.status_counts`.
    """
    ax = _axes(ax)
    _label(ax, "Tasks by status", "status", "tasks")
    if df.empty:
        return _note(ax, "no tasks")
    if stacked_by is None:
        counts = status_counts(df)["tasks"]
        bars = ax.bar(counts.index, counts.to_numpy(), color=[PALETTE[s] for s in counts.index])
        ax.bar_label(bars, labels=[f"{int(v):,}" for v in counts.to_numpy()])
        _headroom(ax, counts.max())
    else:
        table = status_counts(df, by=stacked_by)
        bottom = np.zeros(len(table))
        for i, column in enumerate(table.columns.drop("total")):
            values = table[column].to_numpy()
            ax.bar(table.index, values, bottom=bottom, label=column, color=PALETTE.group(i))
            bottom += values
        for x, total in enumerate(table["total"]):
            ax.annotate(f"{int(total):,}", (x, total), ha="center", va="bottom", xytext=(0, 2), textcoords="offset points")
        ax.legend(title=stacked_by, fontsize="small")
        _headroom(ax, table["total"].max())
    return ax


def plot_age(df: pd.DataFrame, *, ax: Axes | None = None, by: str = "status", log: bool | None = None, bins: int = 30) -> Axes:
    """Histogram of task age (``now - created_at``) per ``by`` group, in hours or days chosen from the data.

    One outline per group present, labelled with its count; ``log=True`` puts the
    counts on a log scale, ``log=None`` (the default) does so when one group dwarfs
    another (20 times more tasks), so the small ones stay readable. The legend goes where
    it covers least. Tasks without a creation time are counted in a footnote.
    """
    ax = _axes(ax)
    ages = df["age"]
    unit, seconds = age_unit(ages)
    _label(ax, "Task age", f"age ({unit})", "tasks")
    valid = df[ages.notna().to_numpy(dtype=bool)]
    if valid.empty:
        return _note(ax, "no tasks with a creation time")
    values = valid["age"].dt.total_seconds().to_numpy() / seconds
    edges = np.histogram_bin_edges(values, bins=bins)
    key = group_labels(valid[by]).to_numpy()
    groups = status_order(valid) if by == "status" else group_order(valid[by])
    sizes, tallest = [], 1.0
    for i, name in enumerate(groups):
        part = values[key == name]
        if len(part):
            color = PALETTE[name] if by == "status" else PALETTE.group(i)
            heights, _, _ = ax.hist(part, bins=list(edges), histtype="step", linewidth=1.8, label=f"{name} ({len(part):,})", color=color)
            sizes.append(len(part))
            tallest = max(tallest, float(np.max(heights)))
    logarithmic = bool(log or (log is None and len(sizes) > 1 and max(sizes) >= 20 * min(sizes)))
    if logarithmic:
        ax.set_yscale("log")
        ax.set_ylabel("tasks (log scale)")
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))  # "1", "10", "100", not 10⁰, 10¹, 10²
        ax.yaxis.set_minor_formatter(NullFormatter())
    # room above the tallest bar for the legend, so it covers no data: a band on top, in columns
    ax.set_ylim(0.7 if logarithmic else 0, tallest * (40 if logarithmic else 1.5))
    ax.legend(title=by, fontsize="small", loc="upper center", ncols=min(len(sizes), 2) or 1, framealpha=0.85)
    _not_shown(ax, len(df) - len(valid), "created_at")
    return ax


def plot_timeline(df: pd.DataFrame, *, ax: Axes | None = None, freq: str = "D") -> Axes:
    """Stacked bars of tasks created per period (``freq``: "h", "D", "W", …), one colour per status.

    Periods are UTC and start at the bar's left edge; empty periods show as gaps.
    """
    ax = _axes(ax)
    _label(ax, "Tasks created over time", "created (UTC)", f"tasks created per {_per(freq)}")
    table = timeline(df, freq)
    if table.empty:
        return _note(ax, "no tasks with a creation time")
    starts = table.index.tz_convert("UTC").tz_localize(None)
    ends = starts[1:].append(pd.DatetimeIndex([starts[-1] + to_offset(period_freq(freq))]))
    left = mdates.date2num(starts)
    width = 0.9 * (mdates.date2num(ends) - left)
    bottom = np.zeros(len(table))
    for status in table.columns:
        values = table[status].to_numpy()
        ax.bar(left, values, width=width, bottom=bottom, align="edge", color=PALETTE[status], label=status)
        bottom += values
    _dates(ax)
    _headroom(ax, bottom.max())
    _partial(ax, table.index[-1], freq, df)
    ax.legend(title="status", fontsize="small", loc="best", framealpha=0.85)
    _not_shown(ax, int(df["created_at"].isna().sum()), "created_at")
    return ax


def plot_failure_rate(df: pd.DataFrame, *, by: str | None = "type", freq: str | None = None, ax: Axes | None = None) -> Axes:
    """Failure rate (failed / finished) per ``by`` group, with the counts behind it.

    With ``freq=None``: horizontal bars, highest rate on top, each labelled
    ``"17% (39/222)"`` (failed/finished). With ``freq="W"`` (any period alias): one
    line per group over time, its legend entry showing the group's total counts.
    Only complete and failed tasks count as finished (see :mod:`ugc_nb.analysis`).
    """
    ax = _axes(ax, size=(6.4, 4.0) if freq is None else (8.4, 4.0))
    group = by or "all tasks"
    rates = failure_rates(df, by=by, freq=freq)
    rates = rates[rates["finished"] > 0]
    if freq is None:
        _label(ax, f"Failure rate by {group}", "failed / finished tasks (%)", by or "", counts=False)
    else:
        xlabel = f"{_per(freq)} starting (UTC)"
        _label(ax, f"Failure rate per {_per(freq)}, by {group}", xlabel, "failed / finished tasks (%)", counts=False)
    if rates.empty:
        return _note(ax, "no finished (complete or failed) tasks")
    if freq is None:
        rates = rates.sort_values("failure_rate", kind="stable")
        percent = rates["failure_rate"].to_numpy() * 100
        names = [str(name) for name in rates.index]
        bars = ax.barh(names, percent, color=PALETTE["failed"])
        labels = [f"{p:.0f}% ({f}/{n})" for p, f, n in zip(percent, rates["failed"], rates["finished"])]
        ax.bar_label(bars, labels=labels, padding=3, fontsize="small")
        ax.set_xlim(0, max(percent.max() * 1.35, 1.0))
        return ax
    if by is None:
        series = {"all tasks": rates}
    else:
        series = {str(name): part.droplevel(by) for name, part in rates.groupby(level=by, observed=True, sort=False)}
    for i, (name, part) in enumerate(series.items()):
        when = part.index.tz_convert("UTC").tz_localize(None)
        label = f"{name} ({part['failed'].sum()}/{part['finished'].sum()})"
        ax.plot(when, part["failure_rate"].to_numpy() * 100, marker="o", markersize=3, label=label, color=PALETTE.group(i))
    _dates(ax)
    ax.set_ylim(bottom=0)
    _partial(ax, rates.index.get_level_values(0).max(), freq, df)
    ax.legend(title=f"{group} (failed/finished)", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _dates(ax: Axes) -> None:
    """Concise UTC date ticks that always name the month ("Oct 22", "Nov", "Nov 08"): never a lone "22"."""
    locator = mdates.AutoDateLocator(maxticks=8)
    formatter = mdates.ConciseDateFormatter(locator, formats=["%Y", "%b", "%b %d", "%H:%M", "%H:%M", "%S.%f"],
                                            zero_formats=["", "%Y", "%b", "%b %d", "%H:%M", "%H:%M"],
                                            offset_formats=[""] * 6)  # no stray "2026-Dec" under the axis
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def _partial(ax: Axes, last: pd.Timestamp, freq: str, df: pd.DataFrame) -> None:
    """Shade the last period when it has not ended yet (``df.attrs["now"]`` is inside it) and say so."""
    now = df.attrs.get("now")
    if now is None or pd.isna(last):
        return
    start = pd.Timestamp(last).tz_convert("UTC")
    end = start + to_offset(period_freq(freq))
    if not start <= now < end:
        return
    left, right = mdates.date2num(start.tz_localize(None)), mdates.date2num(end.tz_localize(None))
    ax.axvspan(left, right, color=_GREY, alpha=0.12, linewidth=0, label="_partial")
    ax.text((left + right) / 2, 0.98, "so far", transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize="x-small",
            color=_GREY)


def _overview_title(df: pd.DataFrame) -> str:
    created = df["created_at"].dropna()
    parts = [f"{len(df):,} tasks"]
    if len(created):
        parts.append(f"created {created.min():%Y-%m-%d %H:%M} → {created.max():%Y-%m-%d %H:%M} UTC")
    now = df.attrs.get("now")
    if now is not None:
        parts.append(f"ages as of {now:%Y-%m-%d %H:%M} UTC")
    return " · ".join(parts)


def plot_overview(df: pd.DataFrame, *, freq: str = "D") -> Figure:
    """Status counts, age distribution, tasks created per ``freq`` period and failure rate by type on one Figure.

    Titled with the task count, the creation time range and the frame's ``now``.
    """
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.5), layout="constrained")
    plot_status(df, ax=axes[0, 0])
    plot_age(df, ax=axes[0, 1])
    plot_timeline(df, ax=axes[1, 0], freq=freq)
    plot_failure_rate(df, by="type", ax=axes[1, 1])
    fig.suptitle(_overview_title(df), fontsize="large")
    return fig
