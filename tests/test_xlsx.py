"""Workbooks (issue 14, item 5): `list`, `check` and `report` with `--format xlsx -o
FILE`, opened with openpyxl: typed cells, times as times, frozen header row, widths
for Chinese text, one sheet per report table, no formula from a record's text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from tests.conftest import LATER, Reg, T, new, resolve


def test_list_as_a_workbook(reg: Reg, tmp_path: Path) -> None:
    cid = new(reg, T("11-27 09:00"), customer='=HYPERLINK("x")', summary="三号楼电梯按钮失灵")
    book_path = tmp_path / "list.xlsx"
    result = reg.run("--lang", "zh-CN", "list", "--format", "xlsx", "-o", str(book_path))
    assert (result.code, result.out) == (0, ""), result
    assert result.err == f"cmplt: 已写入 {book_path}\n"
    sheet = load_workbook(book_path).active
    assert sheet.freeze_panes == "A2"
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["编号", "受理时间", "状态"]
    row = [c for c in sheet[2]]
    assert row[0].value == cid
    assert row[1].value == datetime(2026, 11, 27, 9, 0)  # a time, in the policy zone
    assert row[1].is_date
    assert row[2].value == "已受理"
    customer = row[headers.index("客户")]
    assert customer.value == '=HYPERLINK("x")' and customer.data_type == "s"  # text, not a formula
    summary = headers.index("摘要")
    letter = sheet.cell(row=1, column=summary + 1).column_letter
    assert sheet.column_dimensions[letter].width >= 18  # nine Chinese characters, two columns each
    # a workbook needs a file
    refused = reg.run("list", "--format", "xlsx")
    assert refused.code == 2 and "-o" in refused.err


def test_check_and_report_as_workbooks(reg: Reg, tmp_path: Path) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    path = tmp_path / "check.xlsx"
    later = {"CMPLT_NOW": LATER}
    result = reg.run(
        "check", "--as-of", T("12-01 09:00"), "--format", "xlsx", "-o", str(path), env=later
    )
    assert result.code == 1, result  # November's quota stands short
    book = load_workbook(path)
    assert book.sheetnames == ["Clocks", "Callback quotas"]
    quotas = book["Callback quotas"]
    rows = list(quotas.iter_rows(min_row=2, values_only=True))
    assert {(r[0], r[2]) for r in rows} == {
        ("2026-11", "supervisor"),
        ("2026-11", "manager"),
        ("2026-11", "director"),
    }
    assert all(isinstance(r[3], int | float) and r[7] == cid for r in rows), rows
    path = tmp_path / "report.xlsx"
    result = reg.run(
        "report", "--period", "2026-11", "--format", "xlsx", "-o", str(path), env=later
    )
    assert result.code == 0, result
    book = load_workbook(path)
    assert book.sheetnames[0] == "Report" and len(book.sheetnames) > 5
    overview = book[book.sheetnames[1]]
    assert overview.freeze_panes == "A2"
    numbers = [c.value for row in overview.iter_rows(min_row=2) for c in row[1:2]]
    assert any(isinstance(n, int) for n in numbers)
