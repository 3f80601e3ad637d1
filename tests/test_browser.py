"""End to end in a real browser: the Voila cleanup dashboard in headless Chromium against the sandbox on loopback.

The sandbox server runs in this process (so its state can be asserted), Voila in its own
process group under a hard timeout; both on free 127.0.0.1 ports. A screenshot is saved
on failure (path printed in the assertion message).
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

from ugc_nb import Sandbox

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOW = pd.Timestamp.now(tz="UTC").floor("min")

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
    return Sandbox(n_tasks=getattr(request, "param", 300), n_accounts=12, seed=21, now=NOW.to_pydatetime())


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
        cmd = ["timeout", "600", sys.executable, "-m", "voila", str(ROOT / "notebooks"), "--no-browser",
               f"--port={port}", "--Voila.ip=127.0.0.1"]
        log = open(tmp_path / "voila.log", "wb")
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    # Any quick HTTP answer (it is a 403/404 for this path) means the server is up.
                    if httpx.get(f"{base}/voila/static/__probe__", timeout=2).status_code < 500:
                        break
                if proc.poll() is not None:
                    pytest.fail(f"voila exited: {(tmp_path / 'voila.log').read_text()[-2000:]}")
                time.sleep(0.3)
            else:
                pytest.fail("voila did not start in 90 s")
            yield f"{base}/voila/render/dashboard.ipynb"
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
            shot = Path(os.environ.get("UGC_SCREENSHOTS", tmp_path)) / f"{request.node.name}.png"
            pg.screenshot(path=str(shot), full_page=True)
            print(f"screenshot saved: {shot}")
        browser.close()


def old_failed(box, min_age_days: int) -> list[str]:
    cutoff = NOW - pd.Timedelta(days=min_age_days)
    return [t["id"] for t in box.tasks if t["status"] == "failed" and pd.Timestamp(t["created_at"]) <= cutoff]


def open_and_filter(pg, url, box, min_age_days: int) -> int:
    """Open the dashboard, filter to failed tasks older than min_age_days; return how many match."""
    pg.goto(url, timeout=120_000)
    pg.wait_for_selector("table.dataTable tbody tr", timeout=120_000)
    pg.locator(".widget-select-multiple").filter(has_text="status").locator("select").select_option(["failed"])
    age = pg.locator(".widget-text").filter(has_text="min age").locator("input")
    age.fill(str(min_age_days))
    age.press("Enter")
    expected = len(old_failed(box, min_age_days))
    pg.wait_for_selector(f"text=/{expected} of {len(box.ids())} tasks match the filters/")
    return expected


def select_rows(pg, n: int) -> list[str]:
    rows = pg.locator("table.dataTable tbody tr")
    ids = []
    for k in range(n):
        rows.nth(k).locator("td").nth(1).click(modifiers=["Control"] if k else [])
        ids.append(rows.nth(k).locator("td").first.inner_text().strip())
    pg.wait_for_function(f"() => document.body.innerText.includes('{n} selected')")
    return ids


def test_delete_selected_rows_in_the_browser(dashboard, page, box):
    """Filter to old failed tasks, click three rows, Delete, check the count, Confirm: exactly those are deleted."""
    assert open_and_filter(page, dashboard, box, 7) >= 3
    before = set(box.ids())
    ids = select_rows(page, 3)
    assert all(re.fullmatch(r"task_\w+", i) for i in ids)
    page.get_by_role("button", name=re.compile("Delete")).click()
    page.wait_for_selector("text=3 of 3 chosen task(s) can be deleted.")
    page.get_by_role("button", name="Confirm: delete 3").click()
    page.wait_for_selector("text=/3 deleted/", timeout=60_000)
    assert sorted(box.deleted_ids) == sorted(ids)
    assert set(box.ids()) == before - set(ids)
    remaining = len(old_failed(box, 7))
    page.wait_for_selector(f"text=/{remaining} of {len(box.ids())} tasks match the filters/")
    table_ids = {t.strip() for t in page.locator("table.dataTable tbody tr td:first-child").all_inner_texts()}
    assert table_ids and not set(ids) & table_ids


def test_cancel_in_the_browser_deletes_nothing(dashboard, page, box):
    """Select rows, Delete, then Cancel: nothing is deleted and the panel says so."""
    open_and_filter(page, dashboard, box, 7)
    select_rows(page, 2)
    page.get_by_role("button", name=re.compile("Delete")).click()
    page.wait_for_selector("text=2 of 2 chosen task(s) can be deleted.")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_selector("text=Cancelled; nothing was sent.")
    assert box.deleted_ids == []
    assert not [r for r in box.requests if r.path == "/tasks/delete"]


def test_selection_does_not_survive_an_action_in_the_browser(dashboard, page, box):
    """Retry two selected failed rows: afterwards nothing is selected, so Delete… cannot offer the tasks just retried."""
    open_and_filter(page, dashboard, box, 7)
    ids = select_rows(page, 2)
    page.get_by_role("button", name=re.compile("Retry")).click()
    page.get_by_role("button", name="Confirm: retry 2").click()
    page.wait_for_selector("text=/2 retried/", timeout=60_000)
    page.wait_for_function("() => document.body.innerText.includes('0 selected')")
    assert page.get_by_role("button", name=re.compile("Delete")).is_disabled()
    assert all(box.status_of(i) == "scheduled" for i in ids)


def test_the_table_has_no_search_box_of_its_own(dashboard, page, box):
    """The only search is the panel's: DataTables' own search box is not there to narrow what is shown."""
    page.goto(dashboard, timeout=120_000)
    page.wait_for_selector("table.dataTable tbody tr", timeout=120_000)
    assert page.locator("div.dt-search input, div.dataTables_filter input").count() == 0


@pytest.mark.parametrize("box", [3000], indirect=True)
def test_the_table_holds_every_row_the_panel_says_after_a_filter_change(dashboard, page, box):
    """After a filter change the table's own row count is the panel's bound or the match count — no downsampling."""
    page.goto(dashboard, timeout=120_000)
    page.wait_for_selector("table.dataTable tbody tr", timeout=120_000)
    age = page.locator(".widget-text").filter(has_text="min age").locator("input")
    age.fill("1")
    age.press("Enter")
    total = f"{len(box.ids()):,}"
    page.wait_for_function(f"() => /[0-9,]+ of {total} tasks match/.test(document.body.innerText) && "
                           f"!document.body.innerText.includes('{total} of {total} tasks match')", timeout=120_000)
    found = re.search(rf"([0-9,]+) of {total} tasks match", page.inner_text("body"))
    expected = min(int(found.group(1).replace(",", "")), 1000)
    page.wait_for_function(f"() => /of {expected:,} entr/.test(document.body.innerText)", timeout=60_000)
    assert "downsampled" not in page.inner_text("body")


def test_the_dashboard_is_a_page_not_a_notebook(dashboard, page, box):
    """The page opens on its title, a LIVE badge naming the server, the summary and the panel — no notebook prose or stale cells."""
    page.goto(dashboard, timeout=120_000)
    page.wait_for_selector("table.dataTable tbody tr", timeout=120_000)
    text = page.inner_text("body")
    assert "Task queue cleanup" in text and "LIVE · 127.0.0.1" in text
    assert f"{len(box.ids()):,} tasks on" in text
    assert "No action confirmed yet" not in text and "import ugc_nb" not in text
    top = {name: page.locator(sel).first.bounding_box()["y"] for name, sel in (("title", "text=Task queue cleanup"), ("table", "table.dataTable"))}
    assert top["title"] < top["table"]
