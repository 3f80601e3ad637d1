"""``ugc-nb summary`` (the main job: the summary and the overview figure) and ``ugc-nb report`` (the HTML report).

The handlers import what they need when they run (pandas, httpx, matplotlib, papermill): building the parser must not.
"""

from __future__ import annotations

import argparse
import os

from ..api.schema import TASK_TYPES
from .options import Once

__all__ = ["add_summary", "add_report", "FIGURE_EXTENSIONS"]

#: The figure formats ``summary -o`` writes, by the file's extension.
FIGURE_EXTENSIONS = (".png", ".svg", ".pdf")


def _summary(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ..api.timeutil import parse_age
    from ..insight import accessor as _  # noqa: F401  (df.ugc)
    from ..insight.plots import plot_overview
    from ..report.files import output_file, write_output
    from ..source import default_client, load_tasks
    from .console import say, source_line
    from .select import check_time

    out = output_file(args.output, "-o", FIGURE_EXTENSIONS)  # every option before anything is loaded
    start, end = check_time(args.start, "--start"), check_time(args.end, "--end")
    if start is not None and end is not None and start >= end:
        raise ValueError(f"--start {args.start} is not before --end {args.end}")
    if any(not a.strip() for a in args.account or ()):
        raise ValueError("--account is empty: give it an account id, or leave the option out")
    grace = parse_age(args.grace, "--grace")
    client = default_client(announce=False)
    say(source_line(client))
    df = load_tasks(
        client,
        accounts=bool(args.account),  # with the account list, a --account that names no account is an error, not 0 tasks
        account_ids=args.account or None,
        start=start,
        end=end,
        task_type=args.type,
        grace=grace,
    )
    say(str(df.ugc.summary()))
    fig = plot_overview(df)
    write_output(out, lambda path: fig.savefig(path, dpi=110), "the figure")
    say(f"\nFigure written to {out.resolve()}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from ..api.client import DEFAULT_BASE_URL, key_in_environment
    from ..api.timeutil import parse_age
    from ..report.files import output_file
    from ..report.render import render_report
    from ..source import check_environment
    from .console import say
    from .select import check_time

    if args.output is not None:  # every option before a kernel starts, with the option's own name
        output_file(args.output, "-o", (".html", ".htm"))
    start, end = check_time(args.start, "--start"), check_time(args.end, "--end")
    if start is not None and end is not None and start >= end:
        raise ValueError(f"--start {args.start} is not before --end {args.end}")
    parse_age(args.older_than, "--older-than")
    if not args.title.strip():
        raise ValueError("--title is empty: give the report a title, or leave the option out")
    if args.source == "auto":
        check_environment()
    use_api = args.source == "api" or (args.source == "auto" and key_in_environment())
    _preflight(use_api, args.account)
    where = os.environ.get("UGC_BASE_URL") or DEFAULT_BASE_URL if use_api else "the embedded sandbox"
    say(f"Running the report notebook against {where}…")
    path = render_report(
        args.output,
        source=args.source,
        account_ids=args.account or None,
        start=args.start,
        end=args.end,
        older_than=args.older_than,
        title=args.title,
    )
    say(f"Report written to {path.resolve()}")
    return 0


def _preflight(use_api: bool, account_ids: list[str] | None) -> None:
    """Before a kernel starts: the client can be made (the address, the proxies), the key is accepted (one read of the
    account list) and every ``--account`` is one the organisation has — each a one-line error (exit 2) here, not a
    failed notebook cell (exit 1) later."""
    import pandas as pd

    from ..api.client import UGCClient
    from ..insight.filters import TaskFilter
    from ..insight.known import check_known
    from ..source import shared_sandbox

    if not use_api and not account_ids:
        return
    with UGCClient() if use_api else shared_sandbox().client() as client:
        accounts = client.accounts.list()
    if account_ids:
        check_known(TaskFilter(accounts=tuple(account_ids)), pd.DataFrame({"account_id": pd.Series([], dtype=object)}), accounts)


def add_summary(sub: argparse._SubParsersAction) -> None:
    summary = sub.add_parser("summary", help="load all tasks, print a summary and write the overview figure",
                             description="Load every task, print the summary (counts by status and type, what can be deleted or "
                                         "retried, overdue, the oldest failure) and write the overview figure.")
    summary.add_argument("-o", "--output", action=Once, default="out/overview.png", help="where to write the figure: .png, .svg or .pdf (default: %(default)s)")
    summary.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    summary.add_argument("--start", action=Once, help="ISO 8601 lower bound of the server's date filter")
    summary.add_argument("--end", action=Once, help="ISO 8601 upper bound of the server's date filter")
    summary.add_argument("--type", action=Once, choices=TASK_TYPES, help="only this task type")
    summary.add_argument("--grace", action=Once, default="1h", help="how late a scheduled task may be before it is overdue (default: %(default)s)")
    summary.set_defaults(handler=_summary)


def add_report(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="write the shareable HTML report (no code, figures embedded)",
                            description="Run the report notebook on a kernel and write one self-contained HTML file: no code, "
                                        "figures embedded, nothing fetched when it opens.")
    report.add_argument("-o", "--output", action=Once, help="where to write the HTML, a .html file (default: out/ugc-report-<time>.html)")
    report.add_argument("--source", action=Once, choices=("auto", "api", "sandbox"), default="auto",
                        help="auto: the API if UGC_API_KEY is set, else the sandbox (default: %(default)s)")
    report.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    report.add_argument("--start", action=Once, help="ISO 8601 lower bound of the server's date filter")
    report.add_argument("--end", action=Once, help="ISO 8601 upper bound of the server's date filter")
    report.add_argument("--older-than", action=Once, default="7D", help="age from which failed tasks are cleanup candidates (default: %(default)s)")
    report.add_argument("--title", action=Once, default="UGC.inc task report", help="report title (not empty)")
    report.set_defaults(handler=_report)

