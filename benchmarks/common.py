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


#: The two data sets every frame figure is measured on: the sandbox's own mix, and a second one
#: from code that shares nothing with the sandbox (other id shapes, more profile edits, longer
#: search phrases, millisecond timestamps), so no figure holds only on the data it was tuned on.
MIXES = {
    "sandbox": "the sandbox generator: `task_` + 12 hex, ~8% `edit_profile`, short keywords, times in whole seconds",
    "other": "a second generator: `task_` + 16 base-62 characters, 30% `edit_profile` with bios, nicknames and avatar URLs, "
    "search phrases of 3–6 words, times with milliseconds, 300 accounts",
}


def generate_mix(mix: str, n_tasks: int) -> list[dict[str, Any]]:
    """``n_tasks`` tasks of one of :data:`MIXES`."""
    return generate(n_tasks) if mix == "sandbox" else generate_other(n_tasks)


_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WORDS = ("morning", "routine", "easy", "recipes", "budget", "travel", "tips", "for", "beginners", "best", "cheap", "eats",
          "home", "workout", "no", "equipment", "skincare", "glass", "skin", "how", "to", "style", "vintage", "outfits",
          "small", "apartment", "ideas", "meal", "prep", "week", "study", "with", "me", "productivity", "hacks", "2026")
_BIO_PARTS = ("Sharing what works for me", "DM for collabs", "new videos every week", "coffee first", "based in Lisbon",
              "dog mom", "former chef", "tips that save you time", "link below", "all opinions my own", "plant person",
              "learning in public")


def generate_other(n_tasks: int, *, seed: int = SEED + 1, n_accounts: int = 300) -> list[dict[str, Any]]:
    """A task list written independently of ``ugc_nb.sandbox``: another realistic organisation.

    300 accounts (``acc_`` + 10 digits); task ids ``task_`` + 16 base-62 characters; types 30% ``edit_profile``,
    30% scroll, 20% search term, 10% search profile, 10% post updates; each account has a few planned profile
    versions (nickname, bio of 40–120 characters, a CDN avatar URL) that its ``edit_profile`` tasks apply, in
    full or in part; each account searches its own dozen phrases of 3–6 words; ~3% of tasks have no
    ``scheduled_time``; times carry milliseconds; ~9% of finished tasks failed.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    now_ms = int(NOW.timestamp() * 1000)
    accounts = [f"acc_{n:010d}" for n in rng.integers(10**9, 10**10, n_accounts)]
    profiles = []
    for a in range(n_accounts):
        versions = []
        for v in range(int(rng.integers(2, 6))):
            nick = f"{_WORDS[int(rng.integers(len(_WORDS)))].title()} {_WORDS[int(rng.integers(len(_WORDS)))].title()}"
            bio = " · ".join(_BIO_PARTS[int(i)] for i in rng.choice(len(_BIO_PARTS), int(rng.integers(2, 5)), replace=False))
            avatar = f"https://media.examplecdn.net/u/{accounts[a][4:]}/avatar-{v}-{int(rng.integers(16**8)):08x}.jpg"
            versions.append({"nickName": nick, "bio": bio, "avatarUrl": avatar})
        profiles.append(versions)
    phrases = [[" ".join(_WORDS[int(i)] for i in rng.choice(len(_WORDS), int(rng.integers(3, 7)), replace=False))
                for _ in range(12)] for _ in range(n_accounts)]
    types = ("warmup_scroll", "warmup_search_term", "warmup_search_profile", "edit_profile", "update_posts")
    kind = rng.choice(5, n_tasks, p=(0.30, 0.20, 0.10, 0.30, 0.10))
    owner = rng.integers(0, n_accounts, n_tasks)
    scheduled = now_ms + rng.integers(-45 * 86_400_000, 4 * 86_400_000, n_tasks)
    created = scheduled - rng.integers(60_000, 2 * 86_400_000, n_tasks)
    created = np.minimum(created, now_ms - 1_000)
    no_time = rng.random(n_tasks) < 0.03
    fate = rng.random(n_tasks)
    past = scheduled < now_ms
    status = np.where(past, np.where(fate < 0.09, 3, np.where(fate < 0.10, 0, 2)), np.where(fate < 0.01, 1, 0))
    duration = rng.integers(2, 40, n_tasks) * 30
    pick = rng.integers(0, 12, n_tasks)
    version = rng.integers(0, 5, n_tasks)
    part = rng.random(n_tasks)
    alphabet = np.frombuffer(_BASE62.encode(), dtype=np.uint8)
    suffixes = alphabet[rng.integers(0, 62, (n_tasks, 16))].view("S16").ravel()
    ids = [f"task_{s.decode()}" for s in suffixes.tolist()]
    statuses = ("scheduled", "pending", "complete", "failed")

    def iso(ms: Any) -> list[str]:
        return [f"{t}Z" for t in np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms").tolist()]

    scheduled_iso, created_iso = iso(scheduled), iso(created)

    def profile(account: int, v: int, share: float) -> dict[str, str]:
        chosen = profiles[account][v % len(profiles[account])]
        if share < 0.7:
            return dict(chosen)
        return {"bio": chosen["bio"]} if share < 0.85 else {"avatarUrl": chosen["avatarUrl"]}

    tasks = []
    for i in range(n_tasks):
        k, a = int(kind[i]), int(owner[i])
        tasks.append({
            "id": ids[i],
            "account_id": accounts[a],
            "type": types[k],
            "status": statuses[int(status[i])],
            "scheduled_time": None if no_time[i] else scheduled_iso[i],
            "duration": int(duration[i]) if k < 3 else None,
            "keywords": phrases[a][int(pick[i])] if k == 1 else (f"@{accounts[(a + int(pick[i])) % n_accounts][4:]}" if k == 2 else None),
            "edit_profile_info": profile(a, int(version[i]), float(part[i])) if k == 3 else None,
            "created_at": created_iso[i],
        })
    return tasks


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
