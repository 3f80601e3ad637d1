"""End to end in a real browser: the Voila cleanup dashboard in headless Chromium against the sandbox on loopback.

The sandbox server runs in this process (so its state can be asserted, and faults set
mid-test), Voila in its own process group under a hard timeout; both on free 127.0.0.1 ports.
Every step of every test is screenshotted to ``out/screenshots/<test>/`` (``UGC_SCREENSHOTS``
moves the folder) and its wall time printed (``pytest -s`` shows them); nothing is asserted on time.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

import ugc_nb
from ugc_nb import Sandbox
from ugc_nb.sandbox import Faults

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium (dev.py test does it as root)", pytrace=False)
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def box(request):
    # anchored at the test's own start, so that a task near the min-age boundary cannot cross it between the
    # sandbox's clock and the dashboard's (a suite-wide anchor left minutes for that on a slow run)
    now = pd.Timestamp.now(tz="UTC").floor("s")
    return Sandbox(n_tasks=getattr(request, "param", 300), n_accounts=12, seed=21, now=now.to_pydatetime())


@pytest.fixture
def dashboard(box, tmp_path):
    """Sandbox on loopback + Voila serving notebooks/; yields the dashboard URL; stops both by process group."""
    with box.serve() as server:
        port = free_port()
        env = {
            **os.environ,
            "UGC_API_KEY": box.api_key,
            "UGC_BASE_URL": server.url,
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "MPLBACKEND": "Agg",
        }
        cmd = ["timeout", "600", sys.executable, "-m", "voila", str(ROOT / "notebooks"), *readme_voila_options(), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1"]
        with server_process(cmd, env, tmp_path / "voila.log", f"http://127.0.0.1:{port}/voila/static/__probe__",
                            up=lambda status: status < 500) as base:  # any quick answer (a 403/404 here) means it is up
            yield f"{base}/voila/render/dashboard.ipynb"


def readme_voila_options() -> list[str]:
    """The options of the README's dashboard command (every dashboard here is served with them)."""
    readme = (ROOT / "README.md").read_text()
    return re.search(r"`voila notebooks/dashboard\.ipynb([^`]*)`", readme).group(1).split()


@contextlib.contextmanager
def server_process(cmd, env, log_path, probe, *, up):
    """Run ``cmd`` in its own process group until ``probe`` answers with a status ``up`` accepts (90 s at most);
    yield the server's base URL; stop the whole group after (TERM, then KILL)."""
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if up(httpx.get(probe, timeout=2).status_code):
                    break
            if proc.poll() is not None:
                pytest.fail(f"{cmd[4]} exited: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        else:
            pytest.fail(f"{cmd[4]} did not start in 90 s")
        yield "/".join(probe.split("/")[:3])
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()


@pytest.fixture
def page(tmp_path, request):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"],
        )
        pg = browser.new_page(viewport={"width": 1400, "height": 1800})
        pg.set_default_timeout(60_000)
        yield pg
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            shot = shots_dir(request.node.name) / "failure.png"
            pg.screenshot(path=str(shot), full_page=True)
            print(f"screenshot saved: {shot}")
        browser.close()


def shots_dir(test: str) -> Path:
    root = Path(os.environ.get("UGC_SCREENSHOTS", ROOT / "out" / "screenshots"))
    folder = root / re.sub(r"[^\w.-]+", "_", test)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def step(page, request):
    """``with step("filter"):`` — times the step, prints it, and screenshots the page after it."""
    folder, count = shots_dir(request.node.name), [0]
    for old in [*folder.glob("*.png"), folder / "steps.txt"]:  # this run's steps only
        old.unlink(missing_ok=True)

    @contextlib.contextmanager
    def run(name: str):
        start = time.perf_counter()
        yield
        count[0] += 1
        page.screenshot(path=str(folder / f"{count[0]:02d}-{name}.png"), full_page=True)
        line = f"[{request.node.name}] step {count[0]:02d} {name}: {time.perf_counter() - start:.2f} s"
        print(line)
        with open(folder / "steps.txt", "a") as log:  # also on disk: xdist keeps a worker's prints to itself
            log.write(line + "\n")

    return run


def old_failed(box, min_age_days: int) -> list[str]:
    cutoff = pd.Timestamp(box.now) - pd.Timedelta(days=min_age_days)
    return [t["id"] for t in box.tasks if t["status"] == "failed" and pd.Timestamp(t["created_at"]) <= cutoff]


