"""Times and durations as the registry writes them.

Every time in a file carries its UTC offset, so that a record read in
another timezone still means the same instant. A time typed without an
offset is read in the policy's timezone, the way a clerk means it.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, tzinfo
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


# The forms a person types (after NFKC, so full-width digits, colons and slashes
# read as their ASCII selves). A date: 2026-11-30, 2026/11/30, 2026.11.30,
# 2026年11月30日, 11-30, 11/30, 11月30日, 今天/明天/昨天/前天/后天 or
# today/tomorrow/yesterday. A time: 9:00, 09:30:15, 9点, 9点30分, 9点半, with
# 上午/下午/晚上 before it. Either may stand alone; an offset (Z, +08:00) only
# after a time.
_RELATIVE_DAYS = {
    "前天": -2,
    "昨天": -1,
    "今天": 0,
    "明天": 1,
    "后天": 2,
    "yesterday": -1,
    "today": 0,
    "tomorrow": 1,
}
_DATE = (
    r"(?:(?P<year>\d{4})(?:(?P<sep>[-/.])|年)(?P<month>\d{1,2})(?:(?P=sep)|月)"
    r"(?P<day>\d{1,2})(?(sep)|[日号]?)"
    r"|(?P<short_month>\d{1,2})(?:[-/]|月)(?P<short_day>\d{1,2})[日号]?"
    r"|(?P<relative>" + "|".join(_RELATIVE_DAYS) + r"))"
)
_CLOCK = (
    r"(?:(?P<half_day>上午|早上|中午|下午|晚上)\s*)?"
    r"(?:(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?"
    r"|(?P<cn_hour>\d{1,2})[点时](?:(?P<half>半)|(?P<cn_minute>\d{1,2})分?)?"
    r"(?:(?P<cn_second>\d{1,2})秒)?)"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_TYPED = re.compile(
    rf"^(?:{_DATE}(?:\s*T\s*|\s+|(?<=[日号天y])\s*)?)?(?P<clock>{_CLOCK})?$", re.IGNORECASE
)
_ISO_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# how the message of a time we cannot read shows the forms we can
TIME_FORMS = "2026-11-30 09:30, 2026/11/30, 11-30 9:30, 9:30, 明天 9:00, 2026年11月30日 9点半"


def parse_time(
    text: str, tz: tzinfo, *, now: datetime | None = None, day_end: bool = False
) -> datetime:
    """A time as a person types it (the forms above, or ISO 8601 with or without an
    offset); without an offset the policy timezone applies.

    `now` dates the forms without a full date (`9:30`, `明天 9:00`, `11-30`); a date
    alone means the start of that day, or its last second with `day_end` (a
    deadline: "by the 3rd" includes the 3rd).
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    value = _typed(text, raw, tz, now, day_end)
    if value is None:
        try:
            value = datetime.fromisoformat(raw.replace(" ", "T", 1) if " " in raw else raw)
        except ValueError as exc:
            raise UsageError(
                _("cannot read time {text!r}: use e.g. {forms}, or ISO 8601 with an offset").format(
                    text=text, forms=TIME_FORMS
                )
            ) from exc
        if day_end and _ISO_DATE_ONLY.match(raw):
            value = value.replace(hour=23, minute=59, second=59)
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


def parse_date(text: str, tz: tzinfo, *, now: datetime | None = None) -> date:
    """A day as a person types it (the date forms of `parse_time`: `2026-11-30`,
    `11/30`, `2026年11月30日`, `明天` …); a time of day is refused, not dropped."""
    value = parse_time(text, tz, now=now).astimezone(tz)
    if value.time() != datetime.min.time():
        raise UsageError(_("{text!r} is a time of day: give a date alone").format(text=text))
    return value.date()


def _typed(text: str, raw: str, tz: tzinfo, now: datetime | None, day_end: bool) -> datetime | None:
    """One of the forms people type, as a naive time (or with its offset); None when
    `raw` is none of them (ISO 8601 forms with an offset the regex does not know)."""
    match = _TYPED.match(raw)
    if match is None or not raw:
        return None
    parts = match.groupdict()
    has_date = any(parts[k] for k in ("year", "short_month", "relative"))
    if not has_date and not parts["clock"]:
        return None
    today = now.astimezone(tz) if now is not None else None

    def need_today() -> date:
        if today is None:  # the CLI always passes now; a library caller must too
            raise UsageError(_("time {text!r} needs a full date").format(text=text))
        return today.date()

    if parts["year"]:
        year, month, day = int(parts["year"]), int(parts["month"]), int(parts["day"])
    elif parts["short_month"]:
        year = need_today().year
        month, day = int(parts["short_month"]), int(parts["short_day"])
    elif parts["relative"]:
        moved = need_today() + timedelta(days=_RELATIVE_DAYS[parts["relative"].lower()])
        year, month, day = moved.year, moved.month, moved.day
    else:
        start = need_today()
        year, month, day = start.year, start.month, start.day
    _check_date(text, year, month, day)
    if not parts["clock"]:
        if day_end:
            return datetime(year, month, day, 23, 59, 59)
        return datetime(year, month, day)
    hour = int(parts["hour"] or parts["cn_hour"])
    minute_text = parts["minute"] or parts["cn_minute"]
    minute = 30 if parts["half"] else int(minute_text) if minute_text else 0
    second = int(parts["second"] or parts["cn_second"] or 0)
    # 下午3点 is 15:00, 中午1点 13:00 (but 中午12点 stays 12:00)
    afternoon = {"下午": 12, "晚上": 12, "中午": 6}.get(parts["half_day"] or "", 0)
    if hour < afternoon:
        hour += 12
    if hour > 23:
        raise UsageError(_("time {text!r}: the hour must be 0 to 23").format(text=text))
    if minute > 59 or second > 59:
        raise UsageError(_("time {text!r}: minutes and seconds must be 0 to 59").format(text=text))
    value = datetime(year, month, day, hour, minute, second)
    offset = parts["offset"]
    if offset:
        try:
            suffix = "+00:00" if offset.upper() == "Z" else offset
            value = datetime.fromisoformat(value.isoformat() + suffix)
        except ValueError as exc:
            raise UsageError(
                _("time {text!r}: the UTC offset {offset!r} is not one").format(
                    text=text, offset=offset
                )
            ) from exc
    return value


def _check_date(text: str, year: int, month: int, day: int) -> None:
    """An impossible date says why, not just "cannot read"."""
    if not 1 <= month <= 12:
        raise UsageError(
            _("time {text!r}: there is no month {month}").format(text=text, month=month)
        )
    last = calendar.monthrange(year, month)[1]
    if day == 29 and month == 2 and last == 28:
        raise UsageError(
            _("time {text!r}: {year} is not a leap year, February has no 29th").format(
                text=text, year=year
            )
        )
    if not 1 <= day <= last:
        raise UsageError(
            _("time {text!r}: month {month} has no day {day}").format(
                text=text, month=month, day=day
            )
        )


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
