"""``ugc-nb journal`` (the runs the journal holds, one run's tasks) and ``ugc-nb reconcile`` (settle unfinished runs).

The handlers import what they need when they run (pandas, httpx, the cleanup engine): building the parser must not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .console import say, source_line
from .options import Once

__all__ = ["add_journal", "add_reconcile", "default_journals"]


def default_journals() -> list[Path]:
    """The per-user journal and the sandbox's, where ``delete``/``retry`` write by default."""
    from ..cleanup.journal import default_journals as journals

    return journals()


def _journal(args: argparse.Namespace) -> int:
    """List the runs of the journal(s), or one run's tasks; ``--csv`` writes them."""
    import warnings

    from ..cleanup.journal import read_journal
    from ..report.files import output_file, write_output
    from ..tasks.units import count

    if args.journal is not None and not args.journal.strip():
        raise ValueError("--journal is empty: give it a path, or leave the option out for the default journals")
    if args.run is not None and not args.run.strip():
        raise ValueError("the run id is empty: give one from the list (ugc-nb journal), or leave it out for the list")
    csv = output_file(args.csv, "--csv", (".csv",)) if args.csv is not None else None  # before the journal is read
    paths = [Path(args.journal)] if args.journal else default_journals()
    found = [p for p in paths if p.exists()]
    if args.journal and not found:
        raise ValueError(f"no journal at {args.journal}")
    for path in paths:
        say(f"{'Journal' if path.exists() else 'No journal yet'}: {path}")
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
    if csv is not None:
        write_output(csv, lambda path: table.to_csv(path, index=False), "the CSV")
        say(f"Wrote {count(len(table), 'row')} to {csv.resolve()}")
    elif table.empty:
        say("No runs recorded.")
    else:
        say(str(table.head(50).to_string(index=False)))
        if len(table) > 50:
            say(f"… {len(table) - 50:,} more; --csv FILE writes them all")
    return 0


def _runs(entries: Any) -> Any:
    """One line per run: when, action, where, tasks, counts by outcome, unfinished."""
    import pandas as pd

    from ..api.client import is_sandbox
    from ..tasks.units import when

    rows = []
    for run, part in entries.groupby("run", sort=False):
        counts = part["outcome"].astype(str).value_counts()
        source = str(part["source"].iloc[0])
        rows.append({
            "run": run,
            "time": when(part["time"].min()) if part["time"].notna().any() else "",
            "action": str(part["action"].iloc[0]),
            "source": "sandbox" if is_sandbox(source) else source,
            "tasks": f"{len(part):,}",
            "outcomes": ", ".join(f"{n:,} {o}" for o, n in counts.items() if o != "unfinished"),
            "unfinished": f"{int(counts.get('unfinished', 0)):,}",
        })
    return pd.DataFrame(rows, columns=["run", "time", "action", "source", "tasks", "outcomes", "unfinished"]).sort_values("time")


def _reconcile(args: argparse.Namespace) -> int:
    """Settle every task a run sent without an outcome, against the server of ``UGC_BASE_URL`` (or the sandbox)."""
    import warnings

    from ..cleanup.journal import check_regular, journal_path_for
    from ..cleanup.outcome import totals_text
    from ..cleanup.reconcile import reconcile
    from ..source import default_client
    from ..tasks.units import count

    if args.journal is not None and not args.journal.strip():
        raise ValueError("--journal is empty: give it a path, or leave the option out for the default journal")
    if args.journal:  # a path that is no journal is said at once, whatever the source
        try:
            check_regular(args.journal)
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from None
    client = default_client(announce=False)
    try:
        say(source_line(client))
        if client.is_sandbox:
            say("Nothing to reconcile: the runs of an earlier command's in-process sandbox ended with it, so no server can "
                "tell what they did. Runs against a served sandbox (UGC_BASE_URL) or the API are reconciled there.")
            return 0
        path = Path(args.journal) if args.journal else journal_path_for(client)
        if not path.exists():
            if args.journal:
                raise ValueError(f"no journal at {path}")
            say(f"Nothing to reconcile: no journal yet at {path} (no cleanup has written one).")
            return 0
        say(f"Journal: {path}")
        with warnings.catch_warnings(record=True) as caught:  # a torn line: one line of ours, as `ugc-nb journal` says it
            warnings.simplefilter("always")
            report = reconcile(path, client, force=args.force)
        for warning in caught:
            print(f"ugc-nb: warning: {warning.message}", file=sys.stderr)
    finally:
        client.close()
    say(*report.notes)
    if report.results:
        say(f"Settled {count(len(report.results))}: {totals_text(report.totals)}.")
        say(*(f"  {r.outcome:<9} {r.id}: {r.reason}" for r in report.results[:20]))
        if len(report.results) > 20:
            say(f"  … {len(report.results) - 20:,} more (ugc-nb journal RUN shows each run's tasks)")
    return _still_unfinished(path)


def _still_unfinished(path: Path) -> int:
    """0 when no task of the journal is unfinished any more; else say how many are, and 1."""
    import warnings

    from ..cleanup.journal import UNFINISHED, read_journal
    from ..tasks.units import count

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torn lines were reported when the journal was read for reconciling
        left = int((read_journal(path)["outcome"].astype(str) == UNFINISHED).sum())
    if left:
        say(f"Still unfinished: {count(left)} (see the notes above); exit 1.")
        return 1
    return 0


def add_journal(sub: argparse._SubParsersAction) -> None:
    journal = sub.add_parser("journal", help="list the cleanup runs the journal holds, or one run's tasks",
                             description="List the cleanup runs the journals hold — when (UTC), the action, where, how many "
                                         "tasks, the outcomes, how many are unfinished — or, given a run id, that run's tasks.")
    journal.add_argument("run", nargs="?", help="a run id (from the list) to show its tasks")
    journal.add_argument("--journal", action=Once, metavar="PATH", help="this journal (default: the per-user journals, the sandbox's too)")
    journal.add_argument("--csv", action=Once, metavar="FILE", help="write the list (or the run's tasks) as CSV")
    journal.set_defaults(handler=_journal)


def add_reconcile(sub: argparse._SubParsersAction) -> None:
    rec = sub.add_parser("reconcile", help="settle the tasks interrupted runs sent without an outcome, against the server",
                         description="Settle the tasks that interrupted runs sent without an outcome: each is read on the server "
                                     "and its outcome written to the journal.")
    rec.add_argument("--journal", action=Once, metavar="PATH", help="this journal (default: the per-user one, or the sandbox's without a key)")
    rec.add_argument("--force", action="store_true", help="also settle runs made with another API key (after a key rotation)")
    rec.set_defaults(handler=_reconcile)
