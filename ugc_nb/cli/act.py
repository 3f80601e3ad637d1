"""``ugc-nb delete`` and ``ugc-nb retry``: show the plan, ask, then act — never unasked.

1. The options are checked (exit 2 on anything wrong; nothing is read).
2. The tasks are loaded and the filters and the preset applied; the plan is printed: the count,
   by status, type and account, oldest and newest, what is skipped and why.
3. ``--dry-run``: the engine's dry run (each batch re-read, nothing sent), exit 0.
4. Confirmation: ``--yes``; or, on a terminal, the person types the number of tasks that will be
   sent. Without either, or with anything else typed, nothing is sent (exit 3). No filter and no
   preset means every task: ``--yes`` alone is refused then; ``--yes --all`` or the typed count.
5. The engine runs (verified, batched, journalled); Ctrl-C or SIGTERM stops it cleanly (exit 130).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

import pandas as pd

from ..api.errors import CleanupInterrupted
from ..cleanup.journal import journal_command, journal_path_for
from ..cleanup.outcome import CleanupReport, totals_text
from ..cleanup.plan import Plan, make_plan
from ..cleanup.run import run_cleanup
from ..report.files import output_file
from ..source import default_client
from ..tasks.units import agree, count, when
from .console import CONFIRM, FAILED, INTERRUPTED, OK, Exit, LineProgress, TerminalBar, say, source_line
from .select import Selection, Wanted, select, wanted_from

__all__ = ["act", "STOP_SIGNALS"]

#: Signals that stop a run cleanly: Ctrl-C, a scheduler's SIGTERM, a closed terminal or ssh session.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def act(args: argparse.Namespace) -> int:
    """Run ``delete`` or ``retry`` as the module docstring says; returns the exit code."""
    action = args.command
    wanted = wanted_from(args)
    output = _output_path(args.output)
    if args.journal is not None:  # a journal that cannot be written is found out now, before anything is loaded
        _check_journal(args.journal)
    client = default_client(announce=False)
    try:
        say(source_line(client))
        try:
            chosen = select(wanted, client)
        except KeyboardInterrupt:
            raise Exit(INTERRUPTED, "interrupted while loading the tasks: nothing was sent.") from None
        plan = make_plan(action, chosen.rows)
        say(*_plan_lines(plan, chosen, wanted))
        if plan.to_send == 0:
            say(_nothing(plan, chosen, wanted))
            _write(output, CleanupReport(action, bool(args.dry_run), []), "sandbox" if client.is_sandbox else client.base_url)  # asked for
            return OK
        options: dict[str, Any] = {"journal": Path(args.journal) if args.journal else journal_path_for(client),
                                   "batch_size": args.batch_size}
        if args.dry_run:
            report = run_cleanup(action, client, chosen.rows, dry_run=True, progress=False, **options)
            say(f"Dry run, checked against the server: {totals_text(report.totals)}. Nothing was sent.")
            _write(output, report, "sandbox" if client.is_sandbox else client.base_url)
            return OK
        _confirm(args, plan, wanted)
        with warnings.catch_warnings(record=True) as caught:  # a journal made user-only: one line of ours, not Python's
            warnings.simplefilter("always")
            report, interrupted = _run(action, client, chosen, options)
        for warning in caught:
            print(f"ugc-nb: warning: {warning.message}", file=sys.stderr)
    finally:
        client.close()
    say(_totals_line(report), *_failures(report))
    if report.journal:
        say(f"Journal: {report.journal} ({_journal_command(report)} shows this run's tasks)")
    _write(output, report, "sandbox" if client.is_sandbox else client.base_url)
    return INTERRUPTED if interrupted else OK if report.ok else FAILED


def _nothing(plan: Plan, chosen: Selection, wanted: Wanted) -> str:
    """Why nothing will be sent, in one sentence: no task matches (and which filter emptied it), or the tasks that
    match cannot be acted on (and what they are)."""
    rule = plan.rule
    if not len(chosen.rows):
        steps = (chosen.used or wanted.filter).narrowing(chosen.loaded)
        path = "; ".join(f"{words} → {left:,}" for _, words, left in steps)
        return f"No task matches: {count(len(chosen.loaded))} loaded{'; ' + path if path else ''}. Nothing to {rule.name}."
    statuses = chosen.rows["status"].astype(str).value_counts()
    what = ", ".join(f"{n:,} {s}" for s, n in statuses.items())
    match = f"{count(len(chosen.rows))} match{'es' if len(chosen.rows) == 1 else ''}"
    return f"{match}, none can be {rule.done} ({what}; only {rule.allowed} can be). Nothing to {rule.name}."


def _plan_lines(plan: Plan, chosen: Selection, wanted: Wanted) -> list[str]:
    rule = plan.rule
    lines = [*chosen.notes, f"Chosen: {count(len(plan.ids))} — {wanted.describe()}."]
    verb = f"{rule.name} {count(plan.to_send)}" + (" (permanently)" if rule.name == "delete" else "")
    lines.append(f"Plan: {verb}.")
    for by, label in (("status", "by status"), ("type", "by type"), ("account_id", "by account")):
        counts = plan.breakdown(by)
        if len(counts):
            shown = ", ".join(f"{k} {v:,}" for k, v in counts.head(6).items())
            lines.append(f"  {label:<11} {shown}{f', … {len(counts) - 6:,} more' if len(counts) > 6 else ''}")
    if plan.oldest is not None:
        lines.append(f"  {'created':<11} {when(plan.oldest)} … {when(plan.newest)}")
    if plan.ineligible:
        statuses = chosen.rows.set_index("id").loc[list(plan.ineligible), "status"].astype(str).value_counts()
        why = ", ".join(f"{n:,} {s}" for s, n in statuses.items())
        lines.append(f"  {'skipped':<11} {count(len(plan.ineligible))}: {why} (only {rule.allowed} can be {rule.done})")
    if "reason" in chosen.rows and plan.to_send:
        sample = chosen.rows[chosen.rows["id"].isin(plan.eligible)].head(5)
        lines.append("  e.g.")
        lines += [f"    {i}  {r}" for i, r in zip(sample["id"], sample["reason"], strict=True)]
    return lines


def _confirm(args: argparse.Namespace, plan: Plan, wanted: Wanted) -> None:
    """Return when the person agreed; otherwise :class:`Exit` with code 3 (nothing sent)."""
    n, rule = plan.to_send, plan.rule
    if args.yes:
        if wanted.everything and not args.all:
            raise Exit(CONFIRM, f"no filter or preset chooses every task ({count(n)}); --yes alone will not {rule.name} them all: "
                                "add --all, or type the count on a terminal. Nothing was sent.")
        return
    if args.ids_file == "-":
        raise Exit(CONFIRM, f"confirmation needed: nothing was sent. Standard input held the ids, so the count cannot be "
                            f"typed there: add --yes to {rule.name} {agree(n, 'this', 'these')} {count(n)}, or pass the ids as a file.")
    if not sys.stdin.isatty():
        raise Exit(CONFIRM, f"confirmation needed: nothing was sent. Run it on a terminal to type the count, or add --yes "
                            f"to {rule.name} {agree(n, 'this', 'these')} {count(n)}.")
    permanent = " permanently" if rule.name == "delete" else ""
    print(f"Type {n} to {rule.name} {agree(n, 'this', 'these')} {count(n)}{permanent} (anything else cancels): ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        raise Exit(INTERRUPTED, "interrupted at the question: nothing was sent.") from None
    typed = answer.strip()
    if typed not in (str(n), f"{n:,}"):  # the number as shown, with or without its thousands separators
        shown = f"you typed {typed!r}" if typed else "nothing was typed"
        raise Exit(CONFIRM, f"cancelled ({shown}, not {n}): nothing was sent.")


def _run(action: str, client: Any, chosen: Selection, options: dict[str, Any]) -> tuple[CleanupReport, bool]:
    """The engine, with Ctrl-C/SIGTERM as its stop event; (report, interrupted)."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # each request in flight is settled before the command ends; kill -9 leaves them to reconcile
            with contextlib.suppress(OSError):
                print("Still finishing the requests in flight (kill -9 abandons them; ugc-nb reconcile settles them later)…",
                      file=sys.stderr, flush=True)
            return
        stop.set()
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print("\nStopping: requests in flight finish, nothing more is sent…", file=sys.stderr, flush=True)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    verb = {"delete": "Deleting", "retry": "Retrying"}[action]
    progress = TerminalBar(verb) if sys.stderr.isatty() else LineProgress(verb)
    try:
        report = run_cleanup(action, client, chosen.rows, stop=stop, progress=progress, **options)  # type: ignore[arg-type]
    except CleanupInterrupted as exc:
        return exc.report, True
    finally:
        if isinstance(progress, TerminalBar):
            progress.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return report, stop.is_set()


