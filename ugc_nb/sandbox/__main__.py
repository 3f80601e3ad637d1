"""Run the sandbox as a local HTTP server: ``python -m ugc_nb.sandbox --port 8765``.

Prints one line with the URL, API key and data size, then serves until SIGINT or
SIGTERM and exits with status 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .faults import Faults
from .model import SEMANTICS, Sandbox
from .records import DATE_FIELDS


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability in [0, 1]")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="python -m ugc_nb.sandbox",
        description="Serve a local stand-in for the UGC.inc task API (synthetic data).",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    add("--port", type=_port, default=8765, help="port to bind, 0 to 65535; 0 picks a free one (default: 8765)")
    add("--tasks", type=_count, default=500, help="number of generated tasks (default: 500)")
    add("--accounts", type=_count, default=40, help="number of generated accounts (default: 40)")
    add("--seed", type=int, default=0, help="seed of the generated data (default: 0)")
    add("--api-key", default="sandbox", help="API key clients must send (default: sandbox)")
    add("--semantics", choices=SEMANTICS, default="all_or_nothing", help="delete/retry rule")
    add("--max-ids", type=_positive_int, default=None, help="most task ids per delete/retry")
    add("--date-field", choices=DATE_FIELDS, default="scheduled_time", help="field dates filter")
    add("--latency", type=_non_negative, default=0.0, help="seconds of delay per request")
    add("--latency-jitter", type=_non_negative, default=0.0, help="extra random delay, seconds")
    add("--rate-limit", type=_probability, default=0.0, help="probability of HTTP 429")
    add("--retry-after", type=_non_negative, default=1.0, help="Retry-After seconds on 429")
    add("--server-error", type=_probability, default=0.0, help="probability of HTTP 500")
    add("--server-error-empty", type=_probability, default=0.0, help="probability of empty 500")
    add("--drop", type=_probability, default=0.0, help="probability of a dropped connection")
    add("--lose-response", type=_probability, default=0.0, help="probability a reply is lost")
    add("--pending-drift", type=_probability, default=0.0, help="probability a due task starts")
    add("--fault-seed", type=int, default=0, help="seed of the fault draws (default: 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, serve until SIGINT/SIGTERM, return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    faults = Faults(
        latency=args.latency,
        latency_jitter=args.latency_jitter,
        rate_limit=args.rate_limit,
        retry_after=args.retry_after,
        server_error=args.server_error,
        server_error_empty=args.server_error_empty,
        drop=args.drop,
        lose_response=args.lose_response,
        pending_drift=args.pending_drift,
        seed=args.fault_seed,
    )
    try:
        sandbox = Sandbox(
            n_tasks=args.tasks,
            n_accounts=args.accounts,
            seed=args.seed,
            api_key=args.api_key,
            semantics=args.semantics,
            max_ids=args.max_ids,
            date_field=args.date_field,
            faults=faults,
        )
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server = sandbox.serve(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    with server:
        print(
            f"UGC sandbox serving on {server.url} (api key: {sandbox.api_key}) — "
            f"{len(sandbox.ids())} tasks, {len(sandbox.accounts)} accounts",
            flush=True,
        )
        while not stop.wait(0.5):  # short waits keep the main thread responsive to signals
            pass
    return 0


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535)")
    return int(text)


if __name__ == "__main__":
    sys.exit(main())
