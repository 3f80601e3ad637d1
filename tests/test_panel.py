"""CleanupPanel driven as a person would: set filter values, select rows, .click() the buttons."""

from __future__ import annotations

import pandas as pd
import pytest

import ugc_nb
from ugc_nb import Sandbox, UGCClient, load_tasks, read_journal
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.panel import CleanupPanel

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


@pytest.fixture
def box():
    return Sandbox(n_tasks=600, n_accounts=20, seed=4, now=NOW.to_pydatetime())


@pytest.fixture(params=["inprocess", "http"])
def client(box, request):
    """A client on the sandbox: in-process, or over real HTTP on loopback."""
    if request.param == "inprocess":
        yield box.client(retry=NO_WAIT)
        return
    with box.serve() as server, UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, timeout=10) as http_client:
        yield http_client


@pytest.fixture
def panel(box, client, tmp_path):
    return CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=50)


def old_failed(panel):
    panel.status_filter.value = ("failed",)
    panel.min_age.value = 7
    return panel.filtered


def test_filters_narrow_rows_and_counts(panel):
    """Status, age, type, account, date and search filters narrow the matching rows and the counts line."""
    rows = old_failed(panel)
    df = panel.df
    expected = df[(df["status"] == "failed") & (df["age"] >= pd.Timedelta(days=7))]
    assert sorted(rows["id"]) == sorted(expected["id"])
    assert f"<b>{len(expected)}</b> of {len(df)} tasks match" in panel.counts.value
    panel.type_filter.value = ("edit_profile",)
    assert set(panel.filtered["type"]) <= {"edit_profile"}
    account = panel.filtered["account_id"].iloc[0] if len(panel.filtered) else df["account_id"].iloc[0]
    panel.type_filter.value = ()
    panel.account_filter.value = (str(account),)
    assert set(panel.filtered["account_id"].astype(str)) == {str(account)}
    panel.account_filter.value = ()
    one = rows["id"].iloc[0]
    panel.search.value = one[-6:].upper()
    assert panel.filtered["id"].tolist() == [one]
    panel.search.value = ""
    panel.created_from.value = (NOW - pd.Timedelta("10D")).date()
    panel.created_to.value = (NOW - pd.Timedelta("8D")).date()
    created = panel.filtered["created_at"]
    assert len(created) and created.min() >= NOW.normalize() - pd.Timedelta("10D") and created.max() < NOW.normalize() - pd.Timedelta("7D")


def test_table_is_bounded_and_says_what_is_hidden(panel):
    """At most max_rows rows go to the browser; the counts line says how many are not shown."""
    assert len(panel.table.df) == 50 and len(panel.filtered) == len(panel.df) > 50
    assert f"{len(panel.df) - 50} not shown" in panel.counts.value
    assert list(panel.table.df.columns) == ["", "Task", "Status", "Account", "Type", "Created (UTC)", "Age", "Scheduled (UTC)"]


def test_browser_selection_positions_become_ids(panel):
    """A selection synced from the table (positions) is turned into the ids of those rows."""
    old_failed(panel)
    view = panel.table.df
    panel.table.selected_rows = [0, 2]
    assert panel.selected_ids == [view["Task"].iloc[0], view["Task"].iloc[2]]
    assert "<b>2</b> selected" in panel.selected_count.value


def test_select_reaches_rows_not_shown_and_rejects_unknown(panel):
    """select() takes any id of the frame, shown or not; unknown ids are a ValueError."""
    hidden = panel.df.sort_values("created_at")["id"].iloc[-1]
    assert hidden not in set(panel.table.df["Task"])
    panel.select([hidden])
    assert panel.selected_ids == [hidden] and panel.table.selected_rows == []
    with pytest.raises(ValueError, match="not in this panel"):
        panel.select(["task_nope"])