def open_dashboard(pg, url) -> None:
    pg.goto(url, timeout=120_000)
    pg.wait_for_selector("table.dataTable tbody tr", timeout=120_000)


def tick(pg, filter_title: str, label_start: str) -> None:
    """Tick one option of a panel filter (one click, no Ctrl), found by the start of its label."""
    pg.locator(".ugc-choice").filter(has_text=filter_title).locator("label").filter(has_text=label_start).first.click()


def open_and_filter(pg, url, box, min_age_days: int) -> int:
    """Open the dashboard, filter to failed tasks older than min_age_days (no Enter needed); return how many match."""
    open_dashboard(pg, url)
    tick(pg, "status", "scheduled ·")  # the panel opens on scheduled and failed: untick scheduled
    pg.locator(".widget-text").filter(has_text="min age").locator("input").fill(str(min_age_days))
    expected = len(old_failed(box, min_age_days))
    pg.wait_for_selector(f"text=/{expected} of {len(box.ids())} tasks match the filters/")
    pg.wait_for_selector(f"text=/of {expected:,} entr/")  # the table itself has the new rows (a person ticks what they see)
    return expected


def select_rows(pg, n: int) -> list[str]:
    """Tick the checkbox of the first n rows; return their task ids."""
    rows = pg.locator("table.dataTable tbody tr")
    ids = []
    for k in range(n):
        rows.nth(k).locator("td").first.click()
        ids.append(rows.nth(k).locator("td").nth(1).inner_text().strip())
    pg.wait_for_function(f"() => document.body.innerText.includes('{n} selected')")
    return ids


def shown_ids(pg) -> set[str]:
    return {t.strip() for t in pg.locator("table.dataTable tbody tr td:nth-child(2)").all_inner_texts()}


def test_filter_select_confirm_result_round_trip(dashboard, page, box, step):
    """Filter to old failed tasks, tick three rows, Delete, Confirm: exactly those are deleted, and the result
    (summary line, outcome filter, status now, CSV link) replaces the confirmation."""
    with step("filter"):
        assert open_and_filter(page, dashboard, box, 7) >= 3
    before = set(box.ids())
    with step("select"):
        ids = select_rows(page, 3)
    assert all(re.fullmatch(r"task_\w+", i) for i in ids)
    with step("confirmation"):
        page.get_by_role("button", name=re.compile("Delete")).click()
        page.wait_for_selector("text=3 of 3 chosen tasks can be deleted.")
    with step("result"):
        page.get_by_role("button", name="Confirm: delete 3").click()
        page.wait_for_selector("text=/3 deleted · 0 failed · 0 skipped/", timeout=60_000)
    assert sorted(box.deleted_ids) == sorted(ids)
    assert set(box.ids()) == before - set(ids)
    remaining = len(old_failed(box, 7))
    page.wait_for_selector(f"text=/{remaining} of {len(box.ids())} tasks match the filters/")
    assert shown_ids(page) and not set(ids) & shown_ids(page)
    body = page.inner_text("body")
    assert "Download the report (CSV)" in body and "deleted · 3" in body and "Status now" in body
    assert "Checking the live state" not in body  # the progress is hidden when done


def test_cancel_in_the_browser_deletes_nothing(dashboard, page, box, step):
    """Select rows, Delete, then Cancel: nothing is deleted and the panel says so."""
    open_and_filter(page, dashboard, box, 7)
    select_rows(page, 2)
    with step("cancel"):
        page.get_by_role("button", name=re.compile("Delete")).click()
        page.wait_for_selector("text=2 of 2 chosen tasks can be deleted.")
        page.get_by_role("button", name="Cancel").click()
        page.wait_for_selector("text=Cancelled; nothing was sent.")
    assert box.deleted_ids == []
    assert not [r for r in box.requests if r.path == "/tasks/delete"]


