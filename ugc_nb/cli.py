"""Command line: ``ugc-nb summary`` (also ``python -m ugc_nb summary``).

Uses the real API when ``UGC_API_KEY`` is set (``UGC_BASE_URL`` to point
elsewhere), the embedded sandbox otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import UGCError
from .schema import TASK_TYPES

__all__ = ["main"]


def _summary(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from . import accessor as _  # noqa: F401  (df.ugc)
    from .load import load_tasks
    from .plots import plot_summary

    df = load_tasks(
        account_ids=args.account or None,
        start=args.start,
        end=args.end,
        task_type=args.type,
        grace=args.grace,
    )
    print(f"Source: {df.attrs['source']}")
    print(df.ugc.summary())
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig = plot_summary(df)
    fig.savefig(out, dpi=110)
    print(f"\nFigure written to {out.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ugc-nb", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    summary = sub.add_parser("summary", help="load all tasks, print a summary and write a status/age figure")
    summary.add_argument("-o", "--output", default="out/overview.png", help="where to write the figure (default: %(default)s)")
    summary.add_argument("--account", action="append", metavar="ID", help="only this account (repeatable)")
    summary.add_argument("--start", help="ISO 8601 lower bound of the server's date filter")
    summary.add_argument("--end", help="ISO 8601 upper bound of the server's date filter")
    summary.add_argument("--type", choices=TASK_TYPES, help="only this task type")
    summary.add_argument("--grace", default="1h", help="how late a scheduled task may be before it is overdue (default: %(default)s)")
    summary.set_defaults(run=_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (UGCError, ValueError) as exc:
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
