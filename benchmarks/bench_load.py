"""B2: ``load_tasks`` end to end from the sandbox over loopback HTTP, against ``httpx.post`` + ``orjson.loads``.

The sandbox runs as its own process (``python -m ugc_nb.sandbox``), as a real
server would, so its work (serialising the response) runs beside the client's
on the second core instead of taking turns with it for one interpreter lock.
Every variant fetches the same ``POST /tasks`` answer from the same server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx  # noqa: E402
import orjson  # noqa: E402
from common import NOW, ROOT, SEED, cli, emit, log, measure, median, timing_row  # noqa: E402

from ugc_nb import UGCClient, load_tasks, tasks_frame  # noqa: E402

KEY = "sandbox"
FLOOR = "httpx.post + orjson.loads — the floor"
TRANSFER = "httpx.post only (the response bytes)"
OURS = "load_tasks(client)"
RECORDS = "tasks_frame(client.tasks.list()) — via a list of dicts"
TARGET = 1.2


class Server:
    """``python -m ugc_nb.sandbox`` in its own process group, on a free loopback port (``options`` added)."""

    def __init__(self, n_tasks: int, *options: str) -> None:
        command = [sys.executable, "-m", "ugc_nb.sandbox", "--port", "0", "--tasks", str(n_tasks), "--seed", str(SEED), "--api-key", KEY, *options]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "UGC sandbox serving on http://127.0.0.1:PORT (...)"
        if "serving on" not in line:
            self.close()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.url = line.split("serving on ", 1)[1].split()[0]

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def floor(url: str) -> Any:
    response = httpx.post(f"{url}/tasks", content=b"{}", headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    response.raise_for_status()
    return orjson.loads(response.content)


def transfer(url: str) -> bytes:
    response = httpx.post(f"{url}/tasks", content=b"{}", headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    response.raise_for_status()
    return response.content


def ours(url: str) -> Any:
    with UGCClient(api_key=KEY, base_url=url) as client:
        return load_tasks(client, now=NOW)


def via_records(url: str) -> Any:
    with UGCClient(api_key=KEY, base_url=url) as client:
        return tasks_frame(client.tasks.list(), now=NOW)


def main() -> None:
    args = cli(__doc__ or "")
    n = 20_000 if args.quick else 200_000
    log(f"B2: starting the sandbox server with {n:,} tasks")
    server = Server(n)
    try:
        size = len(transfer(server.url))
        log(f"B2: {server.url}, {size / 1e6:.0f} MB per response; timing {args.repeat} interleaved rounds after a warm-up")
        variants = {
            FLOOR: lambda: floor(server.url),
            TRANSFER: lambda: transfer(server.url),
            OURS: lambda: ours(server.url),
            RECORDS: lambda: via_records(server.url),
        }

        def check(name: str, result: Any) -> None:
            got = len(result["data"]) if isinstance(result, dict) else None if isinstance(result, bytes) else len(result)
            assert got in (None, n), f"{name} gave {got} tasks, expected {n}"

        times = measure(variants, repeat=args.repeat, check=check)
    finally:
        server.close()
    rows = []
    for name in variants:
        row = timing_row(times, name, FLOOR)
        rows.append([name, f"{row['median_s']:.3f}", f"{row['min_s']:.3f}–{row['max_s']:.3f}", f"{row['ratio']:.2f}×"])
    result = timing_row(times, OURS, FLOOR)
    text = (
        f"{n:,} generated tasks ({size / 1e6:.0f} MB per response) from `python -m ugc_nb.sandbox` on 127.0.0.1, "
        "one `POST /tasks` per variant per round, a new connection each time (`httpx.post` opens one; "
        "each `UGCClient` is created and closed inside the timed call).\n\n"
        "**Floor.** `httpx.post` of the same request, then `orjson.loads` of the body as a user would run it (the cyclic "
        "garbage collector on); ratios are the median of the per-round ratios to it. `load_tasks` asks the client for "
        "the task array undecoded (`client.tasks.list_raw`: the envelope is checked by msgspec without building `data`) "
        "and `tasks_frame` reads it by its arrow path, a piece per core, straight into columns. The last row is the "
        "path through a list of dicts (`client.tasks.list()` then `tasks_frame`, which takes its structs path)."
    )
    emit(
        args,
        [
            {
                "id": "B2",
                "title": "B2 — load_tasks end to end over loopback HTTP",
                "text": text,
                "tables": [
                    {
                        "caption": "Median seconds over the timed rounds; ratio to the floor",
                        "header": ["what", "median (s)", "min–max (s)", "ratio to floor"],
                        "rows": rows,
                    }
                ],
                "targets": [
                    {
                        "id": "B2",
                        "what": f"`load_tasks` at {n:,} tasks vs `httpx.post` + `orjson.loads`",
                        "target": f"≤ {TARGET}×",
                        "measured": f"{result['ratio']:.2f}× ({result['median_s']:.2f} s vs {median(times[FLOOR]):.2f} s)",
                        "met": result["ratio"] <= TARGET,
                    }
                ],
            }
        ],
    )


if __name__ == "__main__":
    main()
