"""The README's shell lines agree with the tool: each `ugc-nb` line runs on the embedded sandbox as written (or, where it
needs a real key, is a valid command line), the sandbox server line starts, and the cron lines name real options and
notebook parameters."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from ugc_nb import Sandbox
from ugc_nb.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def shell_lines() -> list[tuple[int, str, bool]]:
    """(line number, the line, needs a real key) of every command line in the README's bash and cron blocks."""
    found = []
    for block in re.finditer(r"```(bash|cron)\n(.*?)```", README, re.S):
        start = README[: block.start()].count("\n") + 2
        real_key = "export UGC_API_KEY" in block.group(2) or block.group(1) == "cron"
        for offset, line in enumerate(block.group(2).splitlines()):
            if line.strip() and not line.lstrip().startswith("#"):
                found.append((start + offset, line, real_key or "needs your key" in line))
    return found


def ugc_args(line: str) -> list[str] | None:
    """The arguments of the `ugc-nb` command on ``line`` (a cron line's too), or None when it runs no ugc-nb."""
    line = re.sub(r"\$\(date [^)]*\)", "2026-12-07", line.replace("\\%", "%"))  # cron's date stamp, as the shell makes it
    words = shlex.split(line, comments=True)
    for k, word in enumerate(words):
        if word.endswith("ugc-nb"):
            rest = words[k + 1:]
            return rest[: next((i for i, w in enumerate(rest) if w in (">>", "2>&1", "&&", "|")), len(rest))]
    return None


UGC_LINES = [(n, line, key) for n, line, key in shell_lines() if ugc_args(line) is not None]


def test_the_readme_has_the_lines_this_test_walks():
    """The walk below is not empty: the README's terminal, organisation and cron lines are found."""
    assert len(UGC_LINES) >= 9 and any(key for _, _, key in UGC_LINES) and any(not key for _, _, key in UGC_LINES)


@pytest.mark.parametrize(("number", "line", "real_key"), UGC_LINES, ids=[f"README.md:{n}" for n, _, _ in UGC_LINES])
def test_every_ugc_nb_line_of_the_readme_works_as_written(tmp_path, number, line, real_key):
    """A line that needs a real key is a valid command line (its options exist and parse); every other one runs on the
    embedded sandbox with no traceback, exiting 0 — or 3 where it asks for the typed count and no terminal can type it."""
    args = ugc_args(line)
    assert args is not None
    if real_key:
        build_parser().parse_args(args)  # a usage error would exit 2 here
        return
    failed = [t["id"] for t in Sandbox().tasks if t["status"] == "failed"][:3]  # the CLI's sandbox: the same seed
    (tmp_path / "ids.txt").write_text("\n".join(failed) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("UGC_API_KEY", "UGC_BASE_URL")} | {"XDG_DATA_HOME": str(tmp_path / "data"),
                                                                                                "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "ugc_nb", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 3), f"README.md:{number}: exit {proc.returncode}: {proc.stderr}"


def test_the_sandbox_server_line_starts_a_server_that_says_where_it_is(tmp_path):
    """`python -m ugc_nb.sandbox --port 0` prints its URL and key, and answers there."""
    line = next(line for _, line, _ in shell_lines() if "ugc_nb.sandbox" in line)
    args = shlex.split(line, comments=True)[1:]
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert url and "sandbox" in first, first
    finally:
        proc.terminate()
        proc.wait(30)


def test_the_cron_papermill_line_names_the_notebook_and_its_parameters():
    """The scheduled-notebook cron line's notebook exists and each `-p NAME` is a parameter of its parameters cell."""
    line = next(line for _, line, _ in shell_lines() if "papermill" in line)
    words = shlex.split(line.replace("\\%", "%"), comments=True)
    notebook = ROOT / next(w for w in words if w.endswith(".ipynb"))
    cells = json.loads(notebook.read_text())["cells"]
    parameters = next("".join(c["source"]) for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    names = [words[k + 1] for k, w in enumerate(words) if w == "-p"]
    assert names and all(re.search(rf"^{name} = ", parameters, re.M) for name in names), names