def test_selection_does_not_survive_an_action_in_the_browser(dashboard, page, box, step):
    """Retry two selected failed rows: afterwards nothing is selected, so Delete… cannot offer the tasks just retried."""
    open_and_filter(page, dashboard, box, 7)
    ids = select_rows(page, 2)
    with step("retried"):
        page.get_by_role("button", name=re.compile("Retry")).click()
        page.get_by_role("button", name="Confirm: retry 2").click()
        page.wait_for_selector("text=/2 retried/", timeout=60_000)
        page.wait_for_function("() => document.body.innerText.includes('0 selected')")
    assert page.get_by_role("button", name=re.compile("Delete")).is_disabled()
    assert all(box.status_of(i) == "scheduled" for i in ids)


def test_a_selection_hidden_by_the_filters_is_pointed_out_and_listed(dashboard, page, box, step):
    """Tick two failed rows, then filter to scheduled only: '2 selected are hidden by the filters', and the
    confirmation names them; 'clear' unselects them."""
    open_and_filter(page, dashboard, box, 7)
    ids = select_rows(page, 2)
    with step("hidden"):
        tick(page, "status", "failed ·")  # untick failed
        tick(page, "status", "scheduled ·")
        page.wait_for_selector("text=/2 selected are hidden by the filters/")
    with step("confirmation-lists-them"):
        page.get_by_role("button", name=re.compile("Delete")).click()
        page.wait_for_selector("text=/2 of the selected tasks are hidden by the current filters/")
    assert all(i in page.inner_text("body") for i in ids)
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="clear", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('0 selected')")
    assert box.deleted_ids == []


def test_the_table_has_no_search_box_of_its_own(dashboard, page, box, step):
    """The only search is the panel's: DataTables' own search box is not there to narrow what is shown."""
    with step("open"):
        open_dashboard(page, dashboard)
    assert page.locator("div.dt-search input, div.dataTables_filter input").count() == 0


def test_typed_confirmation_for_everything_then_enter(dashboard, page, box, step):
    """'Select all matching' with no filters needs the count typed; Confirm stays disabled on a wrong count, Enter submits."""
    open_dashboard(page, dashboard)
    deletable = [t["id"] for t in box.tasks if t["status"] in ("scheduled", "failed")]
    with step("show-everything"):
        page.wait_for_selector(f"text=/{len(deletable)} of {len(box.ids())} tasks match the filters/")  # what can be acted on
        page.get_by_role("button", name=re.compile("show every status")).click()
        page.wait_for_selector(f"text=/{len(box.ids())} of {len(box.ids())} tasks match the filters/")
    with step("confirmation"):
        page.locator("table.dataTable thead th").first.click()  # select all on this page
        page.get_by_role("button", name=f"Select all {len(box.ids())} matching").click()
        page.get_by_role("button", name=re.compile("Delete")).click()
        page.wait_for_selector("text=This is every task loaded.")
        assert page.get_by_text(f"of the {len(box.ids())} tasks matching the filters: no filters are set").is_visible()
    box_input = page.get_by_placeholder(re.compile(r"type \d+ to confirm"))
    confirm = page.get_by_role("button", name=f"Confirm: delete {len(deletable)}")
    with step("wrong-count"):
        box_input.fill(str(len(deletable) - 1))
        page.wait_for_timeout(300)
    assert confirm.is_disabled() and box.deleted_ids == []
    with step("enter"):
        box_input.fill(str(len(deletable)))
        box_input.press("Enter")
        page.wait_for_selector(f"text=/{len(deletable)} deleted/", timeout=120_000)
    assert sorted(box.deleted_ids) == sorted(deletable)


def test_stop_mid_run_sends_nothing_more(dashboard, page, box, step):
    """On a slow server, Stop pressed while the run re-reads its tasks: no delete is sent, and one banner says so."""
    open_and_filter(page, dashboard, box, 7)
    ids = select_rows(page, 3)
    page.get_by_role("button", name=re.compile("Delete")).click()
    box.faults = Faults(latency=4.0, paths=("/tasks",))  # every read now takes 4 s
    with step("running"):
        page.get_by_role("button", name="Confirm: delete 3").click()
        page.wait_for_selector("text=Checking the live state of 3 tasks…")
    with step("stopped"):
        page.get_by_role("button", name="Stop").click()
        page.wait_for_selector("text=/Stopped as asked/", timeout=60_000)
    box.faults = Faults()
    assert not [r for r in box.requests if r.path == "/tasks/delete"] and box.deleted_ids == []
    assert "3 were not sent and are unchanged on the server" in page.inner_text("body")
    assert all(box.status_of(i) == "failed" for i in ids)


