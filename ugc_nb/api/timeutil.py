"""Small time helpers shared by the client, the frame and the sandbox.

Everything in ugc_nb is UTC. A naive ``datetime`` is taken to be UTC (the API
itself only speaks UTC); strings are parsed as ISO 8601.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TypeAlias

import pandas as pd

__all__ = ["TimeLike", "DurationLike", "to_utc", "to_timedelta", "parse_age", "AGE_FORMS", "iso_z", "utcnow", "windows"]

TimeLike: TypeAlias = str | datetime | pd.Timestamp
DurationLike: TypeAlias = str | timedelta | pd.Timedelta


def utcnow() -> pd.Timestamp:
    """The current time as a tz-aware UTC Timestamp."""
    return pd.Timestamp.now(tz="UTC")


def to_utc(value: TimeLike, name: str = "time") -> pd.Timestamp:
    """Parse ``value`` into a tz-aware UTC Timestamp, or raise ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (str, datetime, pd.Timestamp)):
        raise ValueError(f"{name} must be an ISO 8601 string or a datetime, got {type(value).__name__}: {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} is not a valid ISO 8601 time: {value!r}") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} is not a valid time: {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def to_timedelta(value: DurationLike, name: str = "duration") -> pd.Timedelta:
    """Parse ``"7D"``, ``"36h"``, a ``timedelta`` … into a non-negative Timedelta."""
    if isinstance(value, bool) or not isinstance(value, (str, timedelta, pd.Timedelta)):
        raise ValueError(f"{name} must be a string like '7D' or '12h', or a timedelta; got {value!r}")
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.\d*)?\s*", value):
        # pandas reads a bare "7" as 7 nanoseconds: every task would be "older than" that.
        raise ValueError(f"{name} needs a unit: {value!r} — write e.g. '{value.strip()}D' (days) or '{value.strip()}h' (hours)")
    try:
        td = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} is not a duration pandas understands (e.g. '7D', '12h'): {value!r}") from exc
    if pd.isna(td) or td < pd.Timedelta(0):
        raise ValueError(f"{name} must be a non-negative duration, got {value!r}")
    return td


#: The age forms the CLI accepts, as its errors name them.
AGE_FORMS = "a number and a unit: 7d or 7D (days), 1w (weeks), 36h (hours), 90m (minutes), 1.5d"
_AGE_UNITS = {"w": "W", "d": "D", "h": "h", "m": "min"}


def parse_age(text: str, name: str = "--older-than") -> pd.Timedelta:
    """``"7D"``, ``"7d"``, ``"1w"``, ``"36h"``, ``"90m"``, ``"1.5d"`` → a positive Timedelta; anything else (``"7"``,
    ``"7 days"``, ``"7 d"``, ``"-1d"``, ``"0d"``, other digits than 0-9, an age beyond pandas' range) is a ValueError
    naming the value and :data:`AGE_FORMS`."""
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([wdhmWDH])", text.strip(), flags=re.ASCII) if isinstance(text, str) else None
    shown = repr(text) if not isinstance(text, str) or len(text) <= 40 else repr(text[:40]) + "…"
    if isinstance(text, str) and re.fullmatch(r"[0-9.]+M", text.strip()):  # months, or minutes? a guess is not an age
        raise ValueError(f"{name} {shown}: M could be months or minutes; write 90m for minutes, or days (180d) for months")
    if match is None:
        raise ValueError(f"{name} {shown} is not an age; write {AGE_FORMS}")
    try:
        age = pd.Timedelta(float(match.group(1)), unit=_AGE_UNITS[match.group(2).lower()])
    except (OverflowError, ValueError):
        raise ValueError(f"{name} {shown} is too long an age (at most about 106,000 days); write {AGE_FORMS}") from None
    if age <= pd.Timedelta(0):
        raise ValueError(f"{name} {shown} is no age at all: an age is more than zero; write {AGE_FORMS}")
    return age


def iso_z(value: TimeLike | datetime) -> str:
    """Format a time as the API writes it: ``2024-12-31T12:00:00Z``, with milliseconds or
    microseconds when the time has them (nothing finer than a microsecond is kept)."""
    ts = to_utc(value)
    if ts.microsecond % 1000:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond:06d}Z"
    if ts.microsecond:
        return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def windows(start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta, overlap: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Split ``[start, end]`` into consecutive windows of ``step`` that overlap by ``overlap``.

    The overlap makes the split safe whether the server treats the bounds as
    inclusive or exclusive: a task exactly on a boundary lands in at least one
    window (and maybe two, which the caller de-duplicates).
    """
    if step <= pd.Timedelta(0):
        raise ValueError(f"window must be a positive duration, got {step}")
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    lo = start
    while True:
        hi = min(lo + step, end)
        out.append((lo if not out else lo - overlap, hi))
        if hi >= end:
            return out
        lo = hi
