"""`cmplt check`: every clock's deadline, just before and just after, on the real CLI.

Each record is built with the fewest steps that set up its clock, on the timeline
of tests/conftest.py: every step recorded at the moment it happened unless a test is
about entries typed late; times +08:00 (Asia/Shanghai, the policy zone).
"""

from __future__ import annotations

import json
import marshal
import os
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    INTAKE,
    Reg,
    Result,
    T,
    age,
    callback,
    commit_older_policy,
    keys,
    move_receipt_an_hour_earlier,
    new,
    resolve,
    run_check,
    step,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


# --- helpers --------------------------------------------------------------------------


def of_rule(findings: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["rule"] == rule]


def assert_line_is_event(reg: Reg, finding: dict[str, Any]) -> None:
    """`line` points at the event that started the clock (`event`)."""
    lines = reg.record(finding["id"]).read_text(encoding="utf-8").splitlines()
    assert finding["line"] is not None
    assert lines[finding["line"] - 1].strip() == f"- id: {finding['event']}"


def boundary(
    reg: Reg, rule: str, due: str, before: str, after: str, *options: str
) -> dict[str, Any]:
    """No finding of `rule` (exit 0) at `before`; one, overdue, at `after` (exit 1)."""
    code, findings = run_check(reg, before, "--rule", rule, *options)
    assert (code, findings) == (0, []), findings
    code, findings = run_check(reg, after, "--rule", rule, *options)
    assert code == 1
    assert len(findings) == 1, findings
    finding = findings[0]
    assert (finding["rule"], finding["level"], finding["due"]) == (rule, "overdue", due)
    assert_line_is_event(reg, finding)
    return finding


# --- first-reply ----------------------------------------------------------------------


def test_first_reply_runs_out_two_hours_after_receipt(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"))
    # nothing else is due that morning either: the whole check passes, then fails
    assert run_check(reg, T("11-20 10:59")) == (0, [])
    code, findings = run_check(reg, T("11-20 11:01"))
    assert code == 1
    assert len(findings) == 1
    finding = findings[0]
    assert finding["rule"] == "first-reply"
    assert finding["level"] == "overdue"
    assert finding["id"] == cid
    assert finding["path"] == f"complaints/2026/11/{cid}.yaml"
    assert finding["due"] == T("11-20 11:00")
    assert (finding["overdue_by"], finding["overdue_seconds"]) == ("1m", 60)
    assert (finding["owner"], finding["department"]) == ("张三", None)
    assert finding["severity"] == "minor"
    assert finding["summary"] == INTAKE["summary"]
    assert_line_is_event(reg, finding)
    lines = reg.record(cid).read_text(encoding="utf-8").splitlines()
    assert finding["line"] == lines.index("events:") + 2  # the received event


@pytest.mark.parametrize("action", ["respond", "plan", "resolve", "reject"])
def test_first_reply_is_met_by_any_answer(reg: Reg, action: str) -> None:
    nature = "invalid" if action == "reject" else "request"
    cid = new(reg, T("11-20 09:00"), nature=nature)
    text = {"respond": "--note", "plan": "--note", "resolve": "--result", "reject": "--reason"}
    step(reg, T("11-20 10:59"), action, cid, "陈主管", text[action], "答复")
    code, findings = run_check(reg, T("11-20 11:01"), "--rule", "first-reply")
    assert (code, findings) == (0, [])


@pytest.mark.parametrize("action", ["note", "dispatch", "escalate"])
def test_first_reply_is_not_met_by_other_steps(reg: Reg, action: str) -> None:
    cid = new(reg, T("11-20 09:00"))
    args = {
        "note": ["--text", "客户来电"],
        "dispatch": ["--to", "工程部"],
        "escalate": ["--to", "赵经理", "--reason", "急"],
    }
    step(reg, T("11-20 10:00"), action, cid, "陈主管", *args[action])
    boundary(reg, "first-reply", T("11-20 11:00"), T("11-20 10:59"), T("11-20 11:01"))


def test_first_reply_clock_crosses_midnight(reg: Reg) -> None:
    cid = new(reg, T("11-20 23:30"), nature="request")
    finding = boundary(reg, "first-reply", T("11-21 01:30"), T("11-21 01:29"), T("11-21 01:31"))
    assert finding["id"] == cid
    assert finding["overdue_by"] == "1m"


def test_a_late_reply_still_leaves_the_clock_met(reg: Reg) -> None:
    """Only clocks still running out are reported: a reply after the due time ends it."""
    cid = new(reg, T("11-20 09:00"), nature="request")
    assert keys(run_check(reg, T("11-20 11:30"))[1]) == {(cid, "first-reply")}
    step(reg, T("11-20 11:40"), "respond", cid, "张三", "--note", "迟到的答复")
    assert run_check(reg, T("11-20 11:50")) == (0, [])


# --- initial-plan ---------------------------------------------------------------------


def test_initial_plan_runs_out_24_hours_after_receipt(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="valid-2")
    step(reg, T("11-20 09:30"), "respond", cid, "张三", "--note", "已记录")  # not a plan
    finding = boundary(reg, "initial-plan", T("11-21 09:00"), T("11-21 08:59"), T("11-21 09:01"))
    assert (finding["id"], finding["message"]) == (cid, "no plan or result")


@pytest.mark.parametrize("action", ["plan", "resolve"])
def test_initial_plan_is_met_by_a_plan_or_a_result(reg: Reg, action: str) -> None:
    cid = new(reg, T("11-20 09:00"))
    step(
        reg,
        T("11-21 08:59"),
        action,
        cid,
        "陈主管",
        "--note" if action == "plan" else "--result",
        "x",
    )
    assert run_check(reg, T("11-21 09:01"), "--rule", "initial-plan") == (0, [])


@pytest.mark.parametrize("nature", ["invalid", "request"])
def test_initial_plan_is_only_for_valid_complaints(reg: Reg, nature: str) -> None:
    new(reg, T("11-20 09:00"), nature=nature)
    assert run_check(reg, T("11-21 09:01"), "--rule", "initial-plan") == (0, [])


# --- major-answer ---------------------------------------------------------------------


def test_major_answer_runs_out_two_days_after_receipt(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), severity="major", nature="request")
    step(reg, T("11-20 09:30"), "respond", cid, "张三", "--note", "已上报")
    finding = boundary(reg, "major-answer", T("11-22 09:00"), T("11-22 08:59"), T("11-22 09:01"))
    assert (finding["id"], finding["severity"]) == (cid, "major")


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--definite", "--note", "x"],
        ["respond", "--definite", "--note", "x"],
        ["resolve", "--result", "x"],
    ],
)
def test_major_answer_is_met_by_a_definite_answer_or_a_result(reg: Reg, args: list[str]) -> None:
    # 原则及流程 五.3 (policy definite_answer): the answer is one marked definite
    cid = new(reg, T("11-20 09:00"), severity="major", nature="request")
    step(reg, T("11-22 08:59"), args[0], cid, "陈主管", *args[1:])
    assert run_check(reg, T("11-22 09:01"), "--rule", "major-answer") == (0, [])


