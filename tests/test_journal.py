"""The journal (append-only, fsynced, user-only) and reconcile after a run killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading

import orjson
import pandas as pd
import pytest

import ugc_nb
from ugc_nb import Sandbox, UGCClient, delete_tasks, load_tasks, read_journal, reconcile, retry_tasks
from ugc_nb.api.errors import JournalError
from ugc_nb.api.retry import NO_WAIT
from ugc_nb.cleanup.journal import Journal, JournalWarning, default_journal_path

NOW = pd.Timestamp("2026-11-01T12:00:00Z")
SECRET = "sk-journal-secret-0123456789abcdef"


@pytest.fixture
def box():
    return Sandbox(n_tasks=300, n_accounts=10, seed=8, now=NOW.to_pydatetime(), api_key=SECRET)


def failed_rows(client):
    return load_tasks(client, now=NOW).ugc.with_status("failed")


def test_default_journal_is_user_only(box, tmp_path, monkeypatch):
    """With no path the journal goes to the per-user data dir, directory 0700 and file 0600."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = default_journal_path()
    assert path == tmp_path / "data" / "ugc-nb" / "journal.jsonl"
    with box.serve() as server, UGCClient(api_key=SECRET, base_url=server.url, retry=NO_WAIT) as client:
        report = delete_tasks(client, failed_rows(client).head(3), progress=False)
    assert report.journal == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_in_process_sandbox_has_its_own_default_journal(box, tmp_path, monkeypatch):
    """Runs on the in-process sandbox go to journal-sandbox.jsonl, never into the real journal."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    client = box.client(retry=NO_WAIT)
    report = delete_tasks(client, failed_rows(client).head(2), progress=False)
    assert report.journal == tmp_path / "data" / "ugc-nb" / "journal-sandbox.jsonl"
    assert not default_journal_path().exists()


def test_unwritable_journal_stops_before_sending(box, tmp_path):
    """A journal path that cannot be written is a JournalError naming it, and nothing is sent."""
    client = box.client(retry=NO_WAIT)
    rows = failed_rows(client).head(2)
    box.reset_log()
    with pytest.raises(JournalError, match="cannot write the journal"):
        delete_tasks(client, rows, journal=tmp_path, progress=False)  # a directory
    assert not box.deleted_ids and not [r for r in box.requests if r.path == "/tasks/delete"]


def test_runs_do_not_leak_file_descriptors(box, tmp_path):
    """Each run closes the journal it opened."""
    client = box.client(retry=NO_WAIT)
    rows = failed_rows(client)
    before = len(os.listdir("/proc/self/fd"))
    for k in range(10):
        delete_tasks(client, rows.iloc[k : k + 1], journal=tmp_path / "j.jsonl", progress=False)
    assert len(os.listdir("/proc/self/fd")) <= before + 1


def test_journal_records_intent_before_outcome_with_full_rows(box, tmp_path):
    """Each send is preceded by an intent holding full rows; outcomes follow; no key anywhere."""
    journal = tmp_path / "j.jsonl"
    client = box.client(retry=NO_WAIT)
    chosen = failed_rows(client).head(6)
    delete_tasks(client, chosen, journal=journal, batch_size=4, concurrency=1, progress=False)
    text = journal.read_text()
    assert SECRET not in text
    records = [orjson.loads(line) for line in text.splitlines()]
    kinds = [r["kind"] for r in records]
    assert kinds == ["run", "intent", "outcome", "intent", "outcome"]
    assert records[0]["action"] == "delete" and records[0]["chosen"] == 6
    first = records[1]["tasks"]
    sent = [t["id"] for r in records if r["kind"] == "intent" for t in r["tasks"]]
    assert sorted(sent) == sorted(chosen["id"]) and len(first) == 4  # batched by account, every row journalled once
    assert set(first[0]) >= {"id", "account_id", "type", "status", "scheduled_time", "created_at", "duration", "keywords", "edit_profile_info"}


def test_read_journal_frame(box, tmp_path):
    """read_journal gives one row per task per run with id, action, outcome, time, reason and typed task columns."""
    journal = tmp_path / "j.jsonl"
    client = box.client(retry=NO_WAIT)
    rows = load_tasks(client, now=NOW)
    chosen = pd.concat([rows.ugc.with_status("failed").head(4), rows.ugc.with_status("complete").head(2)])
    delete_tasks(client, chosen, journal=journal, progress=False)
    retry_tasks(client, rows.ugc.with_status("failed").iloc[4:6], journal=journal, progress=False)
    frame = read_journal(journal)
    assert list(frame.columns[:6]) == ["id", "run", "action", "outcome", "time", "reason"]
    assert len(frame) == 8 and frame["run"].nunique() == 2
    assert frame["outcome"].value_counts()[["deleted", "ineligible", "retried"]].tolist() == [4, 2, 2]
    deleted = frame[frame["outcome"] == "deleted"].set_index("id")
    original = chosen.set_index("id").loc[deleted.index]
    pd.testing.assert_series_equal(deleted["created_at"], original["created_at"], check_names=False)
    assert (deleted["status"].astype(str) == "failed").all()
    assert str(frame["time"].dt.tz) == "UTC" and isinstance(frame["status"].dtype, pd.CategoricalDtype)


def test_torn_or_garbage_line_anywhere_is_skipped_and_the_next_writer_starts_fresh(tmp_path):
    """A half-written line (killed writer) or garbage anywhere is skipped with a warning naming its line;
    the next record written after a torn end starts on a new line, so it is not swallowed."""
    journal = Journal(tmp_path / "j.jsonl")
    journal.write("run", "r1", action="delete", chosen=2, source="x", dry_run=False)
    journal.write("intent", "r1", send=1, action="delete", tasks=[{"id": "task_a", "status": "failed"}])
    journal.close()
    with open(journal.path, "ab") as fh:
        fh.write(b'{"kind": "outcome", "run": "r1", "resu')  # killed mid-line
    with pytest.warns(JournalWarning, match="line 3"):
        assert read_journal(journal.path)["outcome"].tolist() == ["unfinished"]
    later = Journal(journal.path)
    later.write("intent", "r1", send=2, action="delete", tasks=[{"id": "task_b", "status": "scheduled"}])
    later.close()
    lines = journal.path.read_bytes().split(b"\n")
    journal.path.write_bytes(b"\n".join([lines[0], b"garbage", b'["a list"]', b'{"kind": 3}', *lines[1:]]))
    with pytest.warns(JournalWarning) as caught:
        frame = read_journal(journal.path)
    assert frame.set_index("id")["outcome"].to_dict() == {"task_a": "unfinished", "task_b": "unfinished"}
    assert {n for w in caught for n in (2, 3, 4, 6) if f"line {n}," in str(w.message)} == {2, 3, 4, 6}


def test_missing_journal_is_a_clear_error(tmp_path):
    """Reading a journal that does not exist names the path."""
    with pytest.raises(FileNotFoundError, match="no journal"):
        read_journal(tmp_path / "nope.jsonl")


KILLED_RUN = textwrap.dedent(
    """
    import sys, ugc_nb
    client = ugc_nb.UGCClient(retry=ugc_nb.api.NO_WAIT, timeout=60)
    df = ugc_nb.load_tasks(client)
    ugc_nb.delete_tasks(client, df.ugc.with_status("failed"), journal=sys.argv[1], batch_size=5, concurrency=1, progress=False)
    print("finished", flush=True)
    """
)


@pytest.mark.parametrize("server_applies", [True, False])
def test_reconcile_after_sigkill(box, tmp_path, server_applies):
    """A run killed mid-request leaves an unfinished batch; reconcile settles each task of it and journals that."""
    journal = tmp_path / "j.jsonl"
    in_flight, killed = threading.Event(), threading.Event()
    calls = []

    def hold_second_batch(sandbox, path, ids):
        calls.append(list(ids))
        if len(calls) == 2:
            in_flight.set()
            killed.wait(30)
            if not server_applies:
                raise RuntimeError("server crashed before applying")

    box.before_mutation = hold_second_batch
    with box.serve() as server:
        env = {**os.environ, "UGC_API_KEY": SECRET, "UGC_BASE_URL": server.url}
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_RUN, str(journal)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            assert in_flight.wait(60), proc.stderr.read() if proc.poll() is not None else "no second batch"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            killed.set()
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        assert proc.returncode == -signal.SIGKILL
        box.before_mutation = None
        before = read_journal(journal)
        second = calls[1]
        assert sorted(before.loc[before["outcome"] == "unfinished", "id"]) == sorted(second)
        assert sorted(before.loc[before["outcome"] == "deleted", "id"]) == sorted(calls[0])

        with UGCClient(api_key=SECRET, base_url=server.url, retry=NO_WAIT) as client:
            # Wait until the held request has finished on the server side.
            for _ in range(100):
                if any(r.path == "/tasks/delete" and r.status is not None for r in box.requests[-3:]):
                    break
                threading.Event().wait(0.05)
            report = reconcile(journal, client)

    frame = report.to_frame()
    assert sorted(frame["id"]) == sorted(second)
    expected = "deleted" if server_applies else "failed"
    assert (frame["outcome"] == expected).all()
    assert all((box.task(i) is None) is server_applies for i in second)
    after = read_journal(journal)
    assert "unfinished" not in set(after["outcome"])
    assert SECRET not in journal.read_text()
    again = reconcile(journal, UGCClient(api_key=SECRET, base_url=server.url, retry=NO_WAIT))  # settled: no request needed
    assert again.results == [] and "Nothing to reconcile" in again.notes[0]


def test_reconcile_leaves_runs_of_other_servers_alone(box, tmp_path):
    """An unfinished run against server A is not settled by a client of server B (it would guess)."""
    journal = Journal(tmp_path / "j.jsonl")
    run = journal.new_run("delete", chosen=1, source="http://127.0.0.1:1", dry_run=False)
    journal.write("intent", run, send=1, action="delete", tasks=[{"id": box.ids()[0], "status": "failed", "account_id": "acc_x"}])
    journal.close()
    client = box.client(retry=NO_WAIT)
    report = reconcile(journal.path, client)
    assert report.results == [] and "Left alone: 1 task of runs against http://127.0.0.1:1" in report.notes[0]
    assert read_journal(journal.path)["outcome"].tolist() == ["unfinished"]
    assert read_journal(journal.path)["source"].tolist() == ["http://127.0.0.1:1"]


def test_reconcile_leaves_runs_made_with_another_key_alone(tmp_path):
    """Same server URL, another organisation's key: its unfinished run is not settled (unless forced)."""
    org_a = Sandbox(n_tasks=20, seed=1, api_key="key-of-org-a")
    org_b = Sandbox(n_tasks=20, seed=2, api_key="key-of-org-b")
    client_a, client_b = org_a.client(retry=NO_WAIT), org_b.client(retry=NO_WAIT)
    assert client_a.base_url == client_b.base_url
    journal = Journal(tmp_path / "j.jsonl")
    run = journal.new_run("delete", chosen=1, source=client_a.base_url, dry_run=False, run_id="r1", key_hash=client_a.key_fingerprint("r1"))
    task = next(t for t in org_a.tasks if t["status"] == "failed")
    journal.write("intent", run, send=1, action="delete", tasks=[task])
    journal.close()
    assert "key-of-org-a" not in journal.path.read_text()
    left = reconcile(journal.path, client_b)
    assert left.results == [] and "another API key" in left.notes[0]
    settled = reconcile(journal.path, client_a)
    assert [r.outcome for r in settled.results] == ["failed"]  # still exists in org A: the delete never happened
    assert "did not take effect" in settled.results[0].reason


