"""What the panel's table sends to the browser: readable headers, raw sortable cells, badges and ages by render functions."""

from __future__ import annotations

import pandas as pd

from ugc_nb import Sandbox, load_tasks
from ugc_nb.insight.plots import PALETTE
from ugc_nb.panel.table import display_frame, table_options, table_view

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


def frame(accounts=True):
    box = Sandbox(n_tasks=80, n_accounts=5, seed=3, now=NOW.to_pydatetime())
    return load_tasks(box.client(), now=NOW, accounts=accounts)


def test_headers_are_readable_and_the_first_column_is_the_checkbox():
    """The browser sees '', Task, Account, …, Age — never internal names like age_days or account_id."""
    shown = display_frame(table_view(frame(), 50))
    assert list(shown.columns)[:4] == ["", "Task", "Status", "Account"] and "Age" in shown and "age_days" not in shown
    assert "account_id" not in shown and (shown[""] == "").all()


def test_accounts_read_username_and_id_and_ages_stay_numbers_for_sorting():
    """An account cell is 'username (acc_…)'; the age cell is a number (days, 0.1 d) that DataTables sorts on."""
    df = frame()
    view = table_view(df, 50)
    first = df.sort_values("created_at").iloc[0]
    assert view["account"].iloc[0] == f"{first['username']} ({first['account_id']})"
    assert view["age_days"].dtype.kind == "f" and view["age_days"].iloc[0] == round(first["age"].total_seconds() / 86400, 6)
    assert view["age_days"].is_monotonic_decreasing  # oldest first


def test_options_render_badges_in_the_plot_palette_ages_in_days_and_checkbox_selection():
    """Status cells render as badges coloured from plots.PALETTE, ages as 'N.N d'; selection is by checkbox, page-wide
    select-all in the header; no downsampling, no search box of the table's own."""
    view = table_view(frame(), 50)
    options = table_options(view)
    defs = {d["targets"]: d for d in options["columnDefs"]}
    names = ["select", "id", "status", "account", "tag", "type", "created_at", "age_days", "scheduled_time"]
    badge = defs[names.index("status")]["render"]
    assert PALETTE["failed"] in badge and PALETTE["scheduled"] in badge and "ugc-badge" in badge
    assert "toFixed(1) + ' d'" in defs[names.index("age_days")]["render"]
    assert "selectCheckbox" in defs[0]["render"] and defs[0]["orderable"] is False
    selectable = options["select"].pop("selectable")
    assert options["select"] == {"style": "multi", "selector": "td:first-child", "headerCheckbox": "select-page", "info": False}
    assert selectable == f'function (row) {{ return ["scheduled", "failed"].indexOf(row[{names.index("status")}]) >= 0; }}'
    assert options["order"] == [[names.index("age_days"), "desc"]]
    assert options["maxBytes"] == 0 and options["layout"] == {"topEnd": None}


def test_no_tag_or_username_is_an_empty_cell_and_a_bare_id_without_a_username():
    """Missing tags are '' (not NaN) and an account without a username shows its bare id."""
    df = frame()
    df["tag"] = None
    df.loc[df.index[0], "username"] = None
    view = table_view(df, 500)
    row = view[view["id"] == df["id"].iloc[0]].iloc[0]
    assert (view["tag"] == "").all() and row["account"] == df["account_id"].iloc[0]


def test_the_table_sends_the_same_json_as_for_the_view_as_typed():
    """display_frame hands itables plain Python strings (faster to format); the DataTables arguments it produces are exactly
    those of the view with its own string dtypes."""
    from ugc_nb.panel.table import HEADERS, FullTable

    view = table_view(frame(), 50)
    typed = view[[c for c in HEADERS if c in view.columns]].copy()
    typed.insert(0, "select", "")
    typed = typed.rename(columns=HEADERS)
    shown = display_frame(view)
    assert list(shown.columns) == list(typed.columns) and shown.astype(str).equals(typed.astype(str))
    assert FullTable(shown, **table_options(view))._dt_args == FullTable(typed, **table_options(view))._dt_args
