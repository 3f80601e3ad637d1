"""`ugc-nb delete|retry|journal|reconcile` as a person runs them: a subprocess, UGC_API_KEY/UGC_BASE_URL set, a loopback server.

The expectations are computed here from the server's own records and the documented rules
(delete: scheduled or failed; retry: failed), not from ugc_nb's planning code.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

import pytest
from fakeapi import FakeAPI, make_tasks
from userenv import old_failed, served_sandbox, user_env

from ugc_nb import Faults, Sandbox, read_journal

KEY = "cli-cleanup-key-5f2b9c01d7"


def cli_env(server_url: str, tmp_path, key: str = KEY) -> dict[str, str]:
    """The environment a user would have: the key and base URL set, a private data dir (the journal)."""
    return user_env(server_url, tmp_path, key)


def ugc(args, env, *, stdin=subprocess.DEVNULL, timeout=120, key=KEY):
    """Run `python -m ugc_nb ARGS`; the key must appear in none of its output."""
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", *args], env=env, stdin=stdin, capture_output=True, text=True, timeout=timeout)
    assert key not in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def box():
    with served_sandbox(KEY, n_tasks=300, seed=5) as sandbox:
        yield sandbox


def test_a_dry_run_prints_the_plan_and_changes_nothing(box, tmp_path):
    """--dry-run: the plan with its breakdown, exit 0, no delete request, every task still there."""
    before, expected = set(box.ids()), old_failed(box)
    proc = ugc(["delete", "--preset", "old-failures", "--dry-run"], cli_env(box.url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert f"using {box.url} with the key in UGC_API_KEY." in proc.stdout
    assert f"Plan: delete {len(expected)} tasks (permanently)." in proc.stdout
    for line in ("by status   failed", "by type", "by account", "created"):
        assert line in proc.stdout
    assert f"{len(expected)} would be deleted. Nothing was sent." in proc.stdout
    assert set(box.ids()) == before and not [r for r in box.requests if r.path == "/tasks/delete"]


def test_without_a_terminal_or_yes_nothing_is_sent_and_it_exits_3(box, tmp_path):
    """Cron or a pipe without --yes: the plan, one line saying confirmation is needed, exit 3, nothing changed."""
    before = set(box.ids())
    proc = ugc(["delete", "--status", "failed"], cli_env(box.url, tmp_path))
    assert proc.returncode == 3
    assert "Plan: delete" in proc.stdout
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and "confirmation needed: nothing was sent" in proc.stderr
    assert set(box.ids()) == before and not [r for r in box.requests if r.path == "/tasks/delete"]


def test_yes_deletes_exactly_the_plans_tasks_and_writes_the_report(box, tmp_path):
    """--yes: the chosen deletable tasks are gone, nothing else is; the CSV lists each with `deleted`; exit 0."""
    expected, before = old_failed(box), set(box.ids())
    out = tmp_path / "deleted.csv"
    proc = ugc(["delete", "--preset", "old-failures", "--yes", "--output", str(out)], cli_env(box.url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert set(box.ids()) == before - expected and set(box.deleted_ids) == expected
    rows = list(csv.DictReader(out.open()))
    assert {r["id"] for r in rows} == expected and {r["outcome"] for r in rows} == {"deleted"}
    assert f"Delete: {len(expected)} tasks — {len(expected)} deleted." in proc.stdout
    journal = tmp_path / "data" / "ugc-nb" / "journal.jsonl"
    assert f"Journal: {journal}" in proc.stdout
    assert set(read_journal(journal).query("outcome == 'deleted'")["id"]) == expected


def test_filters_combine_and_pending_rows_are_skipped_with_a_reason(box, tmp_path):
    """--account: only that account's tasks; the chosen pending and complete ones are named as skipped, never sent
    (``--status pending`` itself is a usage error: delete offers the statuses it can act on)."""
    account = max({t["account_id"] for t in box.tasks}, key=lambda a: sum(t["account_id"] == a for t in box.tasks))
    mine = [t for t in box.tasks if t["account_id"] == account]
    other = [t["id"] for t in mine if t["status"] not in ("scheduled", "failed")]
    deletable = {t["id"] for t in mine if t["status"] in ("scheduled", "failed")}
    proc = ugc(["delete", "--account", account, "--yes", "--output", str(tmp_path / "r.json")], cli_env(box.url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert set(box.deleted_ids) == deletable
    report = json.loads((tmp_path / "r.json").read_text())
    assert {t["id"] for t in report["tasks"] if t["outcome"] == "ineligible"} == set(other) and other
    assert f"skipped     {len(other)} task" in proc.stdout
    sent = {i for r in box.requests if r.path == "/tasks/delete" for i in r.body["taskIds"]}
    assert sent == deletable


def read_pty(proc: subprocess.Popen, master: int, answer: str, timeout: float = 90) -> str:
    """Read a child's terminal; type `answer` when it asks; return everything it wrote."""
    out, sent, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed its terminal
                break
            if not chunk:
                break
            out += chunk
            if not sent and b"anything else cancels" in out:
                os.write(master, answer.encode() + b"\r")
                sent = True
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    return out.decode(errors="replace")