def test_the_server_going_away_mid_run_is_one_banner(dashboard, page, box, step):
    """Every request dropped once the run starts: no failure row per task to read, one banner with what was not sent."""
    open_and_filter(page, dashboard, box, 7)
    select_rows(page, 3)
    page.get_by_role("button", name=re.compile("Delete")).click()
    box.faults = Faults(drop=1.0)
    with step("gone"):
        page.get_by_role("button", name="Confirm: delete 3").click()
        page.wait_for_selector("text=/Stopped: the server could not be reached/", timeout=90_000)
    box.faults = Faults()
    body = page.inner_text("body")
    assert "0 of the 3 tasks were deleted before it stopped; 3 were not sent" in body and box.deleted_ids == []
    assert body.count("Stopped: the server could not be reached") == 1


@pytest.mark.parametrize("box", [20_000], indirect=True)
def test_a_20k_view_shows_exactly_the_rows_the_panel_counts(dashboard, page, box, step):
    """With 20,000 tasks the table holds the panel's bound (1,000): DataTables' 'of N entries' is that number, also
    after a filter change, and nothing is downsampled."""
    with step("open"):
        open_dashboard(page, dashboard)
        page.wait_for_selector("text=/of 1,000 entries/")
    assert "the table holds the 1,000 oldest of" in page.inner_text("body")
    with step("show-everything"):
        page.get_by_role("button", name=re.compile("show every status")).click()
        total = f"{len(box.ids()):,}"
        page.wait_for_selector(f"text=/{total} of {total} tasks match/")
    with step("filter"):
        page.locator(".widget-text").filter(has_text="min age").locator("input").fill("1")
        total = f"{len(box.ids()):,}"
        page.wait_for_function(f"() => /[0-9,]+ of {total} tasks match/.test(document.body.innerText) && "
                               f"!document.body.innerText.includes('{total} of {total} tasks match')", timeout=120_000)
    found = re.search(rf"([0-9,]+) of {total} tasks match", page.inner_text("body"))
    expected = min(int(found.group(1).replace(",", "")), 1000)
    page.wait_for_function(f"() => /of {expected:,} entr/.test(document.body.innerText)", timeout=60_000)
    assert "downsampled" not in page.inner_text("body")


@pytest.mark.parametrize("box", [5_000], indirect=True)
def test_a_header_click_sorts_all_matching_rows_and_complete_rows_cannot_be_ticked(dashboard, page, box, step):
    """Every status shown (5,000 rows, the table holds 1,000): clicking the Age header's text shows the youngest of all
    5,000 — not the 1,000 oldest re-sorted — and the counts line says so; a complete row's box is disabled, with why."""
    with step("open"):
        open_dashboard(page, dashboard)
        page.get_by_role("button", name=re.compile("show every status")).click()
        page.wait_for_selector("text=/5,000 of 5,000 tasks match/")
    assert "the table holds the 1,000 oldest of 5,000" in page.inner_text("body")
    with step("sort-by-age"):
        page.locator("table.dataTable thead th .dt-column-title").filter(has_text=re.compile("^Age$")).click()
        page.wait_for_selector("text=/the table holds the 1,000 youngest of 5,000/", timeout=60_000)
    youngest = min(pd.Timestamp(box.now) - pd.Timestamp(t["created_at"]) for t in box.tasks)
    first = page.locator("table.dataTable tbody tr").first.locator("td.dt-right").inner_text().strip()
    assert first == f"{youngest.total_seconds() / 86400:.1f} d"
    with step("sort-by-status"):
        page.locator("table.dataTable thead th .dt-column-title").filter(has_text=re.compile("^Status$")).click()
        page.wait_for_selector("text=/the table holds the first 1,000 by status \\(A→Z\\) of 5,000/", timeout=60_000)
    with step("complete-row"):
        row = page.locator("table.dataTable tbody tr").filter(has=page.locator(".ugc-badge", has_text=re.compile("^complete$"))).first
        box_input = row.locator("td").first.locator("input")
        assert box_input.is_disabled() and box_input.get_attribute("title") == "complete: cannot be deleted or retried"
        row.locator("td").first.click(force=True)  # no tick: a following tick of a scheduled row makes it "1 selected", not 2
        page.locator("table.dataTable thead th .dt-column-title").filter(has_text=re.compile("^Status$")).click()
        page.wait_for_selector("text=/the table holds the first 1,000 by status \\(Z→A\\) of 5,000/", timeout=60_000)
        page.locator("table.dataTable tbody tr").filter(has=page.locator(".ugc-badge", has_text=re.compile("^scheduled$"))).first \
            .locator("td").first.click()
        page.wait_for_function("() => /\\b1 selected/.test(document.querySelector('.ugc-actions').innerText)")
    assert "1 selected" in page.locator(".ugc-actions").inner_text()


