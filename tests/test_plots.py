"""Plots, checked on their artists: bar heights, labels, legends, notes for edge frames."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ugc_nb import tasks_frame
from ugc_nb.plots import PALETTE, age_unit, plot_age, plot_status, plot_summary

NOW = pd.Timestamp("2025-01-10T00:00:00Z")


def rec(i, status, created="2025-01-01T00:00:00Z", type_="warmup_scroll"):
    return {"id": f"t{i}", "account_id": "a", "type": type_, "status": status, "scheduled_time": None, "created_at": created}


@pytest.fixture
def df():
    statuses = ["failed"] * 3 + ["complete"] * 5 + ["scheduled"] * 2
    return tasks_frame([rec(i, s, type_="edit_profile" if i % 2 else "warmup_scroll") for i, s in enumerate(statuses)], now=NOW)


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_status_bar_heights_equal_counts(df):
    """One bar per status in lifecycle order, height = count, count written on the bar, status colours."""
    ax = plot_status(df)
    assert isinstance(ax, Axes)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["scheduled", "pending", "complete", "failed"]
    assert [p.get_height() for p in ax.patches] == [2, 0, 5, 3]
    assert texts(ax) == ["2", "0", "5", "3"]
    assert ax.patches[3].get_facecolor()[:3] == pytest.approx(plt.matplotlib.colors.to_rgb(PALETTE["failed"]))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("status", "tasks")


def test_status_stacked_by_type(df):
    """Stacked bars: one series per type, segments sum to the status count, totals written."""
    ax = plot_status(df, stacked_by="type")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["edit_profile", "warmup_scroll"]
    heights = [p.get_height() for p in ax.patches]
    per_series = len(ax.patches) // 2
    totals = [a + b for a, b in zip(heights[:per_series], heights[per_series:])]
    assert totals == [2, 0, 5, 3]
    assert texts(ax) == ["2", "0", "5", "3"]


def test_plot_draws_on_given_axes_and_never_shows(df, monkeypatch):
    """With ax= given, it draws there, creates no figure and never calls plt.show()."""
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    assert plot_status(df, ax=ax) is ax
    assert plot_age(df, ax=ax) is ax
    assert plt.get_fignums() == before


def test_age_histogram_per_status_in_days(df):
    """Age histograms: one series per present status, counts in the legend, unit chosen as days."""
    ax = plot_age(df)
    assert ax.get_xlabel() == "age (days)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["scheduled (2)", "complete (5)", "failed (3)"]


def test_age_unit_hours_for_young_queues():
    """Ages under two days are shown in hours."""
    assert age_unit(pd.Series(pd.to_timedelta(["3h", "30h"])))[0] == "hours"
    assert age_unit(pd.Series(pd.to_timedelta(["3h", "3D"])))[0] == "days"


@pytest.mark.parametrize(
    "frame",
    [
        tasks_frame([], now=NOW),
        tasks_frame([rec(1, "failed", created=None)], now=NOW),
    ],
    ids=["empty", "all-NaT"],
)
def test_edge_frames_give_a_note_not_an_exception(frame):
    """Empty or timestamp-less frames give labelled axes with a note."""
    ax = plot_age(frame)
    assert ax.get_xlabel().startswith("age") and texts(ax)
    ax = plot_status(frame)
    assert ax.get_title() == "Tasks by status"


def test_unknown_status_gets_its_own_bar():
    """An unknown status is drawn after the known ones in the 'other' colour."""
    with pytest.warns(UserWarning):
        frame = tasks_frame([rec(1, "retrying"), rec(2, "failed")], now=NOW)
    ax = plot_status(frame)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "retrying"
    assert [p.get_height() for p in ax.patches] == [0, 0, 0, 1, 1]


def test_summary_figure_has_both_panels_and_title(df):
    """plot_summary returns a Figure with status and age panels, titled with the count and range."""
    fig = plot_summary(df)
    assert isinstance(fig, Figure)
    assert [a.get_title() for a in fig.axes] == ["Tasks by status", "Task age"]
    assert fig._suptitle.get_text() == "10 tasks, created 2025-01-01 to 2025-01-01"
