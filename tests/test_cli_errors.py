"""Every error path of every subcommand a person can reach prints one line on stderr — never a traceback — with the
exit code the README's table gives; every -o/--output/--csv follows one rule (what is written is what is printed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ugc(*args: str, tmp_path: Path, env: dict[str, str] | None = None, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m ugc_nb ARGS`` on the embedded sandbox (or ``python -c CODE``), from the project folder."""
    base = {k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")}
    base |= {"XDG_DATA_HOME": str(tmp_path / "data"), "UGC_SANDBOX_TASKS": "120", **(env or {})}
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "ugc_nb", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=base, cwd=ROOT)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The one line on stderr (asserted), without the "ugc-nb: error: " prefix."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ugc-nb: error: "), proc.stderr
    return lines[0].removeprefix("ugc-nb: error: ")


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    """A folder, a file, and files that cannot take a byte (links to /dev/full: they open, a write fails)."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "plain").write_text("x")
    for ext in ("png", "csv", "html"):
        (tmp_path / f"full.{ext}").symlink_to("/dev/full")
    return {"folder": tmp_path / "folder", "file": tmp_path / "plain", **{f"full_{e}": tmp_path / f"full.{e}" for e in ("png", "csv", "html")}}


@pytest.mark.parametrize(("args", "exit_code", "says"), [
    (["summary", "-o", "{folder}"], 2, "-o {folder} is a folder; name a file in it (e.g. {folder}/output.png)"),
    (["summary", "-o", "{file}/x.png"], 2, "-o {file}/x.png: the folder {file} is a file, not a folder"),
    (["summary", "-o", "{tmp}/fig_noext"], 2, "-o {tmp}/fig_noext: name the file with .png, .svg or .pdf (the format follows the extension)"),
    (["summary", "-o", "/proc/x.png"], 2, "-o /proc/x.png: the folder /proc cannot be written"),
    (["summary", "-o", "{full_png}"], 1, "could not write the figure to {full_png}: No space left on device"),
    (["journal", "--journal", "{folder}"], 2, "{folder} is not a regular file"),
    (["journal", "--csv", "{folder}"], 2, "--csv {folder} is a folder; name a file in it"),
    (["journal", "--csv", "{full_csv}"], 1, "could not write the CSV to {full_csv}: No space left on device"),
    (["reconcile", "--journal", "{folder}"], 2, "{folder} is not a regular file"),
    (["report", "-o", "{tmp}/report.txt"], 2, "-o {tmp}/report.txt: name the file with .html or .htm"),
    (["report", "-o", "{full_html}"], 1, "could not write the report to {full_html}: No space left on device"),
    (["delete", "--status", "failed", "--output", "{folder}", "--yes"], 2, "--output {folder} is a folder; name a file in it"),
    (["delete", "--status", "failed", "--output", "{tmp}/out.txt", "--yes"], 2, "--output {tmp}/out.txt: name the file with .csv or .json"),
])
def test_every_subcommands_error_paths_are_one_line(tmp_path, places, args, exit_code, says):
    """Each bad output place, journal or file is one line with the documented exit code; nothing is half written."""
    names = {"tmp": str(tmp_path), **{k: str(v) for k, v in places.items()}}
    proc = ugc(*[a.format(**names) for a in args], tmp_path=tmp_path)
    assert proc.returncode == exit_code, proc.stderr
    assert says.format(**names) in one_line(proc)


def test_missing_folders_of_an_output_are_made_and_the_file_is_where_the_line_says(tmp_path):
    """summary -o a/b/fig.svg makes the folders and writes exactly that file, the path the last line prints."""
    target = tmp_path / "new" / "sub" / "fig.svg"
    proc = ugc("summary", "-o", str(target), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == f"Figure written to {target.resolve()}"
    assert target.read_text().lstrip().startswith(("<?xml", "<svg")) and sorted(p.name for p in target.parent.iterdir()) == ["fig.svg"]


@pytest.mark.parametrize(("env", "says"), [
    ({"UGC_API_KEY": "k-0123456789abcdef", "UGC_BASE_URL": "http://[::1"}, "the API address 'http://[::1' (base_url, or UGC_BASE_URL) is not a valid URL"),
    ({"UGC_API_KEY": "k-0123456789abcdef", "http_proxy": "http://::x::", "HTTPS_PROXY": ""}, "a proxy variable (http_proxy=http://::x::) cannot be used"),
])
def test_an_environment_the_client_cannot_use_is_one_line(tmp_path, env, says):
    """A mistyped UGC_BASE_URL or an unusable proxy variable: exit 2, one line naming it."""
    proc = ugc("summary", tmp_path=tmp_path, env=env)
    assert proc.returncode == 2 and says in one_line(proc)


def test_the_report_on_a_core_install_names_the_extra(tmp_path):
    """Without nbformat (a core install), `ugc-nb report` says which extra to install, in one line, exit 2."""
    code = "import sys; sys.modules['nbformat'] = None; from ugc_nb.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = ugc("report", "-o", str(tmp_path / "r.html"), tmp_path=tmp_path, code=code)
    assert proc.returncode == 2
    assert "the HTML report needs the [report] extra (nbformat is missing): pip install 'ugc-nb[report]'" in one_line(proc)


def test_anything_unexpected_is_one_line_and_debug_shows_where(tmp_path):
    """An error no handler expected is one line naming it and --debug; with --debug the traceback is shown."""
    code = ("import sys, ugc_nb.cli.views as views\n"
            "def boom(args):\n    raise RuntimeError('the figure library broke')\n"
            "views._summary = boom\nfrom ugc_nb.cli import main\nsys.exit(main(sys.argv[1:]))")
    proc = ugc("summary", tmp_path=tmp_path, code=code)
    assert proc.returncode == 1
    assert one_line(proc) == "unexpected RuntimeError: the figure library broke (run again with --debug to see where)"
    debug = ugc("--debug", "summary", tmp_path=tmp_path, code=code)
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "RuntimeError: the figure library broke" in debug.stderr


def test_a_late_output_failure_points_at_the_journal_that_was_used(tmp_path, places):
    """delete --journal PATH --output <a full disk>: the tasks are deleted, the line names that journal's command."""
    journal = tmp_path / "mine.jsonl"
    proc = ugc("delete", "--status", "failed", "--journal", str(journal), "--output", str(places["full_csv"]), "--yes", tmp_path=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]  # after the progress lines
    assert line.startswith(f"ugc-nb: could not write the report to {places['full_csv']}: No space left on device; every outcome is in the journal")
    assert line.endswith(f"--journal {journal})") and journal.exists()


