#!/usr/bin/env python3
"""One entry point for the two set-up commands (needs only Python >= 3.10 and pip).

    python dev.py demo   # install into .venv, run the main job on the embedded sandbox
    python dev.py test   # install into .venv (with test extras), run the whole test suite

Each command creates ``.venv`` beside this file on first use and (re)installs the
package into it, so it works on a fresh clone and stays correct after a pull.
Extra arguments are passed on (``python dev.py test -k client``).
"""

from __future__ import annotations

import os
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


def install(extras: str = "") -> None:
    if not PY.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        if run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip") != 0:
            sys.exit("dev.py: could not upgrade pip in .venv")
    spec = f".[{extras}]" if extras else "."
    if run(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", spec) != 0:
        sys.exit("dev.py: installing the package failed (see pip's output above)")


def demo(args: list[str]) -> int:
    install()
    return run(BIN / "ugc-nb", "summary", *(args or ["-o", "out/overview.png"]))


def test(args: list[str]) -> int:
    install("test")
    code = run(PY, "-m", "pytest", "-n", "auto", *args)
    if code == 5:
        print("dev.py: pytest collected no tests; that is a failure", file=sys.stderr)
    return code


COMMANDS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
