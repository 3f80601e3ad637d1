"""The same dashboard notebook in JupyterLab 4 (light and dark) and Notebook 7, in headless Chromium.

A Jupyter server runs on a copy of notebooks/ (so nothing in the repo gets outputs), with the
sandbox on loopback; the notebook's cell is run with Shift+Enter as a person would. Steps are
screenshotted and timed like the Voila tests (``out/screenshots/<test>/``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys

import pytest
from test_browser import ROOT, box, free_port, page, server_process, step  # noqa: F401 - the fixtures are shared

pytest.importorskip("jupyterlab")
pytest.importorskip("notebook")
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError


@pytest.fixture
def jupyter(box, tmp_path, request):  # noqa: F811 - box is the shared fixture
    """A Jupyter server (lab and notebook 7 UIs) without a token on 127.0.0.1; yields its base URL."""
    theme = getattr(request, "param", "JupyterLab Light")
    work = tmp_path / "work"
    shutil.copytree(ROOT / "notebooks", work)
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "themes.jupyterlab-settings").write_text(json.dumps({"theme": theme}))
    with box.serve() as server:
        port = free_port()
        env = {**os.environ, "UGC_API_KEY": box.api_key, "UGC_BASE_URL": server.url, "MPLBACKEND": "Agg",
               "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
               "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "XDG_DATA_HOME": str(tmp_path / "data")}
        cmd = ["timeout", "600", sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.root_dir={work}", "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root", "--ServerApp.disable_check_xsrf=True",
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        with server_process(cmd, env, tmp_path / "jupyter.log", f"http://127.0.0.1:{port}/api/status", up=lambda status: status == 200) as base:
            yield base


def open_and_run(pg, url) -> None:
    """Open a notebook in the UI at ``url`` and run its cell (see run_all)."""
    pg.goto(url, timeout=120_000)
    pg.wait_for_selector(".jp-Notebook", timeout=120_000)
    run_all(pg)


def run_all(pg) -> None:
    """Run the notebook's cell as a person would (click it, Shift+Enter), then wait for the panel's table."""
    pg.wait_for_function("() => /Idle/.test(document.body.innerText) || document.querySelector('.jp-Notebook-ExecutionIndicator')",
                         timeout=120_000)  # the kernel is up
    for _ in range(4):  # a Shift+Enter pressed while the notebook is still connecting its kernel is dropped: press again
        if pg.locator(".jp-Dialog").count() and pg.locator(".jp-Dialog").first.is_visible():
            pg.keyboard.press("Enter")  # a dialog of the UI's own (a slow kernel start asks which kernel): its default
        with contextlib.suppress(PlaywrightTimeout):
            pg.locator(".jp-Cell .jp-InputArea-editor").first.click(timeout=15_000)
        pg.keyboard.press("Shift+Enter")
        with contextlib.suppress(PlaywrightTimeout):
            pg.wait_for_selector("table.dataTable tbody tr", timeout=30_000)
            return
    pytest.fail("the dashboard cell never rendered its table")


def round_trip(pg, box) -> None:  # noqa: F811
    """Untick 'scheduled' (the panel opens on scheduled and failed), tick two rows, Delete: the confirmation says
    "Delete the 2 tasks you ticked"; Confirm: those two
    are deleted and the result line says so."""
    pg.locator(".ugc-choice").filter(has_text="status").locator("label").filter(has_text="scheduled ·").first.click()  # failed only
    failed = sum(t["status"] == "failed" for t in box.tasks)
    pg.wait_for_selector(f"text=/{failed} of {len(box.ids())} tasks match the filters/")
    pg.wait_for_selector(f"text=/of {failed} entries/")  # the table itself has the new rows (a person ticks what they see)
    rows = pg.locator("table.dataTable tbody tr")
    ids = []
    for k in range(2):
        rows.nth(k).locator("td").first.click()
        ids.append(rows.nth(k).locator("td").nth(1).inner_text().strip())
    pg.wait_for_function("() => document.body.innerText.includes('2 selected')")
    panel = pg.locator(".ugc-panel")  # the notebook has Delete buttons of its own
    panel.get_by_role("button", name=re.compile("Delete…")).click()
    pg.wait_for_selector("text=Delete the 2 tasks you ticked")  # the confirmation names what it acts on
    panel.get_by_role("button", name="Confirm: delete 2").click()
    pg.wait_for_selector("text=/2 deleted · 0 failed · 0 skipped/", timeout=60_000)
    assert sorted(box.deleted_ids) == sorted(ids)


def test_the_dashboard_round_trip_in_jupyterlab(jupyter, page, box, step):  # noqa: F811
    """In JupyterLab 4 (light): run the dashboard notebook, filter, tick two rows, delete them."""
    with step("open-and-run"):
        open_and_run(page, f"{jupyter}/lab/tree/dashboard.ipynb")
    with step("round-trip"):
        round_trip(page, box)


@pytest.mark.parametrize("jupyter", ["JupyterLab Dark"], indirect=True)
def test_the_panel_reads_well_in_jupyterlab_dark(jupyter, page, box, step):  # noqa: F811
    """In JupyterLab's dark theme the panel's text is light on the dark page (it follows the theme's colours)."""
    with step("open-and-run"):
        open_and_run(page, f"{jupyter}/lab/tree/dashboard.ipynb")
    colour = page.locator(".ugc-panel .widget-html-content").filter(has_text="tasks match the filters").first.evaluate(
        "e => getComputedStyle(e).color")
    light = [int(c) for c in re.findall(r"\d+", colour)[:3]]
    assert sum(light) > 3 * 150, colour  # light text on the dark theme


def test_the_dashboard_round_trip_in_notebook_7(jupyter, page, box, step):  # noqa: F811
    """In Notebook 7: the same notebook, the same round trip."""
    with step("open-and-run"):
        open_and_run(page, f"{jupyter}/notebooks/dashboard.ipynb")
    with step("round-trip"):
        round_trip(page, box)
