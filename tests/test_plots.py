"""Plots, checked on their artists: bar heights, labels, legends, units, notes for edge frames."""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import ugc_nb  # noqa: F401  (registers df.ugc)
from ugc_nb import tasks_frame
from ugc_nb.insight.plots import PALETTE, age_unit, plot_age, plot_failure_rate, plot_overview, plot_status, plot_timeline

NOW = pd.Timestamp("2025-01-10T00:00:00Z")


def rec(i, status, created="2025-01-01T00:00:00Z", type_="warmup_scroll", scheduled=None):
    return {"id": f"t{i}", "account_id": "a", "type": type_, "status": status, "scheduled_time": scheduled, "created_at": created}


@pytest.fixture
def df():
    statuses = ["failed"] * 3 + ["complete"] * 5 + ["scheduled"] * 2
    return tasks_frame([rec(i, s, type_="edit_profile" if i % 2 else "warmup_scroll") for i, s in enumerate(statuses)], now=NOW)


@pytest.fixture
def spread():
    """Tasks created over three days (with an empty day between), of two types and all statuses."""
    rows = [
        ("2025-01-01T08:00:00Z", "complete", "warmup_scroll"),
        ("2025-01-01T09:00:00Z", "failed", "warmup_scroll"),
        ("2025-01-01T10:00:00Z", "failed", "edit_profile"),
        ("2025-01-03T10:00:00Z", "complete", "edit_profile"),
        ("2025-01-03T11:00:00Z", "complete", "warmup_scroll"),
        ("2025-01-03T12:00:00Z", "complete", "warmup_scroll"),
        ("2025-01-03T13:00:00Z", "complete", "warmup_scroll"),
        ("2025-01-04T08:00:00Z", "scheduled", "warmup_scroll"),
        ("2025-01-04T09:00:00Z", "pending", "warmup_scroll"),
    ]
    return tasks_frame([rec(i, s, created=c, type_=t) for i, (c, s, t) in enumerate(rows)], now=NOW)


def texts(ax):
    return [t.get_text() for t in ax.texts]


def legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def series_heights(ax):
    """Bar heights per legend series, in legend order."""
    return {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}


