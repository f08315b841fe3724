"""`cmplt report` under the policy in force: a policy changed after the period does
not rewrite its report, and roles are shown by the policy's own names.

As in tests/test_report.py, every step is recorded when it happened, and reports of
November are run in December.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import (
    LATER,
    Reg,
    T,
    by_id,
    callback,
    commit_policy_lines,
    measure,
    new,
    november,
    report,
    resolve,
)

# --- a policy changed after the period ------------------------------------------------


def test_a_policy_changed_after_the_period_does_not_rewrite_its_report(reg: Reg) -> None:
    for day, unit in (("11-10", "12-0101"), ("12-02", "12-0202")):
        cid = new(reg, T(f"{day} 09:00"), nature="request", unit=unit)
        resolve(reg, T(f"{day} 10:00"), cid)
        callback(reg, T(f"{day} 12:00"), cid, "王主管")
    measure_id = measure(reg, T("11-12 09:00"))
    commit_policy_lines(
        reg,
        {
            r"^    supervisor: 95.*$": "    supervisor: 40",
            r"^  building_pattern: .*$": "  building_pattern: '^(.)'",
            r"^  measure_window: .*$": "  measure_window: 30d",
        },
        T("12-05 09:00"),
    )

    def read(data: dict[str, Any]) -> tuple[float, list[str], int]:
        rates = {r["role"]: r["required"] for r in data["callbacks"]["rates"]}
        buildings = [row["key"] for row in data["volume"]["building"]]
        return rates["supervisor"], buildings, by_id(data["measures"])[measure_id]["window_days"]

    now = T("12-10 09:00")
    assert read(november(reg, now=now)) == (95.0, ["12"], 90)
    assert read(report(reg, "--period", "2026-12", now=now)) == (40.0, ["1"], 30)
    md = reg.ok("report", "--period", "2026-11", env={"CMPLT_NOW": now}).out
    assert "| 12 | 1 |" in md.splitlines()


# --- the policy's own names for roles -------------------------------------------------


def test_role_names_in_chinese_are_the_policys_own(reg: Reg) -> None:
    commit_policy_lines(
        reg, {r"^  manager: 物业部经理$": "  manager: 物业经理（测试）"}, T("11-01 00:00")
    )
    cid = new(reg, T("11-10 09:00"), nature="request")
    resolve(reg, T("11-10 10:00"), cid)
    callback(reg, T("11-11 10:00"), cid, "赵经理")

    chinese = reg.ok(
        "--lang", "zh-CN", "report", "--period", "2026-11", env={"CMPLT_NOW": LATER}
    ).out
    assert "物业经理（测试）" in chinese
    assert "物业部经理" not in chinese
    assert any(line.startswith("| 物业经理（测试） |") for line in chinese.splitlines()), chinese
    # in English the catalog's name, not the policy's Chinese one
    english = reg.ok("--lang", "en", "report", "--period", "2026-11", env={"CMPLT_NOW": LATER}).out
    assert "物业经理（测试）" not in english
    assert any(line.startswith("| manager |") for line in english.splitlines()), english
