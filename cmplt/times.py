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
    return value


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

    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
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