def _totals_line(report: CleanupReport) -> str:
    """``Delete: 40 tasks — 4 deleted, 36 not sent (asked to stop).``: why the unsent ones were not sent, once."""
    totals = dict(report.totals)
    unsent = totals.pop("not_sent", 0)
    if unsent:
        why = sorted({r.reason for r in report.results if r.outcome == "not_sent"})
        totals[f"not sent ({'; '.join(why)})"] = unsent
    return f"{report.action.capitalize()}: {count(len(report.results))} — {totals_text(totals)}."


def _failures(report: CleanupReport) -> list[str]:
    bad = [r for r in report.results if r.outcome in ("failed", "unknown")]
    lines = [*report.notes] + [f"  {r.outcome} {r.id}: {r.reason}" for r in bad[:10]]
    if len(bad) > 10:
        lines.append(f"  … {len(bad) - 10:,} more (--output FILE lists every task)")
    return lines


def _check_journal(name: str) -> None:
    from ..cleanup.journal import check_regular
    from ..report.files import check_writable_dir, names_folder

    if names_folder(name):
        raise ValueError(f"--journal {name} ends in /, so it names a folder; a journal is a file")
    path = Path(name)
    if path.exists() or path.is_symlink():
        check_regular(path)  # a folder, a device, a dangling link: one line
        try:
            path.open("ab").close()
        except OSError as exc:
            raise ValueError(f"--journal {path} cannot be written ({exc.strerror or exc})") from None
    else:
        check_writable_dir(path.parent, f"--journal {path}: the folder", make=False)


