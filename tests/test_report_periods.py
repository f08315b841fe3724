"""`cmplt report`: which period a report covers and the moment it stands at: a step
counts in the month it was typed in, and dates a report cannot hold or an as-of time
after now are refused in one line.

As in tests/test_report.py, every step is recorded when it happened unless a test
is about entries typed in late, and reports of November are run in December.
"""

from __future__ import annotations

import pytest

from tests.conftest import (
    LATER,
    Reg,
    T,
    assert_one_line_error,
    new,
    november,
    report,
    resolve,
    step,
)

# --- a dissatisfied callback of last month typed in this month ------------------------


def test_a_late_dissatisfied_callback_shows_in_the_month_it_was_typed_in(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    step(
        reg, T("11-21 10:00"), "callback", cid, "王主管", "--satisfaction", "dissatisfied",
        recorded=T("12-02 09:00"),
    )  # fmt: skip
    assert november(reg)["callbacks"]["dissatisfied"] == []
    december = report(reg, "--period", "2026-12")["callbacks"]["dissatisfied"]
    assert [(d["id"], d["at"], d["by"], d["recorded_late"]) for d in december] == [
        (cid, T("11-21 10:00"), "王主管", T("12-02 09:00"))
    ]
    md = reg.ok("report", "--period", "2026-12", env={"CMPLT_NOW": LATER}).out
    rows = [line for line in md.splitlines() if line.startswith("|") and cid in line]
    assert len(rows) == 1, md
    assert "2026-12-02 09:00" in rows[0]
    assert "2026-11-21 10:00" in rows[0]


# --- dates a report cannot hold -------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "0001-01"],
        ["--period", "9999-12"],
        ["--from", "0001-01-01", "--to", "9999-12-31"],
        ["--from", "0001-01-01", "--to", "0001-01-02", "--compare", "previous"],
        ["--from", "2000-01-01", "--to", "2030-01-01"],
    ],
    ids=lambda args: " ".join(args),
)
def test_dates_out_of_range_are_one_line_and_exit_2(reg: Reg, args: list[str]) -> None:
    result = reg.run("report", "--format", "json", *args, env={"CMPLT_NOW": LATER})
    assert_one_line_error(result)


# --- an as-of moment in the future ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2026-11", "--as-of", "2026-12-10T09:01:00+08:00"],
        ["--period", "this", "--as-of", "2026-12-11T09:00:00+08:00"],
    ],
    ids=["past-month", "this-month"],
)
def test_as_of_after_now_is_refused(reg: Reg, args: list[str]) -> None:
    new(reg, T("11-20 09:00"), nature="request")
    result = reg.run("report", *args, env={"CMPLT_NOW": T("12-10 09:00")})
    assert_one_line_error(result)
