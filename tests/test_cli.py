"""The main job: `ugc-nb summary` prints a summary and writes the figure, with or without a key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ugc_nb import Sandbox
from ugc_nb.cli import main


def test_summary_on_the_sandbox_without_a_key(tmp_path):
    """With no key the main job announces the sandbox, prints the summary and writes a PNG."""
    out = tmp_path / "fig" / "overview.png"
    env = {k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")}
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", "summary", "-o", str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("using the embedded SANDBOX") == 1 and proc.stderr == ""
    for line in ("tasks", "deletable (scheduled or failed)", "retryable (failed)", "oldest failed", "By type and status"):
        assert line in proc.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(out.resolve()) in proc.stdout


def test_summary_against_a_server_with_a_key(tmp_path, monkeypatch, capsys):
    """With UGC_API_KEY/UGC_BASE_URL it reads that server, and the key is printed nowhere."""
    box = Sandbox(n_tasks=40, seed=2, api_key="cli-secret-key-0123456789")
    with box.serve() as server:
        monkeypatch.setenv("UGC_API_KEY", box.api_key)
        monkeypatch.setenv("UGC_BASE_URL", server.url)
        assert main(["summary", "-o", str(tmp_path / "o.png"), "--type", "warmup_scroll"]) == 0
    out = capsys.readouterr()
    assert f"using {server.url} with the key in UGC_API_KEY." in out.out
    assert box.api_key not in out.out + out.err
    expected = sum(t["type"] == "warmup_scroll" for t in box.tasks)
    assert f"tasks                            {expected} tasks on" in out.out


@pytest.mark.parametrize("args, message", [(["--start", "someday"], "start"), (["--account", ""], "--account is empty")])
def test_bad_arguments_exit_2_with_a_message(tmp_path, capsys, args, message):
    """Bad input is a one-line error on stderr and exit status 2, not a traceback."""
    assert main(["summary", "-o", str(tmp_path / "o.png"), *args]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("ugc-nb: error:") and message in last


def test_summary_writes_the_four_panel_overview(tmp_path, monkeypatch):
    """The figure the main job writes is plot_overview's: status, age, timeline and failure-rate panels."""
    import ugc_nb.insight.plots

    drawn = []

    def spy(df, **kwargs):
        drawn.append(real(df, **kwargs))
        return drawn[-1]

    real = ugc_nb.insight.plots.plot_overview
    monkeypatch.setattr(ugc_nb.insight.plots, "plot_overview", spy)
    out = tmp_path / "overview.png"
    assert main(["summary", "-o", str(out)]) == 0
    (fig,) = drawn
    assert [a.get_title() for a in fig.axes] == ["Tasks by status", "Task age", "Tasks created over time", "Failure rate by type"]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def journal_with_a_run(tmp_path):
    import ugc_nb

    box = Sandbox(n_tasks=60, seed=3)
    client = box.client()
    df = ugc_nb.load_tasks(client)
    path = tmp_path / "j.jsonl"
    report = ugc_nb.delete_tasks(client, df.ugc.deletable().head(5), journal=path, progress=False)
    return path, report