def test_read_journal_with_no_path_reads_the_journal_of_the_source(tmp_path, monkeypatch):
    """read_journal(client=…) and read_journal() read the file runs on that source write to: the sandbox's without a key."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    box = Sandbox(n_tasks=30, seed=1)
    client = box.client()
    df = load_tasks(client)
    ugc_nb.delete_tasks(client, df[df["status"] == "failed"].head(2), progress=False)
    written = ugc_nb.cleanup.journal_path_for(client)
    assert written.name == "journal-sandbox.jsonl" and written.exists()
    assert len(ugc_nb.read_journal(client=client)) == 2 and len(ugc_nb.read_journal()) == 2  # no key: the sandbox's
    monkeypatch.setenv("UGC_API_KEY", "x" * 20)
    with pytest.raises(FileNotFoundError, match="journal.jsonl"):
        ugc_nb.read_journal()  # with a key the source is the API, whose journal has nothing yet


# -- the journal's privacy and its reader's limits (safety round 3) ------------------------------------------------
def test_a_journal_open_to_others_is_made_user_only_before_any_row_goes_in(tmp_path):
    """A journal restored from a backup as 0644: the run that opens it makes it 0600 and says so once (a
    JournalWarning naming the file and both modes); the next run says nothing. Against the independent fake."""
    from fakeapi import FakeAPI, make_tasks

    fake = FakeAPI(make_tasks(8, accounts=2, seed=3), api_key=SECRET)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b'{"kind":"run","run":"old","time":"2026-10-01T00:00:00Z","action":"delete"}\n')
    path.chmod(0o644)
    with UGCClient(api_key=SECRET, base_url="http://fake.test", transport=fake.transport(), retry=NO_WAIT) as client:
        df = load_tasks(client, now=NOW)
        chosen = df[df["status"].isin(["scheduled", "failed"])]
        with pytest.warns(JournalWarning, match=r"open to other users \(mode 0644\).*now user-only \(0600\)") as seen:
            delete_tasks(client, chosen.head(2), journal=path, progress=False)
        assert len([w for w in seen if issubclass(w.category, JournalWarning)]) == 1
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with warnings_as_errors():
            delete_tasks(client, chosen.iloc[2:4], journal=path, progress=False)
    assert fake.deleted_by_us.keys() == set(chosen["id"].head(4))


def test_a_journal_whose_permissions_cannot_be_tightened_is_refused_before_sending(tmp_path, monkeypatch):
    """When the 0644 journal's mode cannot be changed (not our file), nothing is sent: a JournalError names the file."""
    from fakeapi import FakeAPI, make_tasks

    from ugc_nb.cleanup import journal as journal_module

    fake = FakeAPI(make_tasks(4, accounts=1, seed=3), api_key=SECRET)
    path = tmp_path / "journal.jsonl"
    path.write_bytes(b"")
    path.chmod(0o644)

    class NotOwner:
        def __getattr__(self, name):
            return getattr(os, name)

        def fchmod(self, fd, mode):
            raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(journal_module, "os", NotOwner())
    with UGCClient(api_key=SECRET, base_url="http://fake.test", transport=fake.transport(), retry=NO_WAIT) as client:
        df = load_tasks(client, now=NOW)
        with pytest.raises(JournalError, match=r"journal.jsonl.*open to other users \(mode 0644\).*nothing was sent"):
            delete_tasks(client, df[df["status"] == "failed"], journal=path, progress=False)
    assert not [r for r in fake.requests if r.path != "/tasks"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "socket", "dangling-link"])
