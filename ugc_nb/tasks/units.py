"""Numbers as a person reads them — the one home for it: "1,443 tasks", "22.2 d", "3 h 10 min", "2026-11-29 10:47 UTC",
"27 % (11 / 41)".

Frames returned to code keep their real dtypes; these are applied only where something is shown
(:func:`readable` does a whole frame for display).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from .frame import profile_edits

__all__ = ["count", "agree", "duration", "days", "day", "when", "share", "readable"]

#: What a missing value reads as.
MISSING = "—"


def count(n: int, noun: str = "task", plural: str | None = None) -> str:
    """``1 task``, ``1,443 tasks``, ``2 accounts`` (``plural`` for irregular nouns)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def agree(n: int, one: str, many: str) -> str:
    """The verb (or words) that agree with ``n``: ``agree(1, "is", "are")`` → "is" ("1 task is", "2 tasks are")."""
    return one if n == 1 else many


def _seconds(value: Any) -> float | None:
    if value is None or (not isinstance(value, (timedelta, pd.Timedelta)) and pd.isna(value)):
        return None
    if isinstance(value, (timedelta, pd.Timedelta)):
        if pd.isna(value):
            return None
        return pd.Timedelta(value).total_seconds()
    return float(value)


def duration(value: timedelta | pd.Timedelta | float | None) -> str:
    """A duration (or a number of seconds): ``45 s``, ``58 min``, ``3 h 10 min``, ``22.2 d``; ``—`` when missing."""
    seconds = _seconds(value)
    if seconds is None or math.isnan(seconds):
        return MISSING
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds:.0f} s"
    if seconds < 3600:
        return f"{sign}{seconds / 60:.0f} min"
    if seconds < 86400:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{sign}{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{sign}{seconds / 86400:,.1f} d"


def days(value: timedelta | pd.Timedelta | None) -> str:
    """An age in days, as the tables show ages: ``22.2 d`` (``0.0 d`` for a fresh task); ``—`` when missing."""
    seconds = _seconds(value)
    return MISSING if seconds is None else f"{seconds / 86400:,.1f} d"


def when(value: datetime | pd.Timestamp | str | None) -> str:
    """``2026-11-29 10:47 UTC`` (any time zone is converted to UTC; a naive time is taken as UTC); ``—`` when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return f"{ts:%Y-%m-%d %H:%M} UTC"


def day(value: datetime | pd.Timestamp | str | None) -> str:
    """``1 Nov 2026`` (UTC), with the time when it is not midnight (``1 Nov 2026 12:00 UTC``); ``—`` when missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return f"{ts.day} {ts:%b %Y}" + ("" if ts == ts.normalize() else f" {ts:%H:%M} UTC")


def share(part: int, whole: int) -> str:
    """``27 % (11 / 41)``; ``— (0 / 0)`` when there is nothing to divide."""
    if not whole:
        return f"{MISSING} ({part:,} / {whole:,})"
    return f"{100 * part / whole:.0f} % ({part:,} / {whole:,})"


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for display: durations as :func:`duration`, times as :func:`when`, whole numbers with
    thousands separators, floats to 3 significant digits (whole from 100 on), missing values as ``—``; index and columns unchanged."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        kind = column.dtype.kind
        if kind == "m":
            out[name] = column.map(duration).astype(object)
        elif kind == "M":
            out[name] = column.map(when).astype(object)
        elif kind in "iu":
            out[name] = column.map(lambda v: f"{v:,}").astype(object)
        elif kind == "f":
            out[name] = column.map(_float).astype(object)
        elif name == "edit_profile_info":  # the profile change as the server set it, whatever the column holds
            out[name] = profile_edits(column).where(column.notna(), MISSING)
        elif kind == "O" or isinstance(column.dtype, (pd.CategoricalDtype, pd.StringDtype)):
            out[name] = column.astype(object).where(column.notna(), MISSING)
    return out


def _float(value: float) -> str:
    if pd.isna(value):
        return MISSING
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
