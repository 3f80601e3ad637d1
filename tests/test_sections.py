"""The report's sections (ugc_nb.report.sections): what each says on a hand-made queue, in human units, and on an empty one."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ugc_nb import Sandbox, load_tasks, tasks_frame
from ugc_nb.insight import join_accounts
from ugc_nb.report import sections
from ugc_nb.tasks.units import count

NOW = pd.Timestamp("2026-11-30T12:00:00Z")  # a Monday
RAW = re.compile(r"\d+ days \d\d:\d\d|\+00:00|task\(s\)|\d\d:\d\d:\d\d\.\d{6}|NaT|nan\b")


def task(i, status, *, account="acc_1", created="2026-11-20T12:00:00Z", scheduled="2026-11-20T13:00:00Z", duration=60, kind="warmup_scroll"):
    return {"id": f"task_{i}", "account_id": account, "type": kind, "status": status, "scheduled_time": scheduled,
            "duration": duration, "keywords": None, "edit_profile_info": None, "created_at": created}


ACCOUNTS = [{"id": "acc_1", "username": "nate", "tag": "t"}, {"id": "acc_2", "username": "lena", "tag": "t"}]


@pytest.fixture
def df():
    records = [
        task(1, "failed", created="2026-11-02T12:00:00Z", scheduled="2026-11-02T13:00:00Z"),   # week of 11-02, 28 d old
        task(2, "complete", created="2026-11-02T12:00:00Z", scheduled="2026-11-03T13:00:00Z"),
        task(3, "failed", account="acc_2", created="2026-11-28T12:00:00Z", scheduled="2026-11-28T13:00:00Z"),  # young failure
        task(4, "scheduled", scheduled="2026-11-29T09:00:00Z"),                                    # never ran: 27 h late
        task(5, "pending", account="acc_2", scheduled="2026-11-30T08:00:00Z", duration=600),       # still running, ~4 h late
        task(6, "pending", scheduled="2026-11-30T11:30:00Z", duration=3600),                       # running, in time
        task(7, "complete", created="2026-11-30T09:00:00Z", scheduled="2026-11-30T10:00:00Z"),     # this week
    ]
    return join_accounts(tasks_frame(records, now=NOW), ACCOUNTS)


def test_the_headline_is_cards_with_the_numbers_that_matter_first(df):
    """Tasks, accounts, deletable, retryable, overdue and the oldest failure's age, with where the data came from."""
    page = sections.headline(df.ugc.summary(), title="Team <A>", where="http://127.0.0.1:1", scope=["accounts acc_1"])
    assert "<h1>Team &lt;A&gt;</h1>" in page and "Generated 2026-11-30 12:00 UTC from http://127.0.0.1:1 — accounts acc_1." in page
    for value, label in (("7", "tasks"), ("2", "accounts"), ("3", "deletable"), ("2", "retryable"), ("1", "overdue"), ("28.0 d", "oldest failure")):
        assert f"<b>{value}</b><span>{label}" in page


def test_stuck_lists_overdue_scheduled_and_long_pending_tasks_most_late_first(df):
    """The 27 h-late scheduled task first, then the pending one 4 h past its time; the one running in time is not stuck."""
    page = sections.stuck(df)
    assert "2 tasks stuck, most late first." in page
    assert page.index("task_4") < page.index("task_5") and "task_6" not in page
    assert "never ran" in page and "still running" in page and "nate (acc_1)" in page and "1.1 d" in page and "4 h" in page


def test_the_failure_table_shows_counts_marks_few_and_the_partial_week(df):
    """Each cell is 'rate (failed / finished)'; under 5 finished is pale; this week is labelled so far."""
    page = sections.failure_table(df)
    assert "50 % (1 / 2)" in page and "2026-11-02" in page and "2026-11-30 (this week, so far)" in page
    assert "ugc-few" in page and "rests on only 2 finished tasks" in page