def test_delete_selected_through_the_buttons(panel, box, tmp_path):
    """Delete → confirmation with count/breakdown → Confirm deletes exactly the selection and updates the table."""
    rows = old_failed(panel)
    pick = rows["id"].tolist()[:4]
    complete = panel.df.loc[panel.df["status"] == "complete", "id"].iloc[0]
    panel.select([*pick, complete])
    panel.delete_button.click()
    assert panel.confirm_box.layout.display == ""
    text = panel.confirm_html.value
    assert "4 of 5 chosen tasks can be deleted." in text and "1 will be skipped as ineligible" in text and "By status: failed: 4" in text
    assert panel.confirm_text.layout.display == "none"
    panel.confirm_button.click()
    panel.wait()
    assert panel.confirm_box.layout.display == "none"
    assert sorted(box.deleted_ids) == sorted(pick)
    assert panel.report.totals == {"deleted": 4, "ineligible": 1}
    assert "4 deleted" in panel.result_view.summary.value
    assert not set(pick) & set(panel.df["id"]) and not set(pick) & set(panel.filtered["id"])
    assert panel.selected_ids == []  # cleared after the action, the skipped row too
    assert panel.progress.bar.value == panel.progress.bar.max == 4 and panel.progress.layout.display == "none"  # hidden when done
    assert set(read_journal(tmp_path / "j.jsonl").query("outcome == 'deleted'")["id"]) == set(pick)


def test_cancel_deletes_nothing(panel, box):
    """Delete then Cancel sends no mutation and says so."""
    panel.select(old_failed(panel)["id"].tolist()[:3])
    box.reset_log()
    panel.delete_button.click()
    panel.cancel_button.click()
    assert panel.confirm_box.layout.display == "none"
    assert not box.deleted_ids and not [r for r in box.requests if r.path == "/tasks/delete"]
    assert "nothing was sent" in panel.result.value


def test_large_deletion_needs_the_typed_count(box, client, tmp_path):
    """Above the threshold Confirm does nothing until the exact count is typed, and says what is missing."""
    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", confirm_threshold=5)
    panel.status_filter.value = ("failed",)
    panel.select_matching()
    n = len(panel.filtered)
    assert n > 5
    panel.delete_button.click()
    assert panel.confirm_text.layout.display == ""
    panel.confirm_button.click()
    panel.wait()
    assert f"type <b>{n}</b>" in panel.confirm_message.value and not box.deleted_ids
    assert panel.confirm_box.layout.display == ""
    panel.confirm_text.value = str(n + 1)
    panel.confirm_button.click()
    panel.wait()
    assert not box.deleted_ids
    panel.confirm_text.value = f" {n} "
    panel.confirm_button.click()
    panel.wait()
    assert len(box.deleted_ids) == n and panel.report.totals == {"deleted": n}


def test_confirm_is_disabled_until_the_typed_count_matches(box, client, tmp_path):
    """Above the threshold the Confirm button is disabled until the exact count is typed (with or without a
    thousands separator); a wrong count disables it again."""
    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", confirm_threshold=5)
    panel.status_filter.value = ("failed",)
    panel.select_matching()
    n = len(panel.filtered)
    panel.delete_button.click()
    assert panel.confirm_button.disabled
    panel.confirm_text.value = str(n - 1)
    assert panel.confirm_button.disabled
    panel.confirm_text.value = f"{n:,}"
    assert not panel.confirm_button.disabled
    panel.confirm_text.value = ""
    assert panel.confirm_button.disabled and not box.deleted_ids


def test_retry_is_not_styled_as_a_danger_and_a_new_confirmation_clears_the_old_result(panel, box):
    """Confirm is red for a delete, amber for a retry; opening a new confirmation removes the previous result."""
    failed = old_failed(panel)["id"].tolist()[:2]
    panel.select(failed[:1])
    panel.delete_button.click()
    assert panel.confirm_button.button_style == "danger"
    panel.confirm_button.click()
    panel.wait()
    assert "1 deleted" in panel.result_view.summary.value and panel.result_view.layout.display == ""
    panel.select(failed[1:])
    panel.retry_button.click()
    assert panel.confirm_button.button_style == "warning" and panel.retry_button.button_style != "danger"
    assert panel.result.value == "" and panel.result_view.layout.display == "none"


