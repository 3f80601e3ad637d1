"""The dashboard page: title, where the data comes from, a live summary line, the panel first; an empty queue says so."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from ugc_nb import Sandbox, UGCClient
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.panel import CleanupPanel
from ugc_nb.panel.page import dashboard, overview_figures, source_badge, summary_line

NOW = pd.Timestamp("2026-11-01T12:00:00Z")


def test_the_badge_names_the_sandbox_or_the_apis_host():
    """The badge says SANDBOX for the in-process sandbox and LIVE with the host for a real API."""
    assert "SANDBOX" in source_badge(Sandbox(n_tasks=1).client().base_url)
    live = source_badge("https://api.ugc.inc")
    assert "LIVE" in live and "api.ugc.inc" in live and "https://" not in live


def test_the_page_is_title_badge_summary_then_the_panel(tmp_path):
    """Three parts, the panel last and nothing else: no notebook prose, no stale cells."""
    box = Sandbox(n_tasks=1500, n_accounts=30, seed=3, now=NOW.to_pydatetime())
    page = dashboard(box.client(retry=NO_WAIT), journal=tmp_path / "j.jsonl")
    bar, summary, panel = page.children
    assert isinstance(panel, CleanupPanel) and "Task queue cleanup" in page.header.value and "SANDBOX" in page.header.value
    df = panel.df
    cards = summary.value
    assert "<b>1,500</b><span>tasks</span>" in cards and "<b>30</b><span>accounts</span>" in cards
    assert f"<b>{int((df['status'] == 'failed').sum()):,}</b><span>failed</span>" in cards and "oldest failure" in cards
    assert f"<b>{int(df['overdue'].sum()):,}</b><span>overdue</span>" in cards
    assert "Data as of" in page.as_of.value and " UTC" in page.as_of.value and page.reload_button in bar.children


def test_the_overview_figures_are_the_status_counts_and_ages_with_counts_a_person_reads(tmp_path):
    """Two compact figures under the cards: bars per status whose heights are the counts (labelled "8,664"), and the age
    outlines per status; the page embeds them as two inline PNGs that wrap on a narrow screen (nothing to fetch)."""
    box = Sandbox(n_tasks=12_000, n_accounts=30, seed=3, now=NOW.to_pydatetime())
    page = dashboard(box.client(retry=NO_WAIT), journal=tmp_path / "j.jsonl")
    df = page.panel.df
    status_ax, age_ax = (fig.axes[0] for fig in overview_figures(df))
    counts = df["status"].value_counts()
    heights = {t.get_text(): p.get_height() for t, p in zip(status_ax.get_xticklabels(), status_ax.patches, strict=True)}
    assert heights == {s: int(counts.get(s, 0)) for s in ("scheduled", "pending", "complete", "failed")}
    assert f"{int(counts['complete']):,}" in [t.get_text() for t in status_ax.texts] and "," in f"{int(counts['complete']):,}"
    assert age_ax.get_title() == "Task age" and [t.get_text().split(" (")[0] for t in age_ax.get_legend().get_texts()]
    assert "<div class='ugc-figures'><img alt='tasks by status' src='data:image/png;base64," in page.summary.value
    assert "<img alt='task age by status' src='data:image/png;base64," in page.summary.value


def test_the_summary_follows_the_panel_after_an_action(tmp_path):
    """After deleting through the panel's buttons the summary line counts the tasks that are left."""
    box = Sandbox(n_tasks=200, n_accounts=8, seed=5, now=NOW.to_pydatetime())
    page = dashboard(box.client(retry=NO_WAIT), journal=tmp_path / "j.jsonl")
    panel = page.panel
    failed = panel.df.loc[panel.df["status"] == "failed", "id"].tolist()[:3]
    panel.select(failed)
    panel.delete_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"deleted": 3}
    assert f"<b>{200 - 3:,}</b><span>tasks</span>" in page.summary.value


