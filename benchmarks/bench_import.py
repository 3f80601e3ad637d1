"""B6: what importing costs — ``import ugc_nb`` against ``import pandas``, and ``ugc-nb --help``.

Every run is a new interpreter (``subprocess``, the same Python as this one), so nothing is cached
in-process between runs; the variants run interleaved, round after round, and the ratio is the median
of the per-round ratios. Which heavy modules each command imports is read from one more, untimed run
with ``PYTHONPROFILEIMPORTTIME=1`` (Python's ``-X importtime``, which reaches the ``ugc-nb`` script too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, cli, emit, log, measure, median, timing_row  # noqa: E402

PYTHON = sys.executable
FLOOR = "python -c 'import pandas' — the floor"
OURS = "python -c 'import ugc_nb'"
NOTEBOOK = "python -c 'import ugc_nb, pandas; pandas.DataFrame.ugc' — df.ugc ready"
BARE = "python -c 'pass' — interpreter start-up"
IMPORT_TARGET = 1.2
HELP_TARGET_S = 0.3
#: What ``--help`` must not import (nor does ``import ugc_nb``).
HEAVY = ("pandas", "numpy", "pyarrow", "httpx", "matplotlib")


def script() -> tuple[list[str], str]:
    """The installed ``ugc-nb`` script beside this Python, or ``python -m ugc_nb`` where there is none."""
    path = Path(PYTHON).with_name("ugc-nb")
    if path.exists():
        return [str(path)], "ugc-nb"
    return [PYTHON, "-m", "ugc_nb"], "python -m ugc_nb"


def commands() -> dict[str, list[str]]:
    command, shown = script()
    return {
        FLOOR: [PYTHON, "-c", "import pandas"],
        OURS: [PYTHON, "-c", "import ugc_nb"],
        NOTEBOOK: [PYTHON, "-c", "import ugc_nb, pandas; pandas.DataFrame.ugc"],
        f"{shown} --help": [*command, "--help"],
        f"{shown} delete --help": [*command, "delete", "--help"],
        BARE: [PYTHON, "-c", "pass"],
    }


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def heavy_imports(command: list[str]) -> list[str]:
    """Which of :data:`HEAVY` the command imports (one untimed run under ``PYTHONPROFILEIMPORTTIME``)."""
    done = run(command, {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    return [name for name in HEAVY if name in imported]


def main() -> None:
    args = cli(__doc__ or "")
    rounds = args.repeat if args.quick else 3 * args.repeat
    variants = commands()
    loads = {name: heavy_imports(command) for name, command in variants.items()}
    log(f"B6: {rounds} interleaved rounds of {len(variants)} fresh interpreters, after a warm-up round")

    def check(name: str, result: Any) -> None:
        assert result.returncode == 0, f"{name} failed: {result.stderr[-2000:]}"

    times = measure({name: (lambda command=command: run(command)) for name, command in variants.items()}, repeat=rounds, check=check)
    rows = []
    for name in variants:
        row = timing_row(times, name, FLOOR)
        rows.append([name, f"{row['median_s']:.3f}", f"{row['min_s']:.3f}–{row['max_s']:.3f}", f"{row['ratio']:.2f}×",
                     ", ".join(loads[name]) or "none of them"])
    ours, notebook = timing_row(times, OURS, FLOOR), timing_row(times, NOTEBOOK, FLOOR)
    helps = [name for name in variants if name.endswith("--help")]
    help_s = {name: median(times[name]) for name in helps}
    help_loads = sorted({module for name in helps for module in loads[name]})
    text = (
        "Each command is a fresh interpreter (the environment's Python and its `ugc-nb` script, started by `subprocess` "
        f"in the repository); {rounds} interleaved rounds after an untimed warm-up round, and each ratio is the median of the "
        "per-round ratios to the floor. The floor is a fresh `python -c 'import pandas'`: interpreter start-up (and "
        "`site`, with the editable install's finder) is included in both, so these are ratios of whole commands "
        "(the last row shows what start-up alone takes). `import ugc_nb` imports the exceptions and nothing heavy: "
        "every other public name is imported on first use (PEP 562 `__getattr__`), and pandas is not imported at "
        "all — `df.ugc` is put on `DataFrame` when pandas is imported, and its first use imports the accessor. So "
        "the third row, `import ugc_nb, pandas` and a first `DataFrame.ugc`, is what a notebook's first cell costs "
        f"before it loads tasks: {notebook['ratio']:.2f}× the floor. `--help` builds the parser from argparse and the "
        "API's vocabulary; each command imports pandas, httpx or matplotlib only when it runs. The last column is "
        f"which of {', '.join(HEAVY)} each command imported (an untimed run with `PYTHONPROFILEIMPORTTIME=1`)."
    )
    emit(
        args,
        [
            {
                "id": "B6",
                "title": "B6 — import ugc_nb and ugc-nb --help",
                "text": text,
                "tables": [
                    {
                        "caption": "Median seconds of a whole command (a fresh interpreter) over the timed rounds; ratio to the floor",
                        "header": ["what", "median (s)", "min–max (s)", "ratio to floor", f"imports ({', '.join(HEAVY)})"],
                        "rows": rows,
                    }
                ],
                "targets": [
                    {
                        "id": "B6",
                        "what": "`import ugc_nb` vs `import pandas` (fresh interpreters, start-up included in both)",
                        "target": f"≤ {IMPORT_TARGET}×",
                        "measured": f"{ours['ratio']:.2f}× ({ours['median_s']:.3f} s vs {median(times[FLOOR]):.3f} s); "
                                    f"with pandas and df.ugc: {notebook['ratio']:.2f}×",
                        "met": ours["ratio"] <= IMPORT_TARGET,
                    },
                    {
                        "id": "B6",
                        "what": "`ugc-nb --help` and `ugc-nb delete --help`: wall time, and whether pandas is imported",
                        "target": f"< {HELP_TARGET_S} s, no pandas",
                        "measured": " / ".join(f"{s:.3f} s" for s in help_s.values())
                                    + (f"; imports {', '.join(help_loads)}" if help_loads else "; pandas not imported"),
                        "met": all(s < HELP_TARGET_S for s in help_s.values()) and "pandas" not in help_loads,
                    },
                ],
            }
        ],
    )


if __name__ == "__main__":
    main()
