"""Time helpers: UTC parsing, ISO formatting, duration parsing and window splitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from ugc_nb.api.retry import parse_retry_after
from ugc_nb.api.timeutil import iso_z, to_timedelta, to_utc, windows

T = pd.Timestamp


def test_to_utc_accepts_strings_and_datetimes():
    """Strings, naive (taken as UTC) and aware datetimes all become the same UTC Timestamp."""
    expected = T("2024-01-01T00:00:00Z")
    assert to_utc("2024-01-01T00:00:00Z") == expected
    assert to_utc("2024-01-01T01:00:00+01:00") == expected
    assert to_utc(datetime(2024, 1, 1)) == expected
    assert to_utc(datetime(2024, 1, 1, tzinfo=UTC)) == expected


@pytest.mark.parametrize("bad", ["yesterday", "", 17, None, True])
def test_to_utc_rejects_bad_values_naming_the_field(bad):
    """A bad time raises ValueError that names the parameter."""
    with pytest.raises(ValueError, match="start"):
        to_utc(bad, "start")


def test_iso_z_formats_like_the_api():
    """Whole seconds print as ...Z; milliseconds are kept."""
    assert iso_z("2024-12-31T12:00:00+00:00") == "2024-12-31T12:00:00Z"
    assert iso_z("2024-01-15T10:30:00.250Z") == "2024-01-15T10:30:00.250Z"


def test_to_timedelta():
    """'7D', '12h' and timedelta parse; negative or nonsense raise."""
    assert to_timedelta("7D") == pd.Timedelta(days=7)
    assert to_timedelta(timedelta(hours=12)) == pd.Timedelta(hours=12)
    for bad in ("-1D", "soon", 5):
        with pytest.raises(ValueError):
            to_timedelta(bad)


@pytest.mark.parametrize("bare", ["7", "30", " 2.5 "])
def test_bare_numbers_need_a_unit(bare):
    """'7' is not silently 7 nanoseconds: the error asks for a unit and suggests one."""
    with pytest.raises(ValueError, match=r"needs a unit.*D' \(days\)"):
        to_timedelta(bare, "older_than")


def test_windows_cover_the_range_with_overlap():
    """Windows tile [start, end], each later window starting `overlap` before the previous end."""
    ws = windows(T("2024-01-01", tz="UTC"), T("2024-01-03 12:00", tz="UTC"), pd.Timedelta("1D"), pd.Timedelta("1s"))
    assert ws == [
        (T("2024-01-01", tz="UTC"), T("2024-01-02", tz="UTC")),
        (T("2024-01-01 23:59:59", tz="UTC"), T("2024-01-03", tz="UTC")),
        (T("2024-01-02 23:59:59", tz="UTC"), T("2024-01-03 12:00", tz="UTC")),
    ]
    one = windows(T("2024-01-01", tz="UTC"), T("2024-01-01", tz="UTC"), pd.Timedelta("1D"), pd.Timedelta("1s"))
    assert one == [(T("2024-01-01", tz="UTC"), T("2024-01-01", tz="UTC"))]


def test_parse_retry_after_seconds_and_http_date():
    """Retry-After as seconds or as an HTTP date gives seconds to wait; junk gives None."""
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Mon, 01 Jan 2024 12:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize("text, days", [("7D", 7), ("7d", 7), ("1w", 7), ("36h", 1.5), ("90m", 0.0625), ("1.5d", 1.5), (" 2W ", 14)])
def test_parse_age_takes_the_cli_forms(text, days):
    """The CLI's AGE forms: a number and one unit letter, either case."""
    from ugc_nb.api.timeutil import parse_age

    assert parse_age(text) == pd.Timedelta(days=days)


@pytest.mark.parametrize("text", ["7", "7 days", "-1d", "1y", "", "d7", "P7D"])
def test_parse_age_names_the_value_and_the_forms(text):
    """Anything else is a ValueError naming the value and the accepted forms."""
    from ugc_nb.api.timeutil import parse_age

    with pytest.raises(ValueError, match=r"--older-than .* is not an age; write a number and a unit: 7d or 7D"):
        parse_age(text)