def test_what_is_not_a_regular_file_is_refused_by_the_reader_writer_and_reconcile(box, tmp_path, kind):
    """A folder, a named pipe or a device (/dev/zero: endless) is not a journal: read_journal and reconcile say so in
    one line at once (they never wait on a pipe nor read without end), and a run refuses it before sending."""
    if kind == "folder":
        path = tmp_path / "a-folder"
        path.mkdir()
    elif kind == "fifo":
        path = tmp_path / "a-pipe"
        os.mkfifo(path)
    elif kind == "socket":
        import socket

        path = tmp_path / "a-socket"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
    elif kind == "dangling-link":
        path = tmp_path / "a-link"
        path.symlink_to(tmp_path / "nothing-here")
    else:
        path = "/dev/zero"
    said = "symbolic link to nothing" if kind == "dangling-link" else "not a regular file"
    with pytest.raises(ValueError, match=said):
        read_journal(path)
    client = box.client()
    with pytest.raises(ValueError, match=said):
        reconcile(path, client)
    if kind == "dangling-link":
        return  # a run creates the journal where the link points: that is a new file, not a refusal
    df = load_tasks(client)
    with pytest.raises(JournalError, match="nothing was sent"):
        delete_tasks(client, df[df["status"] == "failed"].head(2), journal=path, progress=False)


