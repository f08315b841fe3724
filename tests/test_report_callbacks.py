"""Callbacks in `cmplt report`: a round reopened before its callback was due is no
miss, and the trend has a column for every role with a callback rate in any month.

As in tests/test_report.py, every step is recorded when it happened, and reports of
November are run in December.
"""

from __future__ import annotations

from tests.conftest import (
    LATER,
    Reg,
    T,
    callback,
    csv_rows,
    new,
    november,
    resolve,
    sla,
    step,
)

# --- a round superseded before its callback clock ran out -----------------------------


def test_a_round_reopened_before_its_callback_was_due_is_not_a_miss(reg: Reg) -> None:
    # reopened within its callback window, resolved again, called back in time
    early = new(reg, T("11-10 09:00"), nature="request")
    resolve(reg, T("11-10 10:00"), early)  # callback due 11-13 10:00
    step(reg, T("11-11 09:00"), "reopen", early, "陈主管", "--reason", "又坏了")
    resolve(reg, T("11-11 12:00"), early)
    callback(reg, T("11-12 09:00"), early, "王主管")
    # the first round's callback ran out (11-13 10:00) before it was reopened
    late = new(reg, T("11-10 09:00"), nature="request", severity="important")
    resolve(reg, T("11-10 10:00"), late)
    step(reg, T("11-15 09:00"), "reopen", late, "陈主管", "--reason", "又坏了")
    resolve(reg, T("11-15 12:00"), late)
    callback(reg, T("11-16 09:00"), late, "王主管")

    by_severity = sla(november(reg)["sla"]["severity"])
    assert by_severity["minor", "callback"] == (1, 1)
    assert by_severity["important", "callback"] == (1, 2)


# --- the trend's roles ----------------------------------------------------------------


def test_the_trend_has_a_column_for_every_role_with_a_rate_in_any_month(reg: Reg) -> None:
    october = new(reg, T("10-05 09:00"), nature="request")
    resolve(reg, T("10-05 10:00"), october)
    callback(reg, T("10-06 09:00"), october, "陈主管")  # a cs_supervisor: no quota
    cid = new(reg, T("11-05 09:00"), nature="request")
    resolve(reg, T("11-05 10:00"), cid)
    callback(reg, T("11-06 09:00"), cid, "王主管")

    env = {"CMPLT_NOW": LATER}
    rows = csv_rows(reg.ok("report", "--period", "2026-11", "--format", "csv", env=env).out)
    trend = {(row[3], row[5]): row[7] for row in rows if row[1] == "trend"}
    assert trend["2026-10", "callback_cs_supervisor"] == "100.0"
    assert trend["2026-11", "callback_supervisor"] == "100.0"
    md = reg.ok("report", "--period", "2026-11", env=env).out
    [header] = [line for line in md.splitlines() if line.startswith("| Month |")]
    # the quota roles and the one that called back in October only
    assert header.count("Callback rate: ") == 4, header
    assert "Callback rate: customer service supervisor" in header
