"""The panel's table payload is exactly its bounded view, and its fast paths (a mask over the frame, an order sorted once,
categorical codes) give what the plain pandas definitions give."""

from __future__ import annotations

import itables
import numpy as np
import pandas as pd
import pytest
from itables.widget import ITable

from ugc_nb import Sandbox, load_tasks
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.panel import CleanupPanel
from ugc_nb.panel.filterbar import counted_options
from ugc_nb.panel.table import FullTable, TablePayload, display_frame, table_view

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture
def box():
    return Sandbox(n_tasks=600, n_accounts=20, seed=4, now=NOW.to_pydatetime())


@pytest.fixture
def client(box):
    return box.client(retry=NO_WAIT)


@pytest.fixture
def df(client):
    return load_tasks(client, now=NOW, accounts=True)


def check_payload(panel: CleanupPanel) -> TablePayload:
    """The payload holds exactly min(max_rows, matching) rows — the panel's view, row for row — and nothing was dropped."""
    sent = panel.table_payload()
    view = panel.view
    assert not sent.downsampled, sent.downsampling_warning
    assert panel.matching_count == len(panel.filtered)
    assert len(sent.rows) == len(view) == min(panel.max_rows, panel.matching_count)
    assert [row[1] for row in sent.rows] == view["id"].tolist()
    assert len(panel.table.df) == len(view)
    return sent


def test_the_payload_is_the_bounded_view_after_every_update(df, client, tmp_path):
    """After creation, each kind of filter change, a preset and a new frame, the table sends exactly min(max_rows, matching)
    rows (the panel's view) with maxBytes=0, and the counts line says the same number."""
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=50)
    check_payload(panel)
    changes = [
        lambda: setattr(panel.status_filter, "value", ("failed",)),
        lambda: setattr(panel.min_age, "value", 20),
        lambda: setattr(panel.min_age, "value", 0),
        lambda: setattr(panel.search, "value", panel.df["id"].iloc[0][-5:]),
        lambda: panel.reset_filters(),
        lambda: panel.choose_preset("old-failures", days=3),
        lambda: panel.choose_preset(None),
        lambda: setattr(panel, "df", panel.df.iloc[: len(panel.df) // 2]),
    ]
    sizes = set()
    for change in changes:
        change()
        sent = check_payload(panel)
        assert f"<b>{panel.matching_count:,}</b> of {len(panel.df):,} tasks match" in panel.counts.value
        sizes.add(len(sent.rows))
    assert 50 in sizes and min(sizes) < 50  # both the bound and a view smaller than it were seen


def test_a_view_above_64_kb_is_sent_whole(tmp_path):
    """A view well above itables' 64 KB default (by its own estimate too) is sent whole after an update: the panel's bound
    is the only one."""
    client = Sandbox(n_tasks=1500, n_accounts=20, seed=4, now=NOW.to_pydatetime()).client(retry=NO_WAIT)
    df = load_tasks(client, now=NOW, accounts=True)
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=len(df))
    panel.min_age.value = 0.5
    panel.min_age.value = 0
    sent = check_payload(panel)
    assert sent.bytes > 64 * 1024 and len(sent.rows) == len(df)


def test_itables_global_options_never_downsample_the_panel(df, client, tmp_path, monkeypatch):
    """Global itables limits set by the user (maxBytes, maxRows, maxColumns) do not reach the panel's table."""
    monkeypatch.setattr(itables.options, "maxBytes", "1KB", raising=False)
    monkeypatch.setattr(itables.options, "maxRows", 10, raising=False)
    monkeypatch.setattr(itables.options, "maxColumns", 3, raising=False)
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=200)
    panel.status_filter.value = ("complete",)
    sent = check_payload(panel)
    assert len(sent.rows) == 200 and len(sent.rows[0]) == len(panel.table.df.columns)


def test_a_plain_itable_update_without_the_options_downsamples_which_full_table_prevents():
    """The pitfall FullTable closes: ITable.update forgets maxBytes=0 given at creation and drops rows of the panel's
    default 1,000-row view at 64 KB; FullTable.update sends every row even when the caller forgets the option."""
    df = load_tasks(Sandbox(n_tasks=1500, n_accounts=20, seed=4, now=NOW.to_pydatetime()).client(), now=NOW, accounts=True)
    view = table_view(df, 1000)
    shown = display_frame(view)
    plain, full = ITable(shown, maxBytes=0), FullTable(shown, maxBytes=0)
    assert len(TablePayload.of(plain).rows) == len(full.payload().rows) == 1000
    plain.update(shown)
    full.update(shown)
    assert TablePayload.of(plain).downsampled and len(TablePayload.of(plain).rows) < 1000
    assert not full.payload().downsampled and len(full.payload().rows) == 1000


