"""Command line: ``ugc-nb report``, ``ugc-nb summary`` and ``ugc-nb journal`` (also ``python -m ugc_nb ...``).

Uses the real API when ``UGC_API_KEY`` is set (``UGC_BASE_URL`` to point
elsewhere), the embedded sandbox otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .api.client import DEFAULT_BASE_URL, is_sandbox
from .api.errors import UGCError
from .api.schema import TASK_TYPES

__all__ = ["main"]


def _summary(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from .insight import accessor as _  # noqa: F401  (df.ugc)
    from .insight.plots import plot_overview
    from .source import load_tasks

    df = load_tasks(
        account_ids=args.account or None,
        start=args.start,
        end=args.end,
        task_type=args.type,
        grace=args.grace,
    )
    source = df.attrs["source"]
    print(f"Source: {'the embedded sandbox (synthetic data)' if is_sandbox(source) else source}")
    print(df.ugc.summary())
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = plot_overview(df)
    fig.savefig(out, dpi=110)
    print(f"\nFigure written to {out.resolve()}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report.render import render_report

    use_api = args.source == "api" or (args.source == "auto" and os.environ.get("UGC_API_KEY", "").strip())
    where = os.environ.get("UGC_BASE_URL") or DEFAULT_BASE_URL if use_api else "the embedded sandbox"
    print(f"Running the report notebook against {where}…", flush=True)
    path = render_report(
        args.output,
        source=args.source,
        account_ids=args.account or None,
        start=args.start,
        end=args.end,
        older_than=args.older_than,
        title=args.title,
    )
    print(f"Report written to {path.resolve()}")
    return 0


def _journal(args: argparse.Namespace) -> int:
    """List the runs of the journal(s), or one run's tasks; ``--csv`` writes them."""
    import warnings

    from .cleanup.journal import default_journal_path, read_journal

    default = default_journal_path()
    paths = [Path(args.journal)] if args.journal else [default, default.with_name("journal-sandbox.jsonl")]
    found = [p for p in paths if p.exists()]
    if args.journal and not found:
        raise ValueError(f"no journal at {args.journal}")
    for path in paths:
        print(f"{'Journal' if path.exists() else 'No journal yet'}: {path}")
    frames = []
    for path in found:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frames.append(read_journal(path).assign(journal=str(path)))
        for warning in caught:
            print(f"ugc-nb: warning: {warning.message}", file=sys.stderr)
    import pandas as pd

    entries = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["run", "id", "outcome"])
    if args.run:
        chosen = entries[entries["run"] == args.run]
        if chosen.empty:
            raise ValueError(f"no run {args.run!r} in the journal (ugc-nb journal lists the runs)")
        table = chosen[["id", "outcome", "reason", "account_id", "type", "status"]].astype(str)
    else:
        table = _runs(entries)
    if args.csv:
        table.to_csv(args.csv, index=False)
        print(f"Wrote {len(table):,} rows to {Path(args.csv).resolve()}")
    elif table.empty:
        print("No runs recorded.")
    else:
        print(table.head(50).to_string(index=False))
        if len(table) > 50:
            print(f"… {len(table) - 50:,} more; --csv FILE writes them all")
    return 0


def _runs(entries: Any) -> Any:
    """One line per run: when, action, where, tasks, counts by outcome, unfinished."""
    import pandas as pd

    rows = []
    for run, part in entries.groupby("run", sort=False):
        counts = part["outcome"].astype(str).value_counts()
        source = str(part["source"].iloc[0])
        rows.append({
            "run": run,
            "time": part["time"].min().strftime("%Y-%m-%d %H:%M UTC") if part["time"].notna().any() else "",
            "action": str(part["action"].iloc[0]),
            "source": "sandbox" if is_sandbox(source) else source,
            "tasks": f"{len(part):,}",
            "outcomes": ", ".join(f"{n:,} {o}" for o, n in counts.items() if o != "unfinished"),
            "unfinished": f"{int(counts.get('unfinished', 0)):,}",
        })
    return pd.DataFrame(rows, columns=["run", "time", "action", "source", "tasks", "outcomes", "unfinished"]).sort_values("time")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ugc-nb", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    summary = sub.add_parser("summary", help="load all tasks, print a summary and write the overview figure")
    summary.add_argument("-o", "--output", default="out/overview.png", help="where to write the figure (default: %(default)s)")
    summary.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    summary.add_argument("--start", help="ISO 8601 lower bound of the server's date filter")
    summary.add_argument("--end", help="ISO 8601 upper bound of the server's date filter")
    summary.add_argument("--type", choices=TASK_TYPES, help="only this task type")
    summary.add_argument("--grace", default="1h", help="how late a scheduled task may be before it is overdue (default: %(default)s)")
    summary.set_defaults(run=_summary)

    report = sub.add_parser("report", help="write the shareable HTML report (no code, figures embedded)")
    report.add_argument("-o", "--output", help="where to write the HTML (default: out/ugc-report-<time>.html)")
    report.add_argument("--source", choices=("auto", "api", "sandbox"), default="auto",
                        help="auto: the API if UGC_API_KEY is set, else the sandbox (default: %(default)s)")
    report.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    report.add_argument("--start", help="ISO 8601 lower bound of the server's date filter")
    report.add_argument("--end", help="ISO 8601 upper bound of the server's date filter")
    report.add_argument("--older-than", default="7D", help="age from which failed tasks are cleanup candidates (default: %(default)s)")
    report.add_argument("--title", default="UGC.inc task report", help="report title")
    report.set_defaults(run=_report)

    journal = sub.add_parser("journal", help="list the cleanup runs the journal holds, or one run's tasks")
    journal.add_argument("run", nargs="?", help="a run id (from the list) to show its tasks")
    journal.add_argument("--journal", metavar="PATH", help="this journal (default: the per-user journals, the sandbox's too)")
    journal.add_argument("--csv", metavar="FILE", help="write the list (or the run's tasks) as CSV")
    journal.set_defaults(run_command=_journal)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return (getattr(args, "run_command", None) or args.run)(args)
    except (UGCError, ValueError) as exc:
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
