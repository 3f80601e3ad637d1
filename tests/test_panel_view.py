"""The panel's view: it opens on what can be acted on, and a header click orders all matching rows, not the ones held."""

from __future__ import annotations

import pandas as pd
import pytest

from ugc_nb import Sandbox, load_tasks
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.panel import CleanupPanel
from ugc_nb.panel.table import view_columns

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture
def box():
    return Sandbox(n_tasks=600, n_accounts=20, seed=4, now=NOW.to_pydatetime())


@pytest.fixture
def client(box):
    return box.client(retry=NO_WAIT)


@pytest.fixture
def panel(client, tmp_path):
    return CleanupPanel(load_tasks(client, accounts=True, now=NOW), client, journal=tmp_path / "j.jsonl", max_rows=50)


def click_header(panel, column, direction):
    """What the browser sends when a header is clicked: the column's position and DataTables' new direction."""
    panel.table.sort = [view_columns(panel.view).index(column), direction]


def test_the_panel_opens_on_what_can_be_deleted_or_retried(panel):
    """Scheduled and failed are ticked at first; the counts line offers every status (the list counts the others)."""
    df = panel.df
    actionable = int(df["status"].isin(["scheduled", "failed"]).sum())
    assert 0 < actionable < len(df)
    assert panel.status_filter.value == ("scheduled", "failed") and panel.matching_count == actionable
    assert panel.show_all_button.layout.display == "" and panel.show_all_button.description == "show every status"
    pending = int((df["status"] == "pending").sum())
    assert panel.status_filter.label("pending") == f"pending · {pending:,}"  # the list counts what the view leaves out
    assert f"<b>{actionable:,}</b> of {len(df):,} tasks match" in panel.counts.value
    assert "status scheduled, failed" in panel.active_filters.value


def test_one_click_shows_everything_and_reset_comes_back_to_the_default_view(panel):
    """"show every status" clears the status filter; Reset ticks scheduled and failed again."""
    panel.show_all_button.click()
    assert panel.status_filter.value == () and panel.matching_count == len(panel.df)
    assert panel.show_all_button.layout.display == "none"
    panel.status_filter.value = ("failed",)
    assert panel.show_all_button.layout.display == ""  # any status left out: still one click to everything
    panel.reset_button.click()
    assert panel.status_filter.value == ("scheduled", "failed") and panel.show_all_button.layout.display == ""


def test_show_all_opens_on_every_status(client, tmp_path):
    """show_all=True opens on every status, with nothing to offer."""
    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl")
    assert panel.status_filter.value == () and panel.matching_count == len(panel.df)
    assert panel.show_all_button.layout.display == "none"


def test_a_header_click_orders_all_matching_rows_not_the_ones_the_table_held(panel):
    """Age ascending shows the youngest matching rows of the whole frame (none of them among the 50 oldest held before);
    the counts line says which rows the table holds and the table's own order agrees."""
    matching = panel.filtered
    oldest_ids = set(panel.view["id"])
    click_header(panel, "age_days", "asc")
    youngest = matching.sort_values("created_at", ascending=False, kind="stable").head(50)
    assert set(panel.view["id"]) == set(youngest["id"]) and not set(panel.view["id"]) & oldest_ids
    assert panel.view["age_days"].is_monotonic_increasing
    assert f"the table holds the 50 youngest of {len(matching):,}" in panel.counts.value
    names = view_columns(panel.view)
    assert panel.table._dt_args["order"] == [[names.index("age_days"), "asc"]]


def test_sorting_by_account_picks_by_the_name_shown_and_keeps_the_selection(panel):
    """An account sort orders "username (acc_…)" over all matching rows; a ticked row stays ticked, shown or not."""
    first = panel.view["id"].iloc[0]
    panel.select([first])
    click_header(panel, "account", "desc")
    shown = panel.view["account"].str.lower().tolist()
    assert shown == sorted(shown, reverse=True)
    every = panel.filtered
    labels = (every["username"].astype(str) + " (" + every["account_id"].astype(str) + ")").str.lower()
    assert shown[0] == labels.max()
    assert panel.selected_ids == [first] and "the first 50 by account (Z→A)" in panel.counts.value


