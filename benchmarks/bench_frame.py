"""B1 (the typed frame from response bytes) and B5 (its memory), on two independently generated data sets.

B1: ``tasks_frame(body)`` against the floor — ``orjson.loads(body)`` of the same
bytes with the cyclic garbage collector paused (the stricter floor, and the
headline), and as a user runs it, with the collector on — and against the ways a
notebook would do it by hand, at 100k and 1M tasks of each data set
(``common.MIXES``). B5: bytes per task of the 1M-task frames (``memory_usage(deep=True)``).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson  # noqa: E402
import pandas as pd  # noqa: E402
from common import MIXES, NOW, cli, emit, generate_mix, log, measure, median, response_bytes, timing_row  # noqa: E402

from ugc_nb import tasks_frame  # noqa: E402
from ugc_nb.api import envelope  # noqa: E402
from ugc_nb.tasks.decode import columns  # noqa: E402
from ugc_nb.tasks.frame import assemble  # noqa: E402

NOGC = "orjson.loads(body), cyclic GC paused — the floor"
FLOOR_GC = "orjson.loads(body), cyclic GC on (as a user runs it)"
OURS = "tasks_frame(body)"
STRUCTS = "tasks_frame(body), structs path (msgspec) forced"
GENERAL = "tasks_frame(body), general path (orjson + checks) forced"
NAIVE = "naive: json.loads → pd.DataFrame(data) → to_datetime → astype('category')"
NORMALIZE = "json.loads → pd.json_normalize(data)"
TARGET = 1.0
MEMORY_TARGET = 90


def orjson_nogc(body: bytes) -> Any:
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        gc.enable()


def forced(body: bytes, *paths: str) -> pd.DataFrame:
    """``tasks_frame`` decoded by ``paths`` only, as for records the faster paths refuse."""
    return assemble(columns(body, paths=paths), now=NOW)


def naive(body: bytes) -> pd.DataFrame:
    """What a notebook does by hand: ``resp.json()`` (stdlib json), a frame of dicts, then types."""
    df = pd.DataFrame(json.loads(body)["data"])
    for column in ("scheduled_time", "created_at"):
        df[column] = pd.to_datetime(df[column], utc=True, format="ISO8601")
    for column in ("account_id", "type", "status"):
        df[column] = df[column].astype("category")
    return df


def normalize(body: bytes) -> pd.DataFrame:
    return pd.json_normalize(json.loads(body)["data"])


def stages(body: bytes, rounds: int = 3) -> list[list[str]]:
    """Where one ``tasks_frame(body)`` spends its time: its three stages timed on their own (median of ``rounds``).

    A profiler sees only the calling thread, and the read runs on a thread per core, so the stages are timed instead.
    """
    data = envelope.parse_lazy(200, body, path="/tasks")
    decoded = columns(data)
    parts = {
        "check the envelope and find `data` (`envelope.parse_lazy`, msgspec, one thread)": lambda: envelope.parse_lazy(200, body, path="/tasks"),
        f"read the tasks into Arrow columns (`decode.columns`, the {decoded.path} path: a piece of the array per core)": lambda: columns(data),
        "type the columns and add the derived ones (`frame.assemble`, Arrow compute and pandas, one thread)": lambda: assemble(decoded, now=NOW),
    }
    times = measure(parts, repeat=rounds)
    total = sum(median(t) for t in times.values())
    return [[what, f"{median(t):.3f}", f"{median(t) / total:.0%}"] for what, t in times.items()]


def time_size(mix: str, n: int, repeat: int, *, baselines: bool) -> tuple[list[list[str]], dict[str, Any], bytes]:
    """B1 on ``n`` tasks of ``mix``: the table rows, the target row, and the response bytes (for B5 and the stages)."""
    log(f"B1: generating {n:,} tasks ({mix})")
    body = response_bytes(generate_mix(mix, n))
    log(f"B1: {len(body) / 1e6:.0f} MB of response; checking that every path gives the same frame")
    ours = tasks_frame(body, now=NOW)
    for paths in (("structs", "general"), ("general",)):
        pd.testing.assert_frame_equal(forced(body, *paths), ours)
    del ours
    log(f"B1: timing {repeat} interleaved rounds after a warm-up")
    variants = {
        NOGC: lambda: orjson_nogc(body),
        FLOOR_GC: lambda: orjson.loads(body),
        OURS: lambda: tasks_frame(body, now=NOW),
        STRUCTS: lambda: forced(body, "structs", "general"),
        GENERAL: lambda: forced(body, "general"),
    }
    if baselines:
        variants |= {NAIVE: lambda: naive(body), NORMALIZE: lambda: normalize(body)}

    def check(name: str, result: Any) -> None:
        size = len(result["data"]) if isinstance(result, dict) else len(result)
        assert size == n, f"{name} gave {size} rows, expected {n}"

    times = measure(variants, repeat=repeat, check=check)
    rows = []
    for name in variants:
        row = timing_row(times, name, NOGC)
        rows.append([mix, f"{n:,}", name, f"{row['median_s']:.3f}", f"{row['min_s']:.3f}–{row['max_s']:.3f}", f"{row['ratio']:.2f}×",
                     f"{timing_row(times, name, FLOOR_GC)['ratio']:.2f}×"])
    result = timing_row(times, OURS, NOGC)
    summary = {
        "id": "B1",
        "what": f"`tasks_frame(body)` at {n:,} tasks ({mix} mix) vs `orjson.loads(body)` with the GC paused",
        "target": f"≤ {TARGET:.1f}×",
        "measured": f"{result['ratio']:.2f}× ({result['median_s']:.3f} s vs {median(times[NOGC]):.3f} s); "
        f"{timing_row(times, OURS, FLOOR_GC)['ratio']:.2f}× the decode with the GC on",
        "met": result["ratio"] <= TARGET,
    }
    return rows, summary, body


def memory_rows(frames: dict[str, pd.DataFrame]) -> tuple[list[list[str]], dict[str, float]]:
    """Bytes per task by column, one column per data set."""
    usage = {mix: frame.memory_usage(deep=True, index=False) / len(frame) for mix, frame in frames.items()}
    first = next(iter(frames.values()))
    rows = [[f"`{column}`", str(first[column].dtype).split("<")[0].replace("struct", "struct (pyarrow)"),
             *(f"{usage[mix][column]:.1f}" for mix in frames)] for column in first.columns]
    totals = {mix: float(u.sum()) for mix, u in usage.items()}
    rows.append(["**total**", "", *(f"**{totals[mix]:.1f}**" for mix in frames)])
    return rows, totals


def main() -> None:
    args = cli(__doc__ or "")
    small, large = (10_000, 50_000) if args.quick else (100_000, 1_000_000)
    rows: list[list[str]] = []
    targets: list[dict[str, Any]] = []
    frames: dict[str, pd.DataFrame] = {}
    stage_rows: list[list[str]] = []
    for mix in MIXES:
        for n in (small, large):
            size_rows, summary, body = time_size(mix, n, args.repeat, baselines=n == small or mix == "sandbox")
            rows += size_rows
            targets.append(summary)
            if n == large:
                log(f"B1: stages of one tasks_frame(body) ({mix})")
                stage_rows += [[mix, *row] for row in stages(body)]
                log(f"B5: memory of the typed frame ({mix})")
                frames[mix] = tasks_frame(body, now=NOW)
            del body
            gc.collect()
    memory, totals = memory_rows(frames)
    distinct = {mix: frame["edit_profile_info"].dropna().astype(str).nunique() for mix, frame in frames.items()}
    edits = {mix: int(frame["edit_profile_info"].notna().sum()) for mix, frame in frames.items()}
    del frames

    mixes = "; ".join(f"**{mix}** — {text}" for mix, text in MIXES.items())
    b1_text = (
        f"Raw bytes of a `POST /tasks` response → a typed frame, on two data sets: {mixes}. The second is written "
        "apart from the sandbox (it shares no code with it), so no figure holds only on the data it was tuned on.\n\n"
        "**Floors.** Every ratio is the median, over the rounds, of the variant's time divided by the floor's time in "
        "the same round. The headline floor is `orjson.loads(body)` with Python's cyclic garbage collector paused: "
        "the cost of decoding the JSON into dicts and nothing else. The ratio to `orjson.loads` with the collector on "
        "(as a user would run it, where building a million dicts makes the collector walk the heap repeatedly) is the "
        "last column, for comparison with the first round of benchmarks, which used it.\n\n"
        "`tasks_frame` takes the fastest of three decoding paths that accepts the records (`ugc_nb/tasks/decode.py`): "
        "**arrow** — msgspec checks the JSON and the envelope, the task array is cut between two tasks into a piece per "
        "core, and Arrow's JSON reader reads each piece against the documented schema on its own thread, times "
        "included, with no Python object per task; **structs** — msgspec decodes into small structs the collector does "
        "not track (what the arrow path refuses: a task off the documented types, a float duration); **general** — "
        "orjson and a check per column (a field beyond the schema, a record that is not an object). All three give the "
        "same frame: the benchmark checks it at every size before timing, and `tests/test_frame_paths.py` holds them "
        "to it. The naive baselines decode with the standard library's `json`, as `resp.json()` does; at 1,000,000 "
        "tasks they are run on the sandbox mix only."
    )
    b5_text = (
        f"`tasks_frame` on {large:,} tasks of each data set, `df.memory_usage(deep=True).sum() / len(df)` — Arrow "
        "buffers counted whole (offsets, validity, string bytes, dictionaries), Python objects by `sys.getsizeof`. "
        "`id` is an Arrow-backed string (pandas' `string` dtype keeps 8-byte offsets); `account_id`, `type`, `status` "
        "and `keywords` are categoricals (1- or 2-byte codes: search terms repeat across an account's warm-ups); "
        "`edit_profile_info` is a pyarrow struct of the three documented strings, each dictionary-encoded, so a row "
        "without a profile change costs 4 bytes per field and a row with one the same (an account's edits apply a few "
        f"planned profiles: {distinct.get('sandbox', 0):,} distinct among {edits.get('sandbox', 0):,} edits in the "
        f"sandbox mix, {distinct.get('other', 0):,} among {edits.get('other', 0):,} in the other). Before this round "
        "it was an object column of dicts: 8 bytes of pointer per row plus each dict's own size, 37.5 B/task on the "
        "sandbox mix and about 60 on the other."
    )
    emit(
        args,
        [
            {
                "id": "B1",
                "title": "B1 — typed frame from the response bytes",
                "text": b1_text,
                "tables": [
                    {
                        "caption": "Median seconds over the timed rounds; ratio to the floor (GC paused), and to the decode with the GC on",
                        "header": ["data set", "tasks", "what", "median (s)", "min–max (s)", "vs floor (GC paused)", "vs orjson, GC on"],
                        "rows": rows,
                    },
                    {
                        "caption": f"Where one `tasks_frame(body)` of {large:,} tasks spends its time: its stages timed on their own "
                        "(median of 3 after a warm-up; a profiler sees only the calling thread, and the read runs on a thread per core)",
                        "header": ["data set", "stage", "median (s)", "share"],
                        "rows": stage_rows,
                    },
                ],
                "targets": targets,
            },
            {
                "id": "B5",
                "title": "B5 — memory of the typed frame",
                "text": b5_text,
                "tables": [
                    {
                        "caption": "Bytes per task, by column",
                        "header": ["column", "dtype", *(f"{mix} mix: B/task" for mix in MIXES)],
                        "rows": memory,
                    }
                ],
                "targets": [
                    {
                        "id": "B5",
                        "what": f"memory of the typed frame at {large:,} tasks ({mix} mix)",
                        "target": f"≤ {MEMORY_TARGET} B/task",
                        "measured": f"{total:.1f} B/task",
                        "met": total <= MEMORY_TARGET,
                    }
                    for mix, total in totals.items()
                ],
            },
        ],
    )


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    log(f"bench_frame: {time.perf_counter() - start:.0f} s")