def test_major_answer_is_not_met_by_a_tentative_plan(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), severity="major", nature="request")
    step(reg, T("11-20 10:00"), "plan", cid, "陈主管", "--note", "先排查")
    boundary(reg, "major-answer", T("11-22 09:00"), T("11-22 08:59"), T("11-22 09:01"))


def test_major_answer_is_only_for_major_complaints(reg: Reg) -> None:
    new(reg, T("11-20 09:00"), severity="important", nature="request")
    assert run_check(reg, T("11-22 09:01"), "--rule", "major-answer") == (0, [])


# --- resolve --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "due"),
    [("minor", "11-22 09:00"), ("important", "11-23 09:00"), ("major", "11-30 09:00")],
)
def test_resolve_runs_out_by_severity(reg: Reg, severity: str, due: str) -> None:
    cid = new(reg, T("11-20 09:00"), severity=severity, nature="request")
    before, after = T(due).replace("09:00:00", "08:59:00"), T(due).replace("09:00:00", "09:01:00")
    finding = boundary(reg, "resolve", T(due), before, after)
    assert (finding["id"], finding["message"], finding["severity"]) == (
        cid,
        "not resolved",
        severity,
    )


def test_resolve_is_met_by_a_result(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-22 08:59"), cid)
    assert run_check(reg, T("11-22 09:01"), "--rule", "resolve") == (0, [])


def test_resolve_is_met_by_declining_an_invalid_complaint(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="invalid")
    step(reg, T("11-22 08:59"), "reject", cid, "陈主管", "--reason", "不属物业管理范围")
    # a declined complaint is not resolved: no callback is owed either
    assert run_check(reg, T("11-30 09:00")) == (0, [])


def test_customer_deadline_earlier_than_the_policy_binds_a_minor_complaint(reg: Reg) -> None:
    new(reg, T("11-20 09:00"), nature="request", deadline=T("11-21 18:00"))
    boundary(reg, "resolve", T("11-21 18:00"), T("11-21 17:59"), T("11-21 18:01"))


def test_customer_deadline_later_than_the_policy_replaces_it(reg: Reg) -> None:
    # 原则及流程 五.1 (policy clocks.resolve.customer_deadline: replaces): "or by the
    # deadline the customer asked for", later as well as earlier
    new(reg, T("11-20 09:00"), nature="request", deadline=T("11-25 18:00"))
    boundary(reg, "resolve", T("11-25 18:00"), T("11-25 17:59"), T("11-25 18:01"))


def test_customer_deadline_later_than_the_policy_does_not_move_it_in_an_older_policy(
    reg: Reg,
) -> None:
    # a policy written before customer_deadline keeps only a deadline before the 2 days
    commit_older_policy(reg, "customer_deadline")
    new(reg, T("11-20 09:00"), nature="request", deadline=T("11-25 18:00"))
    boundary(reg, "resolve", T("11-22 09:00"), T("11-22 08:59"), T("11-22 09:01"))


def test_customer_deadline_does_not_bind_an_important_complaint(reg: Reg) -> None:
    new(reg, T("11-20 09:00"), nature="request", severity="important", deadline=T("11-21 18:00"))
    boundary(reg, "resolve", T("11-23 09:00"), T("11-23 08:59"), T("11-23 09:01"))


def test_extension_approved_by_the_manager_moves_the_deadline(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    # the manager approves by taking the step (policy approvals.by_approver)
    step(reg, T("11-21 10:00"), "extend", cid, "赵经理", "--until", T("11-24 12:00"))
    boundary(reg, "resolve", T("11-24 12:00"), T("11-24 11:59"), T("11-24 12:01"))
    # the old deadline passed long before: nothing was due then
    assert run_check(reg, T("11-22 09:01"), "--rule", "resolve") == (0, [])


def test_extension_by_the_wrong_role_is_refused_and_the_deadline_stays(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    # a supervisor; a minor complaint's extension needs the manager: his own extension
    # is only a request (policy approvals.by_approver), and his approval is refused
    asked = step(reg, T("11-21 10:00"), "extend", cid, "王主管", "--until", T("11-24 12:00"))
    assert "requested" in asked.out
    refused = reg.run(
        "approve", cid, "--by", "王主管", "--at", T("11-21 10:05"),
        env={"CMPLT_NOW": T("11-21 10:05")},
    )  # fmt: skip
    assert refused.code == 4, refused
    assert "needs manager" in refused.err
    boundary(reg, "resolve", T("11-22 09:00"), T("11-22 08:59"), T("11-22 09:01"))


def test_the_latest_extension_counts(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request", severity="important")
    for at, until in (("11-21 10:00", "11-24 12:00"), ("11-24 10:00", "11-26 12:00")):
        step(reg, T(at), "extend", cid, "孙总", "--until", T(until))  # the approver's own
    boundary(reg, "resolve", T("11-26 12:00"), T("11-26 11:59"), T("11-26 12:01"))


# --- reopening and escalation restart the clocks --------------------------------------


def test_reopen_restarts_every_clock_from_the_reopening(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request", deadline=T("11-21 09:00"))
    step(reg, T("11-20 09:30"), "respond", cid, "张三", "--note", "马上处理")
    resolve(reg, T("11-20 12:00"), cid)
    callback(reg, T("11-20 15:00"), cid, "王主管")
    step(reg, T("11-23 09:00"), "reopen", cid, "陈主管", "--reason", "客户再次来电")
    reopen_line = next(
        i
        for i, line in enumerate(reg.record(cid).read_text(encoding="utf-8").splitlines(), 1)
        if "action: reopen" in line
    )
    # the first round's reply does not answer the reopening
    finding = boundary(reg, "first-reply", T("11-23 11:00"), T("11-23 10:59"), T("11-23 11:01"))
    assert finding["line"] == reopen_line - 1
    # the customer's own deadline bound the first round only: two days from the reopening
    finding = boundary(reg, "resolve", T("11-25 09:00"), T("11-25 08:59"), T("11-25 09:01"))
    assert finding["line"] == reopen_line - 1
    # and before the reopening was recorded the record owed nothing
    assert run_check(reg, T("11-23 08:59"), "--rule", "resolve", "--rule", "first-reply") == (
        0,
        [],
    )


def test_dissatisfied_callback_is_reported_until_escalated(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    step(reg, T("11-20 09:30"), "respond", cid, "张三", "--note", "马上处理")
    resolve(reg, T("11-20 10:00"), cid)
    callback(reg, T("11-20 12:00"), cid, "王主管", "dissatisfied")
    code, findings = run_check(reg, T("11-20 11:59"), "--rule", "dissatisfied")
    assert (code, findings) == (0, [])
    code, findings = run_check(reg, T("11-20 12:01"), "--rule", "dissatisfied")
    assert code == 1
    [finding] = findings
    assert (finding["id"], finding["level"], finding["due"]) == (cid, "overdue", T("11-20 12:00"))
    assert finding["overdue_by"] == "1m"
    assert finding["message"] == "王主管 recorded dissatisfied"
    assert_line_is_event(reg, finding)
    # still there the next morning
    assert keys(run_check(reg, T("11-21 08:59"))[1]) >= {(cid, "dissatisfied")}

    step(reg, T("11-21 09:00"), "escalate", cid, "王主管", "--to", "赵经理", "--reason", "不满意")
    # escalation cleared it and started a new round, owned by the manager
    code, findings = run_check(
        reg, T("11-21 10:59"), "--rule", "dissatisfied", "--rule", "first-reply"
    )
    assert (code, findings) == (0, [])
    finding = boundary(reg, "first-reply", T("11-21 11:00"), T("11-21 10:59"), T("11-21 11:01"))
    assert finding["owner"] == "赵经理"
    boundary(reg, "resolve", T("11-23 09:00"), T("11-23 08:59"), T("11-23 09:01"))
    # the first round's callback does not count against the new round
    assert run_check(reg, T("11-23 08:59"), "--rule", "callback", "--rule", "dual-callback") == (
        0,
        [],
    )


def test_dissatisfied_callback_is_cleared_by_a_reopening(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    callback(reg, T("11-20 12:00"), cid, "王主管", "dissatisfied")
    step(reg, T("11-20 13:00"), "reopen", cid, "陈主管", "--reason", "客户不满意")
    assert run_check(reg, T("11-20 13:01"), "--rule", "dissatisfied") == (0, [])


def test_a_later_satisfied_callback_clears_dissatisfied(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    callback(reg, T("11-20 12:00"), cid, "王主管", "dissatisfied")
    callback(reg, T("11-20 13:00"), cid, "赵经理", "satisfied")
    assert run_check(reg, T("11-20 13:01"), "--rule", "dissatisfied") == (0, [])


# --- callback and dual-callback -------------------------------------------------------


def test_callback_runs_out_three_days_after_the_result(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    finding = boundary(reg, "callback", T("11-23 10:00"), T("11-23 09:59"), T("11-23 10:01"))
    assert (finding["id"], finding["message"]) == (cid, "no callback")
    assert (
        "action: resolve"
        in reg.record(cid).read_text(encoding="utf-8").splitlines()[finding["line"]]
    )


def test_any_callback_meets_the_callback_clock(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    callback(reg, T("11-23 09:59"), cid, "陈主管", "neutral")  # a cs_supervisor
    assert run_check(reg, T("11-23 10:01"), "--rule", "callback") == (0, [])


def test_dual_callback_needs_the_director_and_the_manager(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="valid-1")
    resolve(reg, T("11-20 10:00"), cid)
    callback(reg, T("11-21 10:00"), cid, "钱主任")
    callback(reg, T("11-21 11:00"), cid, "王主管")
    finding = boundary(reg, "dual-callback", T("11-23 10:00"), T("11-23 09:59"), T("11-23 10:01"))
    assert (finding["id"], finding["message"]) == (cid, "no callback by manager")
    # the plain callback clock was met by the director
    assert run_check(reg, T("11-23 10:01"), "--rule", "callback") == (0, [])


def test_dual_callback_by_both_roles_is_met(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="valid-2")
    resolve(reg, T("11-20 10:00"), cid)
    callback(reg, T("11-21 10:00"), cid, "钱主任")
    callback(reg, T("11-23 09:59"), cid, "赵经理")
    assert run_check(reg, T("11-23 10:01"), "--rule", "dual-callback") == (0, [])


def test_dual_callback_for_an_economic_loss(reg: Reg) -> None:
    lost = new(reg, T("11-20 09:00"), "--economic-loss", nature="request")
    plain = new(reg, T("11-20 09:00"), nature="request")
    for cid in (lost, plain):
        resolve(reg, T("11-20 10:00"), cid)
        callback(reg, T("11-20 11:00"), cid, "王主管")
    code, findings = run_check(reg, T("11-23 10:01"), "--rule", "dual-callback")
    assert code == 1
    assert keys(findings) == {(lost, "dual-callback")}
    assert findings[0]["message"] == "no callback by director and manager"


# --- as of a moment: entries typed late -----------------------------------------------


def test_an_entry_counts_from_when_it_happened_once_it_is_recorded(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    # the reply was given at 10:00 but only typed in at 11:00
    step(
        reg, T("11-20 10:00"), "respond", cid, "张三", "--note", "已答复", recorded=T("11-20 11:00")
    )
    # at 10:30 the registry did not know of it yet: the clock is still running
    code, findings = run_check(reg, T("11-20 10:30"), "--warn-within", "1h")
    assert code == 0
    assert [(f["rule"], f["level"], f["due"]) for f in findings] == [
        ("first-reply", "warning", T("11-20 11:00"))
    ]
    # once recorded, it met the clock at 10:00
    assert run_check(reg, T("11-20 11:00"), "--warn-within", "1h") == (0, [])


def test_a_reply_typed_after_the_deadline_is_overdue_until_it_is_recorded(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    step(
        reg, T("11-20 10:50"), "respond", cid, "张三", "--note", "已答复", recorded=T("11-20 11:30")
    )
    code, findings = run_check(reg, T("11-20 11:29"))
    assert code == 1
    assert keys(findings) == {(cid, "first-reply")}
    assert run_check(reg, T("11-20 11:30")) == (0, [])


def test_a_night_call_typed_in_the_morning_counts_from_the_call(reg: Reg) -> None:
    # received at 23:10, typed in at the 08:30 handover, no reply: due at 01:10
    cid = new(reg, T("11-20 23:10"), nature="request", recorded=T("11-21 08:30"))
    # before the handover the registry did not have it at all
    assert run_check(reg, T("11-21 08:29")) == (0, [])
    code, findings = run_check(reg, T("11-21 08:30"))
    assert code == 1
    [finding] = findings
    assert (finding["id"], finding["rule"], finding["due"]) == (
        cid,
        "first-reply",
        T("11-21 01:10"),
    )
    assert finding["overdue_by"] == "7h20m"


# --- who held it ----------------------------------------------------------------------


def test_owner_is_who_held_the_complaint_when_the_clock_ran_out(reg: Reg) -> None:
    before = new(reg, T("11-20 09:00"), nature="request")
    after = new(reg, T("11-20 09:00"), nature="request")
    step(reg, T("11-20 10:00"), "dispatch", before, "张三", "--to", "工程部")
    step(reg, T("11-20 10:30"), "escalate", before, "陈主管", "--to", "赵经理", "--reason", "急")
    step(reg, T("11-20 11:30"), "escalate", after, "陈主管", "--to", "赵经理", "--reason", "急")
    step(reg, T("11-20 11:40"), "dispatch", after, "张三", "--to", "保安部")
    code, findings = run_check(reg, T("11-20 12:00"))
    assert code == 1
    held = {f["id"]: (f["rule"], f["owner"], f["department"]) for f in findings}
    assert held == {
        before: ("first-reply", "赵经理", "工程部"),
        after: ("first-reply", "张三", None),
    }


# --- options --------------------------------------------------------------------------


def test_warn_within_reports_clocks_running_out_soon_as_warnings(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    assert run_check(reg, T("11-20 09:30"), "--warn-within", "1h") == (0, [])
    code, findings = run_check(reg, T("11-20 09:30"), "--warn-within", "2h")
    assert code == 0, "warnings alone do not fail the check"
    [finding] = findings
    assert (finding["id"], finding["rule"], finding["level"]) == (cid, "first-reply", "warning")
    assert finding["due"] == T("11-20 11:00")
    assert finding["overdue_seconds"] == -5400
    # once the clock ran out it is overdue, warnings or not
    code, findings = run_check(reg, T("11-20 11:01"), "--warn-within", "2h")
    assert code == 1
    assert [(f["rule"], f["level"]) for f in findings] == [("first-reply", "overdue")]


def test_warning_and_overdue_together_exit_1(reg: Reg) -> None:
    late = new(reg, T("11-20 07:00"), nature="request")  # due 09:00
    soon = new(reg, T("11-20 09:00"), nature="request")  # due 11:00
    code, findings = run_check(reg, T("11-20 09:30"), "--warn-within", "2h")
    assert code == 1
    assert [(f["id"], f["level"]) for f in findings] == [(late, "overdue"), (soon, "warning")]


def test_warning_overdue_by_reads_as_a_negative_duration(reg: Reg) -> None:
    """A warning's `overdue_by` is -1h30m (overdue_seconds -5400), not -1d22h30m."""
    new(reg, T("11-20 09:00"), nature="request")
    [finding] = run_check(reg, T("11-20 09:30"), "--warn-within", "2h")[1]
    assert finding["overdue_seconds"] == -5400
    assert finding["overdue_by"] == "-1h30m"


def test_rule_option_filters_the_findings(reg: Reg) -> None:
    fresh = new(reg, T("11-20 09:00"), nature="valid-1")
    done = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 09:30"), done)
    as_of = T("11-24 09:00")
    code, findings = run_check(reg, as_of)
    assert code == 1
    assert keys(findings) == {
        (fresh, "first-reply"),
        (fresh, "initial-plan"),
        (fresh, "resolve"),
        (done, "callback"),
        (None, "callback-quota"),
    }
    code, findings = run_check(reg, as_of, "--rule", "resolve", "--rule", "callback")
    assert code == 1
    assert keys(findings) == {(fresh, "resolve"), (done, "callback")}
    code, findings = run_check(reg, as_of, "--rule", "callback-quota")
    assert {f["rule"] for f in findings} == {"callback-quota"}
    # a rule with nothing to report: exit 0 although other rules are overdue
    assert run_check(reg, as_of, "--rule", "dissatisfied") == (0, [])
    result = reg.run("check", "--rule", "no-such-rule")
    assert result.code == 2, result


def test_quiet_prints_nothing_only_when_nothing_is_due(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    result = reg.run("check", "--as-of", T("11-20 10:00"), "--quiet")
    assert (result.code, result.out) == (0, "")
    result = reg.run("check", "--as-of", T("11-20 10:00"))
    assert result.code == 0 and "nothing overdue" in result.out
    result = reg.run("check", "--as-of", T("11-20 11:01"), "--quiet")
    assert result.code == 1
    assert cid in result.out and "first-reply" in result.out


def test_new_reports_a_finding_once_and_again_when_its_deadline_moves(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    step(reg, T("11-20 09:30"), "respond", cid, "张三", "--note", "已答复")

    def run_new(as_of: str) -> Result:
        return reg.run("check", "--as-of", as_of, "--new", "--quiet")

    first = run_new(T("11-22 10:00"))
    assert first.code == 1 and cid in first.out and "resolve" in first.out
    assert (reg.root / ".git" / "cmplt-check-seen.json").is_file()
    again = run_new(T("11-22 11:00"))
    assert (again.code, again.out) == (0, ""), "already reported"
    # the full check still reports it
    assert keys(run_check(reg, T("11-22 11:00"))[1]) == {(cid, "resolve")}

    step(reg, T("11-22 12:00"), "extend", cid, "赵经理", "--until", T("11-23 12:00"))
    # no --new run in between: the state still holds the old deadline's finding
    moved = reg.run("check", "--as-of", T("11-23 13:00"), "--new", "--format", "json")
    assert moved.code == 1
    [finding] = json.loads(moved.out)["findings"]
    assert (finding["id"], finding["rule"], finding["due"]) == (cid, "resolve", T("11-23 12:00"))
    assert run_new(T("11-23 14:00")).out == ""


# --- invalid records ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new_text", "marker", "message"),
    [
        # a derived field that disagrees with the events
        ("status: open", "status: closed", "status: closed", "status: says 'closed'"),
        # not YAML at all
        ("severity: minor\n", "severity: minor\n  bad: indent\n", "bad: indent", "not valid YAML"),
        # a time without its offset
        (
            "    at: '2026-11-20T09:00:00+08:00'",
            "    at: '2026-11-20T09:00'",
            "at: '2026-11-20T09:00'",
            "events.0.at",
        ),
    ],
    ids=["derived-field", "yaml-syntax", "bad-time"],
)
def test_a_broken_record_is_reported_and_the_others_are_still_checked(
    reg: Reg, old: str, new_text: str, marker: str, message: str
) -> None:
    broken = new(reg, T("11-20 09:00"), nature="request")
    other = new(reg, T("11-20 09:00"), nature="request")
    path = reg.record(broken)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new_text, 1), encoding="utf-8")
    reg.git("commit", "-qam", "hand edit")
    code, findings = run_check(reg, T("11-20 11:01"))
    assert code == 1
    assert keys(findings) == {(broken, "invalid-record"), (other, "first-reply")}
    [invalid] = of_rule(findings, "invalid-record")
    assert invalid["level"] == "error"
    assert invalid["path"] == f"complaints/2026/11/{broken}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert invalid["line"] == next(i for i, text in enumerate(lines, 1) if marker in text)
    assert invalid["message"].startswith(message), invalid
    # an invalid record alone fails the check too, whatever the as-of time
    code, findings = run_check(reg, T("11-20 10:00"))
    assert code == 1
    assert keys(findings) == {(broken, "invalid-record")}
    assert run_check(reg, T("11-20 10:00"), "--rule", "first-reply") == (0, [])


# --- the example registry -------------------------------------------------------------


def _documented_overdue(heading: str = "## Overdue as of") -> set[tuple[str, str, str]]:
    """(id, rule, deadline) from a table of examples/README.md: `Overdue as of`, or
    `Missed before` (clocks missed before AS_OF, not overdue then)."""
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"\d{6}-[0-9A-Z]{6}", cells[0]):
            rows.add((cells[0], cells[2], cells[3]))
    return rows


def test_example_registry_reports_exactly_its_documented_overdue_items(tmp_path: Path) -> None:
    documented = _documented_overdue()
    assert len(documented) == 9
    copy = tmp_path / "cuihu"
    shutil.copytree(EXAMPLES / "registry", copy)
    result = Reg(tmp_path).run(
        "--registry",
        str(copy),
        "check",
        "--as-of",
        "2026-11-28T09:00:00+08:00",
        "--format",
        "json",
    )
    assert result.code == 1, result
    findings = json.loads(result.out)["findings"]
    records = {
        (f["id"], f["rule"], f["due"][:16].replace("T", " "))
        for f in findings
        if f["id"] is not None
    }
    assert records == documented
    assert all(f["level"] == "overdue" for f in findings if f["id"] is not None)
    quotas = [f for f in findings if f["id"] is None]
    # November still runs at the as-of time: its quota shortfall is a warning
    assert [q["level"] for q in quotas] == ["warning"]
    assert [(q["rule"], q["role"], q["period"]) for q in quotas] == [
        ("callback-quota", "supervisor", "2026-11")
    ]
    assert quotas[0]["rate"] < 95 and quotas[0]["required"] == 95.0
    assert quotas[0]["called_back"] < quotas[0]["handled"]


def test_the_example_registrys_missed_clocks_were_missed_and_are_no_findings_now(
    tmp_path: Path,
) -> None:
    """The README's `Missed before` rows: an extension approved after its deadline
    (overdue until the approval, then not: the report counts it, test_report) and a
    dual callback waived at the archive (never a finding: it is in the report's
    waivers)."""
    missed = _documented_overdue("## Missed before")
    assert {rule for _id, rule, _due in missed} == {"resolve", "dual-callback"}
    copy = tmp_path / "cuihu"
    shutil.copytree(EXAMPLES / "registry", copy)
    reg = Reg(copy)
    for complaint_id, rule, due in sorted(missed):
        when = datetime.fromisoformat(f"{due}:00+08:00")
        # just after the deadline ran out, and a day later (after the approval or the
        # waiver), restricted to the record's own rule
        early, late = (
            (when + delta).isoformat() for delta in (timedelta(minutes=1), timedelta(days=1))
        )
        _, findings = run_check(reg, early, "--rule", rule)
        ran_out = (complaint_id, rule) in {(f["id"], f["rule"]) for f in findings}
        # the extension's request waited past the deadline: overdue until approved;
        # the waiver came before the window closed: never overdue
        assert ran_out == (rule == "resolve"), (complaint_id, rule, findings)
        _, findings = run_check(reg, late, "--rule", rule)
        assert complaint_id not in {f["id"] for f in findings}, findings


# --- git helpers for the policy and cache tests ---------------------------------------


def git_env(when: str) -> dict[str, str]:
    return {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}


def commit_policy(reg: Reg, when: str, edit: dict[str, str]) -> None:
    """Rewrite top-level keys of cmplt.yaml and commit it dated `when`."""
    path = reg.root / "cmplt.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in edit.items():
        text, count = re.subn(rf"(?ms)^{key}:.*?(?=^\S)", f"{key}: {value}\n", text, count=1)
        assert count == 1, key
    path.write_text(text, encoding="utf-8")
    subprocess.run(
        ["git", "commit", "-qm", "policy", "--", "cmplt.yaml"],
        cwd=reg.root,
        env=git_env(when),
        check=True,
    )


def cached_paths(reg: Reg) -> set[str]:
    """The record files whose contribution the check cache holds."""
    data = marshal.loads((reg.root / ".git" / "cmplt-check.cache").read_bytes())
    return set(data["entries"])


# --- the policy in force and the calendar ---------------------------------------------

WORKING_DAYS = "{kind: working-days, holidays: [2026-12-14], workdays: [2026-12-19]}"


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Friday 18:00 + 2 working days: 6 h on Friday, Monday, 18 h on Tuesday
        ("12-04 18:00", "12-08 18:00"),
        # Monday 14 December is a holiday: the clock pauses for it
        ("12-11 18:00", "12-16 18:00"),
        # Saturday 19 December is a 调休 working day: it counts
        ("12-18 18:00", "12-21 18:00"),
        # received on a Saturday: the clock starts on Monday
        ("12-05 10:00", "12-09 00:00"),
    ],
    ids=["weekend", "holiday", "tiaoxiu-workday", "received-on-weekend"],
)
def test_working_days_calendar(reg: Reg, received: str, due: str) -> None:
    commit_policy(reg, T("12-01 00:00"), {"calendar": WORKING_DAYS})
    cid = new(reg, T(received), nature="request")

    def shift(minutes: int) -> str:
        return (datetime.fromisoformat(T(due)) + timedelta(minutes=minutes)).isoformat()

    finding = boundary(reg, "resolve", T(due), shift(-1), shift(1))
    assert finding["id"] == cid


def test_policy_in_force_is_the_one_committed_by_the_receipt(reg: Reg) -> None:
    # the working-days policy is committed at Friday 18:00 exactly
    commit_policy(reg, T("12-04 18:00"), {"calendar": WORKING_DAYS})
    older = new(reg, T("12-04 17:59"), nature="request", summary="早一分钟")
    newer = new(reg, T("12-04 18:00"), nature="request", summary="同一时刻")
    # a minute after each due instant (a clock is overdue only once it is past)
    code, findings = run_check(reg, T("12-06 18:01"), "--rule", "resolve")
    assert code == 1
    # received a minute before the change: continuous time, two days
    assert [(f["id"], f["due"]) for f in findings] == [(older, T("12-06 17:59"))]
    code, findings = run_check(reg, T("12-08 18:01"), "--rule", "resolve")
    assert [(f["id"], f["due"]) for f in findings] == [
        (older, T("12-06 17:59")),
        (newer, T("12-08 18:00")),
    ]


def test_a_later_policy_change_moves_no_clock_until_reevaluated(reg: Reg) -> None:
    cid = new(reg, T("12-04 18:00"), nature="request")
    commit_policy(reg, T("12-05 00:00"), {"calendar": WORKING_DAYS})
    # received under the continuous policy: still due Sunday 18:00
    boundary(reg, "resolve", T("12-06 18:00"), T("12-06 17:59"), T("12-06 18:01"))
    # a manager re-evaluates (policy permissions: reevaluate)
    step(reg, T("12-06 12:00"), "reevaluate", cid, "赵经理", "--reason", "按工作日计")
    # before the re-evaluation was recorded, the old clock applies ...
    code, findings = run_check(reg, T("12-06 11:59"), "--rule", "resolve", "--warn-within", "7h")
    assert code == 0
    assert [(f["level"], f["due"]) for f in findings] == [("warning", T("12-06 18:00"))]
    # ... after it, the working-days clock from the receipt: Tuesday 18:00
    assert run_check(reg, T("12-06 18:01"), "--rule", "resolve") == (0, [])
    boundary(reg, "resolve", T("12-08 18:00"), T("12-08 17:59"), T("12-08 18:01"))


def test_policy_in_force_when_commit_times_are_out_of_order(reg: Reg) -> None:
    """A policy commit made on a machine whose clock was behind: its commit time (12-01)
    is before its parent's (12-03). At a receipt on 12-02 the versions committed at or
    before it are the template's (11-28) and this one; the latest of them is in force."""
    commit_policy(reg, T("12-03 00:00"), {"calendar": "{kind: working-days}"})
    commit_policy(
        reg, T("12-01 00:00"), {"calendar": "{kind: working-days, holidays: [2026-12-03]}"}
    )
    cid = new(reg, T("12-02 12:00"), nature="request")
    # Wednesday 12:00: 12 h on Wednesday, Thursday is a holiday, 24 h on Friday, the
    # weekend, 12 h on Monday (the template's continuous policy would say Friday 12:00)
    finding = boundary(reg, "resolve", T("12-07 12:00"), T("12-07 11:59"), T("12-07 12:01"))
    assert finding["id"] == cid


# --- the cache ------------------------------------------------------------------------


def test_a_second_run_gives_the_same_output_from_the_cache(reg: Reg) -> None:
    late = new(reg, T("11-20 09:00"), nature="request")
    done = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), done)
    age(reg)
    args = ("check", "--as-of", T("11-24 09:00"), "--format", "json")
    first = reg.run(*args)
    assert first.code == 1
    assert keys(json.loads(first.out)["findings"]) == {
        (late, "first-reply"),
        (late, "resolve"),
        (done, "callback"),
        (None, "callback-quota"),
    }
    assert cached_paths(reg) == {
        f"complaints/2026/11/{late}.yaml",
        f"complaints/2026/11/{done}.yaml",
    }
    second = reg.run(*args)
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    table = reg.run("check", "--as-of", T("11-24 09:00"))
    assert table.out == reg.run("check", "--as-of", T("11-24 09:00")).out


def test_a_record_just_written_is_not_cached(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    run_check(reg, T("11-20 11:01"))
    assert f"complaints/2026/11/{cid}.yaml" not in cached_paths(reg)


def test_a_hand_edit_committed_with_git_is_read_again(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    age(reg)
    path = reg.record(cid)
    size, inode = path.stat().st_size, path.stat().st_ino
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 11:00")
    assert f"complaints/2026/11/{cid}.yaml" in cached_paths(reg)
    move_receipt_an_hour_earlier(path)
    reg.git("commit", "-qam", "received at 08:00 (paper log)")
    assert (path.stat().st_size, path.stat().st_ino) == (size, inode)
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 10:00")
    assert run_check(reg, T("11-20 10:01"))[0] == 1


def test_a_same_size_edit_within_the_racy_window_is_read_again(reg: Reg) -> None:
    """Same size, inode and mtime: the file was too new to be cached the first time."""
    cid = new(reg, T("11-20 09:00"), nature="request")
    path = reg.record(cid)
    before = path.stat()
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 11:00")
    move_receipt_an_hour_earlier(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 10:00")


def test_a_same_size_edit_with_the_old_mtime_put_back_is_read_again(reg: Reg) -> None:
    """Same size, inode and mtime (as `cp -p`, `rsync -t` or `tar x` leave a file) on
    a file cached long ago: only the change time (ctime) still tells the edit apart."""
    cid = new(reg, T("11-20 09:00"), nature="request")
    age(reg)
    path = reg.record(cid)
    before = path.stat()
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 11:00")
    assert f"complaints/2026/11/{cid}.yaml" in cached_paths(reg)
    move_receipt_an_hour_earlier(path)
    reg.git("commit", "-qam", "received at 08:00 (paper log)")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 10:00"), "stale: the cached contribution was used"


def test_git_checkout_of_another_version_is_read_again(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    step(reg, T("11-20 10:00"), "respond", cid, "张三", "--note", "已答复")
    age(reg)
    assert run_check(reg, T("11-20 11:01")) == (0, [])
    rel = f"complaints/2026/11/{cid}.yaml"
    assert rel in cached_paths(reg)
    reg.git("checkout", "HEAD~1", "--", rel)  # the version before the reply
    assert keys(run_check(reg, T("11-20 11:01"))[1]) == {(cid, "first-reply")}
    age(reg)
    assert keys(run_check(reg, T("11-20 11:01"))[1]) == {(cid, "first-reply")}
    reg.git("checkout", "HEAD", "--", rel)
    assert run_check(reg, T("11-20 11:01")) == (0, [])


def test_git_checkout_of_a_same_size_version_is_read_again(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    path = reg.record(cid)
    move_receipt_an_hour_earlier(path)
    reg.git("commit", "-qam", "received at 08:00 (paper log)")
    age(reg)
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 10:00")
    reg.git("checkout", "HEAD~1", "--", f"complaints/2026/11/{cid}.yaml")
    [finding] = run_check(reg, T("11-20 11:01"))[1]
    assert finding["due"] == T("11-20 11:00")


def test_a_policy_commit_redated_by_a_rebase_is_not_served_from_the_cache(reg: Reg) -> None:
    """The cache key covers the policy texts; it must cover when each came into force."""
    cid = new(reg, T("12-04 18:00"), nature="request")
    commit_policy(reg, T("12-03 00:00"), {"calendar": WORKING_DAYS})  # in force at receipt
    age(reg)
    assert run_check(reg, T("12-07 09:00"), "--rule", "resolve") == (0, [])  # due Tuesday
    # `git rebase` (or --amend) gives the policy commit a new committer date, after the
    # receipt: the record now falls under the continuous policy, due Sunday 18:00
    subprocess.run(
        ["git", "commit", "-q", "--amend", "--no-edit"],
        cwd=reg.root,
        env=git_env(T("12-05 00:00")),
        check=True,
    )
    cold = reg.root / ".git" / "cmplt-check.cache"
    cached = run_check(reg, T("12-07 09:00"), "--rule", "resolve")
    cold.unlink()
    fresh = run_check(reg, T("12-07 09:00"), "--rule", "resolve")
    assert [(f["id"], f["due"]) for f in fresh[1]] == [(cid, T("12-06 18:00"))]
    assert cached == fresh, "stale: the cached contribution was used"


def test_events_recorded_out_of_order_do_not_crash_a_check_of_the_past(reg: Reg) -> None:
    """Desks with skewed clocks: the dispatch was typed in after the acceptance."""
    cid = new(reg, T("11-20 09:00"), nature="request")
    step(
        reg, T("11-20 09:10"), "dispatch", cid, "张三", "--to", "工程部", recorded=T("11-20 10:00")
    )
    step(reg, T("11-20 09:20"), "accept", cid, "李工", recorded=T("11-20 09:30"))
    assert run_check(reg, T("11-20 10:00")) == (0, [])
    # at 09:45 the registry held the receipt and the acceptance, not the dispatch
    result = reg.run("check", "--as-of", T("11-20 09:45"), "--format", "json")
    assert "Traceback" not in result.err, result.err
    assert result.code in (0, 1), result
