"""The scheduled cleanup notebook, run as cron would: `papermill 04-cleanup.ipynb … -p preset old-failures [-p apply True]`.

Against a loopback server with UGC_API_KEY/UGC_BASE_URL set; the expected tasks come from the server's own records.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from fakeapi import FakeAPI, make_tasks
from userenv import old_failed, served_sandbox, user_env

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04-cleanup.ipynb"
KEY = "scheduled-key-93be1c55aa70"
PAPERMILL = Path(sys.executable).with_name("papermill")


def run_notebook(url: str, tmp_path: Path, *params: str) -> tuple[subprocess.CompletedProcess, list[dict], str]:
    """papermill the notebook into tmp_path; returns (process, the CSV's rows, the HTML page)."""
    env = user_env(url, tmp_path, KEY)
    out = tmp_path / "cleanup"
    args = [str(PAPERMILL), str(NOTEBOOK), str(tmp_path / "ran.ipynb"), "-p", "output_dir", str(out), *params]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    csvs, pages = sorted(out.glob("cleanup-*.csv")), sorted(out.glob("cleanup-*.html"))
    rows = list(csv.DictReader(csvs[-1].open())) if csvs else []
    page = pages[-1].read_text() if pages else ""
    for text in (proc.stdout, proc.stderr, page, (tmp_path / "ran.ipynb").read_text() if (tmp_path / "ran.ipynb").exists() else ""):
        assert KEY not in text
    return proc, rows, page


@pytest.fixture
def box():
    with served_sandbox(KEY, n_tasks=200, seed=8) as sandbox:
        yield sandbox


def test_without_apply_it_is_a_dry_run_that_writes_the_page_and_the_csv(box, tmp_path):
    """The default: nothing sent, exit 0, a CSV with would_delete for exactly the preset's tasks, a page that says dry run."""
    expected, before = old_failed(box), set(box.ids())
    proc, rows, page = run_notebook(box.url, tmp_path, "-p", "preset", "old-failures")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(box.ids()) == before and not [r for r in box.requests if r.path == "/tasks/delete"]
    assert {r["id"] for r in rows} == expected and {r["outcome"] for r in rows} == {"would_delete"}
    assert all(r["picked_because"].startswith("failed, created") for r in rows)
    assert "Dry run" in page and "dry run: nothing was sent" in page and "old-failures (days 7)" in page


def test_apply_true_deletes_exactly_the_presets_tasks(box, tmp_path):
    """-p apply True: the preset's tasks are gone, nothing else is, the CSV says deleted for each; exit 0."""
    expected, before = old_failed(box, 14), set(box.ids())
    proc, rows, page = run_notebook(box.url, tmp_path, "-p", "preset", "old-failures", "-p", "days", "14", "-p", "apply", "True")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(box.deleted_ids) == expected and set(box.ids()) == before - expected
    assert {r["id"]: r["outcome"] for r in rows} == dict.fromkeys(expected, "deleted")
    assert "applied" in page and str(tmp_path / "data") in page  # the journal's path


def test_a_run_with_failed_tasks_exits_non_zero_and_still_writes_its_record(tmp_path):
    """The independent fake refuses every delete: papermill exits non-zero, and the CSV lists each task as failed."""
    tasks = make_tasks(30, accounts=3, seed=2)
    accounts = [{"id": a, "username": f"user{n}", "tag": "x", "warmup_enabled": True}
                for n, a in enumerate(sorted({t["account_id"] for t in tasks}))]
    fake = FakeAPI(tasks, api_key=KEY, max_ids=0, accounts=accounts)  # every delete: 400 "too many task ids"
    failed = {t["id"] for t in tasks if t["status"] == "failed"}
    with fake.serve() as served:
        proc, rows, page = run_notebook(served.url, tmp_path, "-p", "preset", "old-failures", "-p", "apply", "True")
    assert proc.returncode != 0
    assert "CleanupError" in proc.stderr and "failed" in proc.stderr
    assert {r["id"] for r in rows} == failed and {r["outcome"] for r in rows} == {"failed"}
    assert not fake.deleted_by_us and not fake.violations
    assert "user0" in page or "user1" in page or "user2" in page  # usernames from /accounts


@pytest.mark.parametrize("params", [("-p", "apply", "false"), ("-r", "apply", "True"), ("-p", "apply", "yes"),
                                    ("-p", "days", "0"), ("-y", "days: .inf"), ("-p", "preset", "test", "-p", "tag", "None"),
                                    ("-p", "preset", "test", "-p", "tag", " test ")])
def test_a_parameter_that_is_not_exactly_what_the_cell_documents_deletes_nothing(box, tmp_path, params):
    """`-p apply false` is the string 'false' (truthy in Python): refused before anything is read; so are days 0 and tag None."""
    before = set(box.ids())
    proc, rows, _page = run_notebook(box.url, tmp_path, *params)
    assert proc.returncode != 0 and "ValueError" in proc.stderr
    assert set(box.ids()) == before and not box.requests and not rows
