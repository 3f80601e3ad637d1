"""The shareable HTML report and the `ugc-nb report` main job."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

import ugc_nb
from ugc_nb import ReportError, Sandbox, render_report

FAKE_KEY = "sk-report-fake-key-0123456789abcdef"


def test_report_from_api_settings_has_figures_no_code_no_key(tmp_path, monkeypatch):
    """With a (fake) key set against a loopback server: figures embedded, no input cells, the key nowhere."""
    box = Sandbox(n_tasks=300, seed=6, api_key=FAKE_KEY)
    with box.serve() as server:
        monkeypatch.setenv("UGC_API_KEY", FAKE_KEY)
        monkeypatch.setenv("UGC_BASE_URL", server.url)
        path = render_report(tmp_path / "r.html", title="Weekly <b>queue</b> check")
    html = path.read_text()
    assert FAKE_KEY not in html
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 1
    assert "jp-mod-noInput" in html and "class=\"jp-InputArea-editor\"" not in html
    assert "Weekly &lt;b&gt;queue&lt;/b&gt; check" in html and "<b>queue</b>" not in html and server.url in html
    assert "Cleanup preview" in html and "Preview only: this report never deletes anything." in html
    assert not box.deleted_ids and not any(r.path in ("/tasks/delete", "/tasks/retry") for r in box.requests)
    for heading in ("What is stuck", "Failure rate per week and task type", "Accounts with the most failures", "What was removed"):
        assert f">{heading}" in html
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)  # what a reader sees
    raw = re.findall(r"\d+ days \d\d:\d\d|\+00:00|task\(s\)|\d\d:\d\d:\d\d\.\d{6}|\bNaT\b|\bnan\b", text)
    assert not raw, raw[:5]
    assert "<script" not in html and '<img alt="Four charts of' in html  # nothing from a CDN; the figure described


def test_an_empty_queue_and_an_unknown_account_say_so(tmp_path, monkeypatch):
    """No tasks: one clear line per section, no empty axes; an account the server does not know is named in a warning."""
    box = Sandbox(n_tasks=100, seed=3, api_key=FAKE_KEY)
    with box.serve() as server:
        monkeypatch.setenv("UGC_API_KEY", FAKE_KEY)
        monkeypatch.setenv("UGC_BASE_URL", server.url)
        path = render_report(tmp_path / "r.html", account_ids=["acc_nobody"])
    html = path.read_text()
    assert "the server does not know account acc_nobody" in html and "No tasks match this report's filters" in html
    assert "<img" not in html and "No tasks, so no charts." in html and "Nothing is stuck" in html


def test_report_parameters_narrow_it(tmp_path, monkeypatch):
    """The account parameter reaches the notebook: the report counts only that account's tasks."""
    box = Sandbox(n_tasks=200, seed=3)
    account = box.tasks[0]["account_id"]
    expected = sum(t["account_id"] == account for t in box.tasks)
    with box.serve() as server:
        monkeypatch.setenv("UGC_API_KEY", box.api_key)
        monkeypatch.setenv("UGC_BASE_URL", server.url)
        path = render_report(tmp_path / "r.html", account_ids=[account], older_than="3D")
    assert f"<b>{expected:,}</b><span>tasks</span>" in path.read_text() and "<b>1</b><span>account</span>" in path.read_text()


@pytest.mark.parametrize(
    "kwargs, match",
    [({"source": "cloud"}, "source"), ({"source": "api"}, "UGC_API_KEY"), ({"account_ids": "acc_1"}, "account_ids"),
        ({"older_than": "soon"}, "older_than"), ({"start": "someday"}, "start")],
)
def test_bad_parameters_fail_before_running(tmp_path, kwargs, match):
    """Bad parameters are a ValueError naming them; no file is written."""
    with pytest.raises(ValueError, match=match):
        render_report(tmp_path / "r.html", **kwargs)
    assert not (tmp_path / "r.html").exists()


def test_failing_notebook_is_a_report_error(tmp_path, monkeypatch):
    """A cell that fails is a ReportError naming the error, and no HTML is written."""
    monkeypatch.setenv("UGC_API_KEY", "whatever")
    monkeypatch.setenv("UGC_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(ReportError, match="APIConnectionError"):
        render_report(tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_report_command_is_the_main_job(tmp_path):
    """`python -m ugc_nb report -o F` on the sandbox (no key) writes F and prints its path."""
    env = {k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")}
    out = tmp_path / "report.html"
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", "report", "-o", str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"Report written to {out}" in proc.stdout and "embedded sandbox" in proc.stdout
    assert out.stat().st_size > 50_000 and "<img" in out.read_text()
    assert proc.stderr == "", proc.stderr  # the kernel's own start-up warnings do not reach the user


@pytest.mark.parametrize("env_extra, args, words", [
    ({}, ["-o", "/proc/report.html"], "the folder /proc cannot be written"),
    ({}, ["-o", "/"], "is a folder"),
    ({"UGC_BASE_URL": "http://127.0.0.1:9"}, [], "UGC_BASE_URL is set"),
])
def test_report_command_checks_before_starting_a_kernel(tmp_path, env_extra, args, words):
    """An output that cannot be written, or a base URL without a key: one line, exit 2, no kernel started."""
    env = {**{k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")}, **env_extra}
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", "report", *args], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
    assert "Running the report notebook" not in proc.stdout


def test_after_a_cleanup_the_report_keeps_the_past_true_and_says_what_was_removed(tmp_path, monkeypatch):
    """Failed tasks deleted through the engine: the report counts them in the failure history and lists the run."""
    from ugc_nb import delete_tasks, load_tasks

    box = Sandbox(n_tasks=150, seed=4, api_key=FAKE_KEY)
    with box.serve() as server:
        monkeypatch.setenv("UGC_API_KEY", FAKE_KEY)
        monkeypatch.setenv("UGC_BASE_URL", server.url)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        client = ugc_nb.UGCClient()
        df = load_tasks(client)
        failed = df[df["status"] == "failed"]
        delete_tasks(client, failed, progress=False)  # the default journal: what the report reads
        path = render_report(tmp_path / "r.html")
    html = path.read_text()
    assert f"{len(df):,} tasks: {len(df) - len(failed):,} in the queue now and {len(failed):,} deleted by cleanups since" in html
    assert f"{len(failed):,} tasks of this report deleted by 1 cleanup run" in html