def test_the_result_is_a_summary_line_failures_first_status_now_and_a_csv(panel, box):
    """After an action: '2 deleted · 1 failed · 1 skipped', the failed task first, each task's status now, and a CSV
    download holding every task — no Python hint in the page."""
    import base64
    import re

    rows = old_failed(panel)["id"].tolist()[:3]
    complete = panel.df.loc[panel.df["status"] == "complete", "id"].iloc[0]
    panel.select([*rows, complete])
    panel.delete_button.click()
    real = panel.client.tasks.delete

    def refuse_one(ids):
        if rows[2] in ids:
            raise ugc_nb.BadRequestError("task is locked", path="/tasks/delete", status_code=400)
        return real(ids)

    panel.client.tasks.delete = refuse_one
    panel.engine_options["batch_size"] = 1
    panel.confirm_button.click()
    panel.wait()
    view = panel.result_view
    text = view.summary.value
    assert "2 deleted · 1 failed · 1 skipped" in text and ".to_frame()" not in text
    shown = view.table.df
    assert shown["Task"].iloc[0] == rows[2] and shown["Outcome"].iloc[0] == "failed"  # failures first
    assert dict(zip(shown["Task"], shown["Status now"])) == {rows[0]: "gone", rows[1]: "gone", rows[2]: "failed", complete: "complete"}
    assert [label for label, _ in view.outcome_filter.options] == ["all", "failed · 1", "ineligible · 1", "deleted · 2"]
    view.outcome_filter.value = "deleted"
    assert sorted(view.table.df["Task"]) == sorted(rows[:2])  # filterable by outcome
    data = re.search(r"base64,([A-Za-z0-9+/=]+)'", text).group(1)
    csv = base64.b64decode(data).decode()
    assert all(i in csv for i in [*rows, complete]) and csv.splitlines()[0].startswith("id,outcome")


def test_select_all_matching_acts_on_rows_not_shown(panel, box):
    """'Select all N matching' includes matching rows beyond the table's bound, and the confirmation says so."""
    panel.status_filter.value = ("failed", "scheduled")
    matching = panel.filtered["id"].tolist()
    assert len(matching) > len(panel.table.df)
    panel.select_matching()
    panel.delete_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert sorted(box.deleted_ids) == sorted(matching)
    assert len(panel.filtered) == 0


def test_retry_button_follows_failed_tasks_in_scope(panel, box):
    """Retry is disabled without failed tasks in scope; retrying shows them as scheduled in the panel."""
    complete = panel.df.loc[panel.df["status"] == "complete", "id"].tolist()[:2]
    panel.select(complete)
    assert panel.retry_button.disabled
    failed = old_failed(panel)["id"].tolist()[:3]
    panel.select(failed)
    assert not panel.retry_button.disabled
    panel.retry_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"retried": 3}
    assert all(box.status_of(i) == "scheduled" for i in failed)
    assert (panel.df.set_index("id").loc[failed, "status"] == "scheduled").all()


def test_task_retried_in_the_panel_can_then_be_deleted_from_it(panel, box):
    """After the panel's own retry its rows carry the server's new state (not the local clock): deleting them next is 'deleted', not 'changed'."""
    failed = old_failed(panel)["id"].tolist()[:3]
    panel.select(failed)
    panel.retry_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"retried": 3}
    rows = panel.df.set_index("id").loc[failed]
    assert [str(t) for t in rows["scheduled_time"]] == [str(pd.Timestamp(box.task(i)["scheduled_time"])) for i in failed]
    assert rows["deletable"].all() and not rows["retryable"].any()
    panel.status_filter.value = ()
    panel.min_age.value = 0
    panel.select(failed)
    panel.delete_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"deleted": 3}
    assert all(box.task(i) is None for i in failed)


def test_changed_between_load_and_confirm(panel, box):
    """A selected task that started running before Confirm is reported changed and not deleted."""
    pick = old_failed(panel)["id"].tolist()[:3]
    panel.select(pick)
    panel.delete_button.click()
    box.set_status([pick[0]], "pending")
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.to_frame().set_index("id")["outcome"].to_dict() == {pick[0]: "changed", pick[1]: "deleted", pick[2]: "deleted"}
    assert box.task(pick[0]) is not None


def test_nothing_to_do_is_said_not_asked(panel):
    """Delete with only pending/complete rows in scope shows a message and no confirmation."""
    panel.select(panel.df.loc[panel.df["status"] == "complete", "id"].tolist()[:2])
    panel.delete_button.click()
    assert panel.confirm_box.layout.display == "none" and "Nothing to delete" in panel.result.value