def test_top_accounts_are_ranked_by_failures_with_the_counts_and_a_sentence(df):
    """Ranked by failed tasks, ties by rate (lena's 1 of 1 before nate's 1 of 3); the sentence says so; shares carry their counts."""
    page = sections.top_accounts(df)
    assert "Ranked by the number of failed tasks" in page and "100 % (1 / 1)" in page and "33 % (1 / 3)" in page
    assert page.index("lena (acc_2)") < page.index("nate (acc_1)")


def test_the_cleanup_preview_says_what_it_would_delete_and_keep(df):
    """In words, without '7D' or 'task(s)': 1 of the 2 failed tasks; 1 is younger and kept."""
    page = sections.cleanup_preview(df, "7D")
    assert "would delete 1 of the 2 failed tasks in the queue now; 1 is younger than 7 days and would be kept." in page
    assert "Preview only" in page and "7D" not in page


def test_what_was_removed_lists_the_reports_deleted_rows_by_run_with_usernames():
    """The history's deleted rows by run, newest first, each task once, accounts as "username (acc_…)"; live rows and
    a history with none deleted say so."""
    history = pd.DataFrame({
        "id": ["live", "a", "b", "c"], "type": ["x", "edit_profile", "warmup_scroll", "warmup_scroll"],
        "account_id": ["acc_1", "acc_1", "acc_1", "acc_2"], "username": ["nate", "nate", "nate", None],
        "deleted_at": pd.to_datetime([None, "2026-11-20T10:00Z", "2026-11-20T10:00Z", "2026-11-25T09:00Z"], utc=True),
        "deleted_run": [None, "r1", "r1", "r2"]})
    page = sections.removed(history)
    assert "3 tasks of this report deleted by 2 cleanup runs" in page and "live" not in page
    assert page.index("2026-11-25 09:00 UTC") < page.index("2026-11-20 10:00 UTC") and "nate (acc_1) 2" in page and "acc_2 1" in page
    assert "No task of this report was deleted" in sections.removed(history.iloc[:1])


def test_every_section_reads_in_human_units_on_a_real_queue_and_an_empty_one():
    """No '0 days 00:58:00', '+00:00', microseconds, 'task(s)', NaT or nan in any section, full or empty."""
    full = load_tasks(Sandbox(n_tasks=400, seed=3).client(), accounts=True)
    for frame in (full, full.iloc[0:0]):
        pages = [sections.headline(frame.ugc.summary(), title="t", where="w"), sections.ages(frame), sections.stuck(frame),
                 sections.failure_table(frame), sections.top_accounts(frame), sections.cleanup_preview(frame, "7D"),
                 sections.removed(frame)]
        found = [RAW.search(p) for p in pages]
        assert not any(found), [m.group(0) for m in found if m]


def test_scripts_are_stripped_and_images_get_their_alt_texts():
    """No <script> survives; images take the alt texts of the outputs, in order."""
    page = '<head><script src="https://cdn/x.js"></script></head><img alt="No description" src="data:1"><img src="data:2">'
    out = sections.with_alt_texts(sections.strip_scripts(page), ["Four charts", None])
    assert "<script" not in out and '<img alt="Four charts" src="data:1">' in out and '<img src="data:2">' in out