def test_the_overview_follows_a_retry_and_reload_waits_for_a_running_action(tmp_path):
    """After a Retry (the cards' failed and scheduled change, the task count not) the cards follow; a filter change
    does not redraw them; Reload during a run says it waits and does not load."""
    box = Sandbox(n_tasks=200, n_accounts=8, seed=5, now=NOW.to_pydatetime())
    page = dashboard(box.client(retry=NO_WAIT), journal=tmp_path / "j.jsonl")
    panel = page.panel
    failed = int((panel.df["status"] == "failed").sum())
    assert f"<b>{failed:,}</b><span>failed</span>" in page.summary.value
    shown = page.summary.value
    panel.status_filter.value = ("failed",)
    assert page.summary.value is shown  # the same frame: not drawn again
    panel.select(panel.df.loc[panel.df["status"] == "failed", "id"].tolist()[:2])
    panel.retry_button.click()
    panel.confirm_button.click()
    panel.wait()
    assert panel.report.totals == {"retried": 2} and f"<b>{failed - 2:,}</b><span>failed</span>" in page.summary.value
    running = threading.Event()
    panel.running = threading.Thread(target=running.wait, daemon=True)
    panel.running.start()
    before = panel.df
    page.reload_button.click()
    assert panel.df is before and "An action is running: Reload when it has finished" in panel.result.value
    running.set()
    panel.running.join()


def test_an_empty_queue_is_said_not_an_error(tmp_path):
    """No tasks at all: the page says there is nothing to clean up; the panel has nothing to act on."""
    page = dashboard(Sandbox(n_tasks=0).client(), journal=tmp_path / "j.jsonl")
    panel = page.panel
    assert "No tasks in this queue" in panel.result.value and page.summary.value == ""  # one message
    assert panel.delete_button.disabled and panel.retry_button.disabled
    assert all(part.layout.display == "none" for part in (panel.filters, panel.counts_row, panel.actions, panel.table))


@pytest.mark.parametrize("n, expected", [(0, "No tasks"), (1443, "1,443 tasks")])
def test_summary_line_uses_thousands_separators(n, expected):
    """The summary reads like a person wrote it: '1,443 tasks', not '1443'."""
    frame = Sandbox(n_tasks=n, seed=1).client()
    from ugc_nb import load_tasks

    assert summary_line(load_tasks(frame)).startswith(expected)


def test_the_dashboard_over_real_http_says_live_with_the_host(tmp_path):
    """Against an API over HTTP the badge is LIVE and names the host."""
    box = Sandbox(n_tasks=20, seed=2)
    with box.serve() as server, UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT) as client:
        page = dashboard(client, journal=tmp_path / "j.jsonl")
    assert "LIVE" in page.header.value and "127.0.0.1" in page.header.value


@pytest.mark.parametrize("problem", ["key", "unreachable", "server"])
def test_a_load_that_fails_is_one_line_with_the_fix_and_reload_tries_again(tmp_path, problem):
    """A refused key, a server out of reach or a 5xx while loading: the page keeps its title and badge and says, in one
    line, the cause and the fix (no traceback, no panel); Reload tries again and shows the panel once it works."""
    from ugc_nb.sandbox import Faults

    box = Sandbox(n_tasks=40, seed=6, now=NOW.to_pydatetime())
    with box.serve() as server:
        key = "sk-wrong-0000000000000000" if problem == "key" else box.api_key
        url = "http://127.0.0.1:9" if problem == "unreachable" else server.url
        client = UGCClient(api_key=key, base_url=url, retry=NO_WAIT, timeout=5)
        if problem == "server":
            box.faults = Faults(server_error=1.0)
        page = dashboard(client, journal=tmp_path / "j.jsonl")
        assert page.panel is None and len(page.children) == 2 and "LIVE" in page.header.value
        line = page.problem.value
        expected = {"key": "The API refused the key (HTTP 401) for 127.0.0.1", "unreachable": "Could not reach 127.0.0.1:9",
                    "server": "answered HTTP 500"}[problem]
        fix = "start the dashboard again" if problem == "key" else "reload"  # a new key needs a new start; Reload re-reads
        assert expected in line and fix in line.lower() and "Traceback" not in line and key not in line
        if problem != "unreachable":
            box.faults = Faults()
            page.client = UGCClient(api_key=box.api_key, base_url=server.url, retry=NO_WAIT, timeout=5)
            page.reload_button.click()
            assert isinstance(page.panel, CleanupPanel) and page.children[-1] is page.panel