def test_errors_are_shown_in_the_panel(panel, monkeypatch):
    """An exception inside a click handler is shown in the panel, and the buttons work again."""
    def boom(*args, **kwargs):
        raise RuntimeError("the network fell over")

    monkeypatch.setattr("ugc_nb.panel.panel.run_cleanup", boom)
    panel.select(old_failed(panel)["id"].tolist()[:1])
    panel.delete_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert "RuntimeError" in panel.error.value and "the network fell over" in panel.error.value
    assert not panel.delete_button.disabled and not panel.confirm_button.disabled


def test_changing_the_selection_withdraws_the_confirmation(panel, box):
    """Delete… then a different selection: the pending confirmation is withdrawn and Confirm sends nothing."""
    rows = old_failed(panel)["id"].tolist()
    panel.select(rows[:3])
    panel.delete_button.click()
    panel.select(rows[3:4])
    assert panel.confirm_box.layout.display == "none" and "withdrawn" in panel.result.value
    panel.confirm_button.click()
    panel.wait()
    assert not box.deleted_ids and "Nothing to confirm" in panel.confirm_message.value


def test_changing_a_filter_withdraws_the_confirmation(panel, box):
    """After 'select all matching', narrowing a filter after Delete… withdraws the confirmation; the selection is
    still the tasks selected (now partly hidden), and the next confirmation no longer calls them "all matching"."""
    panel.status_filter.value = ("scheduled",)
    panel.select_matching()
    panel.delete_button.click()
    panel.type_filter.value = ("edit_profile",)
    panel.confirm_button.click()
    panel.wait()
    assert not box.deleted_ids
    panel.select_matching()
    expected = set(panel.filtered["id"])
    panel.delete_button.click()
    assert "all" in panel.confirm_html.value and "type edit_profile" in panel.confirm_html.value
    panel.confirm_button.click()
    panel.wait()
    assert set(box.deleted_ids) == expected and set(panel.report.to_frame()["type"]) == {"edit_profile"}


def test_everything_selected_needs_the_typed_count(panel, box):
    """'Select all matching' with no filter set is every task: the confirmation says so and a typed count is required
    whatever the size."""
    panel.select_matching()
    panel.delete_button.click()
    assert "no filters are set" in panel.confirm_html.value and "every task loaded" in panel.confirm_html.value
    assert panel.confirm_text.layout.display == ""
    panel.confirm_button.click()
    panel.wait()
    assert not box.deleted_ids


def test_selection_hidden_by_the_filters_is_pointed_out_with_show_and_clear(panel):
    """Selected rows the filters hide are named in the counts line with 'show' and 'clear', and listed in the confirmation."""
    hidden = panel.df.loc[panel.df["status"] == "scheduled", "id"].tolist()[:2]
    panel.select(hidden)
    assert panel.show_hidden_button.layout.display == "none"
    panel.status_filter.value = ("failed",)
    assert "<b>2</b> selected are hidden by the filters" in panel.counts.value
    assert panel.show_hidden_button.layout.display == "" and panel.clear_hidden_button.layout.display == ""
    panel.delete_button.click()
    assert "2 of the selected tasks are hidden by the current filters" in panel.confirm_html.value and hidden[0] in panel.confirm_html.value
    panel.show_hidden_button.click()
    assert panel.status_filter.value == () and "hidden" not in panel.counts.value and panel.selected_ids == hidden
    panel.status_filter.value = ("failed",)
    panel.clear_hidden_button.click()
    assert panel.selected_ids == [] and panel.delete_button.disabled


def test_selection_is_cleared_after_an_action(panel, box):
    """After retrying two selected failed tasks (now scheduled, out of a 'failed' view), nothing stays selected:
    Delete… cannot offer to delete the tasks just retried."""
    failed = old_failed(panel)["id"].tolist()[:2]
    panel.select(failed)
    panel.retry_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"retried": 2}
    assert panel.selected_ids == [] and panel.table.selected_rows == []
    assert panel.delete_button.disabled and "hidden" not in panel.counts.value