def test_the_dashboard_is_a_page_not_a_notebook(dashboard, page, box, step):
    """The page opens on its title, a LIVE badge naming the server, the overview cards and figures and the panel — no
    notebook prose or stale cells, nothing fetched from another host; status cells are badges and ages read in days."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with step("open"):
        open_dashboard(page, dashboard)
    text = page.inner_text("body")
    assert "Task queue cleanup" in text and "LIVE · 127.0.0.1" in text
    elsewhere = [u for u in requested if not u.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:"))]
    assert elsewhere == []  # the ugc-nb template drops the lab template's FontAwesome stylesheets from a CDN
    for alt in ("tasks by status", "task age by status"):
        assert page.locator(f"img[alt='{alt}']").evaluate("img => img.complete && img.naturalWidth > 0")
    cards = page.locator(".ugc-cards").first.inner_text()
    assert f"{len(box.ids()):,}\ntasks" in cards and "oldest failure" in cards  # the overview's stat cards
    assert "No action confirmed yet" not in text and "import ugc_nb" not in text
    top = {name: page.locator(sel).first.bounding_box()["y"] for name, sel in (("title", "text=Task queue cleanup"), ("table", "table.dataTable"))}
    assert top["title"] < top["table"]
    assert page.locator("table.dataTable tbody span.ugc-badge").count() > 0
    assert re.fullmatch(r"\d+\.\d d", page.locator("table.dataTable tbody tr td.dt-right").first.inner_text().strip())
    assert page.locator("table.dataTable thead input.dt-select-checkbox").count() == 1  # select-all on the page


def test_the_preset_picker_sets_the_filters_where_they_show(dashboard, page, box, step):
    """Choosing old-failures in the preset dropdown ticks "failed", sets min age 7, names the preset and adds its Why column."""
    with step("open"):
        open_dashboard(page, dashboard)
    with step("preset"):
        label = f"old-failures: {ugc_nb.presets.PRESETS['old-failures'].summary}"
        page.locator(".widget-dropdown").filter(has_text="preset").locator("select").select_option(label=label)
        expected = len(old_failed(box, 7))
        page.wait_for_selector(f"text=/{expected} of {len(box.ids())} tasks match the filters/")
    status = page.locator(".ugc-choice").filter(has_text="status")
    assert status.locator("label").filter(has_text="failed ·").locator("input").is_checked()
    assert not status.locator("label").filter(has_text="scheduled ·").locator("input").is_checked()
    assert page.locator(".widget-text").filter(has_text="min age").locator("input").input_value() == "7"
    body = page.inner_text("body")
    assert "preset old-failures (days 7)" in body and "Why (preset)" in body and "older than 7 d" in body
    with step("switch-to-stale"):  # what old-failures set goes back first: the minimum age, failed
        label = f"stale: {ugc_nb.presets.PRESETS['stale'].summary}"
        page.locator(".widget-dropdown").filter(has_text="preset").locator("select").select_option(label=label)
        overdue = sum(1 for t in box.tasks if t["status"] == "scheduled"
                      and pd.Timestamp(t["scheduled_time"]) < pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=1))
        page.wait_for_selector(f"text=/{overdue} of {len(box.ids())} tasks match the filters/")
    assert page.locator(".widget-text").filter(has_text="min age").locator("input").input_value() == "0"
    assert status.locator("label").filter(has_text="scheduled ·").locator("input").is_checked()
    assert not status.locator("label").filter(has_text="failed ·").locator("input").is_checked()


@pytest.mark.parametrize("box", [0], indirect=True)
def test_an_empty_queue_is_one_message_in_the_browser(dashboard, page, box, step):
    """No tasks: the page says so once — no filter lists, table or pager to look at."""
    with step("open"):
        page.goto(dashboard, timeout=120_000)
        page.wait_for_selector("text=No tasks in this queue: nothing to clean up.", timeout=120_000)
    assert page.locator("table.dataTable").filter(has=page.locator("tbody tr")).count() == 0 or not page.locator("table.dataTable").first.is_visible()
    assert not page.locator(".ugc-choice").first.is_visible() and "Task queue cleanup" in page.inner_text("body")


def test_the_report_opens_with_the_network_off(page, tmp_path, step):
    """The HTML report in Chromium with every request but the file itself refused: it loads whole, its sections show."""
    from ugc_nb import render_report

    box = Sandbox(n_tasks=300, seed=3, api_key="report-offline-key-0000")
    with box.serve() as server:
        env = {"UGC_API_KEY": box.api_key, "UGC_BASE_URL": server.url}
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            report = render_report(tmp_path / "report.html")
    asked = []

    def refuse(route):
        asked.append(route.request.url)
        return route.abort() if not route.request.url.startswith("file://") else route.continue_()

    page.route("**/*", refuse)
    with step("open-offline"):
        page.goto(report.as_uri())
        page.wait_for_selector("text=What was removed")
    assert [u for u in asked if not u.startswith(("file://", "data:"))] == []
    body = page.inner_text("body")
    for heading in ("Overview", "What is stuck", "Failure rate per week and task type", "Accounts with the most failures", "Cleanup preview"):
        assert heading in body
    assert page.locator("img").first.evaluate("img => img.complete && img.naturalWidth > 0")


def test_the_sticky_scope_trap_deletes_exactly_the_ticked_row(dashboard, page, box, step):
    """The panel issue's steps in the browser: failed only, tick the page, "Select all N matching", delete them;
    Reset (the default view: scheduled, failed), tick ONE row, Delete…: the confirmation says "Delete the 1 task you
    ticked", Confirm says 1, and exactly that row is deleted."""
    open_dashboard(page, dashboard)
    assert page.title() == "Task queue cleanup"  # the browser tab says what the page is
    failed = [t["id"] for t in box.tasks if t["status"] == "failed"]
    with step("all-matching"):
        tick(page, "status", "scheduled ·")  # untick scheduled: failed only
        page.wait_for_selector(f"text=/{len(failed)} of {len(box.ids())} tasks match the filters/")
        page.locator("table.dataTable thead th").first.click()  # select all on this page
        page.get_by_role("button", name=f"Select all {len(failed)} matching").click()
        page.wait_for_selector(f"text=/All {len(failed)} tasks matching the filters are selected/")
    with step("confirm-all-matching"):
        page.get_by_role("button", name=re.compile("Delete")).click()
        page.wait_for_selector(f"text=/Delete all {len(failed)} tasks matching status failed/")
        page.get_by_role("button", name=f"Confirm: delete {len(failed)}").click()
        page.wait_for_selector(f"text=/{len(failed)} deleted · 0 failed/", timeout=60_000)
    assert sorted(box.deleted_ids) == sorted(failed)
    scheduled = [t["id"] for t in box.tasks if t["status"] == "scheduled"]
    with step("reset-tick-one"):
        page.get_by_role("button", name="Reset").click()  # the default view: scheduled and failed (none failed is left)
        page.wait_for_selector(f"text=/{len(scheduled)} of {len(box.ids())} tasks match the filters/")
        ids = select_rows(page, 1)
        page.wait_for_function("() => document.body.innerText.includes('1 selected')")
    with step("confirm-one"):
        page.get_by_role("button", name=re.compile("Delete")).click()
        page.wait_for_selector("text=Delete the 1 task you ticked")
        assert page.get_by_role("button", name="Confirm: delete 1").is_visible()
        page.get_by_role("button", name="Confirm: delete 1").click()
        page.wait_for_selector("text=/1 deleted · 0 failed/", timeout=60_000)
    assert sorted(box.deleted_ids) == sorted([*failed, *ids])


