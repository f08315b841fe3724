"""Improvement measures (`cmplt improve`) in `cmplt report`: a completion typed in
late, measures the validator rejects, and the window read before a measure in a
young registry.

As in tests/test_report.py, every step is recorded when it happened unless a test
is about entries typed in late, and reports of November are run in December.
"""

from __future__ import annotations

import json

import pytest
from ruamel.yaml import YAML

from tests.conftest import (
    LATER,
    PROBLEM,
    Reg,
    T,
    by_id,
    commit_all,
    csv_rows,
    measure,
    new,
    november,
)

# --- helpers --------------------------------------------------------------------------


def done(reg: Reg, measure_id: str, at: str, recorded: str) -> None:
    """`improve done --at AT`, typed in at `recorded`."""
    reg.ok(
        "improve", "done", measure_id, "--note", "已完成", "--by", "李工", "--at", at,
        env={"CMPLT_NOW": recorded},
    )  # fmt: skip


def md_table(md: str, header_start: str) -> list[str]:
    """The lines of the markdown table whose header begins with `header_start`."""
    lines = md.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    table = []
    for line in lines[at:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


# --- a measure's completion typed in late ---------------------------------------------


def test_a_measure_done_earlier_but_typed_in_later_is_open_in_a_report_of_before(
    reg: Reg,
) -> None:
    new(reg, T("11-05 09:00"), nature="request")
    measure_id = measure(reg, T("11-02 09:00"))
    # done on 11-10, but only typed in on 12-05
    done(reg, measure_id, T("11-10 09:00"), recorded=T("12-05 09:00"))
    saved = YAML(typ="safe").load(
        (reg.root / "improvements" / f"{measure_id}.yaml").read_text(encoding="utf-8")
    )
    assert (saved["done_at"], saved["done_recorded_at"]) == (T("11-10 09:00"), T("12-05 09:00"))

    as_it_stood = by_id(november(reg)["measures"])[measure_id]  # as of 12-01
    assert (as_it_stood["status"], as_it_stood["done_at"]) == ("open", None)
    assert (as_it_stood["after"], as_it_stood["note"]) == (None, None)
    known = by_id(november(reg, "--as-of", T("12-05 09:00"))["measures"])[measure_id]
    assert (known["status"], known["done_at"], known["note"]) == (
        "done",
        T("11-10 09:00"),
        "已完成",
    )


# --- measures the validator rejects ---------------------------------------------------


BAD_MEASURE = """\
id: {id}
title: 巡检
scope: {scope}
owner: 李工
due: '2026-12-31'
status: open
created_at: '2026-11-28T09:00:00+08:00'
created_by: 张三
"""


def test_measures_the_validator_rejects_are_not_used(reg: Reg) -> None:
    good = measure(reg, T("11-28 09:00"))
    folder = reg.root / "improvements"
    files = {
        "M-261128-AAAA.yaml": BAD_MEASURE.format(id="M-261128-AAAA", scope="{}"),
        "M-261128-BBBB.yaml": BAD_MEASURE.format(id="M-261128-BBBB", scope="{category: repair}")
        + "done_at: '2026-11-28T09:00:00+08:00'\n",
        "foo.yaml": BAD_MEASURE.format(id="M-261128-CCCC", scope="{category: repair}"),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    commit_all(reg, "hand-written measures")

    def line_of(name: str, key: str) -> int:
        lines = files[name].splitlines()
        return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key}:"))

    checked = reg.run("validate")
    assert checked.code == 1, checked
    problems = {}
    for text in checked.out.splitlines():
        match = PROBLEM.match(text)
        assert match, text
        problems[match["path"]] = (int(match["line"]), match["field"])
    assert problems == {
        "improvements/M-261128-AAAA.yaml": (line_of("M-261128-AAAA.yaml", "scope"), "scope"),
        "improvements/M-261128-BBBB.yaml": (line_of("M-261128-BBBB.yaml", "done_at"), "done_at"),
        "improvements/foo.yaml": (line_of("foo.yaml", "id"), "id"),
    }

    listed = reg.run("improve", "list", "--format", "json")
    assert listed.code == 1, listed
    assert [row["id"] for row in json.loads(listed.out)] == [good]
    errors = listed.err.splitlines()
    assert len(errors) == 3, listed
    assert {line.split(":")[1].strip() for line in errors} == {
        f"improvements/{name}" for name in files
    }, errors
    assert all(line.startswith("cmplt: improvements/") for line in errors), errors

    data = november(reg)
    assert [m["id"] for m in data["measures"]] == [good]
    assert sorted(u["path"] for u in data["unreadable"]) == sorted(
        f"improvements/{name}" for name in files
    )


# --- a measure's window before, in a young registry -----------------------------------


def test_a_measures_window_before_starts_at_the_registrys_first_record(reg: Reg) -> None:
    new(reg, T("10-12 09:00"), nature="request")  # the registry's first record
    new(reg, T("10-25 09:00"), nature="request")
    measure_id = measure(reg, T("10-20 09:00"))
    done(reg, measure_id, T("11-01 09:00"), recorded=T("11-01 09:00"))
    for day in ("11-05", "11-10", "11-20"):
        new(reg, T(f"{day} 09:00"), nature="request")

    reading = by_id(november(reg)["measures"])[measure_id]
    assert (reading["window_days"], reading["before"], reading["before_days"]) == (90, 2, 20.0)
    assert (reading["after"], reading["after_days"]) == (3, 29.6)  # 11-01 09:00 to 12-01

    env = {"CMPLT_NOW": LATER}
    md = reg.ok("report", "--period", "2026-11", env=env).out
    [header, _rule, row] = md_table(md, "| ID |")
    assert "Per 30 days before" in header and "Per 30 days after" in header
    cells = [c.strip() for c in header.strip("|").split("|")]
    values = dict(zip(cells, [c.strip() for c in row.strip("|").split("|")], strict=True))
    assert (values["Per 30 days before"], values["Per 30 days after"]) == ("3.0", "3.0")

    rows = csv_rows(reg.ok("report", "--period", "2026-11", "--format", "csv", env=env).out)
    figure = {row[5]: row[7] for row in rows if row[1] == "measures" and row[3] == measure_id}
    assert float(figure["before_rate"]) == 3.0  # 2 in 20 days
    assert float(figure["after_rate"]) == pytest.approx(3.04, abs=0.005)  # 3 in 29.6 days