def on_terminal(args, env, answer):
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "ugc_nb", *args], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    try:
        text = read_pty(proc, master, answer)
    finally:
        os.close(master)
    assert KEY not in text
    return proc.returncode, text


def test_on_a_terminal_the_typed_count_confirms(box, tmp_path):
    """On a pty, typing the number of tasks shown sends them (and only then)."""
    expected = old_failed(box)
    code, text = on_terminal(["delete", "--preset", "old-failures"], cli_env(box.url, tmp_path), str(len(expected)))
    assert f"Type {len(expected)} to delete these {len(expected)} tasks permanently" in text
    assert code == 0, text
    assert set(box.deleted_ids) == expected
    assert f"{len(expected)}/{len(expected)}" in text and "0 failed" in text  # the progress bar, on a size-less pty too


@pytest.mark.parametrize("typed", ["one less", ",{n}", "{n},", "0{n}", "+{n}"])
def test_on_a_terminal_a_wrong_count_sends_nothing(box, tmp_path, typed):
    """Typing anything but the count as shown (one less, stray commas, a leading 0 or +) cancels: exit 3, no delete request."""
    expected = old_failed(box)
    answer = str(len(expected) - 1) if typed == "one less" else typed.format(n=len(expected))
    code, text = on_terminal(["delete", "--preset", "old-failures"], cli_env(box.url, tmp_path), answer)
    assert code == 3, text
    assert "cancelled" in text and "nothing was sent" in text
    assert not box.deleted_ids and not [r for r in box.requests if r.path == "/tasks/delete"]


def test_everything_needs_the_typed_count_or_yes_all(box, tmp_path):
    """No filter and no preset: --yes alone is refused (exit 3, nothing sent); --yes --all deletes every deletable task."""
    env = cli_env(box.url, tmp_path)
    refused = ugc(["delete", "--yes"], env)
    assert refused.returncode == 3 and "--all" in refused.stderr and not box.deleted_ids
    deletable = {t["id"] for t in box.tasks if t["status"] in ("scheduled", "failed")}
    done = ugc(["delete", "--yes", "--all"], env)
    assert done.returncode == 0, done.stderr
    assert set(box.deleted_ids) == deletable
    assert {t["status"] for t in box.tasks} <= {"pending", "complete"}