def test_a_wrong_key_is_one_line_under_the_title_not_a_voila_error(box, page, tmp_path, step):
    """Voila with a key the server refuses: the page has its title, the LIVE badge and one line naming the cause and the
    fix (not Voila's "There was an error when executing cell"), and a Reload button."""
    with box.serve() as server:
        port = free_port()
        env = {**os.environ, "UGC_API_KEY": "sk-wrong-key-000000000000", "UGC_BASE_URL": server.url,
               "XDG_DATA_HOME": str(tmp_path / "data"), "MPLBACKEND": "Agg"}
        cmd = ["timeout", "600", sys.executable, "-m", "voila", str(ROOT / "notebooks"), *readme_voila_options(), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1"]
        with server_process(cmd, env, tmp_path / "voila.log", f"http://127.0.0.1:{port}/voila/static/__probe__",
                            up=lambda status: status < 500) as base, step("wrong-key"):
            page.goto(f"{base}/voila/render/dashboard.ipynb", timeout=120_000)
            page.wait_for_selector("text=/The API refused the key \\(HTTP 401\\) for 127.0.0.1/", timeout=120_000)
        body = page.inner_text("body")
    assert "Task queue cleanup" in body and "LIVE" in body and "Set UGC_API_KEY" in body
    assert "There was an error" not in body and "Traceback" not in body and "sk-wrong" not in body
    assert page.get_by_role("button", name="Reload").is_visible()


def test_the_readmes_voila_command_culls_the_kernels_of_closed_tabs(tmp_path):
    """The README's dashboard command has Voila's culling options; with them (their times shortened here) the kernel of
    a page nobody holds open is shut down — 20 closed tabs held 4.35 GB without them."""
    line = readme_voila_options()
    assert "--MappingKernelManager.cull_idle_timeout=900" in line and "--MappingKernelManager.cull_interval=60" in line
    port = free_port()
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "MPLBACKEND": "Agg"}
    shorter = [re.sub(r"cull_idle_timeout=\d+", "cull_idle_timeout=4", re.sub(r"cull_interval=\d+", "cull_interval=1", o)) for o in line]
    cmd = ["timeout", "300", sys.executable, "-m", "voila", str(ROOT / "notebooks" / "dashboard.ipynb"), *shorter, "--no-browser",
           f"--port={port}", "--Voila.ip=127.0.0.1"]
    log = tmp_path / "voila.log"
    with server_process(cmd, env, log, f"http://127.0.0.1:{port}/voila/static/__probe__", up=lambda status: status < 500) as base:
        assert httpx.get(base, timeout=120).status_code == 200  # a page view starts a kernel; nobody connects to it
        deadline = time.monotonic() + 60
        while "Culling 'idle' kernel" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)  # polling for an event, bounded; nothing is asserted on time
    assert "Culling 'idle' kernel" in log.read_text()


