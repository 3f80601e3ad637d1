"""Which tasks a ``delete``/``retry`` command means: its filters and preset (the options are declared in
:mod:`.options`), checked before anything is read.

Every option is validated first (a bad age, time, id file or output name is a one-line error and
nothing is read or sent); then the tasks are loaded, the accounts listed (for usernames, tags and
the ``orphaned`` preset), and the filters and the preset applied, in that order.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..api.client import UGCClient, check_ids
from ..api.errors import APIError
from ..api.timeutil import parse_age, to_utc
from ..insight import presets
from ..insight.accounts import join_accounts
from ..insight.filters import TaskFilter
from ..insight.known import check_known
from ..tasks.frame import tasks_frame
from ..tasks.units import agree, count
from .console import warn

__all__ = ["Selection", "Wanted", "wanted_from", "select", "check_time"]


#: The start of an ISO 8601 date or time (not "now", "today" or other words pandas would take).
ISO_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Wanted:
    """The options, validated: what to keep, which preset, whether that is "everything"."""

    filter: TaskFilter  # the preset too
    grace: pd.Timedelta = pd.Timedelta(hours=1)
    everything: bool = False  # no filter and no preset

    def describe(self) -> str:
        return "no filter or preset: every task" if self.filter.is_empty() else self.filter.describe()


def wanted_from(args: argparse.Namespace) -> Wanted:
    """The validated options (a ValueError — exit 2 — for anything wrong); reads ``--ids-file``."""
    for option in ("older_than", "created_after", "created_before", "ids_file", "tag", "group", "grace", "account", "journal", "output"):
        given = getattr(args, option)
        for value in given if isinstance(given, list) else [given]:
            if value is not None and not value.strip():  # an unset shell variable must not widen the selection
                raise ValueError(f"--{option.replace('_', '-')} is empty: give it a value, or leave the option out")
            if value is not None and option in ("account", "tag", "group") and value != value.strip():
                raise ValueError(f"--{option} {value!r} has spaces around it; no {option} has")
    age = parse_age(args.older_than) if args.older_than is not None else None
    after = check_time(args.created_after, "--created-after")
    before = check_time(args.created_before, "--created-before")
    if after is not None and before is not None and after >= before:
        raise ValueError(f"--created-after {args.created_after} is not before --created-before {args.created_before}")
    ids = read_ids(args.ids_file) if args.ids_file is not None else ()
    if args.group is not None and args.preset != "test":
        raise ValueError("--group goes with --preset test (it picks that org or user group's accounts)")
    if args.preset == "test" and (args.group is not None and args.tag or len(args.tag or ()) > 1):
        raise ValueError("--preset test picks one tag or one group: give one --tag or --group, not several")
    if args.grace is not None and args.preset != "stale":
        raise ValueError("--grace goes with --preset stale (it sets how late a scheduled task may be)")
    if args.account is not None:
        check_ids(args.account, "--account")
    tags = tuple(args.tag or ())
    days = age / pd.Timedelta(days=1) if args.preset == "old-failures" and age is not None else None
    params = presets.parameters(args.preset, days=days, tag=tags[0] if tags else None, group=args.group)
    if days is not None:
        age = None  # the preset's own age, said in its reasons
    if args.preset == "test":
        tags = ()
    once = lambda values: tuple(dict.fromkeys(values or ()))  # noqa: E731 - "--status failed --status failed" is one status
    chosen = TaskFilter(statuses=once(args.status), types=once(args.type), accounts=once(args.account), tags=once(tags),
                        min_age_days=age / pd.Timedelta(days=1) if age is not None else 0.0,
                        created_after=after, created_before=before, ids=ids, preset=args.preset, preset_params=params)
    if args.all and not chosen.is_empty():
        raise ValueError("--all means every task; it cannot be combined with a filter or a preset")
    grace = parse_age(args.grace, "--grace") if args.grace is not None else pd.Timedelta(hours=1)
    return Wanted(chosen, grace, chosen.is_empty())


def check_time(value: str | None, option: str) -> pd.Timestamp | None:
    """An option's ISO 8601 time (a bare date is its 00:00 UTC), the one rule of every command; words like ``now`` that
    pandas would take are refused. None stays None."""
    if value is None:
        return None
    if not ISO_START.match(value.strip()):
        raise ValueError(f"{option} {value!r} is not an ISO 8601 time; write e.g. 2026-11-01 or 2026-11-01T12:00Z")
    return to_utc(value, option)


def read_ids(name: str) -> tuple[str, ...]:
    """Task ids from a file (or ``-``, stdin): one a line; blank lines and ``#`` comments are skipped."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read --ids-file {name}: {exc}") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark (stdin is not decoded with utf-8-sig)
    ids = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    ids = [i for i in ids if i]
    if not ids:
        raise ValueError(f"--ids-file {name} lists no task id")
    bad = next((i for i in ids if any(c.isspace() for c in i) or "," in i), None)
    if bad is not None:
        raise ValueError(f"--ids-file {name}: {bad!r} is not one task id (one id a line, nothing else on it)")
    hidden = next((i for i in ids if not i.isprintable()), None)
    if hidden is not None:
        char = next(c for c in hidden if not c.isprintable())
        raise ValueError(f"--ids-file {name}: {hidden!r} holds an invisible character (U+{ord(char):04X}); no task id has one")
    return tuple(check_ids(ids, f"--ids-file {name}"))


@dataclass
class Selection:
    """The rows chosen, the frame they came from, and what the person should know about them."""

    rows: pd.DataFrame
    loaded: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    used: TaskFilter | None = None  # the filter as applied (the preset's account list added)


def select(wanted: Wanted, client: UGCClient) -> Selection:
    """Load the tasks (narrowed on the server where that is safe), list the accounts, apply the filters and the preset."""
    f = wanted.filter
    narrow: dict[str, Any] = {}
    if f.accounts:
        narrow["account_ids"] = list(f.accounts)
    if len(f.types) == 1:
        narrow["task_type"] = next(iter(f.types))  # still filtered here: a server that ignores it changes nothing
    frame = tasks_frame(client.tasks.list_raw(**narrow), grace=wanted.grace)
    notes = [f"Loaded {count(len(frame))} of {count(frame['account_id'].nunique(), 'account')} from the server."]
    outside = sorted(set(frame["account_id"].astype(str)) - set(f.accounts)) if f.accounts else []
    if outside:
        notes.append(f"The server also sent tasks of {count(len(outside), 'other account')} (it ignored the account filter); "
                     "they are left out here.")
    needs_accounts = f.preset in ("orphaned", "test") or bool(f.tags)
    try:
        accounts = client.accounts.list()
    except APIError as exc:
        if needs_accounts:
            raise APIError(f"the account list is needed ({wanted.describe()}) but could not be read: {exc}") from exc
        warn(f"the account list could not be read ({exc}); accounts are shown by id")
        accounts = None
    check_known(f, frame, accounts)  # a misspelt account, type, tag or group is an error, not "nothing to do" forever
    if accounts is not None:
        frame = join_accounts(frame, accounts)
    if f.preset in ("orphaned", "test") and accounts is not None:
        f = replace(f, preset_params={**f.preset_params, "accounts": accounts})
    rows = f.apply(frame)
    if f.ids:
        missing = sorted(set(f.ids) - set(frame["id"]))
        if missing:
            notes.append(f"{count(len(missing))} of --ids-file {agree(len(missing), 'is', 'are')} not among the tasks the server lists (already gone?) "
                         f"and will not be sent: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    return Selection(rows, frame, notes, f)