def test_retry_re_queues_exactly_the_failed_tasks_of_a_type(box, tmp_path):
    """retry --type T --yes: the failed tasks of type T are re-queued, no other task is touched."""
    failed = {t["id"] for t in box.tasks if t["status"] == "failed" and t["type"] == "warmup_scroll"}
    proc = ugc(["retry", "--type", "warmup_scroll", "--yes"], cli_env(box.url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert set(box.retried_ids) == failed
    assert "skipped" in proc.stdout  # the scheduled ones of that type cannot be retried


def test_ids_file_from_stdin_names_ids_the_server_does_not_list(box, tmp_path):
    """--ids-file -: listed ids are the selection; an id the server does not list is named and never sent."""
    failed = sorted(t["id"] for t in box.tasks if t["status"] == "failed")[:3]
    text = "# to delete\n" + "\n".join([*failed, "task_not_there"]) + "\n"
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", "delete", "--ids-file", "-", "--yes"], input=text,
                          env=cli_env(box.url, tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert set(box.deleted_ids) == set(failed)
    assert "1 task of --ids-file is not among the tasks the server lists" in proc.stdout and "task_not_there" in proc.stdout
    assert "task_not_there" not in {i for r in box.requests if r.path == "/tasks/delete" for i in r.body["taskIds"]}


@pytest.mark.parametrize("args, words", [
    (["delete", "--older-than", "7"], "'7' is not an age"),
    (["delete", "--older-than", "a week"], "1w (weeks)"),
    (["delete", "--output", "x.xlsx"], ".csv or .json"),
    (["delete", "--group", "g"], "--group goes with --preset test"),
    (["delete", "--created-after", "2026-12-01", "--created-before", "2026-11-01"], "is not before"),
    (["delete", "--all", "--status", "failed", "--yes"], "cannot be combined"),
    (["delete", "--ids-file", "/nonexistent/ids.txt"], "cannot read --ids-file"),
    (["delete", "--older-than", "99999999999999999999d"], "too long an age"),
    (["delete", "--older-than", "7 d"], "'7 d' is not an age"),
    (["delete", "--older-than", "\u0667d"], "is not an age"),  # an Arabic-Indic seven: only 0-9 are digits here
    (["delete", "--older-than", "0d"], "no age at all"),
    (["delete", "--preset", "test", "--tag", "a", "--group", "g"], "not several"),
    (["delete", "--grace", "2h"], "--grace goes with --preset stale"),
    (["delete", "--status", "bogus"], "invalid choice: 'bogus'"),
    (["delete", "--preset", "bogus"], "invalid choice: 'bogus'"),
    (["delete", "--batch-size", "x"], "'x' is not a whole number above 0"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["delete", "--preset", "stale", "--preset", "test"], "--preset is given twice"),
    (["delete", "--created-before", "now"], "'now' is not an ISO 8601 time"),
    (["delete", "--account", "acc_a "], "has spaces around it"),
    (["delete", "--status", "failed", "--output", "/proc/x.csv"], "cannot be written"),
    *[(["delete", "--status", "failed", option, ""], f"{option} is empty")
      for option in ("--ids-file", "--older-than", "--tag", "--created-after", "--created-before")],
])
def test_bad_input_is_one_line_and_exit_2_before_anything_is_read(box, tmp_path, args, words):
    """Every bad option: one line on stderr naming it, exit 2, not one request made."""
    proc = ugc(args, cli_env(box.url, tmp_path))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr
    assert not box.requests


def test_ids_on_stdin_need_yes_and_invisible_characters_are_refused(box, tmp_path):
    """--ids-file - leaves no stdin to type the count on (exit 3, says why); a zero-width space in an id is exit 2."""
    failed = sorted(t["id"] for t in box.tasks if t["status"] == "failed")[:2]
    env = cli_env(box.url, tmp_path)
    run = functools.partial(subprocess.run, [sys.executable, "-m", "ugc_nb", "delete", "--ids-file", "-"], env=env,
                            capture_output=True, text=True, timeout=120)
    proc = run(input="\n".join(failed))
    assert proc.returncode == 3 and "Standard input held the ids" in proc.stderr
    odd = tmp_path / "ids.txt"
    odd.write_text("\ufeff" + failed[0] + "\n" + failed[1] + "\u200b\n", encoding="utf-8")
    proc = ugc(["delete", "--ids-file", str(odd), "--yes"], env)
    assert proc.returncode == 2 and "invisible character (U+200B)" in proc.stderr
    assert not box.deleted_ids


def test_a_repeated_tag_is_or(box, tmp_path):
    """--tag a --tag b keeps tasks of accounts with either tag."""
    tags = sorted({a["tag"] for a in box.accounts if a.get("tag")})[:2]
    accounts = {a["id"] for a in box.accounts if a.get("tag") in tags}
    expected = {t["id"] for t in box.tasks if t["account_id"] in accounts and t["status"] in ("scheduled", "failed")}
    proc = ugc(["delete", "--tag", tags[0], "--tag", tags[1], "--yes"], cli_env(box.url, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert set(box.deleted_ids) == expected and expected


def test_a_report_that_cannot_be_written_is_one_line_and_the_journal_has_every_outcome(box, tmp_path):
    """--output on a full disk (/dev/full): the deletes stand, one line names the file and the journal, exit 1."""
    target = tmp_path / "full.csv"
    target.symlink_to("/dev/full")
    proc = ugc(["delete", "--preset", "old-failures", "--yes", "--output", str(target)], cli_env(box.url, tmp_path))
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ugc-nb:")]
    assert len(errors) == 1 and "could not write the report" in errors[0] and "ugc-nb journal" in errors[0]
    journal = read_journal(tmp_path / "data" / "ugc-nb" / "journal.jsonl")
    assert set(journal.query("outcome == 'deleted'")["id"]) == set(box.deleted_ids) == old_failed(box) | set(box.deleted_ids)


def test_a_base_url_without_a_key_is_an_error_not_the_sandbox(box, tmp_path):
    """UGC_BASE_URL set and UGC_API_KEY empty: exit 2 naming both, never a silent switch to the sandbox."""
    proc = ugc(["delete", "--status", "failed", "--yes"], cli_env(box.url, tmp_path, key=""), key="never-printed-anyway")
    assert proc.returncode == 2 and "UGC_BASE_URL is set" in proc.stderr and "UGC_API_KEY is empty or unset" in proc.stderr
    assert not box.requests


def test_all_age_forms_are_accepted(box, tmp_path):
    """--older-than 7D, 7d, 1w and 36h all parse (the dry runs plan the same 7-day set for the first three)."""
    env = cli_env(box.url, tmp_path)
    plans = {}
    for age in ("7D", "7d", "1w", "36h"):
        proc = ugc(["delete", "--status", "failed", "--older-than", age, "--dry-run"], env)
        assert proc.returncode == 0, proc.stderr
        plans[age] = next(line for line in proc.stdout.splitlines() if line.startswith("Plan:"))
    assert plans["7D"] == plans["7d"] == plans["1w"] == f"Plan: delete {len(old_failed(box))} tasks (permanently)."
    assert plans["36h"] == f"Plan: delete {len(old_failed(box, 1.5))} tasks (permanently)."


def test_a_wrong_key_is_exit_2_with_one_line(box, tmp_path):
    """A key the server refuses: one line naming the problem, exit 2; neither key is printed."""
    proc = ugc(["delete", "--status", "failed", "--yes"], cli_env(box.url, tmp_path, key="wrong-key-0000000000"), key="wrong-key-0000000000")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert KEY not in proc.stderr and not box.deleted_ids


def test_version():
    """`ugc-nb --version` prints the package version."""
    import ugc_nb

    proc = subprocess.run([sys.executable, "-m", "ugc_nb", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ugc-nb {ugc_nb.__version__}"


# -- against the independent fake (tests/fakeapi.py): no /accounts, misbehaviour on demand ---------------------------


def test_on_the_independent_fake_some_failed_is_exit_1_and_every_task_has_one_outcome(tmp_path):
    """The fake starts refusing deletes after the first: exit 1, deleted + failed = the plan, the journal agrees."""
    tasks = make_tasks(60, accounts=4, seed=3)
    fake = FakeAPI(tasks, api_key=KEY)
    deletable = {t["id"] for t in tasks if t["status"] in ("scheduled", "failed")}

    def refuse_after_first(api, path, ids):
        if path == "/tasks/delete" and api.deleted_by_us:
            api.max_ids = 0  # every later delete: 400 "too many task ids", applied to nothing

    fake.before = refuse_after_first
    with fake.serve() as served:
        proc = ugc(["delete", "--status", "scheduled", "--status", "failed", "--yes", "--batch-size", "5",
                    "--output", str(tmp_path / "r.csv")], cli_env(served.url, tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert "the account list could not be read" in proc.stderr  # the fake has no /accounts: ids are shown
    rows = {r["id"]: r["outcome"] for r in csv.DictReader((tmp_path / "r.csv").open())}
    assert set(rows) == deletable
    assert {i for i, o in rows.items() if o == "deleted"} == set(fake.deleted_by_us)
    assert {o for i, o in rows.items() if i not in fake.deleted_by_us} == {"failed"}
    assert not fake.violations


def test_a_preset_that_needs_the_account_list_stops_when_it_cannot_be_read(tmp_path):
    """--preset orphaned on a server without /accounts: exit 1, one line, no delete sent (no guessing who is orphaned)."""
    fake = FakeAPI(make_tasks(20, seed=1), api_key=KEY)
    with fake.serve() as served:
        proc = ugc(["delete", "--preset", "orphaned", "--yes"], cli_env(served.url, tmp_path))
    assert proc.returncode == 1
    assert "the account list is needed" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not [r for r in fake.requests if r.path == "/tasks/delete"]


# -- interruptions ------------------------------------------------------------------------------------------------------


def wait_for_intent(path, timeout=60):
    """Block until the journal holds an intent record (a request is about to go out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and b'"kind":"intent"' in path.read_bytes():
            return
        time.sleep(0.05)
    raise AssertionError("no intent was journalled")


def slow_box():
    return Sandbox(n_tasks=300, seed=5, api_key=KEY, faults=Faults(latency=0.4, paths=("/tasks/delete",)))


def test_ctrl_c_stops_cleanly_with_exit_130_and_every_outcome_journalled(tmp_path):
    """SIGINT mid-run: requests in flight finish, nothing more is sent, exit 130, the journal has an outcome for each task."""
    box = slow_box()
    journal = tmp_path / "data" / "ugc-nb" / "journal.jsonl"
    with box.serve() as server:
        proc = subprocess.Popen([sys.executable, "-m", "ugc_nb", "delete", "--status", "scheduled", "--status", "failed",
                                 "--yes", "--batch-size", "5"], env=cli_env(server.url, tmp_path),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_intent(journal)
        time.sleep(0.15)  # that request is on its way (each takes 0.4 s)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Stopping" in err and "Traceback" not in err
    entries = read_journal(journal)
    assert "unfinished" not in set(entries["outcome"].astype(str))
    deleted = set(entries.query("outcome == 'deleted'")["id"])
    assert deleted == set(box.deleted_ids) and 0 < len(deleted) < len(entries)
    assert "not sent (asked to stop)" in out


def test_sigterm_while_loading_is_exit_130_and_sends_nothing(tmp_path):
    """A scheduler's SIGTERM while the tasks load: one line, exit 130, no delete request."""
    import threading

    arrived = threading.Event()

    def slow_list(api, path, ids):
        if path == "/tasks":
            arrived.set()
            time.sleep(3)

    fake = FakeAPI(make_tasks(20, seed=4), api_key=KEY)
    fake.before = slow_list
    with fake.serve() as served:
        proc = subprocess.Popen([sys.executable, "-m", "ugc_nb", "delete", "--status", "failed", "--yes"], env=cli_env(served.url, tmp_path),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert arrived.wait(60)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip() == "ugc-nb: interrupted while loading the tasks: nothing was sent."
    assert not [r for r in fake.requests if r.path == "/tasks/delete"]


def test_a_second_ctrl_c_still_settles_the_requests_in_flight(tmp_path):
    """Two SIGINTs: the second says the requests in flight are being finished; exit 130, no unfinished task in the journal."""
    box = slow_box()
    journal = tmp_path / "data" / "ugc-nb" / "journal.jsonl"
    with box.serve() as server:
        proc = subprocess.Popen([sys.executable, "-m", "ugc_nb", "delete", "--status", "failed", "--yes", "--batch-size", "5"],
                                env=cli_env(server.url, tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        wait_for_intent(journal)
        time.sleep(0.15)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Still finishing the requests in flight" in err, err
    assert "unfinished" not in set(read_journal(journal)["outcome"].astype(str))


def test_after_a_killed_run_journal_shows_unfinished_and_reconcile_settles_them(tmp_path):
    """kill -9 mid-request: `journal` lists the run's unfinished tasks, `reconcile` settles each, then none are unfinished."""
    box = slow_box()
    journal = tmp_path / "data" / "ugc-nb" / "journal.jsonl"
    with box.serve() as server:
        env = cli_env(server.url, tmp_path)
        proc = subprocess.Popen([sys.executable, "-m", "ugc_nb", "delete", "--status", "failed", "--yes", "--batch-size", "5"],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_intent(journal)
        proc.kill()
        proc.wait(timeout=30)
        time.sleep(1.0)  # the requests that were in flight reach the server
        listed = ugc(["journal"], env)
        assert listed.returncode == 0 and str(journal) in listed.stdout
        run = read_journal(journal)["run"].iloc[0]
        line = next(ln for ln in listed.stdout.splitlines() if ln.startswith(run))
        unfinished = int(line.split()[-1])
        assert unfinished > 0
        settled = ugc(["reconcile"], env)
        assert settled.returncode == 0, settled.stderr
        assert f"Settled {unfinished} task" in settled.stdout
        after = read_journal(journal)
    assert "unfinished" not in set(after["outcome"].astype(str))
    gone = set(box.deleted_ids)
    assert set(after.query("outcome == 'deleted'")["id"]) == gone


def test_reconcile_on_the_in_process_sandbox_says_why_there_is_nothing_to_settle(tmp_path, monkeypatch, capsys):
    """Without a key each command's sandbox is new: reconcile says so and leaves the journal alone, exit 0."""
    from ugc_nb.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["reconcile"]) == 0
    assert "Nothing to reconcile: the runs of an earlier command's in-process sandbox ended with it" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


def test_journal_run_shows_that_runs_tasks(box, tmp_path):
    """After a run, `ugc-nb journal RUN` lists its tasks with their outcomes; --csv writes them."""
    env = cli_env(box.url, tmp_path)
    done = ugc(["delete", "--preset", "old-failures", "--yes"], env)
    run = next(ln for ln in done.stdout.splitlines() if ln.startswith("Journal:")).split("ugc-nb journal ")[1].split()[0]
    shown = ugc(["journal", run, "--csv", str(tmp_path / "run.csv")], env)
    assert shown.returncode == 0, shown.stderr
    rows = list(csv.DictReader((tmp_path / "run.csv").open()))
    assert {r["id"] for r in rows} == set(box.deleted_ids) and {r["outcome"] for r in rows} == {"deleted"}
