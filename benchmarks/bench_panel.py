"""B4: ``CleanupPanel`` on 100k and 1M tasks — a filter change to the updated count, and the table's payload.

A filter change is ``panel.status_filter.value = ...`` (what a click in the
widget does, minus the browser): the panel re-filters the frame, rebuilds the
bounded table view, hands it to itables and rewrites the counts line, all
before the assignment returns. The payload is what the table widget sends to
the browser (``panel.table_payload()``: its synced DataTables arguments): the
data rows really in it, counted, and its size as JSON. itables' downsampling
(64 KB by default) is off on every update, so the rows sent are the panel's
own bounded view: ``min(max_rows, matching)``.
"""

from __future__ import annotations

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


def payload(panel: CleanupPanel) -> dict[str, Any]:
    """What the table sends now, checked against the panel: exactly its bounded view, never downsampled."""
    sent = panel.table_payload()
    expected = min(panel.max_rows, panel.matching_count)
    ids = [row[1] for row in sent.rows]  # the checkbox cell, then the task id
    assert not sent.downsampled, sent.downsampling_warning
    assert len(sent.rows) == expected == len(panel.view), (len(sent.rows), expected, len(panel.view))
    assert ids == panel.view["id"].tolist(), "the payload's rows are not the panel's view"
    return {"bytes": sent.bytes, "rows": len(sent.rows), "matching": panel.matching_count, "expected": expected,
            "downsampled": sent.downsampled}


def time_changes(panel: CleanupPanel, repeat: int) -> dict[str, list[float]]:
    """Seconds from setting a filter to the updated counts line, per kind of change (after a warm-up round).

    After each change (outside the timer) the counts line must have changed and the payload must hold
    exactly ``min(max_rows, matching)`` rows."""
    times: dict[str, list[float]] = {"status filter": [], "min age": []}
    for round_ in range(repeat + 1):
        for widget, value in CHANGES:
            before = panel.counts.value
            start = time.perf_counter()
            getattr(panel, widget).value = value
            elapsed = time.perf_counter() - start
            assert panel.counts.value != before, f"{widget}={value!r} did not change the counts"
            if round_ == 0:
                payload(panel)
            else:
                times["status filter" if widget == "status_filter" else "min age"].append(elapsed)
    return times


def main() -> None:
    args = cli(__doc__ or "")
    sizes = (10_000, 50_000) if args.quick else (100_000, 1_000_000)
    client = Sandbox(n_tasks=10).client()  # the panel never sends anything here
    rows: list[list[str]] = []
    payloads: dict[int, dict[str, Any]] = {}
    filtered: dict[int, dict[str, Any]] = {}
    medians: dict[int, float] = {}
    worst: dict[int, float] = {}
    max_rows = 0
    for n in sizes:
        log(f"B4: generating {n:,} tasks")
        frame = tasks_frame(generate(n), now=NOW)
        log(f"B4: panel on {n:,} tasks")
        start = time.perf_counter()
        panel = CleanupPanel(frame, client, journal=False)
        built = time.perf_counter() - start
        max_rows = panel.max_rows
        payload(panel)  # as built, before any change
        times = time_changes(panel, args.repeat)
        everything = [t for values in times.values() for t in values]
        medians[n] = statistics.median(everything)
        worst[n] = max(everything)
        panel.status_filter.value = ("failed",)
        filtered[n] = payload(panel)
        panel.status_filter.value = ()
        panel.min_age.value = 0
        payloads[n] = payload(panel)  # after updates, no filter set: the largest view
        for kind, values in times.items():
            rows.append(
                [f"{n:,}", f"{kind} change → counts", f"{statistics.median(values) * 1000:.1f}",
                    f"{min(values) * 1000:.1f}–{max(values) * 1000:.1f}", str(len(values))]
            )
        rows.append([f"{n:,}", "building the panel (once)", f"{built * 1000:.1f}", "", "1"])
        panel.close()
        del panel, frame
    small, large = sizes
    growth = payloads[large]["bytes"] / payloads[small]["bytes"]
    payload_rows = [
        [f"{n:,}", what, f"{p['matching']:,}", f"{p['expected']:,}", f"{p['rows']:,}", f"{p['bytes']:,}",
            f"{p['bytes'] / base[small]['bytes']:.2f}×", "no" if not p["downsampled"] else "yes"]
        for base, what in ((payloads, "no filter"), (filtered, "status failed"))
        for n, p in base.items()
    ]
    exact = all(p["rows"] == p["expected"] and not p["downsampled"] for base in (payloads, filtered) for p in base.values())
    text = (
        f"A frame of generated tasks in `CleanupPanel(df, client)` (default `max_rows={max_rows:,}`). Each round sets "
        f"the status filter four times and the minimum age twice ({len(CHANGES)} changes, each one changing the "
        "counts line, which is checked); the time is from the assignment to its return, when the counts line "
        f"already shows the new selection and the table holds the new view. Median over {args.repeat} rounds after a "
        "warm-up round; the worst change is in the target line. The table payload is what the table widget sends to "
        "the browser (`panel.table_payload()`, read from the widget's synced DataTables arguments after an update): the "
        "data rows in it are counted and checked to be the panel's view, row for row, and its size is the JSON of those "
        "arguments (data, header, options). itables' downsampling (64 KB by default) is off on every update "
        "(`maxBytes`, `maxRows`, `maxColumns` = 0), so the bound is the panel's own: `min(max_rows, matching)` rows."
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
                        "caption": "Table payload sent to the browser after a filter change",
                        "header": ["tasks", "filter", "matching", f"min({max_rows:,}, matching)", "rows sent", "payload (bytes)",
                                   f"vs {small:,}", "downsampled"],
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
                        "what": "table payload, bounded by the panel's max_rows and independent of N (no downsampling)",
                        "target": f"rows sent = min({max_rows:,}, matching) and bytes within 5% at {small:,} and {large:,} tasks",
                        "measured": f"{payloads[small]['rows']:,} and {payloads[large]['rows']:,} rows; "
                        f"{payloads[small]['bytes']:,} B vs {payloads[large]['bytes']:,} B ({growth:.2f}×)",
                        "met": exact and abs(growth - 1) <= 0.05,
                    },
                ],
            }
        ],
    )


if __name__ == "__main__":
    main()
