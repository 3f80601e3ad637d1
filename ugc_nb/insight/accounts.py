"""Account fields joined onto tasks, so tables and plots can group by tag or platform. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ACCOUNT_COLUMNS", "join_accounts"]

#: Task-frame column ← field of the account (``POST /accounts``) it comes from.
ACCOUNT_COLUMNS: dict[str, str] = {"username": "username", "platform": "type", "tag": "tag", "org_group": "org_group"}


def _text(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else str(value)


def join_accounts(frame: pd.DataFrame, accounts: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Add ``username`` (string), ``platform``, ``tag`` and ``org_group`` (categories) after ``account_id``.

    A left join on ``account_id``: every task is kept, and tasks whose account is
    not among ``accounts`` get missing values. ``platform`` is the account's
    ``type`` ("tiktok", "instagram"). If an account id appears twice, the first
    record wins; existing columns of these names are replaced. Returns a new frame.
    """
    lookup: dict[str, dict[str, Any]] = {}
    for account in accounts:
        if isinstance(account, dict) and isinstance(account.get("id"), str):
            lookup.setdefault(account["id"], account)
    codes, uniques = pd.factorize(frame["account_id"])
    out = frame.drop(columns=[c for c in ACCOUNT_COLUMNS if c in frame.columns])
    at = out.columns.get_loc("account_id") + 1
    for offset, (column, field) in enumerate(ACCOUNT_COLUMNS.items()):
        # One value per distinct account, then a trailing None that code -1 (no account_id) picks.
        per_account = [_text(lookup.get(str(a), {}).get(field)) for a in uniques] + [None]
        values = np.array(per_account, dtype=object)[codes]
        dtype = pd.StringDtype() if column == "username" else "category"
        out.insert(at + offset, column, pd.Series(values, index=out.index, dtype=dtype))
    return out
