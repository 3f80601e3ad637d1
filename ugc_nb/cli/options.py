"""The options of ``ugc-nb delete`` and ``ugc-nb retry``: which tasks (filters and preset) and what to do with them.

Only argparse and the API's vocabulary (:mod:`ugc_nb.api.schema`) are imported here, so ``--help`` and a usage
error load no pandas: :mod:`.select` checks the values and :mod:`.act` runs the command, both imported when it
runs. The presets' names and summaries and the age forms are written out as the help shows them, because their
homes (:mod:`ugc_nb.insight.presets`, :data:`ugc_nb.api.timeutil.AGE_FORMS`) import pandas;
``tests/test_imports.py`` checks that they are the same.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..api.schema import DELETABLE_STATUSES, RETRYABLE_STATUSES, STATUSES, TASK_TYPES

__all__ = ["add_selection_args", "add_action_args", "Once", "PRESETS", "AGE_FORMS"]

#: :data:`ugc_nb.insight.presets.PRESETS`: name → summary, in its order.
PRESETS = {
    "old-failures": "failed tasks you don't want to retry: created more than N days ago (default 7)",
    "orphaned": "tasks no longer needed: their account was removed, or its warm-up turned off",
    "stale": "scheduled tasks that never ran: due more than the grace period ago",
    "test": "cleanup after testing: tasks of accounts with a given tag (default 'test') or group",
}

#: :data:`ugc_nb.api.timeutil.AGE_FORMS`: what ``--older-than`` and ``--grace`` take.
AGE_FORMS = "a number and a unit: 7d or 7D (days), 1w (weeks), 36h (hours), 90m (minutes), 1.5d"


#: The presets each action can act on: stale picks scheduled tasks only, which retry cannot take.
ACTION_PRESETS = {"delete": list(PRESETS), "retry": [p for p in PRESETS if p != "stale"]}


def add_selection_args(parser: argparse.ArgumentParser, action: str = "delete") -> None:
    """The filters and the preset of ``delete`` or ``retry``: the statuses and presets offered are those the action can
    act on (``retry --status pending`` is a usage error, not a plan that sends nothing)."""
    group = parser.add_argument_group("which tasks (filters combine with AND; a repeated filter is OR)")
    add = group.add_argument
    statuses = [s for s in STATUSES if s in (DELETABLE_STATUSES if action == "delete" else RETRYABLE_STATUSES)]
    presets = ACTION_PRESETS[action]
    add("--status", action="append", choices=statuses, metavar="S", help=f"only this status (repeatable): {', '.join(statuses)}")
    add("--type", action="append", choices=TASK_TYPES, metavar="T", help=f"only this type (repeatable): {', '.join(TASK_TYPES)}")
    add("--account", action="append", metavar="ID", help="only this account id (repeatable)")
    add("--tag", action="append", metavar="TAG", help="only accounts with this tag (repeatable; with --preset test: the one tag "
                                                       "it picks, default test)")
    add("--older-than", action=Once, metavar="AGE", help=f"only tasks created more than AGE ago; AGE is {AGE_FORMS} "
                                            "(with --preset old-failures: its age, default 7d)")
    add("--created-after", action=Once, metavar="ISO", help="only tasks created after this time (ISO 8601; a date means its 00:00 UTC)")
    add("--created-before", action=Once, metavar="ISO", help="only tasks created before this time (ISO 8601)")
    add("--ids-file", action=Once, metavar="FILE", help="only these task ids: one a line, '-' for stdin, '#' starts a comment")
    add("--preset", action=Once, choices=presets, metavar="NAME",
        help="one of the API docs' cleanups: " + "; ".join(f"{name}: {PRESETS[name]}" for name in presets))
    add("--group", action=Once, metavar="GROUP", help="with --preset test: the org or user group it picks instead of a tag")
    if "stale" in presets:
        add("--grace", action=Once, metavar="AGE", help="with --preset stale: how late a scheduled task may be before it is overdue (default: 1h)")
    else:
        parser.set_defaults(grace=None)
    add("--all", action="store_true", help="with --yes and no filter or preset: really every task the action can take")


class Once(argparse.Action):
    """An option that takes one value: given twice is a usage error, not "the last one wins"."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: str | None = None) -> None:
        seen = namespace.__dict__.setdefault("_given_once", set())  # a default is not a first value
        if self.dest in seen:
            parser.error(f"{option} is given twice; it takes one value")
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


def add_action_args(parser: argparse.ArgumentParser) -> None:
    """What to do with the plan: ``--dry-run``, ``--yes``, ``--journal``, ``--output``, ``--batch-size``."""
    group = parser.add_argument_group("what to do")
    add = group.add_argument
    add("--dry-run", action="store_true", help="print the plan and check it against the server; send nothing")
    add("--yes", action="store_true", help="do it without asking (cron, CI); with no filter or preset also needs --all")
    add("--journal", metavar="PATH", help="journal to write (default: the per-user journal; the sandbox has its own)")
    add("--output", metavar="FILE", help="write the per-task report: FILE.csv or FILE.json")
    add("--batch-size", type=positive_int, action=Once, default=100, metavar="N", help="tasks per request (default: %(default)s)")


def positive_int(text: str) -> int:
    """A whole number above zero (``--batch-size``), checked before anything is loaded."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)