@pytest.mark.parametrize(("args", "says"), [
    (["report", "--older-than", "7days"], "--older-than '7days' is not an age; write a number and a unit"),
    (["report", "--start", "yesterday"], "--start 'yesterday' is not an ISO 8601 time"),
    (["summary", "--grace", "5"], "--grace '5' is not an age"),
    (["summary", "--end", "now"], "--end 'now' is not an ISO 8601 time"),
    (["delete", "--older-than", "7days", "--status", "failed"], "--older-than '7days' is not an age"),
    (["delete", "--batch-size", "0", "--status", "failed"], "argument --batch-size: '0' is not a whole number above 0"),
])
def test_options_are_checked_by_one_rule_before_anything_is_loaded(tmp_path, args, says):
    """Ages and times follow one parser in every command, named by their option; nothing is loaded or run first."""
    proc = ugc(*args, tmp_path=tmp_path)
    assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == "" or proc.stdout.startswith("usage"), proc.stdout  # no "Running the report notebook…", no "Loaded"


def test_the_in_process_sandbox_has_one_name(tmp_path):
    """The in-process sandbox is "sandbox" in repr(client) and the --output report, never its internal address."""
    from ugc_nb import Sandbox

    assert repr(Sandbox(n_tasks=1).client()) == "UGCClient(sandbox, api_key='***')"
    out = tmp_path / "r.json"
    proc = ugc("delete", "--status", "failed", "--dry-run", "--output", str(out), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    import json

    assert json.loads(out.read_text())["source"] == "sandbox" and "sandbox.invalid" not in proc.stdout + out.read_text()


def test_connect_api_in_a_script_without_a_terminal_says_so(tmp_path):
    """ugc_nb.connect("api") with no key and no terminal to type it at is one ValueError naming both, not EOFError."""
    code = ("import ugc_nb\ntry:\n    ugc_nb.connect('api')\nexcept ValueError as exc:\n    print(exc)\n")
    proc = ugc(tmp_path=tmp_path, code=code)
    assert proc.stdout.strip() == "no API key: UGC_API_KEY is not set and there is no terminal to type it at", proc.stderr


def test_the_output_streams_never_make_an_error_of_their_own(tmp_path):
    """`| head -1` never cuts the command short: the tasks are deleted and --output written, quietly, exit 0; a terminal
    that cannot show "—" gets "?"; a full standard output is one line saying it was the output; an empty queue with
    --preset orphaned says nothing matches (not Python-API advice)."""
    env = {k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")} | {"XDG_DATA_HOME": str(tmp_path / "d")}
    from ugc_nb import Sandbox

    failed = [t["id"] for t in Sandbox().tasks if t["status"] == "failed"][:3]  # the CLI's sandbox: the same seed
    (tmp_path / "ids.txt").write_text("\n".join(failed) + "\n")
    out = tmp_path / "new" / "out.csv"
    piped = subprocess.run(f"{sys.executable} -m ugc_nb delete --ids-file {tmp_path / 'ids.txt'} --yes --output {out} | head -1; "
                           "exit ${PIPESTATUS[0]}", shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
                           executable="/bin/bash")
    assert piped.returncode == 0 and piped.stdout.count("\n") == 1 and "Broken pipe" not in piped.stderr, piped.stderr
    assert out.read_text().count("deleted") == 3
    ascii_only = ugc("delete", "--status", "failed", "--dry-run", tmp_path=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert ascii_only.returncode == 0 and "SANDBOX ? synthetic data" in ascii_only.stdout and ascii_only.stderr == ""
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "ugc_nb", "delete", "--status", "failed", "--dry-run"], cwd=ROOT, env=env,
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=180)
    assert proc.returncode == 1 and proc.stderr.strip() == "ugc-nb: error: No space left on device (writing the command's output)"
    empty = ugc("delete", "--preset", "orphaned", "--dry-run", tmp_path=tmp_path, env={"UGC_SANDBOX_TASKS": "0"})
    assert empty.returncode == 0 and "No task matches: 0 tasks loaded; preset orphaned → 0. Nothing to delete." in empty.stdout


@pytest.mark.parametrize(("args", "says"), [
    (["delete", "--status", "failed", "--journal", "{tmp}/jsdir/", "--yes"], "--journal {tmp}/jsdir/ ends in /, so it names a folder"),
    (["summary", "-o", "{tmp}/nx.png/."], "-o {tmp}/nx.png/. ends in /, so it names a folder"),
    (["delete", "--status", "failed", "--output", "{tmp}/dangling.csv", "--yes"], "--output {tmp}/dangling.csv is a link to nothing"),
    (["reconcile", "--journal", ""], "--journal is empty"),
    (["journal", ""], "the run id is empty"),
    (["report", "--title", " "], "--title is empty"),
    (["journal", "--csv", "{tmp}/a.csv", "--csv", "{tmp}/b.csv"], "--csv is given twice; it takes one value"),
    (["delete", "--status", "failed", "--batch-size", "5", "--batch-size", "6"], "--batch-size is given twice"),
    (["summary", "--start", "2026-12-05", "--end", "2026-12-05"], "--start 2026-12-05 is not before --end 2026-12-05"),
])
def test_more_mistakes_are_one_line_before_anything_is_done(tmp_path, args, says):
    """Names that can only be folders, links to nothing, empty values, options given twice, an empty window: exit 2, one
    line, nothing loaded, sent or written."""
    (tmp_path / "dangling.csv").symlink_to("/nonexistent/zz.csv")
    proc = ugc(*[a.format(tmp=tmp_path) for a in args], tmp_path=tmp_path)
    assert proc.returncode == 2 and says.format(tmp=tmp_path) in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "Loaded" not in proc.stdout and not (tmp_path / "jsdir").exists() and not (tmp_path / "nx.png").exists()


def test_a_command_that_fails_leaves_no_folder_and_nothing_to_do_still_writes_the_output(tmp_path):
    """A missing folder of -o is made only when the file is written (a command that fails makes none); --output with
    nothing to do writes an empty report (times are ISO 8601 in both formats); reconcile with no journal yet has
    nothing to do; a sandbox port out of range is one line."""
    gone = ugc("summary", "-o", str(tmp_path / "np1" / "x.png"), tmp_path=tmp_path,
               env={"UGC_API_KEY": "k-7c1e5a3b9d2f4068", "UGC_BASE_URL": "http://127.0.0.1:9"})
    assert gone.returncode == 1 and not (tmp_path / "np1").exists()
    none = ugc("delete", "--status", "scheduled", "--older-than", "900d", "--yes", "--output", str(tmp_path / "n" / "none.json"),
               tmp_path=tmp_path)
    import json

    doc = json.loads((tmp_path / "n" / "none.json").read_text())
    assert none.returncode == 0 and doc["tasks"] == [] and doc["source"] == "sandbox"
    done = ugc("delete", "--status", "failed", "--dry-run", "--output", str(tmp_path / "d.json"), tmp_path=tmp_path)
    times = [t["time"] for t in json.loads((tmp_path / "d.json").read_text())["tasks"]]
    assert done.returncode == 0 and times and all(isinstance(t, str) and t.endswith("+00:00") for t in times)
    nothing = ugc("reconcile", tmp_path=tmp_path, env={"UGC_API_KEY": "k-7c1e5a3b9d2f4068", "UGC_BASE_URL": "http://127.0.0.1:9"})
    assert nothing.returncode == 0 and "Nothing to reconcile: no journal yet at" in nothing.stdout
    port = ugc(tmp_path=tmp_path, code="import sys, runpy; sys.argv = ['x', '--port', '99999']; runpy.run_module('ugc_nb.sandbox', run_name='__main__')")
    assert port.returncode == 2 and "argument --port: '99999' is not a port (0 to 65535)" in port.stderr and "Traceback" not in port.stderr