def test_the_table_never_downsamples_and_has_no_search_box_of_its_own(box, client, tmp_path):
    """Every update keeps maxBytes=0 (no DataTables downsampling behind the panel's bound) and no DataTables search."""
    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=600)
    for change in (lambda: setattr(panel.min_age, "value", 1), lambda: setattr(panel.status_filter, "value", ()),
                   lambda: setattr(panel.min_age, "value", 0)):
        change()
        payload = panel.table_payload()
        assert not payload.downsampled and len(payload.rows) == len(panel.view), payload.downsampling_warning
        args = panel.table._dt_args  # itables' own arguments: the layout, for the search box
        assert not args.get("filtered_row_count") and args.get("layout", {}).get("topEnd", "search") is None


def test_new_frame_drops_vanished_selection(panel, box, client):
    """Reloading panel.df after another client deleted a selected task never selects some other row."""
    pick = old_failed(panel)["id"].tolist()[:1]
    panel.select(pick)
    panel.delete_button.click()
    client.tasks.delete(pick)  # someone else deletes it meanwhile
    box.reset_log()
    panel.df = load_tasks(client, now=NOW)
    assert panel.selected_ids == [] and len(panel.chosen) == 0
    assert panel.confirm_box.layout.display == "none"
    panel.confirm_button.click()
    panel.wait()
    assert not [r for r in box.requests if r.path == "/tasks/delete"]


def test_panel_rejects_a_frame_that_is_not_a_task_frame(client):
    """A frame without the task columns is a ValueError naming what is missing."""
    with pytest.raises(ValueError, match="missing columns: id, status"):
        CleanupPanel(pd.DataFrame({"x": [1]}), client)


def test_ctrl_c_during_confirm_shows_what_happened(panel, box, monkeypatch):
    """An interrupted run still shows its report, updates the table and frees the buttons."""
    from ugc_nb import CleanupInterrupted
    from ugc_nb.cleanup.outcome import CleanupReport, TaskResult

    pick = old_failed(panel)["id"].tolist()[:2]

    def interrupted(action, client, rows, **kwargs):
        client.tasks.delete(pick[:1])
        raise CleanupInterrupted(CleanupReport("delete", False, [TaskResult(pick[0], "deleted"),
            TaskResult(pick[1], "not_sent", "the run was interrupted")]))

    monkeypatch.setattr("ugc_nb.panel.panel.run_cleanup", interrupted)
    panel.select(pick)
    panel.delete_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"deleted": 1, "not_sent": 1} and "1 deleted" in panel.result_view.summary.value
    assert pick[0] not in set(panel.df["id"]) and pick[1] in set(panel.df["id"])
    assert not panel.confirm_button.disabled and not panel.cancel_button.disabled
    panel.select(pick[1:])
    assert not panel.delete_button.disabled


def test_inverted_date_range_is_pointed_out(panel):
    """A 'from' date after the 'to' date matches nothing, and the panel says why."""
    panel.created_from.value = (NOW - pd.Timedelta("2D")).date()
    panel.created_to.value = (NOW - pd.Timedelta("9D")).date()
    assert len(panel.filtered) == 0 and "range is inverted" in panel.counts.value


def test_age_presets_reset_and_the_active_filters_line(panel):
    """1 d / 7 d / 30 d set the minimum age; the active filters are spelled out; Reset clears every filter."""
    assert "no filters" in panel.active_filters.value
    panel.age_presets[1].click()
    assert panel.min_age.value == 7 and "age ≥ 7 d" in panel.active_filters.value
    panel.status_filter.value = ("failed",)
    panel.search.value = "acc"
    assert "status failed" in panel.active_filters.value and "search &#x27;acc&#x27;" in panel.active_filters.value
    matching = len(panel.filtered)
    panel.reset_button.click()
    assert panel.min_age.value == 0 and panel.status_filter.value == () and panel.search.value == ""
    assert "no filters" in panel.active_filters.value and len(panel.filtered) == len(panel.df) > matching


def test_a_task_without_a_tag_shows_an_empty_cell_not_nan():
    """In the table an account with no tag (or username) shows an empty cell, never 'nan' or 'NaN'."""
    from ugc_nb.panel.table import table_view

    df = load_tasks(Sandbox(n_tasks=300, n_accounts=40, seed=3).client(), accounts=True)
    assert df["tag"].isna().any()
    view = table_view(df, 1000)
    assert "" in set(view["tag"]) and not {"nan", "NaN", "<NA>", "None"} & set(view["tag"])
    assert not [a for a in view["account"] if a.split(" (")[0] in {"nan", "NaN", "<NA>", "None"}]