def _output_path(name: str | None) -> Path | None:
    if name is None:
        return None
    return output_file(name, "--output", (".csv", ".json"))  # now, not after the tasks are gone


def _write(path: Path | None, report: CleanupReport, source: str) -> None:
    if path is None:
        return
    try:
        _write_file(path, report, source)
    except OSError as exc:
        where = f"; every outcome is in the journal ({_journal_command(report)})" if report.run else ""
        raise Exit(FAILED, f"could not write the report to {path}: {exc.strerror or exc}{where}") from None
    except KeyboardInterrupt:
        where = f"; every outcome is in the journal ({_journal_command(report)})" if report.run else ""
        raise Exit(INTERRUPTED, f"interrupted while writing the report to {path}{where}") from None
    say(f"Per-task report: {path.resolve()} ({count(len(report.results))})")


def _journal_command(report: CleanupReport) -> str:
    return journal_command(report.run, report.journal)


def _write_file(path: Path, report: CleanupReport, source: str) -> None:
    frame = report.to_frame()
    path.parent.mkdir(parents=True, exist_ok=True)  # checked before the run, made now: a command that failed made none
    if "time" in frame:  # ISO 8601 in both formats, as the journal writes times
        frame["time"] = frame["time"].map(lambda t: None if pd.isna(t) else pd.Timestamp(t).isoformat())
    if path.suffix.lower() == ".json":
        doc = {"action": report.action, "dry_run": report.dry_run, "run": report.run, "source": source,
               "journal": str(report.journal) if report.journal else None, "totals": report.totals,
               "tasks": json.loads(frame.astype(object).where(frame.notna(), None).to_json(orient="records"))}
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    else:
        frame.to_csv(path, index=False)
