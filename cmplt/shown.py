"""Times and durations as people read them: one style per language, everywhere.

A time is `2026-11-23 14:05` in the policy timezone (its offset is in the files
and the JSON, not in what a person reads); a duration is `1天9小时` or `1d9h`,
rounded to the minute, minutes left out once it runs to days. Files, JSON and
commit messages keep ISO 8601 and `1d9h` (cmplt.times).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from cmplt.i18n import _, current, has_label, label


def time_text(value: datetime, tz: tzinfo | None) -> str:
    return (value.astimezone(tz) if tz else value).strftime("%Y-%m-%d %H:%M")


def time_text_of(text: str) -> str:
    """An ISO 8601 time as written in a file (`2026-11-23T14:05:00+08:00`), in the same
    style (its own offset kept, as the file's times are written in the policy's)."""
    return text[:16].replace("T", " ")


def duration_text(value: timedelta | float | None) -> str:
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if seconds < 0:
        return "-" + duration_text(-seconds)
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        _("{n}d").format(n=days) if days else "",
        _("{n}h").format(n=hours) if hours else "",
        _("{n}m").format(n=minutes) if minutes and not days else "",
    ]
    return "".join(parts) or _("{n}m").format(n=0)


def role_label(role: str, names: dict[str, str]) -> str:
    """In Chinese the policy's own name for the role (a team may rename 物业部经理);
    in English the catalog's label, or the policy's name for a role it does not know."""
    if current() == "zh-CN" and role in names:
        return names[role]
    return label("role", role) if has_label("role", role) else names.get(role, role)
