"""`cmplt check`: the callback quotas (回访制度 1-3) on the real CLI.

The denominator of a period is the records resolved in it (by their last result
there) whose callback window has closed by the as-of time or that already have
a callback; the numerator for a role is those called back by someone holding
it. Defaults: supervisor 95 %, manager 25 %, director 10 %; window 3 days.
Records are `request`s, so that no dual callback is owed.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Reg, T, callback, new, resolve, run_check, step

QUOTA = ("--rule", "callback-quota")


def handled(reg: Reg, received: str, resolved: str, *callers: str) -> str:
    """A request received, resolved, and called back by `callers` an hour later each."""
    cid = new(reg, T(received), nature="request")
    resolve(reg, T(resolved), cid)
    day, hour = resolved.split()
    for n, caller in enumerate(callers, start=1):
        callback(reg, T(f"{day} {int(hour[:2]) + n:02d}{hour[2:]}"), cid, caller)
    return cid


def by_role(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    assert all(f["rule"] == "callback-quota" for f in findings)
    return {f["role"]: f for f in findings}


def test_a_record_counts_once_its_callback_window_has_closed(reg: Reg) -> None:
    cid = handled(reg, "11-20 09:00", "11-20 10:00")
    # inside the window it counts against nobody
    assert run_check(reg, T("11-23 09:59"), *QUOTA) == (0, [])
    assert run_check(reg, T("11-23 09:59")) == (0, [])
    code, findings = run_check(reg, T("11-23 10:01"), *QUOTA)
    assert code == 0  # while November runs a shortfall is a warning: it can be made up
    assert {f["role"]: f["required"] for f in findings} == {
        "supervisor": 95.0,
        "manager": 25.0,
        "director": 10.0,
    }
    for finding in findings:
        assert finding["level"] == "warning"
        assert (finding["id"], finding["path"], finding["line"], finding["due"]) == (
            None,
            None,
            None,
            None,
        )
        assert finding["period"] == "2026-11"
        assert (finding["rate"], finding["handled"], finding["called_back"]) == (0.0, 1, 0)
        assert finding["missing"] == [cid]


def test_quota_arithmetic_per_role(reg: Reg) -> None:
    both = handled(reg, "11-02 09:00", "11-02 10:00", "王主管", "赵经理")
    sup = handled(reg, "11-03 09:00", "11-03 10:00", "王主管")
    other_role = handled(reg, "11-04 09:00", "11-04 10:00", "陈主管")  # cs_supervisor
    nobody = handled(reg, "11-05 09:00", "11-05 10:00")  # window closed 11-08
    in_window = handled(reg, "11-26 09:00", "11-26 10:00")  # window closes 11-29 10:00
    director = handled(reg, "11-26 09:00", "11-26 12:00", "钱主任")  # called back already
    handled(reg, "10-29 09:00", "10-29 10:00")  # another period
    new(reg, T("11-06 09:00"), nature="request")  # never resolved

    code, findings = run_check(reg, T("11-28 09:00"), *QUOTA)
    assert code == 0
    quotas = by_role(findings)
    assert set(quotas) == {"supervisor", "manager"}, "director 1 of 5 = 20 % meets 10 %"
    counted = {both, sup, other_role, nobody, director}
    assert quotas["supervisor"]["handled"] == 5
    assert quotas["supervisor"]["called_back"] == 2
    assert quotas["supervisor"]["rate"] == 40.0
    assert quotas["supervisor"]["missing"] == sorted(counted - {both, sup})
    assert quotas["manager"]["handled"] == 5
    assert quotas["manager"]["called_back"] == 1
    assert quotas["manager"]["rate"] == 20.0
    assert quotas["manager"]["missing"] == sorted(counted - {both})
    assert in_window not in quotas["supervisor"]["missing"]
    message = quotas["supervisor"]["message"]
    assert message == "supervisor called back 2 of 5 (40.0 %), needs 95 %"

    # a day later the last window has closed too: 6 handled
    quotas = by_role(run_check(reg, T("11-29 10:01"), *QUOTA)[1])
    assert set(quotas) == {"supervisor", "manager"}
    assert (quotas["supervisor"]["handled"], quotas["supervisor"]["rate"]) == (6, 33.3)
    assert (quotas["manager"]["handled"], quotas["manager"]["rate"]) == (6, 16.7)
    assert in_window in quotas["supervisor"]["missing"]


def test_quota_met_exactly_is_no_finding(reg: Reg) -> None:
    for n, extra in enumerate([("赵经理",), ("钱主任",), (), ()], start=2):
        handled(reg, f"11-{n:02d} 09:00", f"11-{n:02d} 10:00", "王主管", *extra)
    # supervisor 4 of 4, manager 1 of 4 = 25 %, director 1 of 4 = 25 %
    assert run_check(reg, T("11-28 09:00"), *QUOTA) == (0, [])
    assert run_check(reg, T("11-28 09:00")) == (0, [])
    fifth = handled(reg, "11-10 09:00", "11-10 10:00", "王主管")
    code, findings = run_check(reg, T("11-28 09:00"))
    assert code == 0
    [manager] = findings
    assert (manager["role"], manager["rate"], manager["handled"]) == ("manager", 20.0, 5)
    assert fifth in manager["missing"]


def test_period_is_the_month_in_the_policy_timezone(reg: Reg) -> None:
    # 2026-10-31T23:30+08:00 is 15:30 UTC the same day: October, in any zone
    october = handled(reg, "10-31 23:00", "10-31 23:30")
    # 2026-11-01T00:30+08:00 is still 31 October in UTC: November in Shanghai
    november = new(reg, T("11-01 00:00"), nature="request")
    resolve(reg, T("11-01 00:30"), november)
    as_of = T("11-10 09:00")
    # October has ended: its shortfall stands; November's is a warning yet
    for period, cid, ended in (("2026-10", october, 1), ("2026-11", november, 0)):
        code, findings = run_check(reg, as_of, "--period", period, *QUOTA)
        assert code == ended
        assert {(f["period"], f["handled"], tuple(f["missing"])) for f in findings} == {
            (period, 1, (cid,))
        }
    assert run_check(reg, as_of, "--period", "2026-09", *QUOTA) == (0, [])


def test_default_period_is_the_as_of_month_in_the_policy_timezone(reg: Reg) -> None:
    cid = handled(reg, "10-20 09:00", "10-20 10:00")
    # 2026-10-31T17:00Z is 1 November 01:00 in Shanghai
    result = reg.run("check", "--as-of", "2026-10-31T17:00:00+00:00", "--format", "json", *QUOTA)
    assert result.code == 1, result  # October's final result, shown on 1 November
    assert '"period": "2026-11"' in result.out
    assert '"level": "overdue"' in result.out and '"period": "2026-10"' in result.out
    # and the end of October in Shanghai is still October, running
    code, findings = run_check(reg, "2026-10-31T15:59:00+00:00", *QUOTA)
    assert code == 0
    assert {(f["period"], f["level"], tuple(f["missing"])) for f in findings} == {
        ("2026-10", "warning", (cid,))
    }


def test_bad_period_cannot_run(reg: Reg) -> None:
    result = reg.run("check", "--period", "2026-13")
    assert result.code == 2, result
    assert "--period" in result.err


def test_a_record_counts_once_by_its_last_result_in_the_period(reg: Reg) -> None:
    cid = handled(reg, "11-02 09:00", "11-02 10:00", "王主管")
    step(reg, T("11-03 09:00"), "reopen", cid, "陈主管", "--reason", "再次漏水")
    resolve(reg, T("11-04 10:00"), cid)
    code, findings = run_check(reg, T("11-28 09:00"), *QUOTA)
    assert code == 0
    quotas = by_role(findings)
    # one record; the supervisor called back after the first result, not the last
    assert quotas["supervisor"]["handled"] == 1
    assert quotas["supervisor"]["missing"] == [cid]
    callback(reg, T("11-28 09:00"), cid, "王主管")
    quotas = by_role(run_check(reg, T("11-28 09:00"), *QUOTA)[1])
    assert set(quotas) == {"manager", "director"}
    assert quotas["manager"]["handled"] == 1


def test_a_callback_counts_for_the_quota_once_it_is_recorded(reg: Reg) -> None:
    cid = handled(reg, "11-20 09:00", "11-20 10:00")
    # called back in the window, typed in a day after it closed
    step(
        reg,
        T("11-22 10:00"),
        "callback",
        cid,
        "王主管",
        "--satisfaction",
        "satisfied",
        recorded=T("11-24 10:00"),
    )
    quotas = by_role(run_check(reg, T("11-24 09:59"), *QUOTA)[1])
    assert quotas["supervisor"]["missing"] == [cid]
    quotas = by_role(run_check(reg, T("11-24 10:00"), *QUOTA)[1])
    assert set(quotas) == {"manager", "director"}
    assert quotas["manager"]["missing"] == [cid]


def test_a_month_shortfall_is_a_warning_until_the_month_ends(reg: Reg) -> None:
    """On the 2nd, 0 of 2 is no breach yet; on the 1st of the next month it is, and for
    the first days of that month (policy callback.previous_month_days, 3) `check` shows
    it beside the new month's; after them only `--period` shows it."""
    first = handled(reg, "11-02 09:00", "11-02 10:00")
    code, findings = run_check(reg, T("11-06 09:00"), *QUOTA)
    assert code == 0 and {f["level"] for f in findings} == {"warning"}
    # the table shows it; --quiet (cron mail) does not
    later = {"CMPLT_NOW": "2030-01-01T00:00:00+00:00"}
    shown = reg.run("check", "--as-of", T("11-06 09:00"), *QUOTA, env=later)
    assert shown.code == 0 and first in shown.out
    quiet = reg.run("check", "--as-of", T("11-06 09:00"), "--quiet", *QUOTA, env=later)
    assert (quiet.code, quiet.out) == (0, "")
    # 1 December: November has ended; its final result is shown and fails the check
    code, findings = run_check(reg, T("12-01 09:00"), *QUOTA)
    assert code == 1
    assert {(f["period"], f["level"]) for f in findings} == {("2026-11", "overdue")}
    quiet = reg.run("check", "--as-of", T("12-03 09:00"), "--quiet", *QUOTA, env=later)
    assert quiet.code == 1 and first in quiet.out and "2026-11" in quiet.out
    # the 4th: a new month's check again
    assert run_check(reg, T("12-04 09:00"), *QUOTA) == (0, [])
    code, findings = run_check(reg, T("12-04 09:00"), "--period", "last", *QUOTA)
    assert code == 1 and {f["period"] for f in findings} == {"2026-11"}


def test_the_quota_table_shows_every_missing_id(reg: Reg) -> None:
    missing = [handled(reg, f"11-{day:02d} 09:00", f"11-{day:02d} 10:00") for day in range(2, 12)]
    later = {"CMPLT_NOW": "2030-01-01T00:00:00+00:00"}
    shown = reg.run("check", "--as-of", T("12-01 09:00"), *QUOTA, env=later)
    assert shown.code == 1
    for cid in missing:
        assert cid in shown.out, shown.out  # wrapped, none cut
    assert "…" not in shown.out


def test_check_reads_period_and_as_of_as_report_does(reg: Reg) -> None:
    for bad in ("2026-1", "2026-13", "11"):
        for command in ("check", "report"):
            result = reg.run(command, "--period", bad)
            assert result.code == 2 and "YYYY-MM" in result.err, result
    for command in ("check", "report"):
        result = reg.run(command, "--as-of", "2026-12-01 09:00")
        assert result.code == 2 and "is in the future" in result.err, result
