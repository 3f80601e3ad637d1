"""The Binder configuration installs a working package into a fresh environment, as repo2docker would."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_binder_config_installs_into_a_fresh_venv(tmp_path):
    """pip install -r binder/requirements.txt, then binder/postBuild from the repo root; the sandbox loads."""
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        source = ROOT / name
        if source.is_file() or source.is_symlink():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                target.symlink_to(os.readlink(source))
            else:
                shutil.copy2(source, target)
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir)}
    env.pop("PYTHONPATH", None)
    env.pop("UGC_API_KEY", None)

    def run(*cmd, cwd=repo):
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        return proc.stdout

    run(str(bin_dir / "python"), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt")
    run("bash", "binder/postBuild")
    out = run(
        str(bin_dir / "python"), "-c",
        "import sys, ugc_nb, voila; from ugc_nb.report import report_notebook; "
        "assert ugc_nb.__file__.startswith(sys.prefix), ugc_nb.__file__; "
        "assert report_notebook().exists(), 'report notebook not packaged'; "
        "print(len(ugc_nb.load_tasks()))",
        cwd=tmp_path,  # import the installed package, not the source tree
    )
    assert int(out.split()[-1]) > 0