def test_a_report_after_a_cleanup_has_one_population_and_its_sums_agree(tmp_path):
    """After deleting failed tasks: the header's population (live + deleted), the overview's status bars, the weekly
    failure table, the top accounts and "What was removed" all count the same tasks; a report scoped to one account
    lists only that account's deletions; a fresh in-process sandbox does not inherit an earlier one's deletions."""
    from ugc_nb import delete_tasks
    from ugc_nb.insight import analysis
    from ugc_nb.insight.plots import plot_status

    journal = tmp_path / "j.jsonl"
    box = Sandbox(n_tasks=400, seed=3)
    client = box.client()
    live = load_tasks(client, accounts=True)
    failed = live[live["status"] == "failed"]
    delete_tasks(client, failed, journal=journal, progress=False)
    history = load_tasks(client, accounts=True, include_deleted=True, journal=journal)
    gone = history["deleted_at"].notna()
    assert int(gone.sum()) == len(failed) and len(history) == len(live)
    assert sections.population(history).startswith(f"{len(history):,} tasks: {len(live) - len(failed):,} in the queue now and "
                                                   f"{len(failed):,} deleted by cleanups since")
    head = sections.headline(history.ugc.summary(), title="t", where="w", now=history[~gone].ugc.summary())
    assert f"<b>{len(history):,}</b><span>tasks</span>" in head and "<b>0</b><span>retryable now (failed)</span>" in head
    assert "<b>—</b><span>oldest failure now</span>" in head  # every failed task was deleted: none is in the queue
    assert sum(p.get_height() for p in plot_status(history).patches) == len(history)
    all_failed = int((history["status"] == "failed").sum())
    assert int(analysis.failure_rates(history, by="type", freq="W")["failed"].sum()) == all_failed
    assert int(analysis.top_failing_accounts(history, n=10_000)["failed"].sum()) == all_failed
    assert f"{len(failed):,} tasks of this report deleted by 1 cleanup run" in sections.removed(history)
    account = str(failed["account_id"].iloc[0])
    mine = load_tasks(client, accounts=True, include_deleted=True, journal=journal, account_ids=[account])
    theirs = int((failed["account_id"].astype(str) == account).sum())
    assert f"{count(theirs)} of this report deleted" in sections.removed(mine) and set(mine["account_id"].astype(str)) == {account}
    again = Sandbox(n_tasks=400, seed=3).client()  # the same ids, a new queue: nothing of it was deleted
    fresh = load_tasks(again, include_deleted=True, journal=journal)
    assert fresh["deleted_at"].notna().sum() == 0 and "No task of this report was deleted" in sections.removed(fresh)


def test_a_weekly_cell_with_too_few_tasks_is_marked_and_not_shaded():
    """A week and type with fewer than FEW finished tasks is pale italics with its reason, and carries no tint."""
    times = pd.to_datetime(["2026-11-02T10:00Z"] * 2 + ["2026-11-09T10:00Z"] * 10, utc=True)
    df = pd.DataFrame({"id": [f"t{i}" for i in range(12)], "account_id": "acc_1", "type": "edit_profile",
                       "status": pd.Categorical(["failed", "complete"] + ["failed"] * 5 + ["complete"] * 5),
                       "created_at": times, "scheduled_time": times})
    df.attrs["now"] = pd.Timestamp("2026-12-01T00:00Z")
    page = sections.failure_table(df)
    few = re.search(r"<td class='num ugc-few'([^>]*)>", page)
    assert few and "background" not in few.group(1) and "rests on only 2 finished tasks" in few.group(1)
    assert re.search(r"<td class='num' style='background:color-mix", page)  # the week of 10 is shaded


def test_dates_read_as_a_person_writes_them():
    """units.day: "1 Nov 2026", with the time only when it is not midnight."""
    from ugc_nb.tasks.units import day

    assert day("2026-11-01") == "1 Nov 2026" and day(pd.Timestamp("2026-11-01T12:30Z")) == "1 Nov 2026 12:30 UTC" and day(None) == "—"


def test_a_report_scoped_to_dates_counts_only_the_deleted_tasks_of_that_window(tmp_path):
    """load_tasks(start=…, include_deleted=True): the journalled deleted rows outside the window are left out, as the
    server leaves the live ones out (a walk found October's deleted failures in a December report)."""
    from ugc_nb import delete_tasks

    journal = tmp_path / "j.jsonl"
    box = Sandbox(n_tasks=400, seed=3)
    client = box.client()
    live = load_tasks(client)
    failed = live[live["status"] == "failed"]
    delete_tasks(client, failed, journal=journal, progress=False)
    cut = failed["scheduled_time"].fillna(failed["created_at"]).median()
    window = load_tasks(client, include_deleted=True, journal=journal, start=cut)
    deleted = window[window["deleted_at"].notna()]
    when = deleted["scheduled_time"].fillna(deleted["created_at"])
    expected = int((failed["scheduled_time"].fillna(failed["created_at"]) >= cut).sum())
    assert len(deleted) == expected and 0 < expected < len(failed) and (when >= cut).all()
