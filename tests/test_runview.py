"""RunProgress and ResultView: phase and counts while running, a Stop that sets the engine's event, a report a person reads."""

from __future__ import annotations

import pandas as pd

from ugc_nb.cleanup.outcome import CleanupReport, TaskResult
from ugc_nb.panel.runview import ResultView, RunProgress


def test_progress_says_the_phase_counts_and_time_left_then_hides():
    """Checking first, then 'Deleting 7 / 20 done · 1 failed · about … left'; hidden once finished."""
    progress = RunProgress()
    progress.start("delete", 20)
    assert progress.layout.display == "" and progress.phase.value == "Checking the live state of 20 tasks…"
    progress.update(0, 20, 0)
    assert progress.phase.value == "Checking the live state of 20 tasks…"  # nothing settled yet
    progress._started -= 10  # ten seconds in
    progress.update(7, 20, 1)
    assert progress.phase.value.startswith("Deleting 7 / 20 done · 1 failed · about ") and progress.phase.value.endswith(" s left")
    assert progress.bar.value == 7 and progress.bar.max == 20
    progress.finish()
    assert progress.layout.display == "none"


def test_stop_sets_the_event_and_says_nothing_more_will_be_sent():
    """The Stop button sets the event handed to the engine, disables itself and says what happens now."""
    progress = RunProgress()
    progress.start("retry", 5)
    event = progress.stop
    progress.stop_button.click()
    assert event.is_set() and progress.stop_button.disabled and "nothing more will be sent" in progress.phase.value
    progress.start("retry", 5)
    assert not progress.stop.is_set() and not progress.stop_button.disabled  # a new run, a new event


def test_a_stopped_run_is_one_banner_saying_what_was_and_was_not_sent():
    """A run stopped by a server out of reach: one banner with the counts, not a wall of identical rows to read."""
    results = [TaskResult("t1", "deleted"), TaskResult("t2", "deleted")] + [
        TaskResult(f"t{k}", "not_sent", "the server could not be reached (refused)") for k in range(3, 9)]
    report = CleanupReport("delete", False, results, notes=["Stopped: the server could not be reached (refused)."])
    view = ResultView()
    view.show(report, pd.Series(dtype=object), sent=8)
    text = view.summary.value
    assert "Stopped: the server could not be reached (refused)." in text
    assert "2 of the 8 tasks were deleted before it stopped; 6 were not sent and are unchanged on the server." in text
    assert "2 deleted · 0 failed · 6 not sent · 0 skipped" in text and text.count("Stopped") == 1


def test_the_result_says_where_the_journal_is(tmp_path):
    """After a real run the summary names the journal file and the run, so the person can find every deleted row."""
    report = CleanupReport("delete", False, [TaskResult("t1", "deleted")], journal=tmp_path / "journal-sandbox.jsonl", run="abc123")
    view = ResultView()
    view.show(report, pd.Series(dtype=object), sent=1)
    assert f"Journal: {tmp_path / 'journal-sandbox.jsonl'}" in view.summary.value and "ugc-nb journal abc123" in view.summary.value


def test_the_result_names_accounts_one_way_and_the_csv_has_usernames():
    """With the frame's usernames, the result table's Account reads "username (acc_…)" and the CSV gains a username
    column; the table takes the panel's width."""
    import base64
    import re

    report = CleanupReport("delete", False, [TaskResult("t1", "deleted", "", "failed", "acc_1", "edit_profile"),
                                              TaskResult("t2", "not_found", "", "failed", "acc_2", "warmup_scroll")])
    view = ResultView()
    view.show(report, pd.Series(dtype=object), sent=2, names={"acc_1": "nate"})
    assert sorted(view.table.df["Account"]) == ["acc_2", "nate (acc_1)"]  # ordered by outcome, not as given
    csv = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)'", view.summary.value).group(1)).decode().splitlines()
    assert csv[0].split(",")[:6] == ["id", "outcome", "reason", "status", "username", "account_id"] and any(",nate,acc_1," in row for row in csv[1:])
    assert "width:100%" in view.options()["style"]


def test_the_progress_line_says_what_is_on_the_wire_and_stop_says_it_too():
    """"Deleting 100 / 556 done · 400 sent, waiting for answers · 0 failed"; once Stop is pressed the line says how many
    were already sent and are awaited, so Stop's result never surprises."""
    progress = RunProgress()
    progress.start("delete", 556)
    progress.update(0, 556, 0, 0)
    assert progress.phase.value == "Checking the live state of 556 tasks…"
    progress.update(100, 556, 0, 400)
    assert progress.phase.value.startswith("Deleting 100 / 556 done · 400 sent, waiting for answers · 0 failed")
    progress.stop_button.click()  # at once, before the next progress report: the count on the wire is said already
    assert progress.phase.value == "Stopping: 400 tasks already sent, waiting for their answers; nothing more will be sent…"
    progress.update(150, 556, 0, 350)
    assert progress.phase.value == "Stopping: 350 tasks already sent, waiting for their answers; nothing more will be sent…"


def test_a_stopped_run_with_unknown_tasks_says_how_to_settle_them():
    """The banner counts the tasks sent whose state could not be read back and names reconcile, beside deleted and
    not sent (a new user's walk found the 300 unknown ones missing from it)."""
    results = [TaskResult("t1", "deleted"), TaskResult("t2", "unknown", "the run stopped"), TaskResult("t3", "not_sent", "asked to stop")]
    report = CleanupReport("delete", False, results, notes=["Stopped: asked to stop."])
    view = ResultView()
    view.show(report, pd.Series(dtype=object), sent=3)
    assert "1 was sent but its state could not be read back: <code>ugc-nb reconcile</code> settles them." in view.summary.value


def test_each_outcome_has_its_time_in_the_report_and_the_csv():
    """The report's frame and the panel's CSV have the time each task's outcome was settled (UTC)."""
    import base64
    import re

    when = pd.Timestamp("2026-11-01T12:00:05Z")
    report = CleanupReport("delete", False, [TaskResult("t1", "deleted", "", "failed", "acc_1", "edit_profile", when)])
    frame = report.to_frame()
    assert isinstance(frame["time"].dtype, pd.DatetimeTZDtype) and frame["time"].iloc[0] == when
    view = ResultView()
    view.show(report, pd.Series(dtype=object), sent=1)
    csv = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)'", view.summary.value).group(1)).decode().splitlines()
    assert "time" in csv[0].split(",") and "2026-11-01 12:00:05+00:00" in csv[1]