def test_filters_show_counts_and_accounts_read_username_and_id(box, client, tmp_path):
    """Status, type and account options carry task counts; accounts read 'username (acc_…) · n' and are searchable."""
    df = load_tasks(client, now=NOW, accounts=True)
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", background=False)
    failed = int((df["status"] == "failed").sum())
    assert panel.status_filter.label("failed") == f"failed · {failed:,}"
    account = df["account_id"].iloc[0]
    name = df.loc[df["account_id"] == account, "username"].iloc[0]
    assert panel.account_filter.label(account) == f"{name} ({account}) · {int((df['account_id'] == account).sum())}"
    panel.account_filter.search.value = name
    assert [v for v, b in panel.account_filter.boxes.items() if b.layout.display != "none"] == [account]
    panel.account_filter.boxes[account].value = True  # one click, no Ctrl
    panel.status_filter.boxes["failed"].value = True
    assert set(panel.filtered["account_id"]) == {account} and set(panel.filtered["status"]) == {"failed"}
    assert f"account {name} ({account})" in panel.active_filters.value  # one name per account, everywhere


def test_select_all_matching_is_offered_once_the_shown_rows_are_selected(panel):
    """Selecting a page's worth offers 'Select all N matching'; taking it selects rows beyond the table's bound."""
    panel.status_filter.value = ("scheduled", "failed")
    matching = len(panel.filtered)
    assert matching > len(panel.table.df) and panel.select_matching_button.layout.display == "none"
    panel.table.selected_rows = list(range(25))  # the header checkbox: the whole first page
    assert panel.select_matching_button.layout.display == "" and panel.select_matching_button.description == f"Select all {matching:,} matching"
    panel.select_matching_button.click()
    assert len(panel.selected_ids) == matching and f"All <b>{matching:,}</b> tasks matching the filters are selected." in panel.matching_banner.value
    panel.clear_selection_button.click()
    assert panel.selected_ids == [] and panel.matching_banner.value == ""


def test_enter_in_the_typed_count_submits(box, client, tmp_path):
    """With the right count typed, Enter in the box confirms (as the Confirm button); with a wrong one it does not."""
    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", confirm_threshold=2, background=False)
    pick = old_failed(panel)["id"].tolist()[:3]
    panel.select(pick)
    panel.delete_button.click()
    panel.confirm_text.value = "2"
    panel._on_text_msg(panel.confirm_text, {"event": "submit"}, [])
    assert box.deleted_ids == [] and "type <b>3</b>" in panel.confirm_message.value
    panel.confirm_text.value = "3"
    panel._on_text_msg(panel.confirm_text, {"event": "submit"}, [])
    assert sorted(box.deleted_ids) == sorted(pick)


def test_stop_mid_run_sends_nothing_more(box, client, tmp_path):
    """Stop pressed while a slow run is on its second batch: that batch finishes, nothing more is sent, the banner says so."""
    import threading

    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", batch_size=2, concurrency=1)
    pick = old_failed(panel)["id"].tolist()[:10]
    real, calls, second = client.tasks.delete, [], threading.Event()

    def slow(ids):
        calls.append(list(ids))
        if len(calls) == 2:
            second.set()
            threading.Event().wait(0.3)
        return real(ids)

    client.tasks.delete = slow
    panel.select(pick)
    panel.delete_button.click()
    panel.confirm_button.click()
    assert second.wait(30)
    panel.progress.stop_button.click()
    panel.wait()
    assert len(calls) == 2 and len(box.deleted_ids) == 4
    assert panel.report.totals == {"deleted": 4, "not_sent": 6}  # not sent is not failed
    summary = panel.result_view.summary.value
    assert "Stopped as asked." in summary and "6 were not sent" in summary and "4 deleted · 0 failed · 6 not sent" in summary
    assert panel.progress.layout.display == "none" and not panel.cancel_button.disabled  # the buttons are free again


