#!/usr/bin/env python3
"""One entry point for the project's commands (needs only Python >= 3.11 and pip).

    python3 dev.py report  # install into .venv, write the HTML report from the embedded sandbox
    python3 dev.py test    # install into .venv (with test extras), run the whole test suite
    python3 dev.py bench   # install into .venv, run benchmarks B1-B5, write benchmarks/RESULTS.md
    python3 dev.py lock    # regenerate constraints.txt (the pinned versions dev.py and CI install)

Each command creates ``.venv`` beside this file on first use and installs the package into
it from the pinned ``constraints.txt`` (a copy, not an editable install: that would leave out
the dashboard's Voila template); it reinstalls only when ``pyproject.toml``, ``constraints.txt``,
the extras asked for or a file of the package changed, so it works on a fresh clone, stays
correct after a pull or an edit and costs a few seconds at most. ``test`` runs ruff and mypy before
pytest. Extra arguments are passed on (``python3 dev.py test -k client``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
CONSTRAINTS = ROOT / "constraints.txt"
STAMP = VENV / ".ugc-nb-installed"


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
    """Install the package (with ``extras``) into .venv from the pinned constraints, unless that is done already."""
    if not PY.exists():
        create_venv()
    spec = f".[{extras}]" if extras else "."
    inputs = [(ROOT / "pyproject.toml").read_bytes(), CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b"", spec.encode(),
              package_digest()]
    digest = hashlib.sha256(b"\0".join(inputs)).hexdigest()
    if STAMP.exists() and digest in STAMP.read_text().split():
        print(f"+ .venv is up to date for {spec}", flush=True)
        return
    pins = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    # not editable: an editable install leaves out the data files (the dashboard's Voila template) and makes setuptools
    # warn about it; a copy is made again whenever a file of the package changes (package_digest)
    if run(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins, spec) != 0:
        sys.exit("dev.py: installing the package failed (see pip's output above)")
    with STAMP.open("a") as stamp:  # one line per spec installed at these inputs (test includes report's)
        stamp.write(digest + "\n")


def package_digest() -> bytes:
    """A digest of the package's own files (what the install copies), so an edit is installed before the next run."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "ugc_nb").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def report(args: list[str]) -> int:
    install("report")
    return run(BIN / "ugc-nb", "report", *(args or ["-o", "out/report.html"]))


def browser() -> None:
    """The browser tests need Debian's chromium; as root (CI) install it, never a downloaded browser."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        wait = ["-o", "DPkg::Lock::Timeout=600"]  # another install holding the lock: wait for it, do not fail
        for cmd in (["apt-get", *wait, "update", "-qq"], ["apt-get", *wait, "install", "-y", "-qq", "chromium"]):
            print("+", " ".join(cmd), flush=True)
            if subprocess.call(cmd, env=env) != 0:
                sys.exit("dev.py: installing chromium failed")
    else:
        print("dev.py: chromium is not installed; the browser tests will be skipped (apt-get install -y chromium)", flush=True)


def test(args: list[str]) -> int:
    """ruff, mypy, then the whole suite; the first that fails decides the exit code."""
    install("test")
    browser()
    for check in ([PY, "-m", "ruff", "check", "."], [PY, "-m", "mypy"]):
        if run(*check) != 0:
            print(f"dev.py: {check[2]} found problems (see above)", file=sys.stderr)
            return 1
    code = run(PY, "-m", "pytest", "-n", "auto", *args)
    if code == 5:
        print("dev.py: pytest collected no tests; that is a failure", file=sys.stderr)
    return code


def lock(args: list[str]) -> int:
    """Regenerate constraints.txt: install every extra into a fresh venv, record the exact versions."""
    with tempfile.TemporaryDirectory() as tmp:
        env = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env)
        py = env / ("Scripts" if os.name == "nt" else "bin") / "python"
        if run(py, "-m", "pip", "install", "-q", "--disable-pip-version-check", ".[test]") != 0:
            sys.exit("dev.py: installing for the lock failed")
        frozen = subprocess.run([str(py), "-m", "pip", "freeze", "--exclude-editable", "--all"], capture_output=True, text=True, check=True)
    pins = [line for line in frozen.stdout.splitlines() if line and not line.lower().startswith(("ugc-nb", "ugc_nb", "pip==", "setuptools=="))]
    header = "# Pinned versions for dev.py and CI (users get the ranges in pyproject.toml). Regenerate: python3 dev.py lock\n"
    CONSTRAINTS.write_text(header + "\n".join(pins) + "\n")
    print(f"dev.py: wrote {CONSTRAINTS.name} ({len(pins)} pins)")
    return 0


def bench(args: list[str]) -> int:
    """The benchmarks (a few minutes on 2 cores); ``--quick`` tries the harness on small data."""
    install("all")
    os.environ["UGC_BENCH_COMMAND"] = " ".join(["python3 dev.py bench", *args])  # recorded in RESULTS.md
    return run(PY, "benchmarks/run.py", *args)


COMMANDS = {"report": report, "test": test, "bench": bench, "lock": lock}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
