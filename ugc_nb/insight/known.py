"""A filter value that names nothing known is an error, not an empty result.

``--account acc_123`` misspelt in a cron line would otherwise match nothing, every night, and
say it succeeded. :func:`check_known` looks at every value a :class:`TaskFilter` names — account
ids, task types, tags, and the test preset's tag or group — and raises :class:`UnknownValueError`
(a ``ValueError``: the CLI's usage error, exit 2) for the first one that is neither in the loaded
tasks nor in the organisation's accounts, with the closest known values:
"no account acc_123 among the 1,443 tasks and 57 accounts; did you mean acc_1234x?".
A known value that matches no task (an account with no task left) is not an error: that is
"nothing matches", said as such.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.schema import TASK_TYPES

if TYPE_CHECKING:  # the presets check their own parameters with this module; filters import the presets
    from .filters import TaskFilter

__all__ = ["UnknownValueError", "check_known", "known_values", "unknown"]


class UnknownValueError(ValueError):
    """A filter value that names no account, type, tag or group known to the tasks or the account list."""


def known_values(df: pd.DataFrame, accounts: Iterable[Mapping[str, Any]] | None = None) -> dict[str, set[str]]:
    """What each filter field can name: from the frame (``account_id``, ``type``, ``tag``, ``org_group`` columns) and
    from the accounts (``id``, ``tag``, ``org_group``, ``user_group``); task types also from the API's own list."""
    known: dict[str, set[str]] = {"accounts": set(), "types": set(TASK_TYPES), "tags": set(), "groups": set(), "usernames": set()}
    for field, column in (("accounts", "account_id"), ("types", "type"), ("tags", "tag"), ("groups", "org_group")):
        if column in df:
            known[field] |= {str(v) for v in pd.unique(df[column].dropna())}
    for account in accounts or ():
        known["accounts"].add(str(account.get("id")))
        for field, keys in (("tags", ("tag",)), ("groups", ("org_group", "user_group")), ("usernames", ("username",))):
            known[field] |= {str(account[k]) for k in keys if account.get(k)}
    return known


def check_known(flt: TaskFilter, df: pd.DataFrame, accounts: Iterable[Mapping[str, Any]] | None = None) -> None:
    """Raise :class:`UnknownValueError` naming the first value of ``flt`` that names nothing in ``df`` or ``accounts``."""
    accounts = list(accounts) if accounts is not None else None
    known = known_values(df, accounts)
    parts = [f"the {len(df):,} tasks" if len(df) or accounts is None else "", f"the {len(accounts):,} accounts" if accounts is not None else ""]
    where = "among " + " and ".join(p for p in parts if p).replace("and the ", "and ")  # a load narrowed to the account has no task to count
    params = flt.preset_params if flt.preset == "test" else {}
    checks: list[tuple[str, str, Iterable[str]]] = [
        ("account", "accounts", flt.accounts), ("type", "types", flt.types), ("tag", "tags", flt.tags),
        ("tag", "tags", [params["tag"]] if params.get("tag") else []),
        ("group", "groups", [params["group"]] if params.get("group") else []),
    ]
    for label, field, values in checks:
        for value in values:
            if str(value) not in known[field]:
                raise unknown(label, str(value), where, field, known, accounts)


def unknown(label: str, value: str, where: str, field: str, known: dict[str, set[str]],
            accounts: list[Mapping[str, Any]] | None = None) -> UnknownValueError:
    """The error for ``value`` (a ``label``: account, type, tag, group) that names nothing ``where`` holds."""
    return UnknownValueError(f"no {label} {value!r} {where}{_hint(value, field, known, accounts)}")


def _hint(value: str, field: str, known: dict[str, set[str]], accounts: list[Mapping[str, Any]] | None) -> str:
    """"; did you mean …?" with the closest known values, or what there is when there are few."""
    if field == "accounts" and value in known.get("usernames", ()) and accounts is not None:  # a username where an id goes
        ids = sorted(str(a.get("id")) for a in accounts if str(a.get("username")) == value)
        return f"; {value} is the username of {', '.join(ids)} — give the account id"
    options = sorted(known[field])
    shared = len(os.path.commonprefix([value, *options])) if options else 0  # "acc_" says nothing about which account
    by_rest = {option[shared:]: option for option in options}
    close = [by_rest[rest] for rest in difflib.get_close_matches(value[shared:], list(by_rest), n=3, cutoff=0.6)]
    if close:
        return f"; did you mean {' or '.join(close)}?"
    if not known[field]:
        return f" (none has a {field.rstrip('s')})"
    if len(known[field]) <= 8:
        return f" (known: {', '.join(sorted(known[field]))})"
    return ""
