"""B3: ``delete_tasks`` on 10k eligible tasks with 50 ms of latency per request, verification included.

Compared with a per-id loop (``client.tasks.delete([task_id])`` for each task, as a
notebook would do it; a sample of 20 is timed and scaled) and with the bound
``ceil(N / batch) × latency / concurrency`` (the time the delete requests alone take
if the latency were the only cost: no verification read, no journal). Each round
starts a fresh sandbox server process (the deletions are real), loads its tasks
untimed, then times the loop sample and the run, side by side. Every request the
client makes is timed by an ``httpx`` transport passed to ``UGCClient(transport=...)``,
so the run is broken down without touching the client's internals.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

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


class TimingTransport(httpx.BaseTransport):
    """An ``httpx`` transport that notes each request's path, when it was sent and when its answer had been read."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: list[tuple[str, float, float]] = []
        self.lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = self.inner.handle_request(request)
        try:
            body = response.read()
        finally:
            response.close()
        end = time.perf_counter()
        with self.lock:
            self.calls.append((request.url.path, start, end))
        return httpx.Response(response.status_code, headers=response.headers, content=body, extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()

    def spans(self, path: str, since: float = 0.0) -> list[tuple[float, float]]:
        with self.lock:
            return [(a, b) for p, a, b in self.calls if p == path and a >= since]


def server_cpu(server: Server) -> float:
    """CPU seconds the sandbox process has used so far (user + system, from /proc; NaN where there is none)."""
    try:
        fields = Path(f"/proc/{server.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def overlaps(span: tuple[float, float], others: list[tuple[float, float]]) -> bool:
    return any(a < span[1] and span[0] < b for a, b in others)


def main() -> None:
    args = cli(__doc__ or "")
    n_chosen = 1_000 if args.quick else 10_000
    n_store = 6 * n_chosen + 1_000  # ~18% of generated tasks are deletable: room for the chosen ones and the loop's
    requests = math.ceil(n_chosen / BATCH)
    bound = requests * LATENCY / CONCURRENCY
    runs: list[float] = []
    loops: list[float] = []
    alone: list[float] = []
    keys = ("before", "sending", "request", "after", "deletes", "reads", "read", "overlap", "cpu_client", "cpu_server")
    phases: dict[str, list[float]] = {k: [] for k in keys}
    (ROOT / "out").mkdir(exist_ok=True)  # the journal goes on the repository's disk (out/ is ignored by git)
    with tempfile.TemporaryDirectory(prefix="bench-journal-", dir=ROOT / "out") as tmp:
        for round_ in range(args.repeat + 1):
            label = "warm-up" if round_ == 0 else f"round {round_} of {args.repeat}"
            log(f"B3: {label}: starting a sandbox with {n_store:,} tasks and {LATENCY * 1000:.0f} ms latency")
            server = Server(n_store, "--latency", str(LATENCY))
            timing = TimingTransport()
            try:
                with UGCClient(api_key=KEY, base_url=server.url, transport=timing) as client:
                    frame = load_tasks(client, now=NOW)
                    deletable = frame[frame["deletable"]].sort_values("created_at", kind="stable")
                    assert len(deletable) >= n_chosen + SAMPLE, f"only {len(deletable)} deletable tasks"
                    chosen = deletable.head(n_chosen)
                    spare = deletable["id"].iloc[n_chosen : n_chosen + SAMPLE].tolist()

                    start = time.perf_counter()
                    for task_id in spare:  # the per-id loop, one request per task
                        client.tasks.delete([task_id])
                    loop = (time.perf_counter() - start) / SAMPLE * n_chosen

                    account = chosen["account_id"].astype(str).value_counts().index[0]
                    start = time.perf_counter()
                    client.tasks.list(account_ids=[account])  # what one narrowed verification read costs, alone
                    read_alone = time.perf_counter() - start

                    journal = Path(tmp) / f"journal-{round_}.jsonl"
                    cpu_client, cpu_server = time.process_time(), server_cpu(server)
                    start = time.perf_counter()
                    report = delete_tasks(client, chosen, journal=journal, progress=False, batch_size=BATCH, concurrency=CONCURRENCY)
                    end = time.perf_counter()
                    cpu_client, cpu_server = time.process_time() - cpu_client, server_cpu(server) - cpu_server
                    run = end - start
                    deleted = len(report.ids("deleted"))
                    assert deleted == n_chosen, f"deleted {deleted} of {n_chosen}: {report.totals}"
                    assert journal.stat().st_size > 0
                    sends, reads = timing.spans("/tasks/delete", start), timing.spans("/tasks", start)
                    first, last = min(a for a, _ in sends), max(b for _, b in sends)
                    phase = {
                        "before": first - start,
                        "sending": last - first,
                        "request": statistics.mean(b - a for a, b in sends),
                        "after": end - last,
                        "deletes": len(sends),
                        "reads": len(reads),
                        "read": statistics.mean(b - a for a, b in reads),
                        "overlap": sum(overlaps(r, sends) for r in reads) / len(reads),
                        "cpu_client": cpu_client,
                        "cpu_server": cpu_server,
                    }
            finally:
                timing.close()
                server.close()
            log(f"B3: {label}: run {run:.3f} s ({run / bound:.2f}× the bound), loop estimate {loop:.1f} s, "
                f"{phase['deletes']} deletes, {phase['reads']} verification reads")
            if round_ > 0:
                runs.append(run)
                loops.append(loop)
                alone.append(read_alone)
                for key, value in phase.items():
                    phases[key].append(value)

    def med(key: str) -> float:
        return statistics.median(phases[key])

    def spread(key: str, scale: float = 1.0, digits: int = 3) -> str:
        return f"{min(phases[key]) * scale:.{digits}f}–{max(phases[key]) * scale:.{digits}f}"

    run_median = statistics.median(runs)
    speedup = statistics.median(loop / run for loop, run in zip(loops, runs))
    over_bound = run_median / bound
    rounds = math.ceil(requests / CONCURRENCY)
    rows = [
        [f"`delete_tasks` (batch {BATCH}, concurrency {CONCURRENCY}, verify, journal)", f"{run_median:.3f}",
            f"{min(runs):.3f}–{max(runs):.3f}", "1.00×", f"{over_bound:.2f}×"],
        ["… before the first delete request: plan, journal start, the first batches' verification read", f"{med('before'):.3f}",
            spread("before"), "", f"{med('before') / bound:.2f}×"],
        [f"… from the first delete request to the last answer ({med('deletes'):.0f} requests)", f"{med('sending'):.3f}",
            spread("sending"), "", f"{med('sending') / bound:.2f}×"],
        ["… one delete request, on average (latency included)", f"{med('request'):.3f}", spread("request"), "", ""],
        ["… after the last answer: last outcome, report", f"{med('after'):.3f}", spread("after"), "", f"{med('after') / bound:.2f}×"],
        [f"… verification reads in the run (narrowed by account; median count {med('reads'):.0f}, "
            f"{med('overlap') * 100:.0f}% of them overlapping a delete request): one, on average", f"{med('read'):.3f}",
            spread("read"), "", ""],
        ["… CPU used meanwhile by the client process (all its threads)", f"{med('cpu_client'):.3f}", spread("cpu_client"), "", ""],
        ["… CPU used meanwhile by the sandbox process", f"{med('cpu_server'):.3f}", spread("cpu_server"), "", ""],
        ["one narrowed verification read on its own (the largest chosen account)", f"{statistics.median(alone):.3f}",
            f"{min(alone):.3f}–{max(alone):.3f}", "", ""],
        [f"per-id loop, scaled from {SAMPLE} requests", f"{statistics.median(loops):.1f}", f"{min(loops):.1f}–{max(loops):.1f}",
            f"{speedup:.0f}× slower", f"{statistics.median(loops) / bound:.0f}×"],
        [f"bound: ceil({n_chosen:,} / {BATCH}) × {LATENCY} s / {CONCURRENCY}", f"{bound:.3f}", "", "", "1.00×"],
    ]
    text = (
        f"{n_chosen:,} deletable tasks (the oldest, by `created_at`) out of {n_store:,} generated tasks on "
        f"`python -m ugc_nb.sandbox --latency {LATENCY}`: every request — reads and deletes alike — waits "
        f"{LATENCY * 1000:.0f} ms before it is handled, as every round trip to a real server costs time. "
        "`delete_tasks` runs as documented: each batch's tasks are read again (narrowed to the batch's accounts) "
        "while the worker's previous request is on the wire, judged, their full rows fsynced to the journal (a "
        "temporary file under `out/`, on the repository's disk), then sent; `progress=False`. "
        f"The loop deletes {SAMPLE} other deletable tasks one request each (no verification, no journal) on the "
        f"same server; its time is scaled to {n_chosen:,}. Median over {len(runs)} rounds after a warm-up round, "
        "each on a fresh server, the loop and the run side by side in each round; the speed-up is the median of "
        "the per-round ratios.\n\n"
        "Which figure each ratio uses: *vs delete_tasks* is the per-id loop's time over the run's, per round; *vs "
        f"bound* is a time over the delete-only bound `ceil(N / batch) × latency / concurrency` = {requests} × "
        f"{LATENCY} s / {CONCURRENCY} = {bound:.3f} s, which counts neither the verification reads nor the journal "
        "nor any time a request takes beyond the latency. The rows marked … break the run down from the times at "
        "which the client's requests were sent and answered (an `httpx` transport passed to `UGCClient`). "
        f"Where the time above the bound goes: {med('before'):.3f} s before the first delete (the first reads "
        f"cannot overlap a request: there is none yet), then {rounds} rounds of {CONCURRENCY} concurrent requests, "
        f"{med('sending') / rounds * 1000:.0f} ms a round rather than {LATENCY * 1000:.0f}: requests of "
        f"{med('request') * 1000:.0f} ms (a lone request in the loop takes "
        f"{statistics.median(loops) / n_chosen * 1000:.0f} ms), plus whatever the next batch's read — about "
        f"{med('read') * 1000:.0f} ms each in the run, {statistics.median(alone) * 1000:.0f} ms on its own — "
        "has not finished by the time the request before it is answered. The requests and reads are slower in the "
        f"run than alone because the machine is busy: the run's client used {med('cpu_client'):.2f} s of CPU (one "
        "Python process: its worker threads take turns; about half of it in the HTTP client and decoding the answers, "
        f"and each read lists every task of its accounts, not only the chosen ones) and the sandbox {med('cpu_server'):.2f} s, "
        f"on {os.cpu_count()} cores, in {run_median:.2f} s."
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
                        "caption": "Seconds (median, min–max); how much slower than delete_tasks (per round); ratio to the delete-only bound",
                        "header": ["what", "median (s)", "min–max (s)", "vs delete_tasks", "vs bound"],
                        "rows": rows,
                    }
                ],
                "targets": [
                    {
                        "id": "B3",
                        "what": f"`delete_tasks` on {n_chosen:,} tasks vs the per-id loop (median of per-round ratios)",
                        "target": f"≥ {SPEEDUP_TARGET}× faster",
                        "measured": f"{speedup:.0f}× faster ({run_median:.2f} s vs {statistics.median(loops):.0f} s)",
                        "met": speedup >= SPEEDUP_TARGET,
                    },
                    {
                        "id": "B3",
                        "what": f"`delete_tasks` on {n_chosen:,} tasks, verification included, vs the delete-only bound",
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
