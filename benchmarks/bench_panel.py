"""B4: ``CleanupPanel`` on 100k tasks — a filter change to the updated count, and the table's payload.

A filter change is ``panel.status_filter.value = ...`` (what a click in the
widget does, minus the browser): the panel re-filters the frame, rebuilds the
bounded table view, hands it to itables and rewrites the counts line, all
before the assignment returns. The payload is what itables sends to the browser
for the table: ``len(json.dumps(panel.table._dt_args))``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import NOW, cli, emit, generate, log  # noqa: E402

from ugc_nb import Sandbox, tasks_frame  # noqa: E402
from ugc_nb.panel import CleanupPanel  # noqa: E402

TARGET_MS = 100
#: One round: each change differs from the one before, so every one updates the counts.
CHANGES: list[tuple[str, Any]] = [
    ("status_filter", ("failed",)),
    ("status_filter", ("scheduled",)),
    ("status_filter", ("failed", "scheduled")),
    ("status_filter", ()),
    ("min_age", 7.0),
    ("min_age", 0.0),
]


def payload(panel: CleanupPanel) -> int:
    return len(json.dumps(panel.table._dt_args))


def time_changes(panel: CleanupPanel, repeat: int) -> dict[str, list[float]]:
    """Seconds from setting a filter to the updated counts line, per kind of change (after a warm-up round)."""
    times: dict[str, list[float]] = {"status filter": [], "min age": []}
    for round_ in range(repeat + 1):
        for widget, value in CHANGES:
            before = panel.counts.value
            start = time.perf_counter()
            getattr(panel, widget).value = value
            elapsed = time.perf_counter() - start
            assert panel.counts.value != before, f"{widget}={value!r} did not change the counts"
            if round_:
                times["status filter" if widget == "status_filter" else "min age"].append(elapsed)
    return times


def main() -> None:
    args = cli(__doc__ or "")
    sizes = (2_000, 10_000) if args.quick else (10_000, 100_000)
    client = Sandbox(n_tasks=10).client()  # the panel never sends anything here
    rows: list[list[str]] = []
    payloads: dict[int, dict[str, int]] = {}
    medians: dict[int, float] = {}
    worst: dict[int, float] = {}
    for n in sizes:
        log(f"B4: panel on {n:,} tasks")
        frame = tasks_frame(generate(n), now=NOW)
        start = time.perf_counter()
        panel = CleanupPanel(frame, client, journal=False)
        built = time.perf_counter() - start
        initial = payload(panel)
        times = time_changes(panel, args.repeat)
        everything = [t for values in times.values() for t in values]
        medians[n] = statistics.median(everything)
        worst[n] = max(everything)
        panel.status_filter.value = ()
        panel.min_age.value = 0
        payloads[n] = {"bytes": initial, "rows": len(panel._view), "matching": len(panel.filtered)}
        for kind, values in times.items():
            rows.append(
                [f"{n:,}", f"{kind} change → counts", f"{statistics.median(values) * 1000:.1f}",
                    f"{min(values) * 1000:.1f}–{max(values) * 1000:.1f}", str(len(values))]
            )
        rows.append([f"{n:,}", "building the panel (once)", f"{built * 1000:.1f}", "", "1"])
        panel.close()
    small, large = sizes
    growth = payloads[large]["bytes"] / payloads[small]["bytes"]
    payload_rows = [
        [f"{n:,}", f"{p['matching']:,}", f"{p['rows']:,}", f"{p['bytes']:,}", f"{p['bytes'] / payloads[small]['bytes']:.2f}×"]
        for n, p in payloads.items()
    ]
    text = (
        f"A frame of generated tasks in `CleanupPanel(df, client)` (default `max_rows=1000`). Each round sets "
        f"the status filter four times and the minimum age twice ({len(CHANGES)} changes, each one changing the "
        "counts line, which is checked); the time is from the assignment to its return, when the counts line "
        f"already shows the new selection. Median over {args.repeat} rounds after a warm-up round. The table "
        "payload is the JSON that itables sends to the browser for the table, with no filter set (the largest view)."
    )
    emit(
        args,
        [
            {
                "id": "B4",
                "title": "B4 — CleanupPanel: filter change to updated count, and table payload",
                "text": text,
                "tables": [
                    {
                        "caption": "Milliseconds per change (median, min–max)",
                        "header": ["tasks", "what", "median (ms)", "min–max (ms)", "changes timed"],
                        "rows": rows,
                    },
                    {
                        "caption": "Table payload sent to the browser, no filter set",
                        "header": ["tasks", "matching", "rows sent", "payload (bytes)", f"vs {small:,}"],
                        "rows": payload_rows,
                    },
                ],
                "targets": [
                    {
                        "id": "B4",
                        "what": f"filter change → updated count at {large:,} tasks",
                        "target": f"< {TARGET_MS} ms",
                        "measured": f"{medians[large] * 1000:.0f} ms median, {worst[large] * 1000:.0f} ms worst",
                        "met": medians[large] * 1000 < TARGET_MS,
                    },
                    {
                        "id": "B4",
                        "what": "table payload, bounded and independent of N",
                        "target": f"same at {small:,} and {large:,} tasks",
                        "measured": f"{payloads[small]['bytes']:,} B vs {payloads[large]['bytes']:,} B ({growth:.2f}×), "
                        f"{payloads[large]['rows']:,} rows",
                        "met": growth <= 1.05 and payloads[large]["rows"] <= 1000,
                    },
                ],
            }
        ],
    )


if __name__ == "__main__":
    main()
