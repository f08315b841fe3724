"""Who may do what, and when (issue 11): the procedures' controls as acts.

Each control is tried both ways through the real CLI: refused (its exit code, one
line naming what is needed, the registry and the repository byte for byte as they
were) and allowed, by the role the default policy (`cmplt init`) names.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.conftest import (
    Reg,
    Result,
    T,
    callback,
    keys,
    new,
    november,
    resolve,
    run_check,
    sla,
    step,
)


def state_of(reg: Reg) -> tuple[str, str, dict[str, bytes]]:
    """HEAD, `git status` and every file outside .git, byte for byte."""
    files = {
        p.relative_to(reg.root).as_posix(): p.read_bytes()
        for p in sorted(reg.root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(reg.root).parts
    }
    return reg.head(), reg.git("status", "--porcelain", "--untracked-files=all"), files


def refused(reg: Reg, *args: str, code: int = 4, at: str | None = None) -> str:
    """Run a step that must be refused: one line on stderr, nothing changed; its line."""
    before = state_of(reg)
    env = {"CMPLT_NOW": at} if at else None
    result: Result = reg.run(*args, *(["--at", at] if at else []), env=env)
    assert result.code == code, result
    assert result.out == "", result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cmplt: "), result
    assert state_of(reg) == before
    return lines[0]


def event_actions(reg: Reg, cid: str) -> list[str]:
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    return [e["action"] for e in data["events"]]


def fields(reg: Reg, cid: str) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    return data


# --- approvals are given by the approver -------------------------------------------------


def test_an_extension_typed_by_a_clerk_is_a_request_that_moves_nothing(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="important")  # handled by 11-27 09:00
    result = step(
        reg, T("11-25 10:00"), "extend", cid, "张三",
        "--until", T("11-30 09:00"), "--approved-by", "孙总",
    )  # fmt: skip
    assert "requested, not yet in effect" in result.out
    assert fields(reg, cid)["events"][-1]["requested"] is True  # type: ignore[index]
    assert "approved_by" not in fields(reg, cid)["events"][-1]  # type: ignore[index]
    # the clerk's typed name moved nothing: still overdue after 3 days
    assert (cid, "resolve") in keys(run_check(reg, T("11-27 10:00"))[1])
    assert reg.git("log", "-1", "--format=%an").strip() == "张三"


def test_only_the_approver_grants_it(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="important")
    step(reg, T("11-25 10:00"), "extend", cid, "张三", "--until", T("11-30 09:00"))
    # an important complaint's overtime is the company manager's (原则及流程 五)
    line = refused(reg, "approve", cid, "--by", "赵经理", at=T("11-25 11:00"))
    assert "company manager (company_manager)" in line and "赵经理" in line
    step(reg, T("11-25 11:00"), "approve", cid, "孙总", "--note", "同意")
    assert (cid, "resolve") not in keys(run_check(reg, T("11-27 10:00"))[1])
    assert reg.git("log", "-1", "--format=%an%n%(trailers:key=Action,valueonly)").split() == [
        "孙总",
        "approve",
    ]
    # nothing is left waiting
    line = refused(reg, "approve", cid, "--by", "孙总", at=T("11-25 12:00"))
    assert "waits for approval" in line


def test_an_approvers_own_extension_is_approved_in_one_step(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="minor")  # 11-26 09:00
    result = step(reg, T("11-25 10:00"), "extend", cid, "赵经理", "--until", T("11-30 09:00"))
    assert "requested" not in result.out
    event = fields(reg, cid)["events"][-1]  # type: ignore[index]
    assert (event["approved_by"], event["approver_role"]) == ("赵经理", "manager")
    assert (cid, "resolve") not in keys(run_check(reg, T("11-27 10:00"))[1])


def test_a_late_approval_is_still_a_missed_deadline_in_the_report(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), severity="minor")  # due 11-22 09:00
    assert (cid, "resolve") in keys(run_check(reg, T("11-23 09:00"))[1])
    result = step(reg, T("11-23 10:00"), "extend", cid, "赵经理", "--until", T("11-25 09:00"))
    assert "had passed" in result.out
    # check stops reporting it once the new deadline applies ...
    assert (cid, "resolve") not in keys(run_check(reg, T("11-24 09:00"))[1])
    resolve(reg, T("11-24 09:00"), cid)
    # ... but the report counts the clock as missed, and show marks the approval late
    assert sla(november(reg)["sla"]["all"])["all", "resolve"] == (0, 1)
    shown = reg.ok("show", cid).out
    assert "deadline already passed: 2026-11-22" in shown


def test_an_approval_given_in_time_counts_as_met(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), severity="minor")
    step(reg, T("11-21 10:00"), "extend", cid, "赵经理", "--until", T("11-25 09:00"))
    resolve(reg, T("11-24 09:00"), cid)
    assert sla(november(reg)["sla"]["all"])["all", "resolve"] == (1, 1)


def test_a_reclassification_that_gives_more_time_waits_for_the_approver(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="important")  # overdue after 11-27 09:00
    result = step(reg, T("11-27 10:00"), "reclassify", cid, "张三", "--severity", "major")
    assert "requested, not yet in effect" in result.out
    assert fields(reg, cid)["severity"] == "important"
    assert (cid, "resolve") in keys(run_check(reg, T("11-27 11:00"))[1])
    step(reg, T("11-27 12:00"), "approve", cid, "孙总")
    assert fields(reg, cid)["severity"] == "major"
    found = keys(run_check(reg, T("11-27 13:00"))[1])
    assert (cid, "resolve") not in found
    assert (cid, "major-answer") in found  # a major complaint's 2-day answer is now owed


def test_reclassifying_to_a_request_after_the_result_needs_approval(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"))  # valid-1: director and manager must call back
    step(reg, T("11-20 10:00"), "respond", cid, "张三", "--note", "已登记")
    resolve(reg, T("11-20 11:00"), cid)
    step(reg, T("11-20 12:00"), "reclassify", cid, "张三", "--nature", "request")
    assert fields(reg, cid)["nature"] == "valid-1"
    assert (cid, "dual-callback") in keys(run_check(reg, T("11-24 09:00"))[1])


def test_a_reclassification_that_shortens_a_clock_needs_no_approval(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="important")
    step(reg, T("11-24 10:00"), "reclassify", cid, "张三", "--severity", "minor")
    assert fields(reg, cid)["severity"] == "minor"


def test_a_valid_complaints_work_order_waits_for_the_supervisors_approval(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"))
    result = step(reg, T("11-27 09:10"), "dispatch", cid, "张三", "--to", "工程部")
    assert "requested" in result.out
    assert fields(reg, cid)["status"] == "open"
    line = refused(reg, "accept", cid, "--by", "李工", at=T("11-27 09:20"))
    assert "its work order waits for approval (cmplt approve)" in line
    subject = reg.git("log", "-1", "--format=%s").strip()
    assert subject == f"{cid}: dispatch to 工程部 (requested)"
    line = refused(reg, "approve", cid, "--by", "王主管", at=T("11-27 09:20"))
    assert "customer service supervisor (cs_supervisor)" in line
    step(reg, T("11-27 09:30"), "approve", cid, "陈主管")
    assert fields(reg, cid)["status"] == "dispatched"
    step(reg, T("11-27 09:40"), "accept", cid, "李工")


def test_the_supervisors_own_dispatch_is_approved_at_once(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"))
    step(reg, T("11-27 09:10"), "dispatch", cid, "陈主管", "--to", "工程部")
    assert fields(reg, cid)["status"] == "dispatched"
    invalid = new(reg, T("11-27 09:00"), nature="invalid")
    step(reg, T("11-27 09:10"), "dispatch", invalid, "张三", "--to", "工程部")
    assert fields(reg, invalid)["status"] == "dispatched"  # only valid complaints wait


# --- permissions by role ------------------------------------------------------------------


def dispatched_and_signed(reg: Reg) -> str:
    cid = new(reg, T("11-27 09:00"))
    step(reg, T("11-27 09:10"), "dispatch", cid, "陈主管", "--to", "工程部")
    return cid


def test_only_the_departments_own_people_sign_for_and_resolve_its_work_order(reg: Reg) -> None:
    cid = dispatched_and_signed(reg)
    line = refused(reg, "accept", cid, "--by", "王主管", at=T("11-27 09:20"))
    assert "王主管 is in no department" in line
    line = refused(reg, "accept", cid, "--by", "刘保安", at=T("11-27 09:20"))
    assert "保安部" in line and "工程部" in line
    step(reg, T("11-27 09:20"), "accept", cid, "李工")
    line = refused(reg, "resolve", cid, "--by", "张三", "--result", "x", at=T("11-27 10:00"))
    assert "its work order is with 工程部" in line
    resolve(reg, T("11-27 10:00"), cid, by="李工")


def test_steps_are_taken_by_the_roles_the_policy_names(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"), nature="request")
    resolve(reg, T("11-27 10:00"), cid)
    line = refused(
        reg, "callback", cid, "--by", "李工", "--satisfaction", "satisfied", at=T("11-27 11:00")
    )
    assert "李工 is staff" in line and "anyone but staff (staff)" in line
    callback(reg, T("11-27 11:00"), cid, "王主管")
    line = refused(reg, "close", cid, "--by", "李工", at=T("11-27 12:00"))
    assert "policy permissions" in line
    step(reg, T("11-27 12:00"), "close", cid, "张三")
    line = refused(reg, "reopen", cid, "--by", "张三", "--reason", "x", at=T("11-27 13:00"))
    assert "customer service supervisor (cs_supervisor) or above" in line
    step(reg, T("11-27 13:00"), "reopen", cid, "陈主管", "--reason", "客户又来电")


def test_department_staff_do_not_register_complaints(reg: Reg) -> None:
    line = refused(reg, *_new_args("李工"))
    assert "cannot new: 李工 is staff" in line


def test_the_same_person_calls_back_once_per_result(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"), nature="request")
    resolve(reg, T("11-27 10:00"), cid)
    callback(reg, T("11-27 11:00"), cid, "王主管")
    line = refused(
        reg, "callback", cid, "--by", "王主管", "--satisfaction", "satisfied", at=T("11-27 12:00")
    )
    assert "王主管 has already called the customer back" in line


def test_escalation_goes_up_the_ranks(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"))  # held by 张三, a clerk
    line = refused(reg, "escalate", cid, "--by", "张三", "--to", "刘保安", "--reason", "x",
                   at=T("11-27 10:00"))  # fmt: skip
    assert "not ranked above 张三" in line
    step(reg, T("11-27 10:00"), "escalate", cid, "张三", "--to", "王主管", "--reason", "客户要求")
    line = refused(reg, "escalate", cid, "--by", "王主管", "--to", "陈主管", "--reason", "x",
                   at=T("11-27 11:00"))  # fmt: skip
    assert "陈主管" in line and "not ranked above 王主管" in line
    step(reg, T("11-27 11:00"), "escalate", cid, "王主管", "--to", "赵经理", "--reason", "升级")


def test_the_roster_is_changed_by_a_manager_or_above(reg: Reg) -> None:
    line = refused(reg, "staff", "add", "小李", "--role", "company_manager", code=2)
    assert "--by is needed" in line
    line = refused(reg, "staff", "add", "小李", "--role", "company_manager", "--by", "张三")
    assert "cannot change the staff roster: 张三 is clerk" in line
    assert "manager (manager) or above" in line
    reg.ok("staff", "add", "小李", "--role", "clerk", "--department", "客服中心", "--by", "赵经理")
    refused(reg, "staff", "set", "小李", "--role", "manager", "--by", "陈主管")
    reg.ok("staff", "set", "小李", "--role", "cs_supervisor", "--by", "赵经理")
    roster = yaml.safe_load((reg.root / "staff.yaml").read_text(encoding="utf-8"))
    assert roster["staff"]["小李"]["role"] == "cs_supervisor"
    reg.ok("staff", "remove", "小李", "--by", "赵经理")
    roster = yaml.safe_load((reg.root / "staff.yaml").read_text(encoding="utf-8"))
    assert roster["staff"]["小李"]["removed"] is True  # kept: the records name them
    line = refused(reg, *_new_args("小李"), code=4)
    assert "小李 was removed from the staff roster" in line
    assert reg.git("log", "-1", "--format=%(trailers:key=Action,valueonly)").strip() == (
        "staff-remove"
    )


def _new_args(by: str) -> list[str]:
    return [
        "new", "--by", by, "--channel", "phone", "--customer", "王先生", "--unit", "3-1502",
        "--phone", "13800138000", "--severity", "minor", "--nature", "valid-1",
        "--subject", "facilities", "--category", "repair", "--summary", "电梯按钮失灵",
    ]  # fmt: skip


# --- closing ------------------------------------------------------------------------------


def handled_and_called_by_the_supervisor(reg: Reg) -> str:
    cid = new(reg, T("11-27 09:00"))  # valid-1: the director and the manager call back too
    resolve(reg, T("11-27 10:00"), cid)
    callback(reg, T("11-27 11:00"), cid, "王主管")
    return cid


def test_close_waits_for_the_dual_callback(reg: Reg) -> None:
    cid = handled_and_called_by_the_supervisor(reg)
    line = refused(reg, "close", cid, "--by", "张三", at=T("11-27 12:00"))
    assert "no callback by director and manager" in line and "--waive" in line
    callback(reg, T("11-27 12:00"), cid, "钱主任")
    callback(reg, T("11-27 12:10"), cid, "赵经理")
    step(reg, T("11-27 12:20"), "close", cid, "张三")
    assert run_check(reg, T("12-02 09:00"))[0] == 0


def test_close_waits_for_a_dissatisfied_customer_to_be_taken_further(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"), nature="request")
    resolve(reg, T("11-27 10:00"), cid)
    callback(reg, T("11-27 11:00"), cid, "王主管", "dissatisfied")
    line = refused(reg, "close", cid, "--by", "张三", at=T("11-27 12:00"))
    assert "王主管 recorded dissatisfied" in line


def test_a_manager_may_waive_a_missing_callback_and_the_report_counts_it(reg: Reg) -> None:
    cid = handled_and_called_by_the_supervisor(reg)
    line = refused(reg, "close", cid, "--by", "张三", "--waive", "客户出国", at=T("11-27 12:00"))
    assert "manager (manager) or above" in line
    step(reg, T("11-27 12:00"), "close", cid, "赵经理", "--waive", "客户出国，无法联系")
    assert fields(reg, cid)["status"] == "closed"
    # waived: not a finding for ever after, but the report counts the dual callback missed
    assert (cid, "dual-callback") not in keys(run_check(reg, T("12-05 09:00"))[1])
    assert sla(november(reg)["sla"]["all"])["all", "dual-callback"] == (0, 1)
    waived = november(reg)["waived"]
    assert [(w["id"], w["reason"]) for w in waived] == [(cid, "客户出国，无法联系")]


def test_nothing_to_waive_is_a_mistake(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"), nature="request")
    resolve(reg, T("11-27 10:00"), cid)
    callback(reg, T("11-27 11:00"), cid, "王主管")
    line = refused(reg, "close", cid, "--by", "赵经理", "--waive", "x", code=2, at=T("11-27 12:00"))
    assert "nothing to waive" in line


# --- decisions, trackers, promises, definite answers -----------------------------------------


def test_important_complaints_need_a_division_decision_and_a_tracker(reg: Reg) -> None:
    cid = new(reg, T("11-26 09:00"), severity="important")
    found = keys(run_check(reg, T("11-27 09:30"))[1])
    assert {(cid, "division-decision"), (cid, "tracker")} <= found
    line = refused(reg, "decide", cid, "--by", "赵经理", "--note", "x", at=T("11-27 10:00"))
    assert "division manager (division_manager)" in line
    step(reg, T("11-27 10:00"), "decide", cid, "周经理", "--note", "工程部今日处理")
    step(reg, T("11-27 10:10"), "track", cid, "陈主管", "--person", "陈主管")
    found = keys(run_check(reg, T("11-27 10:30"))[1])
    assert (cid, "division-decision") not in found and (cid, "tracker") not in found
    # both came after their 24 h: the report counts them missed
    figures = sla(november(reg)["sla"]["all"])
    assert (figures["all", "division-decision"], figures["all", "tracker"]) == ((0, 1), (0, 1))


def test_a_dispatch_may_name_the_tracker(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"), severity="important")
    step(reg, T("11-27 09:10"), "dispatch", cid, "陈主管", "--to", "工程部", "--person", "李工")
    assert (cid, "tracker") not in keys(run_check(reg, T("11-28 09:00"))[1])


def test_minor_complaints_need_neither(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"))
    found = {rule for (rid, rule) in keys(run_check(reg, T("11-27 09:00"))[1]) if rid == cid}
    assert not found & {"division-decision", "tracker"}


def test_a_promised_call_is_kept_or_reported(reg: Reg) -> None:
    kept = new(reg, T("11-26 09:00"))
    broken = new(reg, T("11-26 09:00"), unit="5-101")
    for cid in (kept, broken):
        step(reg, T("11-26 09:30"), "promise", cid, "张三", "--call-by", T("11-26 15:00"))
    step(reg, T("11-26 14:00"), "respond", kept, "张三", "--note", "已按约回电")
    found = run_check(reg, T("11-26 16:00"))[1]
    promised = [f for f in found if f["rule"] == "promise"]
    assert [(f["id"], f["due"]) for f in promised] == [(broken, "2026-11-26T15:00:00+08:00")]
    assert {"level", "owner", "severity", "summary"} <= set(promised[0])
    line = refused(reg, "promise", kept, "--by", "张三", "--call-by", T("11-26 08:00"),
                   at=T("11-26 16:00"))  # fmt: skip
    assert "--call-by must be after" in line


def test_the_customers_own_deadline_replaces_the_two_days(reg: Reg) -> None:
    later = new(reg, T("11-20 09:00"), "--deadline", T("11-25 18:00"))
    earlier = new(reg, T("11-20 09:00"), "--deadline", T("11-21 09:00"), unit="5-101")
    found = keys(run_check(reg, T("11-23 09:00"))[1])
    assert (later, "resolve") not in found and (earlier, "resolve") in found
    assert (later, "resolve") in keys(run_check(reg, T("11-25 18:01"))[1])


def test_a_major_complaint_is_owed_a_definite_answer(reg: Reg) -> None:
    tentative = new(reg, T("11-24 09:00"), severity="major")
    definite = new(reg, T("11-24 09:00"), severity="major", unit="5-101")
    step(reg, T("11-24 10:00"), "plan", tentative, "张三", "--note", "先排查")
    step(reg, T("11-24 10:00"), "plan", definite, "张三", "--note", "周五前更换", "--definite")
    found = keys(run_check(reg, T("11-26 10:00"))[1])
    assert (tentative, "major-answer") in found and (definite, "major-answer") not in found
    assert (tentative, "initial-plan") not in found  # the plan still meets the 24 h plan


# --- reward and penalty -------------------------------------------------------------------


def test_a_verified_staff_complaint_gets_its_reward_and_penalty_review(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), subject="attitude")
    other = new(reg, T("11-20 09:00"), subject="attitude", unit="5-101")
    line = refused(reg, "review", cid, "--by", "赵经理", "--outcome", "x", at=T("11-21 09:00"))
    assert "no staff member is verified" in line
    for each in (cid, other):
        step(reg, T("11-21 09:00"), "reclassify", each, "陈主管",
             "--staff-involved", "刘保安", "--staff-verified", "yes")  # fmt: skip
    line = refused(reg, "review", cid, "--by", "陈主管", "--outcome", "x", at=T("11-21 10:00"))
    assert "manager (manager) or above" in line
    step(reg, T("11-21 10:00"), "review", cid, "赵经理", "--outcome", "通报批评，扣绩效")
    reviews = november(reg, "--include-staff")["staff_reviews"]
    assert reviews == [
        {"id": other, "person": "刘保安", "outcome": None},
        {"id": cid, "person": "刘保安", "outcome": "通报批评，扣绩效"},
    ]


# --- files and history ----------------------------------------------------------------------


def test_validate_and_audit_accept_every_new_step(reg: Reg) -> None:
    # after the roster's commits (audit: a step is not recorded before its parent commit)
    cid = new(reg, T("11-29 09:00"), severity="important", subject="attitude")
    step(reg, T("11-29 09:10"), "dispatch", cid, "张三", "--to", "工程部")
    step(reg, T("11-29 09:20"), "approve", cid, "陈主管")
    step(reg, T("11-29 09:30"), "decide", cid, "周经理", "--note", "加急")
    step(reg, T("11-29 09:40"), "track", cid, "陈主管", "--person", "陈主管")
    step(reg, T("11-29 09:50"), "promise", cid, "张三", "--call-by", T("11-29 17:00"))
    step(reg, T("11-29 10:00"), "respond", cid, "张三", "--note", "明天修", "--definite")
    step(reg, T("11-29 10:10"), "accept", cid, "李工")
    step(reg, T("11-29 10:20"), "extend", cid, "李工", "--until", T("12-04 09:00"))
    step(reg, T("11-29 10:30"), "approve", cid, "孙总")
    step(reg, T("11-29 10:40"), "reclassify", cid, "陈主管",
         "--staff-involved", "李工", "--staff-verified", "yes")  # fmt: skip
    resolve(reg, T("11-30 09:00"), cid, by="李工")
    callback(reg, T("11-30 10:00"), cid, "王主管")
    step(reg, T("11-30 11:00"), "close", cid, "赵经理", "--waive", "主任出差")
    step(reg, T("11-30 12:00"), "review", cid, "赵经理", "--outcome", "警告")
    assert event_actions(reg, cid)[-1] == "review"
    assert reg.run("validate").code == 0
    audit = reg.run("audit")
    assert (audit.code, audit.out) == (0, ""), audit


def test_validate_finds_an_approval_written_in_by_hand(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="important")
    step(reg, T("11-25 10:00"), "extend", cid, "张三", "--until", T("11-30 09:00"))
    path: Path = reg.record(cid)
    text = path.read_text(encoding="utf-8")
    forged = text.replace(
        "    requested: true\n", "    approved_by: 孙总\n    approver_role: company_manager\n"
    )
    assert forged != text
    path.write_text(forged, encoding="utf-8")
    result = reg.run("validate")
    assert result.code == 1
    assert "an approval is its approver's own act; 孙总 did not take this step" in result.out


def test_validate_finds_a_reclassification_that_skipped_its_approval(reg: Reg) -> None:
    cid = new(reg, T("11-24 09:00"), severity="important")
    step(reg, T("11-25 10:00"), "reclassify", cid, "张三", "--severity", "major")
    path: Path = reg.record(cid)
    text = path.read_text(encoding="utf-8")
    # the request made to look granted: the flag gone, the fields above it following
    forged = text.replace("    requested: true\n", "").replace(
        "severity: important\n", "severity: major\n", 1
    )
    path.write_text(forged, encoding="utf-8")
    result = reg.run("validate")
    assert result.code == 1
    assert "this reclassify needed an approval (company manager) and has none" in result.out


def test_the_schema_knows_the_new_steps(reg: Reg) -> None:
    schema = reg.ok("schema", "record").out
    for action in ("approve", "decide", "track", "promise", "review"):
        assert f'"{action}"' in schema


# --- an older registry keeps its behaviour -----------------------------------------------------


def without_controls(reg: Reg) -> None:
    """The policy as it was before these controls: their keys absent."""
    path = reg.root / "cmplt.yaml"
    policy = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("ranks", "permissions", "approvals", "decisions", "definite_answer",
                "close_needs_callbacks"):  # fmt: skip
        del policy[key]
    del policy["clocks"]["resolve"]["customer_deadline"]
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    # in force from before the complaints of the test (the policy of a record's receipt)
    subprocess.run(
        ["git", "commit", "-qm", "policy without controls", "--", "cmplt.yaml"],
        cwd=reg.root,
        env={
            **os.environ,
            "GIT_AUTHOR_DATE": T("11-01 09:00"),
            "GIT_COMMITTER_DATE": T("11-01 09:00"),
        },
        check=True,
    )


def test_a_policy_without_the_controls_keeps_the_old_behaviour(reg: Reg) -> None:
    without_controls(reg)
    cid = new(reg, T("11-24 09:00"), severity="important")
    step(reg, T("11-25 10:00"), "extend", cid, "张三",
         "--until", T("11-30 09:00"), "--approved-by", "孙总")  # fmt: skip
    assert fields(reg, cid)["events"][-1]["approved_by"] == "孙总"  # type: ignore[index]
    step(reg, T("11-25 11:00"), "dispatch", cid, "张三", "--to", "工程部")
    assert fields(reg, cid)["status"] == "dispatched"
    assert not {"division-decision", "tracker"} & {
        r for _i, r in keys(run_check(reg, T("11-27 10:00"))[1])
    }