def test_a_server_that_goes_away_is_one_banner(box, client, tmp_path):
    """The server stops answering mid-run: one banner says what was deleted and what was not sent."""
    from ugc_nb.api.errors import APIConnectionError

    panel = CleanupPanel(load_tasks(client, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", batch_size=2, concurrency=1)
    pick = old_failed(panel)["id"].tolist()[:8]
    real_delete, real_list = client.tasks.delete, client.tasks.list
    gone = []

    def delete(ids):
        gone.append(1)
        return real_delete(ids)

    def listing(*args, **kwargs):
        if gone:
            raise APIConnectionError("could not connect to the server: refused", path="/tasks")
        return real_list(*args, **kwargs)

    client.tasks.delete, client.tasks.list = delete, listing
    panel.select(pick)
    panel.delete_button.click()
    panel.confirm_button.click()
    panel.wait()
    text = panel.result_view.summary.value
    done = len(box.deleted_ids)  # the batch in hand, and the one whose re-read was ahead of the outage
    assert done in (2, 4) and text.count("Stopped: the server could not be reached") == 1
    assert f"{done} of the 8 tasks were deleted before it stopped; {8 - done} were not sent" in text


def test_the_panel_takes_the_engines_options_but_not_its_own_progress_or_stop(box, client, tmp_path):
    """CleanupPanel(**CleanupOptions): batch_size etc. reach the engine; progress= or stop= is a one-line ValueError."""
    df = load_tasks(client, now=NOW)
    panel = CleanupPanel(df, client, show_all=True, journal=tmp_path / "j.jsonl", batch_size=7, max_attempts=2)
    assert panel.engine_options == {"batch_size": 7, "max_attempts": 2} and panel.journal == tmp_path / "j.jsonl"
    with pytest.raises(ValueError, match="shows its own progress and Stop button; do not pass progress"):
        CleanupPanel(df, client, progress=False)


def test_the_sticky_scope_trap_deletes_exactly_the_ticked_row(panel, box):
    """The issue's steps: select all matching and delete; Reset, tick *failed*, tick ONE row, Delete…: the
    confirmation's first line is "Delete the 1 task you ticked", Confirm says 1, and exactly that row is deleted."""
    panel.status_filter.value = ("scheduled",)
    panel.type_filter.value = ("edit_profile",)
    panel.select_matching_button.click()  # the one way to act on rows not ticked
    first = set(panel.selected_ids)
    assert first == set(panel.filtered["id"])
    panel.delete_button.click()
    assert panel.confirm_html.value.startswith("<p") and f"Delete all {len(first)} tasks matching" in panel.confirm_html.value
    if panel.confirm_text.layout.display == "":
        panel.confirm_text.value = str(len(first))
    panel.confirm_button.click()
    panel.wait()
    assert set(box.deleted_ids) == first
    panel.account_filter.search.value = "zz"
    panel.reset_button.click()
    assert panel.filter.is_empty() and panel.selected_ids == [] and panel.account_filter.search.value == ""  # Reset: everything
    panel.status_filter.boxes["failed"].value = True
    assert len(panel.filtered) > 1
    panel.table.selected_rows = [0]  # one ticked row, as the browser reports it
    one = panel.view["id"].iloc[0]
    assert panel.selected_ids == [one] and "<b>1</b> selected" in panel.selected_count.value
    panel.delete_button.click()
    assert "Delete the 1 task you ticked" in panel.confirm_html.value
    assert panel.confirm_button.description == "Confirm: delete 1"
    panel.confirm_button.click()
    panel.wait()
    assert set(box.deleted_ids) - first == {one}


def test_the_confirmation_names_accounts_and_how_many_of_the_choice_can_be_acted_on(box, client, tmp_path):
    """'All matching' names the filters with accounts as "username (acc_…)"; when some chosen rows cannot be deleted,
    the first line says "N of the M" and the Confirm button says the same N."""
    panel = CleanupPanel(load_tasks(client, accounts=True, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=50)
    account = panel.df["account_id"].iloc[0]
    name = panel.df.loc[panel.df["account_id"] == account, "username"].iloc[0]
    panel.account_filter.value = (account,)
    panel.select_matching()
    plan_rows = panel.chosen
    sendable = int(plan_rows["status"].isin(["scheduled", "failed"]).sum())
    assert 0 < sendable < len(plan_rows)
    panel.delete_button.click()
    first_line = panel.confirm_html.value.split("</p>")[0]
    assert f"Delete {sendable:,} of the {len(plan_rows):,} tasks matching account {name} ({account})" in first_line
    assert panel.confirm_button.description == f"Confirm: delete {sendable:,}"


def test_the_actions_sit_in_a_bar_above_the_table_with_the_selection_count(panel):
    """Delete… and Retry… are in one bar above the table (it stays in view: sticky), beside "N selected"; the
    confirmation opens inside that bar, under the buttons — in view wherever the page is scrolled (a 390 px walk found it
    opening above the screen)."""
    kids = list(panel.children)
    assert kids.index(panel.actions) < kids.index(panel.table)
    buttons, confirm = panel.actions.children
    assert confirm is panel.confirm_box and panel.delete_button in buttons.children and panel.retry_button in buttons.children
    assert "ugc-actions" in panel.actions._dom_classes and "position:sticky" in panel.style.value
    assert "<b>0</b> selected" in panel.selected_count.value
    panel.select(panel.df["id"].head(3).tolist())
    assert "<b>3</b> selected" in panel.selected_count.value


def test_a_short_filter_list_is_shown_whole_and_a_long_one_scrolls_with_a_search(panel):
    """The type list (five values) has no scroll box and no search, so its fifth item is never cut; the account list
    (twenty) scrolls and can be searched."""
    assert panel.type_filter.list.layout.max_height is None and panel.type_filter.search.layout.display == "none"
    assert panel.account_filter.list.layout.max_height and panel.account_filter.search.layout.display == ""


def test_filters_that_match_nothing_say_which_one_emptied_it_with_a_way_back(panel):
    """"0 of 600 tasks match the filters — 600 loaded; status failed → N; age ≥ 9000 d → 0" and a link that clears
    that filter only."""
    panel.status_filter.value = ("failed",)
    failed = len(panel.filtered)
    panel.min_age.value = 9000
    assert panel.matching_count == 0
    assert f"— {len(panel.df):,} loaded; status failed → {failed:,}; age ≥ 9000 d → 0" in panel.counts.value
    assert panel.unfilter_button.layout.display == "" and panel.unfilter_button.description == "clear “age ≥ 9000 d”"
    panel.unfilter_button.click()
    assert panel.min_age.value == 0 and panel.status_filter.value == ("failed",) and panel.matching_count == failed
    assert panel.unfilter_button.layout.display == "none" and " loaded; " not in panel.counts.value


def test_each_list_counts_within_the_other_filters(panel):
    """Once *failed* is ticked, the type list counts failed tasks ("edit_profile · 11", not the frame's 44) and every
    type stays offered; the status list keeps counting the whole frame (its own filter does not narrow it)."""
    df = panel.df
    whole = int((df["type"] == "edit_profile").sum())
    panel.status_filter.value = ("failed",)
    failed_edits = int(((df["status"] == "failed") & (df["type"] == "edit_profile")).sum())
    assert failed_edits < whole
    assert panel.type_filter.label("edit_profile") == f"edit_profile · {failed_edits:,}"
    assert set(panel.type_filter.options) == set(df["type"].astype(str).unique())
    assert panel.status_filter.label("pending") == f"pending · {int((df['status'] == 'pending').sum()):,}"
    panel.reset_button.click()
    assert panel.type_filter.label("edit_profile") == f"edit_profile · {whole:,}"


def test_accounts_are_listed_by_name_and_reset_clears_the_last_message(box, client, tmp_path):
    """Fifty accounts are found by name: the account list is in username order. Reset clears the last message too."""
    panel = CleanupPanel(load_tasks(client, accounts=True, now=NOW), client, show_all=True, journal=tmp_path / "j.jsonl", max_rows=50)
    labels = [panel.account_filter.label(v) for v in panel.account_filter.options]
    assert labels == sorted(labels, key=str.lower)
    panel.select(panel.df["id"].head(1).tolist())
    panel.delete_button.click()
    panel.cancel_button.click()
    assert "Cancelled" in panel.result.value
    panel.reset_button.click()
    assert panel.result.value == ""
