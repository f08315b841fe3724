"""Times and durations as people type them and the registry writes them
(`cmplt.times`): an offset kept or the policy zone supplied, garbage refused with a
usage error, durations like `1d12h` read and written back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cmplt.errors import UsageError
from cmplt.times import format_duration, parse_duration, parse_time
from tests.conftest import FAST

SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))


def test_parse_time_without_offset_uses_the_given_zone() -> None:
    value = parse_time("2026-11-28T09:30", SHANGHAI)
    assert value.tzinfo is SHANGHAI
    assert value.utcoffset() == timedelta(hours=8)
    assert value == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)


def test_parse_time_keeps_a_given_offset() -> None:
    value = parse_time("2026-11-28T09:30+00:00", SHANGHAI)
    assert value.utcoffset() == timedelta(0)
    assert value == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert parse_time("2026-11-28T09:30Z", SHANGHAI) == value
    assert parse_time("2026-11-28T17:30+08:00", SHANGHAI) == value


def test_parse_time_accepts_a_space_for_the_t() -> None:
    assert parse_time("2026-11-28 09:30", SHANGHAI) == parse_time("2026-11-28T09:30", SHANGHAI)
    assert parse_time("  2026-11-28 09:30+08:00 ", SHANGHAI) == datetime(
        2026, 11, 28, 9, 30, tzinfo=CST
    )


def test_parse_time_of_a_date_is_its_midnight_in_the_zone() -> None:
    assert parse_time("2026-11-28", SHANGHAI) == datetime(2026, 11, 28, tzinfo=CST)


def test_parse_time_in_another_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    assert parse_time("2026-07-01T12:00", new_york).utcoffset() == timedelta(hours=-4)
    assert parse_time("2026-12-01T12:00", new_york).utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    "garbage", ["", "   ", "yesterday at noon", "28/11/2026", "9", "明天下班前", "11-28-2026"]
)
def test_parse_time_refuses_garbage_with_a_usage_error(garbage: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_time(garbage, SHANGHAI, now=MOMENT)
    assert "ISO 8601" in caught.value.message
    assert "明天 9:00" in caught.value.message  # the forms it takes are named
    assert caught.value.exit_code == 2


# "now" for the forms without a full date: Saturday 2026-11-28 09:00 in Shanghai
MOMENT = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def _cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


# as a clerk types a time: (text, a date alone as a start, as the end of a deadline's day)
TYPED = [
    ("09:30", _cst(2026, 11, 28, 9, 30), _cst(2026, 11, 28, 9, 30)),
    ("9:05:07", _cst(2026, 11, 28, 9, 5, 7), _cst(2026, 11, 28, 9, 5, 7)),
    ("９：３０", _cst(2026, 11, 28, 9, 30), _cst(2026, 11, 28, 9, 30)),
    ("明天 9:00", _cst(2026, 11, 29, 9), _cst(2026, 11, 29, 9)),
    ("今天 14:05", _cst(2026, 11, 28, 14, 5), _cst(2026, 11, 28, 14, 5)),
    ("昨天 23:59:30", _cst(2026, 11, 27, 23, 59, 30), _cst(2026, 11, 27, 23, 59, 30)),
    ("tomorrow 9:00", _cst(2026, 11, 29, 9), _cst(2026, 11, 29, 9)),
    ("明天", _cst(2026, 11, 29), _cst(2026, 11, 29, 23, 59, 59)),
    ("2026-11-30 9:00", _cst(2026, 11, 30, 9), _cst(2026, 11, 30, 9)),
    ("2026/11/30 09:00", _cst(2026, 11, 30, 9), _cst(2026, 11, 30, 9)),
    ("2026/11/30", _cst(2026, 11, 30), _cst(2026, 11, 30, 23, 59, 59)),
    ("2026.12.03", _cst(2026, 12, 3), _cst(2026, 12, 3, 23, 59, 59)),
    ("2026-12-03", _cst(2026, 12, 3), _cst(2026, 12, 3, 23, 59, 59)),
    ("12-03 14:05", _cst(2026, 12, 3, 14, 5), _cst(2026, 12, 3, 14, 5)),
    ("12/3", _cst(2026, 12, 3), _cst(2026, 12, 3, 23, 59, 59)),
    ("2026年11月30日 9点", _cst(2026, 11, 30, 9), _cst(2026, 11, 30, 9)),
    ("2026年11月30日9点30分", _cst(2026, 11, 30, 9, 30), _cst(2026, 11, 30, 9, 30)),
    ("2026年11月30日 9点半", _cst(2026, 11, 30, 9, 30), _cst(2026, 11, 30, 9, 30)),
    ("2026年11月30日 下午3点", _cst(2026, 11, 30, 15), _cst(2026, 11, 30, 15)),
    ("11月30日 14:00:10", _cst(2026, 11, 30, 14, 0, 10), _cst(2026, 11, 30, 14, 0, 10)),
    ("2026年12月3日", _cst(2026, 12, 3), _cst(2026, 12, 3, 23, 59, 59)),
    ("2026-11-28T09:30", _cst(2026, 11, 28, 9, 30), _cst(2026, 11, 28, 9, 30)),
    (
        "2026-11-28 09:30+00:00",
        datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(("text", "start", "end"), TYPED)
def test_times_as_people_type_them(text: str, start: datetime, end: datetime) -> None:
    assert parse_time(text, SHANGHAI, now=MOMENT) == start
    assert parse_time(text, SHANGHAI, now=MOMENT, day_end=True) == end


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-11-31", "month 11 has no day 31"),
        ("2026年11月31日", "month 11 has no day 31"),
        ("11-31 9:00", "month 11 has no day 31"),
        ("2026-02-29", "2026 is not a leap year"),
        ("2026-13-01", "there is no month 13"),
        ("2026-11-28T25:00", "the hour must be 0 to 23"),
        ("9:61", "minutes and seconds must be 0 to 59"),
    ],
)
def test_an_impossible_date_says_why(text: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        parse_time(text, SHANGHAI, now=MOMENT)


def test_a_leap_day_is_a_day() -> None:
    assert parse_time("2028-02-29", SHANGHAI) == _cst(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2h", timedelta(hours=2)),
        ("24h", timedelta(hours=24)),
        ("3d", timedelta(days=3)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        (" 1d 2h 3m ", timedelta(days=1, hours=2, minutes=3)),
        ("0m", timedelta(0)),
    ],
)
def test_parse_duration(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "  ", "2", "2x", "h", "1h2d", "-1d", "1.5h", "2 days"])
def test_parse_duration_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0m"),
        (timedelta(hours=2), "2h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=1, hours=12), "1d12h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=10, minutes=1), "10d1m"),
        (timedelta(seconds=59), "0m"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@FAST
@given(st.integers(min_value=0, max_value=60 * 24 * 400))
def test_durations_round_trip(minutes: int) -> None:
    value = timedelta(minutes=minutes)
    assert parse_duration(format_duration(value)) == value