@pytest.mark.parametrize("width", [768, 390])
def test_the_action_bar_is_above_the_table_stays_in_view_and_the_page_fits_narrow_screens(dashboard, page, box, step, width):
    """At 768 px and on a 390 px phone: the status filter and the Delete…/Retry… bar are visible, the bar is above the
    table, and after scrolling down to the table's last row the bar is still in view (sticky)."""
    page.set_viewport_size({"width": width, "height": 900})
    with step(f"open-{width}"):
        open_dashboard(page, dashboard)
    with step(f"tick-{width}"):
        tick(page, "status", "scheduled ·")  # failed only
        ids = select_rows(page, 1)
    bar = page.locator(".ugc-actions")
    table = page.locator("table.dataTable").first
    assert bar.bounding_box()["y"] < table.bounding_box()["y"]
    assert page.locator(".ugc-choice").filter(has_text="status").is_visible()
    with step(f"scrolled-{width}"):
        table.locator("tbody tr").last.scroll_into_view_if_needed()  # Voila scrolls a panel of the page, not the window
    top = bar.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 900 and page.get_by_role("button", name=re.compile("Delete")).is_visible(), top
    assert "1 selected" in bar.inner_text() and ids
    status = table.locator("tbody tr").first.locator(".ugc-badge")  # the status badge is in view without scrolling sideways
    assert status.evaluate("e => e.getBoundingClientRect().right") <= width
    with step(f"confirm-{width}"):  # scrolled down, Delete… opens the confirmation where the person is looking
        page.get_by_role("button", name=re.compile("Delete")).click()
        heading = page.get_by_text("Delete the 1 task you ticked")
        heading.wait_for()
    box_top = heading.evaluate("e => e.getBoundingClientRect().top")
    confirm = page.get_by_role("button", name="Confirm: delete 1")
    assert 0 <= box_top < 900 and confirm.evaluate("e => e.getBoundingClientRect().bottom") <= 900, box_top
