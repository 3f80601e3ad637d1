"""Row filters for a task frame: the cleanup panel's and the CLI's (``ugc-nb delete --status failed …``). Pure pandas."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..api.schema import STATUSES, TASK_TYPES
from ..tasks.units import count, duration, when
from .presets import pick

__all__ = ["TaskFilter"]


@dataclass
class TaskFilter:
    """A conjunction of filters; an empty field means "no filter on this"."""

    statuses: Collection[str] = ()
    types: Collection[str] = ()
    accounts: Collection[str] = ()
    tags: Collection[str] = ()
    min_age_days: float = 0.0
    created_from: date | None = None
    created_to: date | None = None
    search: str = ""
    created_after: pd.Timestamp | None = None  # exact instants, both strict (the CLI's --created-after/--created-before)
    created_before: pd.Timestamp | None = None
    ids: Collection[str] = ()
    preset: str | None = None  # one of ugc_nb.presets.names(), on top of the other filters
    preset_params: Mapping[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """True when no filter is set (every row passes)."""
        return not (self.statuses or self.types or self.accounts or self.tags or self.min_age_days
                    or self.created_from or self.created_to or self.search.strip()
                    or self.created_after is not None or self.created_before is not None or self.ids
                    or self.preset is not None)

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        """The active filters in words, e.g. "status failed · age ≥ 7 d · search 'nate'" ("no filters" when none);
        accounts as "username (acc_…)" where ``names`` (account id → username) has them."""
        parts = []
        if self.preset is not None:
            shown = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in self.preset_params.items() if k != "accounts")
            parts.append(f"preset {self.preset}" + (f" ({shown})" if shown else ""))
        accounts = [f"{names[a]} ({a})" if names and names.get(a) else a for a in self.accounts]
        for label, values in (("status", self.statuses), ("type", self.types), ("account", accounts), ("tag", self.tags)):
            if values:
                shown = ", ".join(f"(no {label})" if v is None else str(v) for v in list(values)[:3]) + (
                    f" +{len(values) - 3}" if len(values) > 3 else "")
                parts.append(f"{label} {shown}")
        if self.min_age_days:
            parts.append(f"age ≥ {self.min_age_days:g} d" if self.min_age_days >= 1 else f"age ≥ {duration(pd.Timedelta(days=self.min_age_days))}")
        if self.created_from or self.created_to:
            parts.append(f"created {self.created_from or '…'} to {self.created_to or '…'}")
        for label, bound in (("after", self.created_after), ("before", self.created_before)):
            if bound is not None:
                parts.append(f"created {label} {when(bound)}")
        if self.ids:
            parts.append(count(len(self.ids), "listed id"))
        if self.search.strip():
            parts.append(f"search '{self.search.strip()}'")
        return " · ".join(parts) or "no filters"

    def narrowing(self, df: pd.DataFrame, names: Mapping[str, str] | None = None) -> list[tuple[str, str, int]]:
        """How each active filter narrows ``df``, applied one after another in the order :meth:`describe` names them:
        ``(field, the filter in words, rows left)``. Says which filter emptied a selection ("status failed → 58;
        account acc_9 → 0"); ``field`` is the :class:`TaskFilter` field to clear to undo it."""
        steps, so_far = [], TaskFilter()
        groups: list[tuple[str, dict[str, Any]]] = [
                  ("preset", {"preset": self.preset, "preset_params": self.preset_params}), ("statuses", {"statuses": self.statuses}),
                  ("types", {"types": self.types}), ("accounts", {"accounts": self.accounts}), ("tags", {"tags": self.tags}),
                  ("min_age_days", {"min_age_days": self.min_age_days}),
                  ("created", {"created_from": self.created_from, "created_to": self.created_to,
                               "created_after": self.created_after, "created_before": self.created_before}),
                  ("ids", {"ids": self.ids}), ("search", {"search": self.search})]
        for name, values in groups:
            one = replace(TaskFilter(), **values)
            if one.is_empty():
                continue
            so_far = replace(so_far, **values)
            steps.append((name, one.describe(names), int(so_far.mask(df).sum())))
        return steps

    def mask(self, df: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows that pass every filter (the preset's too)."""
        keep = self._plain_mask(df)
        if self.preset is not None:
            keep &= df["id"].isin(pick(self.preset, df[keep], **self.preset_params)["id"]).to_numpy(dtype=bool)
        return keep

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``df`` that pass; with a preset, the rows it picks of those, oldest first, with its ``reason`` column."""
        rows = df[self._plain_mask(df)]
        if self.preset is None:
            return rows
        return pick(self.preset, rows, **self.preset_params)

    def _plain_mask(self, df: pd.DataFrame) -> np.ndarray:
        keep = np.ones(len(df), dtype=bool)
        for column, wanted in (("status", self.statuses), ("type", self.types), ("account_id", self.accounts), ("tag", self.tags)):
            if wanted:
                if column not in df:
                    raise ValueError(f"cannot filter on {column}: the frame has no {column!r} column (load_tasks(accounts=True) adds tag)")
                _check_vocabulary(column, wanted, df[column])
                keep &= _isin(df[column], list(wanted))
        if self.min_age_days:
            keep &= (df["age"] >= pd.Timedelta(days=self.min_age_days)).to_numpy(dtype=bool, na_value=False)
        created = df["created_at"]
        if self.created_from is not None:
            keep &= (created >= pd.Timestamp(self.created_from, tz="UTC")).to_numpy(dtype=bool, na_value=False)
        if self.created_to is not None:
            end = pd.Timestamp(self.created_to, tz="UTC") + pd.Timedelta(days=1)  # the whole last day
            keep &= (created < end).to_numpy(dtype=bool, na_value=False)
        if self.created_after is not None:
            keep &= (created > self.created_after).to_numpy(dtype=bool, na_value=False)
        if self.created_before is not None:
            keep &= (created < self.created_before).to_numpy(dtype=bool, na_value=False)
        if self.ids:
            keep &= df["id"].isin(list(self.ids)).to_numpy(dtype=bool)
        text = self.search.strip()
        if text:
            hit = df["id"].str.contains(text, case=False, regex=False).to_numpy(dtype=bool, na_value=False)
            hit |= df["account_id"].astype(str).str.contains(text, case=False, regex=False).to_numpy(dtype=bool)
            if "username" in df:
                hit |= df["username"].astype(str).str.contains(text, case=False, regex=False).to_numpy(dtype=bool)
            keep &= hit
        return keep


def _isin(column: pd.Series, wanted: list[Any]) -> np.ndarray:
    """``column.isin(wanted)`` as a numpy mask; on a categorical, decided once per category and read off the codes
    (a missing value matches when ``wanted`` holds one, as with ``isin``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        per_code = np.append(column.cat.categories.isin(wanted), any(pd.isna(w) for w in wanted))  # code -1 is the last
        return per_code[column.cat.codes.to_numpy()]
    return column.isin(wanted).to_numpy(dtype=bool)


def _check_vocabulary(column: str, wanted: Collection[str], values: pd.Series) -> None:
    """A status or type that is neither the API's nor in the frame is a typo: a ValueError naming it, not an empty result.
    (Accounts and tags need the account list to tell a typo from an account with no task: :mod:`.known` checks them.)"""
    if column not in ("status", "type"):
        return
    vocabulary = set(STATUSES if column == "status" else TASK_TYPES)
    unknown = [w for w in wanted if w not in vocabulary]
    if unknown:
        present = set(values.dropna().astype(str).unique()) if len(values) else set()
        unknown = [w for w in unknown if w not in present]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), sorted(vocabulary), n=1)
        hint = f"; did you mean {close[0]}?" if close else f" (known: {', '.join(sorted(vocabulary))})"
        raise ValueError(f"no {column} {unknown[0]!r}{hint}")
