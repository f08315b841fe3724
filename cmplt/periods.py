"""Periods and moments a check or a report is asked about: one reading for both.

`--period YYYY-MM|this|last` is a calendar month in the policy timezone;
`--as-of` is never in the future (a check or a report reads what has happened).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from cmplt.errors import UsageError, field_ref
from cmplt.i18n import _


@dataclass(frozen=True)
class Window:
    """A span of time [start, end) in the policy timezone, with its name."""

    start: datetime
    end: datetime
    label: str

    def holds(self, moment: float | None) -> bool:
        return moment is not None and self.start.timestamp() <= moment < self.end.timestamp()

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400


def month_window(year: int, month: int, tz: tzinfo) -> Window:
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Window(start, end, f"{year:04d}-{month:02d}")


# A report reads years of records, not centuries: the bounds keep every window
# derived from a period (the previous one, the trend's year) inside what dates can hold.
FIRST_YEAR, LAST_YEAR = 1970, 2999


def parse_period(text: str, now: datetime, tz: tzinfo) -> Window:
    """`2026-11`, `this` (the month of now) or `last` (the month before)."""
    local = now.astimezone(tz)
    if text in {"this", "last"}:
        year, month = local.year, local.month
        if text == "last":
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return month_window(year, month, tz)
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise UsageError(
            _("{option} {value!r}: use YYYY-MM, 'this' or 'last'").format(
                option=field_ref("period"), value=text
            )
        )
    if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise UsageError(year_out_of_range("period", text))
    return month_window(int(match[1]), int(match[2]), tz)


def year_out_of_range(field: str, value: str) -> str:
    return _("{option} {value}: the year must be between {first} and {last}").format(
        option=field_ref(field), value=value, first=FIRST_YEAR, last=LAST_YEAR
    )


def refuse_future(as_of: datetime, now: datetime, tz: tzinfo) -> None:
    """`--as-of` after now: what has not happened yet cannot be read."""
    from cmplt.shown import time_text

    if as_of > now:
        raise UsageError(
            _("--as-of {as_of} is in the future: it reads what has happened").format(
                as_of=time_text(as_of, tz)
            )
        )