def test_filters_keep_the_order_and_reset_puts_oldest_first_back(panel):
    """A filter change keeps the chosen order; Reset returns to oldest first."""
    click_header(panel, "age_days", "asc")
    panel.status_filter.value = ("failed",)
    failed = panel.df[panel.df["status"] == "failed"]
    assert panel.view["id"].iloc[0] == failed.sort_values("created_at", ascending=False, kind="stable")["id"].iloc[0]
    panel.reset_button.click()
    assert panel.view["age_days"].is_monotonic_decreasing and "the 50 oldest" in panel.counts.value


def test_sorting_by_a_column_the_table_lacks_is_a_one_line_error(panel):
    """sort_by names the columns it can sort by."""
    with pytest.raises(ValueError, match="cannot sort by 'reason'; the table's columns are id, status"):
        panel.sort_by("reason")


def test_the_show_link_reaches_a_selected_pending_row_the_default_view_hides(panel):
    """A pending row selected by id is hidden by the default view; "show" brings every status back so it is shown."""
    pending = panel.df.loc[panel.df["status"] == "pending", "id"].iloc[0]
    panel.select([pending])
    assert panel.hidden_ids == [pending] and panel.show_hidden_button.layout.display == ""
    panel.show_hidden_button.click()
    assert panel.hidden_ids == [] and panel.status_filter.value == ()


def test_select_all_matching_is_offered_once_every_box_of_the_first_page_is_ticked(client, tmp_path):
    """With every status shown, the first page holds rows that cannot be ticked: ticking the ones that can (what the
    header box does) offers "Select all N matching"."""
    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", page_length=25)
    first_page = panel.view.head(25)
    tickable = first_page[first_page["status"].isin(["scheduled", "failed"])]
    assert 0 < len(tickable) < 25
    panel.table.selected_rows = [int(p) for p in tickable.index[:-1]]
    assert panel.select_matching_button.layout.display == "none"
    panel.table.selected_rows = [int(p) for p in tickable.index]
    assert panel.select_matching_button.layout.display == ""
    assert panel.select_matching_button.description == f"Select all {len(panel.df):,} matching"


def test_untagged_accounts_are_a_tag_choice(client, tmp_path):
    """The tag list offers "(no tag) · N" (within the other filters); ticking it keeps the tasks of untagged accounts,
    and the filters line says so."""
    df = load_tasks(client, accounts=True, now=NOW)
    untagged = int(df["tag"].isna().sum())
    assert untagged
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl")
    assert panel.tag_filter.options[-1] is None and panel.tag_filter.label(None) == f"(no tag) · {untagged:,}"
    panel.tag_filter.value = (None,)
    assert panel.matching_count == untagged and panel.filtered["tag"].isna().all()
    assert "tag (no tag)" in panel.active_filters.value
    panel.status_filter.value = ("failed",)
    failed_untagged = int((df["tag"].isna() & (df["status"] == "failed")).sum())
    assert panel.tag_filter.label(None) == f"(no tag) · {failed_untagged:,}"


def test_after_an_empty_queue_a_reload_opens_on_the_default_view_without_the_empty_message(client, tmp_path):
    """An empty queue says so; when a later frame has tasks the message goes and scheduled and failed are ticked."""
    df = load_tasks(client, now=NOW)
    panel = CleanupPanel(df.iloc[:0], client, journal=tmp_path / "j.jsonl")
    assert "No tasks in this queue" in panel.result.value
    panel.df = df
    assert panel.result.value == "" and panel.status_filter.value == ("scheduled", "failed")


def test_the_status_list_keeps_the_lifecycles_order_and_a_passing_message_goes_at_the_next_change(panel):
    """Every status is offered in the order scheduled, pending, complete, failed (also with none of one left); "Cancelled"
    goes when the selection changes."""
    assert panel.status_filter.options == ["scheduled", "pending", "complete", "failed"]
    panel.df = panel.df[panel.df["status"] != "failed"]
    assert panel.status_filter.options == ["scheduled", "pending", "complete", "failed"]
    assert panel.status_filter.label("failed") == "failed · 0"
    panel.select(panel.view["id"].iloc[:1].tolist())
    panel.delete_button.click()
    panel.cancel_button.click()
    assert "Cancelled; nothing was sent." in panel.result.value
    panel.select([])
    assert panel.result.value == ""
