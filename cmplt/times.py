"""Times and durations as the registry writes them.

Every time in a file carries its UTC offset, so that a record read in
another timezone still means the same instant. A time typed without an
offset is read in the policy's timezone, the way a clerk means it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cmplt.errors import UsageError
from cmplt.i18n import _

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")

# Years any time typed or read may fall in: wide enough for every registry, narrow
# enough that a clock added to one (a deadline, a window, a month's end) or its
# conversion to another zone never leaves what Python's datetime can hold.
FIRST_YEAR = 1970
LAST_YEAR = 2999
# The longest duration cmplt takes (a policy clock, `check --warn-within`): a century.
MAX_DURATION = timedelta(days=36_600)


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(_("unknown timezone {name!r}").format(name=name)) from exc


def parse_time(text: str, tz: tzinfo) -> datetime:
    """ISO 8601 with or without offset; without one the policy timezone applies."""
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace(" ", "T", 1) if " " in raw else raw)
    except ValueError as exc:
        raise UsageError(
            _(
                "cannot read time {text!r}: use ISO 8601, e.g. 2026-11-28T09:30 or "
                "2026-11-28T09:30+08:00"
            ).format(text=text)
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
        if _in_gap(value):
            raise UsageError(
                _(
                    "{text!r} does not exist in the policy timezone (the clocks were put "
                    "forward over it); give the time with its UTC offset"
                ).format(text=text)
            )
    if not in_years(value):
        raise UsageError(
            _("time {text!r}: the year must be between {first} and {last}").format(
                text=text, first=FIRST_YEAR, last=LAST_YEAR
            )
        )
    return value


def in_years(value: datetime) -> bool:
    """Whether `value`, also in UTC, lies in the years cmplt takes."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        return False
    return all(FIRST_YEAR <= year <= LAST_YEAR for year in (value.year, utc.year))


def _in_gap(value: datetime) -> bool:
    """A wall-clock time the zone skips (a DST gap): it does not survive a round
    trip through UTC (zoneinfo would shift it by the gap without a word)."""
    try:
        back = value.astimezone(UTC).astimezone(value.tzinfo)
    except OverflowError:
        return False  # refused as out of range
    return back.replace(tzinfo=None) != value.replace(tzinfo=None)


def parse_stored_time(value: object) -> datetime:
    """A time read from a file: must be ISO 8601 with an offset (no guessing)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(_("not an ISO 8601 time: {value!r}").format(value=value)) from exc
    else:
        raise ValueError(_("expected a time, got {type}").format(type=type(value).__name__))
    if parsed.tzinfo is None:
        raise ValueError(_("time {value!r} has no UTC offset").format(value=value))
    if not in_years(parsed):
        raise ValueError(
            _("time {value!r}: the year must be between {first} and {last}").format(
                value=value, first=FIRST_YEAR, last=LAST_YEAR
            )
        )
    return parsed


def format_time(value: datetime, tz: tzinfo) -> str:
    """Seconds precision in the policy timezone, offset included."""
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def parse_duration(text: str) -> timedelta:
    """`2h`, `24h`, `3d`, `1d12h`, `90m`: days, hours and minutes."""
    match = _DURATION.match(str(text))
    if not match or not any(match.groups()):
        raise ValueError(
            _("not a duration: {text!r} (use e.g. 2h, 3d, 1d12h, 90m)").format(text=text)
        )

    # a typed number of any length must not overflow what timedelta holds
    digits = max(len(g) for g in match.groups() if g)
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    if digits > 9 or timedelta(days=days, hours=hours, minutes=minutes) > MAX_DURATION:
        raise ValueError(
            _("duration {text!r} is longer than {days} days").format(
                text=text, days=MAX_DURATION.days
            )
        )
    return timedelta(days=days, hours=hours, minutes=minutes)


def format_duration(value: timedelta) -> str:
    if value < timedelta(0):
        return "-" + format_duration(-value)
    total = int(value.total_seconds()) // 60
    days, rest = divmod(total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"


def utc_now() -> datetime:
    return datetime.now(UTC)
