"""Adding a duration to a start time in the policy's calendar (what a clock of the rules runs on).

Continuous time is plain addition. In working days, time on a weekend day or
a holiday does not count (and a 调休 make-up working day does), day by day in
the policy timezone, so "2 days" received on a Friday evening runs out on
Tuesday evening.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from cmplt.policy import Calendar


def add_time(start: datetime, duration: timedelta, calendar: Calendar, tz: tzinfo) -> datetime:
    if calendar.kind == "continuous":
        return start + duration
    return _add_working_time(start, duration, calendar, tz)


def _add_working_time(
    start: datetime, duration: timedelta, calendar: Calendar, tz: tzinfo
) -> datetime:
    cursor = start.astimezone(tz)
    remaining = duration
    for _ in range(3660):  # ten years of days; a policy cannot need more
        day_end = _next_midnight(cursor, tz)
        if calendar.is_working_day(cursor.date()):
            available = day_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = day_end
    raise ValueError("a clock that never runs out: the calendar has no working days")


def _next_midnight(moment: datetime, tz: tzinfo) -> datetime:
    return datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=tz)
