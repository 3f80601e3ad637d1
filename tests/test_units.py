"""Human units: every duration, time, count and share a person reads comes from ugc_nb.tasks.units."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from ugc_nb.tasks.units import count, days, duration, readable, share, when


@pytest.mark.parametrize("value, text", [
    (pd.Timedelta(seconds=45), "45 s"), (pd.Timedelta(minutes=58), "58 min"), (pd.Timedelta(hours=3, minutes=10), "3 h 10 min"),
    (pd.Timedelta(hours=5), "5 h"), (pd.Timedelta(days=22, hours=5), "22.2 d"), (timedelta(days=1500), "1,500.0 d"),
    (pd.Timedelta(minutes=-30), "-30 min"), (pd.NaT, "—"), (None, "—"), (90.0, "2 min"),
])
def test_duration_reads_as_a_person_says_it(value, text):
    """Seconds, minutes, hours with minutes, then days with one decimal; never '0 days 00:58:00'."""
    assert duration(value) == text


def test_days_when_count_share():
    """Ages in days, UTC minutes, thousands separators, shares with the counts behind them."""
    assert days(pd.Timedelta(hours=12)) == "0.5 d" and days(pd.NaT) == "—"
    assert when(pd.Timestamp("2026-11-29T10:47:31.123456Z")) == "2026-11-29 10:47 UTC"
    assert when(datetime(2026, 11, 29, 11, 47, tzinfo=timezone(timedelta(hours=1)))) == "2026-11-29 10:47 UTC"
    assert when(pd.NaT) == "—" and when(None) == "—"
    assert count(1) == "1 task" and count(1443) == "1,443 tasks" and count(2, "account") == "2 accounts"
    assert share(11, 41) == "27 % (11 / 41)" and share(0, 0) == "— (0 / 0)"


def test_readable_formats_a_copy_and_leaves_the_frame_typed():
    """readable() turns each column into its human text; the frame passed in keeps its dtypes."""
    frame = pd.DataFrame({
        "age": pd.to_timedelta(["58min", "22D 5h", None]),
        "created": pd.to_datetime(["2026-11-29T10:47:00Z", "2026-11-01T00:00:00Z", None], utc=True),
        "n": np.array([1443, 2, 0]), "rate": [0.2727, 1234.5, np.nan], "who": ["nate", None, "lena"],
    })
    shown = readable(frame)
    assert shown.iloc[0].tolist() == ["58 min", "2026-11-29 10:47 UTC", "1,443", "0.273", "nate"]
    assert shown.iloc[1].tolist() == ["22.2 d", "2026-11-01 00:00 UTC", "2", "1,234", "—"]
    assert shown.iloc[2].tolist() == ["—", "—", "0", "—", "lena"]
    assert frame["age"].dtype.kind == "m" and frame["created"].dtype.kind == "M"
