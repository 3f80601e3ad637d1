"""B3: ``delete_tasks`` on 10k eligible tasks with 50 ms of latency per request.

Compared with a per-id loop (``client.tasks.delete([task_id])`` for each task, as a
notebook would do it; a sample of 20 is timed and scaled) and with the bound
``ceil(N / batch) × latency / concurrency`` (the time the batches alone take if
the latency were the only cost). Each round starts a fresh sandbox server process
(the deletions are real), loads its tasks untimed, then times the loop sample and
the run.
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_load import KEY, Server  # noqa: E402
from common import NOW, ROOT, cli, emit, log  # noqa: E402

from ugc_nb import UGCClient, delete_tasks, load_tasks  # noqa: E402

LATENCY = 0.05
BATCH = 100
CONCURRENCY = 4
SAMPLE = 20
SPEEDUP_TARGET = 100
BOUND_TARGET = 1.5


class TimedClient(UGCClient):
    """A client that notes when each delete request starts and ends (to break a run down)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[float, float]] = []
        raw = self.tasks.delete

        def timed(ids: Any) -> dict[str, Any]:
            start = time.perf_counter()
            try:
                return raw(ids)
            finally:
                self.calls.append((start, time.perf_counter()))

        self.tasks.delete = timed


def main() -> None:
    args = cli(__doc__ or "")
    n_chosen = 1_000 if args.quick else 10_000
    n_store = 6 * n_chosen + 1_000  # ~18% of generated tasks are deletable: room for the chosen ones and the loop's
    bound = math.ceil(n_chosen / BATCH) * LATENCY / CONCURRENCY
    runs: list[float] = []
    loops: list[float] = []
    reads: list[float] = []
    phases: dict[str, list[float]] = {"before": [], "sending": [], "request": [], "after": []}
    (ROOT / "out").mkdir(exist_ok=True)  # the journal goes on the repository's disk (out/ is ignored by git)
    with tempfile.TemporaryDirectory(prefix="bench-journal-", dir=ROOT / "out") as tmp:
        for round_ in range(args.repeat + 1):
            label = "warm-up" if round_ == 0 else f"round {round_} of {args.repeat}"
            log(f"B3: {label}: starting a sandbox with {n_store:,} tasks and {LATENCY * 1000:.0f} ms latency")
            server = Server(n_store, "--latency", str(LATENCY))
            try:
                with TimedClient(api_key=KEY, base_url=server.url) as client:
                    frame = load_tasks(client, now=NOW)
                    deletable = frame[frame["deletable"]].sort_values("created_at", kind="stable")
                    assert len(deletable) >= n_chosen + SAMPLE, f"only {len(deletable)} deletable tasks"
                    chosen = deletable.head(n_chosen)
                    spare = deletable["id"].iloc[n_chosen : n_chosen + SAMPLE].tolist()

                    start = time.perf_counter()
                    for task_id in spare:  # the per-id loop, one request per task
                        client.tasks.delete([task_id])
                    loop = (time.perf_counter() - start) / SAMPLE * n_chosen

                    accounts = sorted(chosen["account_id"].astype(str).unique())
                    start = time.perf_counter()
                    client.tasks.list(account_ids=accounts)  # what the run's verification read costs
                    read = time.perf_counter() - start

                    journal = Path(tmp) / f"journal-{round_}.jsonl"
                    client.calls.clear()
                    start = time.perf_counter()
                    report = delete_tasks(client, chosen, journal=journal, progress=False, batch_size=BATCH, concurrency=CONCURRENCY)
                    end = time.perf_counter()
                    run = end - start
                    deleted = len(report.ids("deleted"))
                    assert deleted == n_chosen, f"deleted {deleted} of {n_chosen}: {report.totals}"
                    first, last = min(a for a, _ in client.calls), max(b for _, b in client.calls)
                    phase = {
                        "before": first - start,
                        "sending": last - first,
                        "request": statistics.mean(b - a for a, b in client.calls),
                        "after": end - last,
                    }
                    assert journal.stat().st_size > 0
            finally:
                server.close()
            log(f"B3: {label}: run {run:.3f} s, loop estimate {loop:.1f} s, verification read {read:.3f} s")
            if round_ > 0:
                runs.append(run)
                loops.append(loop)
                reads.append(read)
                for key, value in phase.items():
                    phases[key].append(value)

    run_median = statistics.median(runs)
    speedup = statistics.median(loop / run for loop, run in zip(loops, runs))
    over_bound = run_median / bound
    rounds = math.ceil(math.ceil(n_chosen / BATCH) / CONCURRENCY)
    request = statistics.median(phases["request"])
    rows = [
        [f"`delete_tasks` (batch {BATCH}, concurrency {CONCURRENCY}, verify, journal)", f"{run_median:.3f}",
            f"{min(runs):.3f}–{max(runs):.3f}", "1.00×", f"{over_bound:.2f}×"],
        *(
            [f"… {what}", f"{statistics.median(phases[key]):.3f}", f"{min(phases[key]):.3f}–{max(phases[key]):.3f}", "", ""]
            for key, what in (
                ("before", "before the first delete request: plan, journal start, verification read"),
                ("sending", f"from the first delete request to the last answer ({math.ceil(n_chosen / BATCH)} requests)"),
                ("request", "one delete request, on average (latency included)"),
                ("after", "after the last answer: last outcome, report"),
            )
        ),
        ["a verification read on its own (a `get_tasks` over the chosen tasks' accounts)", f"{statistics.median(reads):.3f}",
            f"{min(reads):.3f}–{max(reads):.3f}", "", ""],
        [
            f"per-id loop, scaled from {SAMPLE} requests",
            f"{statistics.median(loops):.1f}",
            f"{min(loops):.1f}–{max(loops):.1f}",
            f"{speedup:.0f}× slower",
            f"{statistics.median(loops) / bound:.0f}×",
        ],
        [f"bound: ceil({n_chosen:,} / {BATCH}) × {LATENCY} s / {CONCURRENCY}", f"{bound:.3f}", "", "", "1.00×"],
    ]
    text = (
        f"{n_chosen:,} deletable tasks (the oldest, by `created_at`) out of {n_store:,} generated tasks on "
        f"`python -m ugc_nb.sandbox --latency {LATENCY}`: every request — reads and deletes alike — waits "
        f"{LATENCY * 1000:.0f} ms before it is handled, as every round trip to a real server costs time. "
        "That includes the verification read `delete_tasks` makes before the first batch (it re-reads the "
        "live status of the chosen tasks' accounts, here all of them), which the bound leaves out: it is "
        "one latency plus the transfer of those accounts' tasks (timed on its own below). "
        "The run writes its journal to a temporary file under `out/` (on the repository's disk), fsynced "
        f"before and after every batch ({2 * math.ceil(n_chosen / BATCH) + 1} fsyncs), with `progress=False`. "
        f"The loop deletes {SAMPLE} other deletable tasks one request each (no verification, no journal) on "
        f"the same server; its time is scaled to {n_chosen:,}. Median over {len(runs)} rounds after a "
        "warm-up round, each on a fresh server; the speed-up is the median of the per-round ratios.\n\n"
        "The rows marked … break the run down (from the times at which the client's delete calls started "
        f"and ended). Where the time above the bound goes: the verification read; each delete request taking "
        f"{request * 1000:.0f} ms rather than {LATENCY * 1000:.0f} (HTTP and wake-up on this VM; a lone "
        f"request in the loop takes {statistics.median(loops) / n_chosen * 1000:.0f} ms), over {rounds} rounds "
        "of concurrent batches; and between one batch's answer and the next batch's request, the fsynced "
        "outcome and intent records of the journal."
    )
    emit(
        args,
        [
            {
                "id": "B3",
                "title": "B3 — delete_tasks with 50 ms latency",
                "text": text,
                "tables": [
                    {
                        "caption": "Seconds (median, min–max); how much slower than delete_tasks; ratio to the bound",
                        "header": ["what", "median (s)", "min–max (s)", "vs delete_tasks", "vs bound"],
                        "rows": rows,
                    }
                ],
                "targets": [
                    {
                        "id": "B3",
                        "what": f"`delete_tasks` on {n_chosen:,} tasks vs the per-id loop",
                        "target": f"≥ {SPEEDUP_TARGET}× faster",
                        "measured": f"{speedup:.0f}× faster ({run_median:.2f} s vs {statistics.median(loops):.0f} s)",
                        "met": speedup >= SPEEDUP_TARGET,
                    },
                    {
                        "id": "B3",
                        "what": f"`delete_tasks` on {n_chosen:,} tasks vs the bound",
                        "target": f"≤ {BOUND_TARGET}× the bound ({bound:.2f} s)",
                        "measured": f"{over_bound:.2f}× ({run_median:.2f} s)",
                        "met": over_bound <= BOUND_TARGET,
                    },
                ],
            }
        ],
    )


if __name__ == "__main__":
    main()
