"""Workbooks for the spreadsheet the team already uses: `--format xlsx -o FILE`.

Rows in, an `.xlsx` out (openpyxl, imported here only when a workbook is asked
for: it is slow to import and only this needs it). Cells are typed: numbers as
numbers, times as Excel times in the policy timezone (Excel has no offsets),
text as text. The formula guard of CSV applies in its xlsx form: a text that
starts like a formula (`=HYPERLINK(…)`) is written as a text cell, never a
formula. Each sheet has its header row frozen and columns as wide as their
text (a Chinese character counts two).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

# Excel's limits on a sheet's name
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
_WIDEST = 60  # columns wider than this wrap their text


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # column index -> Excel number format (a percent, hours with decimals)
    formats: dict[int, str] = field(default_factory=dict)


def workbook(sheets: Sequence[Sheet], tz: tzinfo | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from wcwidth import wcswidth

    book = Workbook()
    used: set[str] = set()
    for n, sheet in enumerate(sheets):
        page = book.active if n == 0 else book.create_sheet()
        assert page is not None
        page.title = _title(sheet.title, used)
        page.append(sheet.headers)
        for cell in page[1]:
            cell.font = Font(bold=True)
        widths = [wcswidth(str(h)) for h in sheet.headers]
        for row in sheet.rows:
            values = [_value(v, tz) for v in row]
            page.append(values)
            for i, (cell, value) in enumerate(zip(page[page.max_row], values, strict=False)):
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "="
                    if "\n" in value:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                if i in sheet.formats:
                    cell.number_format = sheet.formats[i]
                shown = max((wcswidth(line) for line in _text(value).split("\n")), default=0)
                if i < len(widths):
                    widths[i] = max(widths[i], shown)
        for i, width in enumerate(widths, start=1):
            page.column_dimensions[get_column_letter(i)].width = min(_WIDEST, max(6, width + 2))
        page.freeze_panes = "A2"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _value(value: Any, tz: tzinfo | None) -> Any:
    if isinstance(value, datetime):
        local = value.astimezone(tz) if tz is not None else value
        return local.replace(tzinfo=None, microsecond=0)
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "2026-11-23 14:05"
    return str(value)


def _title(title: str, used: set[str]) -> str:
    """A sheet name Excel takes: at most 31 characters, none of []:*?/\\, unique."""
    base = _NOT_IN_TITLE.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name
