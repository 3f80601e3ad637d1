"""Shared helpers for the benchmarks: interleaved timing, the data, the machine note, results.

Every benchmark module runs in its own interpreter (started by ``run.py``), prints
nothing but progress on stderr, and writes its results as JSON: a list of
tables, each a list of rows. ``run.py`` turns them into ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The anchor of every generated data set, so runs are comparable.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SEED = 0
N_ACCOUNTS = 40


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(
    variants: dict[str, Callable[[], Any]],
    *,
    repeat: int,
    warmup: bool = True,
    check: Callable[[str, Any], None] | None = None,
) -> dict[str, list[float]]:
    """Time every variant ``repeat`` times, interleaved (round-robin), after one untimed warm-up round.

    Interleaving puts each variant's runs next to the others', so load from
    elsewhere on the machine hits all of them alike; the ratios are taken per
    round. The garbage of the previous call is collected before each timed call
    and the result is dropped outside the timer. ``check(name, result)`` may
    assert that a result is right (outside the timer).
    """
    times: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(repeat + (1 if warmup else 0)):
        for name, func in variants.items():
            gc.collect()
            start = time.perf_counter()
            result = func()
            elapsed = time.perf_counter() - start
            if check is not None:
                check(name, result)
            del result
            if warmup and round_ == 0:
                continue
            times[name].append(elapsed)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def ratio(times: dict[str, list[float]], name: str, reference: str) -> float:
    """The median over rounds of ``name``'s time divided by ``reference``'s in the same round."""
    return statistics.median(a / b for a, b in zip(times[name], times[reference]))


def timing_row(times: dict[str, list[float]], name: str, reference: str | None, **extra: Any) -> dict[str, Any]:
    """A result row: median, spread and (with a reference) the ratio."""
    row: dict[str, Any] = {
        "what": name,
        "median_s": median(times[name]),
        "min_s": min(times[name]),
        "max_s": max(times[name]),
        "runs": len(times[name]),
    }
    if reference is not None:
        row["ratio"] = ratio(times, name, reference)
        row["reference"] = reference
    row.update(extra)
    return row


def generate(n_tasks: int) -> list[dict[str, Any]]:
    """``n_tasks`` realistic tasks from the sandbox generator (fixed seed and anchor)."""
    from ugc_nb.sandbox import generate_accounts, generate_tasks

    return generate_tasks(generate_accounts(N_ACCOUNTS, seed=SEED), n_tasks, seed=SEED, now=NOW)


def response_bytes(tasks: list[dict[str, Any]]) -> bytes:
    """The exact body the sandbox sends for ``POST /tasks`` with these tasks."""
    from ugc_nb.sandbox.protocol import success

    return success(tasks).body


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import httpx
    import msgspec
    import numpy
    import orjson
    import pandas
    import pyarrow

    cpu = platform.processor() or platform.machine()
    try:
        info = dict(line.split(":", 1) for line in Path("/proc/cpuinfo").read_text().splitlines() if ":" in line)
        info = {key.strip(): value.strip() for key, value in info.items()}
        cpu = f"{info['model name']} (family {info['cpu family']}, model {info['model']}, {float(info['cpu MHz']):.0f} MHz)"
    except (OSError, KeyError, ValueError):
        pass
    try:
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "n/a"
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "CPU": cpu,
        "cores": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "orjson": orjson.__version__,
        "msgspec": msgspec.__version__,
        "httpx": httpx.__version__,
        "load average at start (1, 5, 15 min)": load,
    }


def cli(description: str) -> argparse.Namespace:
    """The arguments every benchmark module takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per variant (default 5, after a warm-up)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for trying the harness (not for results)")
    parser.add_argument("--json", type=Path, help="write the results here (default: print them)")
    return parser.parse_args()


def emit(args: argparse.Namespace, tables: list[dict[str, Any]]) -> None:
    """Write the result tables as JSON (to ``--json`` or stdout)."""
    text = json.dumps(tables, indent=1, default=str)
    if args.json:
        args.json.write_text(text)
    else:
        print(text)
