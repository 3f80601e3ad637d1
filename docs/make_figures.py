"""Render the README's figures from the embedded sandbox: ``.venv/bin/python docs/make_figures.py``.

The sandbox seed and ``now`` are fixed, so the PNGs only change when the data
generator or the plots change. Writes into this folder.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import ugc_nb
from ugc_nb.insight.plots import plot_failure_rate, plot_overview

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
SEED = 7
N_TASKS = 2000
# No software version or date in the files, so re-running gives identical bytes.
METADATA = {"Software": None}


def main() -> None:
    box = ugc_nb.Sandbox(n_tasks=N_TASKS, seed=SEED, now=NOW)
    with box.client() as client:
        df = ugc_nb.load_tasks(client, now=NOW, accounts=True)
    figures = {
        "overview.png": plot_overview(df),
        "failure_rate_weekly.png": plot_failure_rate(df, by="type", freq="W").figure,
    }
    for name, figure in figures.items():
        figure.savefig(HERE / name, dpi=100, metadata=METADATA)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