def test_status_bar_heights_equal_counts(df):
    """One bar per status in lifecycle order, height = count, count written on the bar, status colours."""
    ax = plot_status(df)
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["scheduled", "pending", "complete", "failed"]
    assert [p.get_height() for p in ax.patches] == [2, 0, 5, 3]
    assert texts(ax) == ["2", "0", "5", "3"]
    assert ax.patches[3].get_facecolor()[:3] == pytest.approx(to_rgb(PALETTE["failed"]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("status", "tasks")
    assert ax.get_ylim()[1] > 5


def test_status_stacked_by_type(df):
    """Stacked bars: one series per type in the documented type order, segments sum to the status count, totals written."""
    ax = plot_status(df, stacked_by="type")
    assert legend(ax) == ["warmup_scroll", "edit_profile"]
    heights = series_heights(ax)
    totals = [a + b for a, b in zip(heights["warmup_scroll"], heights["edit_profile"])]
    assert totals == [2, 0, 5, 3]
    assert heights["edit_profile"] == [1, 0, 3, 1]
    assert texts(ax) == ["2", "0", "5", "3"]


def test_palette_override_recolours_plots(df, monkeypatch):
    """Changing PALETTE.colors changes the status colour used by every plot."""
    monkeypatch.setitem(PALETTE.colors, "failed", "#000000")
    assert plot_status(df).patches[3].get_facecolor()[:3] == (0, 0, 0)
    failed_line = next(p for p in plot_age(df).patches if p.get_label().startswith("failed"))
    assert failed_line.get_edgecolor()[:3] == (0, 0, 0)


@pytest.mark.parametrize("plot", [plot_status, plot_age, plot_timeline, plot_failure_rate])
def test_plot_draws_on_given_axes_and_never_shows(df, monkeypatch, plot):
    """With ax= given, it draws there, creates no figure and never calls plt.show()."""
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    _, ax = plt.subplots()
    before = plt.get_fignums()
    assert plot(df, ax=ax) is ax
    assert plt.get_fignums() == before


@pytest.mark.parametrize("plot", [plot_status, plot_age, plot_timeline, plot_failure_rate])
def test_plot_without_axes_makes_one_figure(df, plot):
    """Without ax= each plot makes exactly one new figure and returns its Axes."""
    before = len(plt.get_fignums())
    ax = plot(df)
    assert isinstance(ax, Axes) and len(plt.get_fignums()) == before + 1


def test_age_histogram_per_status_in_days(df):
    """Age histograms: one series per present status, counts in the legend, unit chosen as days."""
    ax = plot_age(df)
    assert ax.get_xlabel() == "age (days)"
    assert legend(ax) == ["scheduled (2)", "complete (5)", "failed (3)"]


def test_age_histogram_by_type_and_log_scale(df):
    """by="type" gives one series per type; log=True puts the counts on a log scale."""
    ax = plot_age(df, by="type", log=True)
    assert legend(ax) == ["warmup_scroll (5)", "edit_profile (5)"]
    assert ax.get_yscale() == "log"


def test_age_unit_hours_for_young_queues():
    """Ages under two days are shown in hours."""
    assert age_unit(pd.Series(pd.to_timedelta(["3h", "30h"])))[0] == "hours"
    assert age_unit(pd.Series(pd.to_timedelta(["3h", "3D"])))[0] == "days"


def test_timeline_stacks_created_counts_per_day(spread):
    """One bar series per status present; per day the heights equal the tasks created that day; empty days are zero."""
    ax = plot_timeline(spread)
    assert legend(ax) == ["scheduled", "pending", "complete", "failed"]
    heights = series_heights(ax)
    assert heights == {
        "scheduled": [0, 0, 0, 1],
        "pending": [0, 0, 0, 1],
        "complete": [1, 0, 4, 0],
        "failed": [2, 0, 0, 0],
    }
    assert ax.containers[3].patches[0].get_facecolor()[:3] == pytest.approx(to_rgb(PALETTE["failed"]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("created (UTC)", "tasks created per day")


def test_timeline_weekly_unit(spread):
    """freq="W" says "per week" on the y axis and puts all tasks of that week in one bar stack."""
    ax = plot_timeline(spread, freq="W")
    assert ax.get_ylabel() == "tasks created per week"
    assert sum(sum(h) for h in series_heights(ax).values()) == len(spread)


def test_failure_rate_bars_show_rate_and_counts(spread):
    """One bar per type, highest rate on top; length = failed/finished in %, labelled with the counts behind it."""
    ax = plot_failure_rate(spread)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["warmup_scroll", "edit_profile"]
    assert [p.get_width() for p in ax.patches] == pytest.approx([100 / 5, 50.0])
    assert texts(ax) == ["20% (1/5)", "50% (1/2)"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("failed / finished tasks (%)", "type")


def test_failure_rate_over_time_is_one_line_per_group(spread):
    """freq="D": one line per type, legend labels carrying the total failed/finished, rates in %."""
    ax = plot_failure_rate(spread, freq="D")
    assert legend(ax) == ["warmup_scroll (1/5)", "edit_profile (1/2)"]
    scroll = ax.get_lines()[0]
    assert list(scroll.get_ydata()) == pytest.approx([50.0, 0.0])
    assert ax.get_ylabel() == "failed / finished tasks (%)"


def test_overview_has_four_panels_and_a_title(df):
    """plot_overview returns a Figure with the status, age, timeline and failure-rate panels, titled with count and range."""
    fig = plot_overview(df)
    assert isinstance(fig, Figure)
    assert [a.get_title() for a in fig.axes] == ["Tasks by status", "Task age", "Tasks created over time", "Failure rate by type"]
    assert fig.get_suptitle() == "10 tasks · created 2025-01-01 00:00 → 2025-01-01 00:00 UTC · ages as of 2025-01-10 00:00 UTC"
    assert [p.get_height() for p in fig.axes[0].patches] == [2, 0, 5, 3]


def test_accessor_shortcuts(df):
    """df.ugc.plot_status/plot_age/plot_timeline/plot_failure_rate return Axes; df.ugc.plot_overview a Figure."""
    assert [p.get_height() for p in df.ugc.plot_status().patches] == [2, 0, 5, 3]
    assert df.ugc.plot_age(log=True).get_yscale() == "log"
    assert isinstance(df.ugc.plot_timeline(freq="W"), Axes)
    assert isinstance(df.ugc.plot_failure_rate(by="status"), Axes)
    assert len(df.ugc.plot_overview().axes) == 4


def _unknown_status_frame():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tasks_frame([rec(1, "retrying"), rec(2, "failed")], now=NOW)


EDGE_FRAMES = {
    "empty": lambda: tasks_frame([], now=NOW),
    "single-status": lambda: tasks_frame([rec(1, "scheduled"), rec(2, "scheduled")], now=NOW),
    "unknown-status": _unknown_status_frame,
    "all-NaT": lambda: tasks_frame([rec(1, "failed", created=None)], now=NOW),
}
NOTES = {
    "empty": {plot_status: "no tasks", plot_age: "no tasks with a creation time", plot_timeline: "no tasks with a creation time"},
    "single-status": {},
    "unknown-status": {},
    "all-NaT": {plot_age: "no tasks with a creation time", plot_timeline: "no tasks with a creation time"},
}
FINISHED_NOTE = "no finished (complete or failed) tasks"


@pytest.mark.parametrize("name", EDGE_FRAMES)
@pytest.mark.parametrize("plot", [plot_status, plot_age, plot_timeline, plot_failure_rate])
def test_edge_frames_give_labelled_axes_and_a_note(name, plot):
    """Empty, single-status, unknown-status and timestamp-less frames give titled, labelled axes, with a note where nothing can be drawn."""
    frame = EDGE_FRAMES[name]()
    ax = plot(frame)
    assert ax.get_title() and ax.get_xlabel() and (ax.get_ylabel() or plot is plot_failure_rate)
    expected = NOTES[name].get(plot)
    if plot is plot_failure_rate and not frame["status"].isin(["complete", "failed"]).any():
        expected = FINISHED_NOTE
    if expected:
        assert expected in texts(ax)
    else:
        assert not any(t in texts(ax) for t in ("no tasks", FINISHED_NOTE))


@pytest.mark.parametrize("name", EDGE_FRAMES)
def test_overview_survives_edge_frames(name):
    """plot_overview of every edge frame is a four-panel Figure titled with the task count."""
    frame = EDGE_FRAMES[name]()
    fig = plot_overview(frame)
    assert len(fig.axes) == 4 and fig.get_suptitle().startswith(f"{len(frame)} tasks")


def test_unknown_status_gets_its_own_bar():
    """An unknown status is drawn after the known ones in the 'other' colour."""
    ax = plot_status(_unknown_status_frame())
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "retrying"
    assert [p.get_height() for p in ax.patches] == [0, 0, 0, 1, 1]
    assert ax.patches[-1].get_facecolor()[:3] == pytest.approx(to_rgb(PALETTE.other))


def test_tasks_without_creation_time_are_counted_in_a_footnote(df):
    """When some tasks lack created_at, the age and timeline plots say how many were left out."""
    frame = tasks_frame([rec(1, "failed"), rec(2, "failed", created=None), rec(3, "complete", created=None)], now=NOW)
    assert "2 tasks without created_at not shown" in texts(plot_age(frame))
    assert "2 tasks without created_at not shown" in texts(plot_timeline(frame))
    assert not texts(plot_age(df))


def test_date_ticks_always_name_the_month():
    """No lone day number on a date axis: every tick label of the timeline has a month name (or is a year)."""
    rows = [rec(i, "complete", created=f"2025-01-{1 + i % 28:02d}T08:00:00Z") for i in range(60)]
    rows += [rec(100 + i, "failed", created=f"2025-02-{1 + i % 20:02d}T08:00:00Z") for i in range(30)]
    ax = plot_timeline(tasks_frame(rows, now=pd.Timestamp("2025-03-01T00:00:00Z")))
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(any(c.isalpha() for c in label) or label.isdigit() and len(label) == 4 for label in labels), labels


def test_the_current_partial_period_is_shaded_and_says_so():
    """The period that contains `now` is shaded with "so far" on the timeline and the weekly failure rate; a past one is not."""
    rows = [rec(i, "failed" if i % 3 else "complete", created=f"2025-01-0{1 + i % 9}T08:00:00Z", scheduled=f"2025-01-0{1 + i % 9}T09:00:00Z")
            for i in range(30)]
    during = tasks_frame(rows, now=pd.Timestamp("2025-01-09T12:00:00Z"))
    for ax in (plot_timeline(during), plot_failure_rate(during, freq="W")):
        assert "so far" in [t.get_text() for t in ax.texts]
        plt.close(ax.figure)
    after = tasks_frame(rows, now=pd.Timestamp("2025-02-20T00:00:00Z"))
    assert "so far" not in [t.get_text() for t in plot_timeline(after).texts]


def test_age_goes_to_a_log_scale_when_one_status_dwarfs_another():
    """400 complete next to 5 failed: log counts (the small group stays readable); similar sizes stay linear; log=False wins."""
    big = [rec(i, "complete") for i in range(400)] + [rec(1000 + i, "failed") for i in range(5)]
    frame = tasks_frame(big, now=NOW)
    assert plot_age(frame).get_yscale() == "log"
    assert plot_age(frame, log=False).get_yscale() == "linear"
    even = tasks_frame([rec(i, "complete") for i in range(10)] + [rec(100 + i, "failed") for i in range(8)], now=NOW)
    assert plot_age(even).get_yscale() == "linear"


def test_the_age_histograms_log_axis_reads_plainly_and_its_legend_covers_no_data():
    """On a log axis the ticks read "1", "10", "100" (not 10⁰…), and the legend sits in a band above every bar."""
    times = pd.Timestamp("2026-11-20T00:00Z") - pd.to_timedelta(list(range(0, 400)) + [3, 5], unit="h")
    status = ["complete"] * 400 + ["failed"] * 2
    df = pd.DataFrame({"status": pd.Categorical(status), "created_at": times, "age": pd.Timestamp("2026-11-20T00:00Z") - times})
    ax = plot_age(df)
    fig = ax.figure
    fig.canvas.draw()
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(re.fullmatch(r"[0-9,]+(\.[0-9]+)?", label) for label in labels), labels
    legend = ax.get_legend().get_window_extent()
    for patch in ax.patches:  # the step outlines: no drawn point inside the legend's box
        points = patch.get_transform().transform(patch.get_path().vertices)
        assert not any(legend.contains(x, y) for x, y in points)


def test_the_timeline_has_no_stray_offset_label():
    """The date axis has no "2026-Dec" offset text under it."""
    times = pd.date_range("2026-10-20", "2026-12-07", freq="6h", tz="UTC")
    df = pd.DataFrame({"status": pd.Categorical(["complete"] * len(times)), "created_at": times})
    ax = plot_timeline(df)
    ax.figure.canvas.draw()
    assert ax.xaxis.get_offset_text().get_text() == ""