def test_a_line_longer_than_the_limit_is_skipped_with_the_torn_line_warning(tmp_path, monkeypatch):
    """A line over MAX_LINE bytes is skipped (not read into memory whole) with a JournalWarning naming its number;
    the lines around it are read. The writer refuses to write such a record."""
    from ugc_nb.cleanup import journal as journal_module

    monkeypatch.setattr(journal_module, "MAX_LINE", 200)
    path = tmp_path / "journal.jsonl"
    good = b'{"kind":"run","run":"r1","time":"2026-10-01T00:00:00Z","action":"delete","source":"x"}\n'
    path.write_bytes(good + b'{"kind":"intent","run":"r1",' + b"x" * 5000 + b"}\n" + good.replace(b"r1", b"r2"))
    with pytest.warns(JournalWarning, match="skipping line 2, longer than 200 bytes"):
        runs = [record["run"] for _, record in journal_module._lines(path)]
    assert runs == ["r1", "r2"]
    with pytest.raises(JournalError, match="longer than a journal line may be"):
        Journal(path).write("intent", "r3", tasks=[{"id": "t", "bio": "y" * 500}])


class warnings_as_errors:
    """A block in which any warning fails the test."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)


@pytest.mark.parametrize("command", ["journal", "reconcile"])
def test_the_cli_says_in_one_line_that_a_socket_is_no_journal(tmp_path, capsys, monkeypatch, command):
    """Found by the README-only adversary: `ugc-nb journal|reconcile --journal <a socket>` printed a traceback. Now one
    line naming the path, exit 2 — also on the in-process sandbox, where reconcile has nothing to do."""
    import socket

    from ugc_nb.cli import main

    monkeypatch.delenv("UGC_API_KEY", raising=False)
    monkeypatch.delenv("UGC_BASE_URL", raising=False)
    path = tmp_path / "sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    assert main([command, "--journal", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"ugc-nb: error: {path} is not a regular file; a journal is a JSON Lines file that ugc-nb writes"]
