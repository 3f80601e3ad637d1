"""The ``ugc-nb`` command (also ``python -m ugc_nb``): summary, report, delete, retry, journal, reconcile.

Uses the real API when ``UGC_API_KEY`` is set (``UGC_BASE_URL`` to point elsewhere), the
embedded sandbox otherwise, and says which first. Every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

from ..api.errors import AuthenticationError, CleanupError, UGCError
from .console import EXIT_CODES, FAILED, INTERRUPTED, OK, USAGE, Exit
from .journal import add_journal, add_reconcile
from .options import add_action_args, add_selection_args
from .views import add_report, add_summary

__all__ = ["main", "build_parser"]

#: What ``ugc-nb --help`` says first (plain text: the help shows it as it is).
DESCRIPTION = """Understand and clean up a UGC.inc task queue: summary, report, delete, retry, journal, reconcile.

Uses the real API when UGC_API_KEY is set (UGC_BASE_URL to point elsewhere), the embedded sandbox
otherwise, and says which first. Every error is one line on stderr."""

EPILOG = "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())

EXAMPLES = {
    "delete": "examples:\n  ugc-nb delete --preset old-failures --dry-run\n  ugc-nb delete --status failed --older-than 14d --yes"
              "\n  ugc-nb delete --ids-file ids.txt --output out/deleted.csv",
    "retry": "examples:\n  ugc-nb retry --status failed --type edit_profile --dry-run\n  ugc-nb retry --account acc_123 --yes",
}


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line on stderr (exit 2) that says where the help is; an option must be
    spelt out (``--statu`` is not taken for ``--status``: a cleanup never runs on a guess)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class Version(argparse.Action):
    """``--version``, as argparse's own, with the version read when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings: list[str], dest: str) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help="show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None) -> None:
        from .._version import __version__

        print(f"ugc-nb {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The whole command line. Builds from argparse and the API's vocabulary alone: no pandas, httpx or matplotlib,
    so ``--help`` and usage errors are quick; each command imports what it needs when it runs (see :func:`_act`)."""
    parser = Parser(prog="ugc-nb", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=Version)
    parser.add_argument("--debug", action="store_true", help="on an unexpected error, show its traceback (to report it)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_summary(sub)
    add_report(sub)
    for action, text in (("delete", "delete tasks permanently (scheduled or failed), after showing the plan and asking"),
                         ("retry", "re-queue failed tasks, after showing the plan and asking")):
        command = sub.add_parser(action, help=text, description=f"{text[0].upper()}{text[1:]}.",
                                 epilog=f"{EXAMPLES[action]}\n\n{EPILOG}", formatter_class=argparse.RawDescriptionHelpFormatter)
        add_selection_args(command, action)
        add_action_args(command)
        command.set_defaults(handler=_act)
    add_journal(sub)
    add_reconcile(sub)
    return parser


def _act(args: argparse.Namespace) -> int:
    """``delete`` and ``retry``: :func:`.act.act`, imported now (it needs pandas, httpx and the cleanup engine)."""
    from .act import act

    return act(args)


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns its exit code (argparse's own usage errors exit 2 too)."""
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show "—" gets "?", not an error
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    args = parse(build_parser(), sys.argv[1:] if argv is None else list(argv))
    if args is None:
        return USAGE
    previous = {s: signal.signal(s, _terminate) for s in (signal.SIGTERM, signal.SIGHUP)} if _main_thread() else {}
    try:
        return int(args.handler(args))
    except Exit as done:
        if done.message:
            print(f"ugc-nb: {done.message}", file=sys.stderr)
        return done.code
    except CleanupError as exc:  # a run stopped (the journal is written); the report so far, then the error
        if exc.report is not None:
            print(exc.report)
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return FAILED
    except AuthenticationError as exc:
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return USAGE
    except UGCError as exc:
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return USAGE if isinstance(exc, ValueError) else FAILED
    except ValueError as exc:
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print("ugc-nb: interrupted", file=sys.stderr)
        return INTERRUPTED
    except ImportError as exc:  # an optional part whose extra is not installed: the message names it
        print(f"ugc-nb: error: {exc}", file=sys.stderr)
        return USAGE
    except BrokenPipeError:  # a print outside say() found the reader gone (`| head`): nothing more to show
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so that the interpreter's own flush at exit is quiet
        return OK
    except OSError as exc:  # a file that could not be read or written: what and where, in one line
        with contextlib.suppress(OSError, ValueError):
            print(f"ugc-nb: error: {_os_error(exc)}", file=sys.stderr)
        return FAILED
    except Exception as exc:  # noqa: BLE001 - the one guard: anything unexpected is one line, the traceback on --debug
        if args.debug:
            raise
        print(f"ugc-nb: error: unexpected {type(exc).__name__}: {exc} (run again with --debug to see where)", file=sys.stderr)
        return FAILED
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


#: Options that take an age (a negative one looks like an option to argparse).
AGE_OPTIONS = ("--older-than", "--grace")


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | None:
    """``argv`` parsed; None after printing the command list (no arguments at all). A usage error names the
    subcommand's own help, with the closest option for a misspelt one; a negative age says what is wrong."""
    if not argv:
        parser.print_help()
        return None
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    named = next((commands[a] for a in argv if a in commands), parser)
    for option, value in zip(argv, argv[1:], strict=False):
        if option in AGE_OPTIONS and re.fullmatch(r"-[0-9.].*", value):
            named.error(f"{option} {value}: an age is more than zero; write e.g. {option} {value[1:]}")
    args, extras = parser.parse_known_args(argv)
    if extras:  # an unknown option before the command is the top level's (--deb for --debug), after it the command's
        before = argv.index(args.command) if args.command in argv else len(argv)
        command = parser if extras[0] in argv[:before] else commands[args.command]
        known = [o for action in command._actions for o in action.option_strings]
        close = difflib.get_close_matches(extras[0].split("=")[0], known, n=1) if extras[0].startswith("-") else []
        hint = f"; did you mean {close[0]}?" if close else ""
        command.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
    return args


def _os_error(exc: OSError) -> str:
    """"No space left on device: out/x.csv" — an OSError's own words and the file, without Python's "[Errno 28]"."""
    if type(exc).__name__ == "OutputError" or exc.strerror is None:
        return str(exc)
    where = f": {exc.filename}" if exc.filename else " (writing the command's output)"  # no file named: stdout or stderr
    return f"{exc.strerror}{where}"


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM (a scheduler stopping the job) and SIGHUP (a closed terminal) are handled as Ctrl-C: a clean stop, exit 130."""
    raise KeyboardInterrupt


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