def test_the_view_is_the_oldest_matching_rows_with_ties_and_missing_dates(df, client, tmp_path):
    """With many equal creation times and some missing ones, the view is exactly table_view(filtered, max_rows):
    oldest first, ties in frame order, no date last."""
    df = df.copy()
    df["created_at"] = df["created_at"].dt.floor("7D")  # a handful of distinct times: ties everywhere
    df.loc[df.index[::9], "created_at"] = pd.NaT
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=120)
    for change in (lambda: None, lambda: setattr(panel.status_filter, "value", ("complete", "failed")),
                   lambda: setattr(panel.type_filter, "value", tuple(panel.type_filter.options[:2])),
                   lambda: setattr(panel.min_age, "value", 30), lambda: panel.reset_filters()):
        change()
        pd.testing.assert_frame_equal(panel.view, table_view(panel.filtered, 120))
        check_payload(panel)
    panel.max_rows = len(df)
    panel.reset_filters()
    assert panel.view["created_at"].iloc[-1] == ""  # every row shown: the ones without a date come last


def reference(panel: CleanupPanel) -> tuple[list[str], bool, bool, bool]:
    """What the panel computed before it kept a mask: hidden ids, "all matching selected", Retry and Delete disabled —
    from the matching rows' ids as a set."""
    matching = set(panel.filtered["id"].astype(str))
    selected = panel.selected_ids
    hidden = [i for i in selected if i not in matching]
    everything = len(panel.filtered) > 0 and set(selected) >= matching
    chosen = panel.chosen
    retry_disabled = not bool((chosen["status"] == "failed").any()) if len(chosen) else True
    return hidden, everything, retry_disabled, len(chosen) == 0


def test_selection_state_agrees_with_the_set_definitions_even_with_a_task_listed_twice(df, client, tmp_path):
    """Hidden selected ids, the 'all N matching are selected' banner and the Retry/Delete buttons follow the set definitions,
    after ticks, filter changes and "select all matching", also when a task id is in the frame twice in two states."""
    first = df.iloc[[0]].copy()
    first["status"] = "failed" if df["status"].iloc[0] != "failed" else "complete"
    frame = pd.concat([df, first], ignore_index=True)
    twice = str(first["id"].iloc[0])
    panel = CleanupPanel(frame, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=40, background=False)

    def agree() -> None:
        hidden, everything, retry_disabled, delete_disabled = reference(panel)
        assert panel.hidden_ids == hidden
        assert panel.matching_banner.value.startswith("All") == everything
        assert (panel.retry_button.disabled, panel.delete_button.disabled) == (retry_disabled, delete_disabled)
        note = f"<b>{len(hidden):,}</b> selected are hidden" if hidden else "selected are hidden"
        assert (note in panel.counts.value) == bool(hidden)

    steps = [
        lambda: panel.select([twice]),
        lambda: setattr(panel.status_filter, "value", ("failed",)),
        lambda: setattr(panel.status_filter, "value", ("complete", "scheduled")),
        lambda: panel.select_matching_button.click(),
        lambda: setattr(panel.min_age, "value", 10),
        lambda: setattr(panel.min_age, "value", 0),
        lambda: setattr(panel.status_filter, "value", ()),
        lambda: panel.select_matching(),
        lambda: setattr(panel.status_filter, "value", ("complete",)),
        lambda: panel.select(panel.filtered["id"].tolist()[:3] + [twice]),
        lambda: setattr(panel.search, "value", panel.filtered["id"].iloc[5]),  # one matching row, not among the selected
        lambda: setattr(panel.search, "value", panel.selected_ids[1]),  # one matching row, selected
        lambda: setattr(panel.search, "value", "no task has this in its id"),
        lambda: panel.select([]),
        lambda: panel.select_matching(),
    ]
    agree()
    for step in steps:
        step()
        agree()


def test_counted_options_on_a_categorical_match_the_plain_count(df):
    """Counting a categorical filter column by its codes gives the labels and counts of counting its values as text;
    categories no row uses are not offered."""
    for column in ("type", "account_id"):
        categorical = df.astype({column: "category"})
        categorical[column] = categorical[column].cat.add_categories(["zz_unused"])
        plain = df.astype({column: object})
        assert counted_options(categorical, column) == counted_options(plain, column)
        assert not [v for _, v in counted_options(categorical, column) if v == "zz_unused"]


def test_the_panel_reads_only_the_columns_it_shows(df, client, tmp_path):
    """Columns the panel does not show (keywords, edit_profile_info) may hold any dtype: the view and payload are unchanged."""
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=60)
    before = panel.table_payload()
    odd = df.assign(keywords=np.arange(len(df)).astype(object), edit_profile_info=[{"n": [i]} for i in range(len(df))])
    panel.df = odd
    assert panel.table_payload() == before