def test_journal_lists_the_runs_in_human_units(tmp_path, capsys):
    """`ugc-nb journal --journal F`: one line per run — time in UTC, action, 'sandbox', task count, outcomes."""
    path, report = journal_with_a_run(tmp_path)
    assert main(["journal", "--journal", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if report.run in ln)
    assert f"Journal: {path}" in out and " UTC" in line and "delete" in line and "sandbox" in line and "5 deleted" in line


def test_journal_shows_one_runs_tasks_and_writes_csv(tmp_path, capsys):
    """`ugc-nb journal RUN` prints the run's tasks; --csv writes them; an unknown run is a one-line error, exit 2."""
    import pandas as pd

    path, report = journal_with_a_run(tmp_path)
    out = tmp_path / "run.csv"
    assert main(["journal", report.run, "--journal", str(path), "--csv", str(out)]) == 0
    rows = pd.read_csv(out)
    assert sorted(rows["id"]) == sorted(report.ids("deleted")) and set(rows["outcome"]) == {"deleted"}
    assert main(["journal", "nope", "--journal", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ugc-nb: error: no run 'nope' in the journal (ugc-nb journal lists the runs)"]


def test_journal_finds_the_default_journals_and_says_when_there_are_none(tmp_path, monkeypatch, capsys):
    """With no --journal it looks at the per-user journal and the sandbox's, printing both paths."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["journal"]) == 0
    out = capsys.readouterr().out
    assert "No journal yet:" in out and "journal-sandbox.jsonl" in out and "No runs recorded." in out


def sandbox_cli(*args, tmp_path):
    """`python -m ugc_nb ARGS` on the embedded sandbox (no key), with a private data dir; one line on stderr at most."""
    env = {k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")} | {"XDG_DATA_HOME": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", *args], capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") <= 1, proc.stderr
    return proc


@pytest.mark.parametrize(("args", "message"), [
    (["retry", "--type", "edit_profile", "--account", "acc_123", "--yes"], "no account 'acc_123' among the 40 accounts"),
    (["delete", "--tag", "nosuchtag", "--yes"], "no tag 'nosuchtag' among the 500 tasks and 40 accounts (known: beauty, fitness, food, gaming, travel)"),
    (["delete", "--tag", "fitnes", "--dry-run"], "did you mean fitness?"),
    (["delete", "--preset", "test", "--group", "team_a", "--yes"], "no group 'team_a'"),
])
def test_a_value_that_names_nothing_known_is_a_usage_error_not_a_no_op(tmp_path, args, message):
    """A misspelt account, tag or group exits 2 naming it (and the closest values) before anything is planned or sent;
    the README's own `retry --account acc_123` line among them."""
    proc = sandbox_cli(*args, tmp_path=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert "Plan:" not in proc.stdout and "Nothing to" not in proc.stdout


def test_nothing_matched_and_nothing_eligible_are_different_sentences(tmp_path):
    """No task matching says which filter emptied the choice; tasks that match but cannot be acted on are counted by
    status. Both exit 0."""
    none = sandbox_cli("delete", "--status", "failed", "--older-than", "900d", "--yes", tmp_path=tmp_path)
    assert none.returncode == 0 and "No task matches: 500 tasks loaded; status failed → " in none.stdout
    assert "age ≥ 900 d → 0. Nothing to delete." in none.stdout
    done = [t["id"] for t in Sandbox().tasks if t["status"] == "complete"][:3]  # the CLI's sandbox: the same seed
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(done) + "\n")
    complete = sandbox_cli("retry", "--ids-file", str(ids), "--yes", tmp_path=tmp_path)
    assert complete.returncode == 0
    assert "3 tasks match, none can be retried (3 complete; only failed can be). Nothing to retry." in complete.stdout


def test_the_command_line_reads_like_a_finished_tool(tmp_path):
    """No arguments prints the command list; --help has no RST markup and every command a description; retry offers
    only what it can act on; a misspelt or abbreviated option points at that command's help with the right one; a
    negative age says what is wrong."""
    bare = sandbox_cli(tmp_path=tmp_path)
    assert bare.returncode == 2 and all(c in bare.stdout for c in ("summary", "report", "delete", "retry", "journal", "reconcile"))
    top = sandbox_cli("--help", tmp_path=tmp_path)
    assert "``" not in top.stdout and ":func:" not in top.stdout
    for command in ("summary", "report", "delete", "retry", "journal", "reconcile"):
        text = sandbox_cli(command, "--help", tmp_path=tmp_path).stdout
        description = text.split("\n\n")[1]
        assert not description.startswith(("options:", "positional")) and "``" not in text, (command, description)
    retry = sandbox_cli("retry", "--help", tmp_path=tmp_path).stdout
    assert "only this status (repeatable): failed" in retry and "stale" not in retry and "--grace" not in retry
    for args, says in ((["retry", "--status", "pending"], "ugc-nb retry: error: argument --status: invalid choice: 'pending' (choose from 'failed')"),
                       (["delete", "--olderthan", "3d"], "ugc-nb delete: error: unrecognized arguments: --olderthan 3d; did you mean --older-than? "
                                                         "(see ugc-nb delete --help)"),
                       (["delete", "--statu", "failed", "--yes"], "did you mean --status?"),
                       (["delete", "--older-than", "-3d"], "ugc-nb delete: error: --older-than -3d: an age is more than zero; write e.g. --older-than 3d"),
                       (["--deb", "summary"], "ugc-nb: error: unrecognized arguments: --deb; did you mean --debug? (see ugc-nb --help)")):
        proc = sandbox_cli(*args, tmp_path=tmp_path)
        assert proc.returncode == 2 and says in proc.stderr, proc.stderr
