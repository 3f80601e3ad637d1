"""What every command prints the same way: exit codes, the source line, counts and times in human units, progress lines."""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..api.client import UGCClient

__all__ = ["OK", "FAILED", "USAGE", "CONFIRM", "INTERRUPTED", "EXIT_CODES", "Exit", "say", "warn", "source_line",
           "LineProgress", "TerminalBar"]

OK, FAILED, USAGE, CONFIRM, INTERRUPTED = 0, 1, 2, 3, 130

#: Exit codes, as ``--help`` and the README list them.
EXIT_CODES = {
    OK: "done: every task has an outcome and none failed (a dry run, or nothing to do, too)",
    FAILED: "some task failed or is unknown, or the server could not be read",
    USAGE: "bad usage or input (an option, a file, the API key); nothing was sent",
    CONFIRM: "confirmation needed or refused; nothing was sent",
    INTERRUPTED: "interrupted (Ctrl-C, SIGTERM, SIGHUP): requests in flight finished, nothing more was sent",
}


class Exit(Exception):  # noqa: N818 - it is an exit, not an error
    """End the command with ``code``, printing ``message`` (one line, stderr) if given."""

    def __init__(self, code: int, message: str = "") -> None:
        super().__init__(message)
        self.code, self.message = code, message


def say(*lines: str) -> None:
    """Lines for the person, on stdout. When its reader has gone (``| head``) the lines go nowhere and the command goes
    on: a closed pipe never cuts a run, or the files it writes, short."""
    for line in lines:
        try:
            print(line, flush=True)
        except BrokenPipeError:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the rest of the command's lines, and the exit's flush


def warn(message: str) -> None:
    """One line on stderr, marked as a warning."""
    print(f"ugc-nb: warning: {message}", file=sys.stderr, flush=True)


def source_line(client: UGCClient) -> str:
    """Where the data comes from, said first by every command: :func:`ugc_nb.source.notice`, and for the in-process
    sandbox that it starts afresh in each command."""
    from ..source import notice

    if client.is_sandbox:
        return f"{notice(client)} It starts afresh in each command, so changes last for this command only."
    return notice(client)


class LineProgress:
    """Progress as plain lines on stderr (for cron and pipes): at most one per 10 % or per 5 s, and the last."""

    def __init__(self, verb: str, *, every: float = 5.0) -> None:
        self.verb, self.every = verb, every
        self._last_time, self._last_step = time.monotonic(), -1

    def __call__(self, done: int, total: int, failed: int) -> None:
        step = done * 10 // max(total, 1)
        now = time.monotonic()
        if done == total or step > self._last_step or now - self._last_time >= self.every:
            self._last_time, self._last_step = now, step
            print(f"{self.verb}: {done:,} / {total:,} done · {failed:,} failed", file=sys.stderr, flush=True)


class TerminalBar:
    """A tqdm bar on the terminal (stderr) with the failures so far; 80x24 where the terminal reports no size
    (tqdm draws nothing on a 0x0 terminal, such as a bare pseudo-terminal)."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.bar: Any = None

    def __call__(self, done: int, total: int, failed: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            size = shutil.get_terminal_size()
            self.bar = tqdm(total=total, desc=self.verb, unit="task", file=sys.stderr,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} tasks [{elapsed}<{remaining}{postfix}]",
                            ncols=size.columns if size.columns > 0 else 80, nrows=size.lines if size.lines > 0 else 24)
        self.bar.set_postfix_str(f"{failed:,} failed", refresh=False)  # bar_format puts it after ", "
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
