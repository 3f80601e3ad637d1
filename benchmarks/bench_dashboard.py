"""D1: the dashboard's first paint — open the page → the table visible, in headless Chromium, on an HTTP sandbox.

Served by the README's Voila command (cold: a kernel is started and the queue loaded per page view) and by the same
command with Voila's preheated kernels (``--preheat_kernel=True --pool_size=1``: the next page's kernel has run the
notebook before anyone asks). Run: ``.venv/bin/python benchmarks/bench_dashboard.py [N_TASKS]``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from ugc_nb import Sandbox

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def readme_options() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"`voila notebooks/dashboard\.ipynb([^`]*)`", readme)
    assert found is not None, "the README has no dashboard command"
    return found.group(1).split()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def voila(extra: list[str], env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "voila", str(ROOT / "notebooks" / "dashboard.ipynb"), *readme_options(), *extra,
           "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/voila/static/__probe__", timeout=2).status_code < 500:
                        break
                time.sleep(0.2)
            yield base
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(30)


def open_to_table(url: str) -> float:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        page.goto(url, timeout=300_000)
        page.wait_for_selector("table.dataTable tbody tr", timeout=300_000)
        took = time.perf_counter() - start
        browser.close()
    return took


def main(n_tasks: int = 100_000) -> None:
    box = Sandbox(n_tasks=n_tasks, n_accounts=200, seed=7)
    with box.serve() as server, tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "UGC_API_KEY": box.api_key, "UGC_BASE_URL": server.url, "XDG_DATA_HOME": data, "MPLBACKEND": "Agg"}
        for name, extra in (("cold (README command)", []), ("preheated kernel", ["--preheat_kernel=True", "--pool_size=1"])):
            with voila(extra, env) as base:
                url = f"{base}/"
                if extra:  # let the pool's kernel run the notebook first, as it would between two visitors
                    open_to_table(url)
                    time.sleep(60 if n_tasks >= 50_000 else 20)
                times = [open_to_table(url) for _ in range(2)]
                print(f"D1 {name}, {n_tasks:,} tasks: open → table {' / '.join(f'{t:.1f} s' for t in times)}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
