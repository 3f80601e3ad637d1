#!/usr/bin/env python3
"""One entry point for the project's commands (needs only Python >= 3.10 and pip).

    python3 dev.py report  # install into .venv, write the HTML report from the embedded sandbox
    python3 dev.py test    # install into .venv (with test extras), run the whole test suite
    python3 dev.py bench   # install into .venv, run benchmarks B1-B5, write benchmarks/RESULTS.md

Each command creates ``.venv`` beside this file on first use and (re)installs the
package into it, so it works on a fresh clone and stays correct after a pull.
Extra arguments are passed on (``python3 dev.py test -k client``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | os.PathLike[str]) -> int:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def create_venv() -> None:
    print(f"+ creating {VENV}", flush=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    except (subprocess.CalledProcessError, OSError):
        # Some Pythons (Debian's without python3-venv) lack ensurepip: create the venv bare
        # and let this interpreter's pip put pip into it.
        venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
        if run(sys.executable, "-m", "pip", "--python", PY, "install", "-q", "pip") != 0:
            sys.exit("dev.py: could not put pip into .venv (install python3-venv, or a newer pip)")
    if run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip") != 0:
        sys.exit("dev.py: could not upgrade pip in .venv")


def install(extras: str = "") -> None:
    if not PY.exists():
        create_venv()
    spec = f".[{extras}]" if extras else "."
    if run(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", spec) != 0:
        sys.exit("dev.py: installing the package failed (see pip's output above)")


def report(args: list[str]) -> int:
    install()
    return run(BIN / "ugc-nb", "report", *(args or ["-o", "out/report.html"]))


def browser() -> None:
    """The browser tests need Debian's chromium; as root (CI) install it, never a downloaded browser."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            print("+", " ".join(cmd), flush=True)
            if subprocess.call(cmd, env=env) != 0:
                sys.exit("dev.py: installing chromium failed")
    else:
        print("dev.py: chromium is not installed; the browser tests will be skipped (apt-get install -y chromium)", flush=True)


def test(args: list[str]) -> int:
    install("test")
    browser()
    code = run(PY, "-m", "pytest", "-n", "auto", *args)
    if code == 5:
        print("dev.py: pytest collected no tests; that is a failure", file=sys.stderr)
    return code


def bench(args: list[str]) -> int:
    """The benchmarks (a few minutes on 2 cores); ``--quick`` tries the harness on small data."""
    install()
    os.environ["UGC_BENCH_COMMAND"] = " ".join(["python3 dev.py bench", *args])  # recorded in RESULTS.md
    return run(PY, "benchmarks/run.py", *args)


COMMANDS = {"report": report, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
