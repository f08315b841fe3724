"""Scenarios a clerk, a department or a supervisor goes through, on the real CLI.

Each test drives `cmplt` in-process through `reg.run` / `reg.ok` and checks
what ends up in the record file, in `show` and in git. The clock is frozen at
2026-11-28T09:00+08:00, so entries typed "now" carry that `recorded_at`, and
`--at` times are at or before it, in order.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import Reg, Result, commit_older_policy

NOW_LOCAL = "2026-11-28T09:00:00+08:00"


# --- helpers -----------------------------------------------------------------


def load(reg: Reg, cid: str) -> dict[str, Any]:
    """The record file as plain data (times are quoted strings in the file)."""
    data: dict[str, Any] = YAML(typ="safe").load(reg.record(cid).read_text(encoding="utf-8"))
    return data


def shown(reg: Reg, cid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(reg.ok("show", cid, "--format", "json").out)
    return data


def actions(reg: Reg, cid: str) -> list[str]:
    return [event["action"] for event in load(reg, cid)["events"]]


def due(reg: Reg, cid: str) -> str | None:
    """The deadline `show` prints for an active complaint, or None."""
    # shown as people read it (`2026-11-28 18:00`, policy timezone); compared as the files write it
    found = re.search(r"^  Due\s+(\S+) (\S+)$", reg.ok("show", cid).out, re.MULTILINE)
    return f"{found.group(1)}T{found.group(2)}:00+08:00" if found else None


def last_event(reg: Reg, cid: str) -> dict[str, Any]:
    event: dict[str, Any] = load(reg, cid)["events"][-1]
    return event


def state(reg: Reg, cid: str) -> tuple[str, bytes, str]:
    """Everything a refused step must leave alone."""
    return (
        reg.head(),
        reg.record(cid).read_bytes(),
        reg.git("status", "--porcelain", "--untracked-files=all"),
    )


def refused(reg: Reg, cid: str, *args: str, code: int = 4) -> Result:
    """Run a step that must be refused: its exit code, one line, nothing changed."""
    before = state(reg, cid)
    result = reg.run(*args)
    assert result.code == code, result
    assert "Traceback" not in result.err, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cmplt: "), result
    assert state(reg, cid) == before
    return result


def step(reg: Reg, *args: str) -> Result:
    """Run a step that must succeed, and make exactly one commit."""
    count = reg.commit_count()
    result = reg.ok(*args)
    assert reg.commit_count() == count + 1
    return result


# --- intake to archive ---------------------------------------------------------


def test_night_call_typed_in_next_morning_runs_from_intake_to_archive(reg: Reg) -> None:
    start = reg.commit_count()
    # 23:10 the night before: a call about the lift; the night shift writes it on paper
    cid = reg.new("--at", "2026-11-27T23:10:00+08:00")
    assert cid.startswith("261127-"), "the ID carries the day the complaint was received"
    step(
        reg,
        "respond",
        cid,
        "--by",
        "张三",
        "--note",
        "已告知明早派工",
        "--at",
        "2026-11-27T23:30:00+08:00",
    )
    step(
        reg,
        "plan",
        cid,
        "--by",
        "陈主管",
        "--note",
        "工程部上午更换按钮",
        "--at",
        "2026-11-28T08:00:00+08:00",
    )
    # the cs supervisor sends a valid complaint's work order, approved at once (规程 4.3.1)
    step(reg, "dispatch", cid, "--by", "陈主管", "--to", "工程部", "--at", "2026-11-28T08:10+08:00")
    step(reg, "accept", cid, "--by", "李工", "--at", "2026-11-28T08:30:00+08:00")
    out = step(
        reg,
        "resolve",
        cid,
        "--by",
        "李工",
        "--result",
        "更换按钮",
        "--at",
        "2026-11-28T08:50:00+08:00",
    ).out
    assert out.startswith(f"{cid} resolve -> resolved (commit ")
    step(reg, "callback", cid, "--by", "王主管", "--satisfaction", "satisfied")
    # a valid complaint: the director and the manager call back before it is archived
    # (回访制度 4; policy close_needs_callbacks)
    step(reg, "callback", cid, "--by", "钱主任", "--satisfaction", "satisfied")
    step(reg, "callback", cid, "--by", "赵经理", "--satisfaction", "satisfied")
    out = step(reg, "close", cid, "--by", "张三", "--note", "归档").out
    assert out.startswith(f"{cid} close -> closed")
    assert reg.commit_count() == start + 10

    record = load(reg, cid)
    assert record["status"] == "closed"
    assert record["owner"] == "张三"
    assert record["department"] == "工程部"
    assert record["received_at"] == "2026-11-27T23:10:00+08:00"
    assert [e["action"] for e in record["events"]] == [
        "received",
        "respond",
        "plan",
        "dispatch",
        "accept",
        "resolve",
        "callback",
        "callback",
        "callback",
        "close",
    ]
    # each event keeps when it happened and when it was typed in
    assert [e["at"] for e in record["events"]] == [
        "2026-11-27T23:10:00+08:00",
        "2026-11-27T23:30:00+08:00",
        "2026-11-28T08:00:00+08:00",
        "2026-11-28T08:10:00+08:00",
        "2026-11-28T08:30:00+08:00",
        "2026-11-28T08:50:00+08:00",
        NOW_LOCAL,
        NOW_LOCAL,
        NOW_LOCAL,
        NOW_LOCAL,
    ]
    assert {e["recorded_at"] for e in record["events"]} == {NOW_LOCAL}
    assert record["events"][0]["at"] != record["events"][0]["recorded_at"]
    assert record["events"][1]["note"] == "已告知明早派工"
    assert record["events"][5]["result"] == "更换按钮"
    assert record["events"][6]["satisfaction"] == "satisfied"
    # `show` tells a supervisor which entries were typed late
    text = reg.ok("show", cid).out
    assert "2026-11-27 23:10  received   张三 (recorded 2026-11-28 09:00)" in text
    assert due(reg, cid) is None, "a closed complaint has no open deadline"


def test_intake_keeps_what_the_customer_told_us(reg: Reg) -> None:
    cid = reg.new(
        "--request",
        "尽快修好",
        "--location",
        "3号楼电梯",
        "--about",
        "工程部",
        "--happened-at",
        "2026-11-27T20:00:00+08:00",
        "--deadline",
        "2026-11-28T18:00:00+08:00",
        "--urgent",
        "--urgent-note",
        "已停用电梯",
        "--economic-loss",
        "--responsible",
        "property",
        "--at",
        "2026-11-27T21:00:00+08:00",
    )
    record = load(reg, cid)
    assert record["status"] == "open"
    assert record["owner"] == "张三"
    assert record["customer"] == "王先生"
    assert record["unit"] == "3-1502"
    assert record["phone"] == "13800138000"
    assert record["request"] == "尽快修好"
    assert record["location"] == "3号楼电梯"
    assert record["happened_at"] == "2026-11-27T20:00:00+08:00"
    assert record["requested_deadline"] == "2026-11-28T18:00:00+08:00"
    assert record["urgent"] is True and record["urgent_note"] == "已停用电梯"
    assert record["economic_loss"] is True
    assert record["responsible_party"] == "property"
    received = record["events"][0]
    assert received["action"] == "received" and received["by"] == "张三"
    assert received["urgent"] is True and received["economic_loss"] is True
    # the customer's earlier deadline binds a minor complaint
    assert due(reg, cid) == "2026-11-28T18:00:00+08:00"


# --- work orders -------------------------------------------------------------------


def test_department_signs_for_the_work_order_before_it_can_resolve(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-28T07:00:00+08:00")
    # by the cs supervisor, who approves a valid complaint's work order (规程 4.3.1)
    out = step(reg, "dispatch", cid, "--by", "陈主管", "--to", "工程部", "--note", "请带按钮").out
    assert out.startswith(f"{cid} dispatch -> dispatched")
    assert load(reg, cid)["department"] == "工程部"
    assert last_event(reg, cid)["note"] == "请带按钮"

    err = refused(reg, cid, "resolve", cid, "--by", "李工", "--result", "修好").err
    assert "not been signed for" in err
    # someone from another department cannot sign for 工程部's work order
    err = refused(reg, cid, "accept", cid, "--by", "刘保安").err
    assert "保安部" in err and "工程部" in err

    step(reg, "accept", cid, "--by", "李工")
    record = load(reg, cid)
    assert record["status"] == "in_progress"
    assert record["events"][-1]["department"] == "工程部"
    refused(reg, cid, "accept", cid, "--by", "李工")  # signed for already

    step(reg, "resolve", cid, "--by", "李工", "--result", "更换按钮")
    assert load(reg, cid)["status"] == "resolved"


def test_work_order_is_passed_to_another_department(reg: Reg) -> None:
    cid = reg.new()
    # by the cs supervisor, who approves a valid complaint's work order (规程 4.3.1)
    step(reg, "dispatch", cid, "--by", "陈主管", "--to", "工程部")
    refused(reg, cid, "dispatch", cid, "--by", "陈主管", "--to", "工程部")  # already there
    step(reg, "dispatch", cid, "--by", "陈主管", "--to", "保安部")
    assert load(reg, cid)["department"] == "保安部"
    step(reg, "accept", cid, "--by", "刘保安")
    assert load(reg, cid)["status"] == "in_progress"


def test_clerk_answers_on_the_spot_without_a_work_order(reg: Reg) -> None:
    cid = reg.new()
    step(reg, "resolve", cid, "--by", "张三", "--result", "当场解释收费标准")
    record = load(reg, cid)
    assert record["status"] == "resolved"
    assert "department" not in record


def test_clerk_responds_plans_and_notes_without_changing_status(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-28T06:00:00+08:00")
    step(
        reg,
        "respond",
        cid,
        "--by",
        "张三",
        "--note",
        "已电话答复",
        "--at",
        "2026-11-28T07:00+08:00",
    )
    step(reg, "plan", cid, "--by", "陈主管", "--note", "明天上午维修", "--at", "2026-11-28T08:00")
    step(reg, "note", cid, "--by", "王主管", "--text", "客户情绪激动")
    record = load(reg, cid)
    assert record["status"] == "open"
    assert [e["action"] for e in record["events"]] == ["received", "respond", "plan", "note"]
    respond, plan, note = record["events"][1:]
    assert (respond["by"], respond["note"], respond["at"]) == (
        "张三",
        "已电话答复",
        "2026-11-28T07:00:00+08:00",
    )
    # a time typed without an offset is read in the policy timezone
    assert (plan["by"], plan["note"], plan["at"]) == (
        "陈主管",
        "明天上午维修",
        "2026-11-28T08:00:00+08:00",
    )
    assert (note["by"], note["text"], note["at"]) == ("王主管", "客户情绪激动", NOW_LOCAL)
    assert len({e["id"] for e in record["events"]}) == 4


# --- extensions (超时审批) -------------------------------------------------------------


def test_manager_approves_more_time_for_a_minor_complaint(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-27T10:00:00+08:00")
    assert due(reg, cid) == "2026-11-29T10:00:00+08:00"
    # the clerk asks; nothing moves until the manager approves (policy approvals.by_approver)
    out = step(
        reg,
        "extend",
        cid,
        "--by",
        "张三",
        "--until",
        "2026-12-01T10:00:00+08:00",
        "--note",
        "等配件",
    ).out
    assert out.startswith(f"{cid} extend -> open")
    assert "requested, not yet in effect" in out
    asked = last_event(reg, cid)
    assert asked["until"] == "2026-12-01T10:00:00+08:00"
    assert asked["requested"] is True and "approved_by" not in asked
    assert asked["note"] == "等配件"
    assert due(reg, cid) == "2026-11-29T10:00:00+08:00"
    out = step(reg, "approve", cid, "--by", "赵经理").out
    assert out.startswith(f"{cid} approve -> open")
    event = last_event(reg, cid)
    assert (event["approves"], event["by"], event["role"]) == (asked["id"], "赵经理", "manager")
    assert due(reg, cid) == "2026-12-01T10:00:00+08:00"


def test_manager_extends_a_minor_complaint_in_one_step(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-27T10:00:00+08:00")
    # the approver's own extension carries its approval (policy approvals.by_approver)
    out = step(reg, "extend", cid, "--by", "赵经理", "--until", "2026-12-01T10:00:00+08:00").out
    assert out.startswith(f"{cid} extend -> open")
    event = last_event(reg, cid)
    assert (event["approved_by"], event["approver_role"]) == ("赵经理", "manager")
    assert "requested" not in event
    assert due(reg, cid) == "2026-12-01T10:00:00+08:00"


@pytest.mark.parametrize(
    ("severity", "approver"),
    [("minor", "王主管"), ("important", "赵经理"), ("major", "周经理")],
)
def test_approval_by_the_wrong_role_is_refused(reg: Reg, severity: str, approver: str) -> None:
    cid = reg.new(severity=severity)
    step(reg, "extend", cid, "--by", "张三", "--until", "2026-12-31T00:00:00+08:00")
    before = due(reg, cid)
    err = refused(reg, cid, "approve", cid, "--by", approver).err
    assert f"cannot approve {cid}" in err
    assert approver in err
    # and their own extension is only a request too
    out = step(reg, "extend", cid, "--by", approver, "--until", "2026-12-30T00:00:00+08:00").out
    assert "requested, not yet in effect" in out
    assert due(reg, cid) == before


@pytest.mark.parametrize(
    ("severity", "approver"),
    [("minor", "王主管"), ("minor", "钱主任"), ("important", "赵经理"), ("major", "周经理")],
)
def test_extension_by_the_wrong_role_is_refused(reg: Reg, severity: str, approver: str) -> None:
    # a policy written before approvals were acts: --approved-by names the approver,
    # and the name is checked against the role the policy names (no ranks)
    commit_older_policy(reg)
    cid = reg.new(severity=severity)
    err = refused(
        reg,
        cid,
        "extend",
        cid,
        "--by",
        "张三",
        "--approved-by",
        approver,
        "--until",
        "2026-12-31T00:00:00+08:00",
    ).err
    assert f"cannot extend {cid}" in err
    assert approver in err


@pytest.mark.parametrize("severity", ["important", "major"])
def test_company_manager_approves_important_and_major_extensions(reg: Reg, severity: str) -> None:
    cid = reg.new(severity=severity)
    step(reg, "extend", cid, "--by", "孙总", "--until", "2026-12-31T00:00:00+08:00")
    event = last_event(reg, cid)
    assert (event["approved_by"], event["approver_role"]) == ("孙总", "company_manager")


def test_extension_must_move_the_deadline_later(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-27T10:00:00+08:00")  # due 2026-11-29T10:00
    for until in ("2026-11-29T10:00:00+08:00", "2026-11-29T09:00:00+08:00", "2026-11-28T09:00"):
        for by in ("张三", "赵经理"):  # neither a request nor an approver's extension
            err = refused(reg, cid, "extend", cid, "--by", by, "--until", until).err
            assert "not after the current deadline 2026-11-29 10:00" in err
    step(reg, "extend", cid, "--by", "赵经理", "--until", "2026-12-05T10:00:00+08:00")
    # the extension is now the deadline to beat
    err = refused(
        reg, cid, "extend", cid, "--by", "赵经理", "--until", "2026-12-03T10:00:00+08:00"
    ).err
    assert "2026-12-05 10:00" in err


def test_extension_counts_from_the_customers_own_deadline(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-27T10:00:00+08:00", deadline="2026-11-28T18:00:00+08:00")
    refused(reg, cid, "extend", cid, "--by", "赵经理", "--until", "2026-11-28T17:00:00+08:00")
    step(reg, "extend", cid, "--by", "赵经理", "--until", "2026-11-29T00:00:00+08:00")
    assert last_event(reg, cid)["until"] == "2026-11-29T00:00:00+08:00"
    assert due(reg, cid) == "2026-11-29T00:00:00+08:00"


# --- escalation (升级) ---------------------------------------------------------------


def test_supervisor_passes_a_complaint_up_a_level(reg: Reg) -> None:
    cid = reg.new(severity="important")
    # by the cs supervisor, who approves a valid complaint's work order (规程 4.3.1)
    step(reg, "dispatch", cid, "--by", "陈主管", "--to", "工程部")
    out = step(reg, "escalate", cid, "--by", "陈主管", "--to", "周经理", "--reason", "重要投诉").out
    assert out.startswith(f"{cid} escalate -> dispatched")
    record = load(reg, cid)
    assert record["owner"] == "周经理"
    assert record["status"] == "dispatched"
    assert (record["events"][-1]["to"], record["events"][-1]["reason"]) == ("周经理", "重要投诉")
    err = refused(reg, cid, "escalate", cid, "--by", "陈主管", "--to", "周经理", "--reason", "再次")
    assert "周经理 already holds it" in err.err


def test_dissatisfied_callback_then_escalation_reopens_handling(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-26T09:00:00+08:00")
    step(
        reg,
        "resolve",
        cid,
        "--by",
        "张三",
        "--result",
        "调整按钮",
        "--at",
        "2026-11-27T09:00:00+08:00",
    )
    step(
        reg,
        "callback",
        cid,
        "--by",
        "王主管",
        "--satisfaction",
        "dissatisfied",
        "--note",
        "按钮仍失灵",
        "--at",
        "2026-11-27T18:00:00+08:00",
    )
    assert load(reg, cid)["status"] == "called_back"
    out = step(
        reg, "escalate", cid, "--by", "王主管", "--to", "钱主任", "--reason", "客户不满意"
    ).out
    assert out.startswith(f"{cid} escalate -> open")
    record = load(reg, cid)
    assert (record["status"], record["owner"]) == ("open", "钱主任")
    # handling starts again: a new two-day clock from the escalation
    assert due(reg, cid) == "2026-11-30T09:00:00+08:00"
    step(reg, "resolve", cid, "--by", "钱主任", "--result", "更换整块面板")
    step(reg, "callback", cid, "--by", "王主管", "--satisfaction", "satisfied")
    # a valid complaint: the director and the manager call back before it is archived
    step(reg, "callback", cid, "--by", "钱主任", "--satisfaction", "satisfied")
    step(reg, "callback", cid, "--by", "赵经理", "--satisfaction", "satisfied")
    step(reg, "close", cid, "--by", "张三")
    assert actions(reg, cid) == [
        "received",
        "resolve",
        "callback",
        "escalate",
        "resolve",
        "callback",
        "callback",
        "callback",
        "close",
    ]


def test_escalation_after_the_result_reopens_handling(reg: Reg) -> None:
    cid = reg.new()
    step(reg, "resolve", cid, "--by", "张三", "--result", "已处理")
    step(reg, "escalate", cid, "--by", "陈主管", "--to", "赵经理", "--reason", "客户要求经理处理")
    assert (load(reg, cid)["status"], load(reg, cid)["owner"]) == ("open", "赵经理")


# --- reopening, rejecting, reclassifying -----------------------------------------------


def _bring_to(reg: Reg, cid: str, status: str) -> None:
    if status == "rejected":
        # by the manager, who approves what drops a valid complaint's clocks (approvals)
        step(reg, "reclassify", cid, "--by", "赵经理", "--nature", "invalid")
        step(reg, "reject", cid, "--by", "陈主管", "--reason", "不属物业管理范围")
        return
    step(reg, "resolve", cid, "--by", "张三", "--result", "已处理")
    if status in {"called_back", "closed"}:
        step(reg, "callback", cid, "--by", "王主管", "--satisfaction", "neutral")
    if status == "closed":
        # the dual callback before the archive (回访制度 4)
        step(reg, "callback", cid, "--by", "钱主任", "--satisfaction", "neutral")
        step(reg, "callback", cid, "--by", "赵经理", "--satisfaction", "neutral")
        step(reg, "close", cid, "--by", "张三")


@pytest.mark.parametrize("status", ["resolved", "called_back", "closed", "rejected"])
def test_supervisor_reopens_a_handled_complaint(reg: Reg, status: str) -> None:
    cid = reg.new()
    _bring_to(reg, cid, status)
    assert load(reg, cid)["status"] == status
    out = step(reg, "reopen", cid, "--by", "陈主管", "--reason", "客户再次来电").out
    assert out.startswith(f"{cid} reopen -> open")
    event = last_event(reg, cid)
    assert (event["action"], event["reason"], event["by"]) == ("reopen", "客户再次来电", "陈主管")
    assert load(reg, cid)["status"] == "open"
    # and it can be handled again
    step(reg, "resolve", cid, "--by", "张三", "--result", "再次处理")


@pytest.mark.parametrize("status", ["open", "dispatched", "in_progress"])
def test_an_active_complaint_cannot_be_reopened(reg: Reg, status: str) -> None:
    cid = reg.new()
    if status != "open":
        step(reg, "dispatch", cid, "--by", "陈主管", "--to", "工程部")  # approved at once
    if status == "in_progress":
        step(reg, "accept", cid, "--by", "李工")
    assert load(reg, cid)["status"] == status
    refused(reg, cid, "reopen", cid, "--by", "陈主管", "--reason", "x")


def test_only_an_invalid_complaint_is_declined(reg: Reg) -> None:
    cid = reg.new()
    err = refused(reg, cid, "reject", cid, "--by", "陈主管", "--reason", "不属物业管理范围").err
    assert "valid-1" in err and "reclassify --nature invalid" in err
    # by the manager, who approves what drops a valid complaint's clocks (approvals)
    step(reg, "reclassify", cid, "--by", "赵经理", "--nature", "invalid", "--reason", "属市政")
    out = step(reg, "reject", cid, "--by", "陈主管", "--reason", "请联系市政热线12345").out
    assert out.startswith(f"{cid} reject -> rejected")
    record = load(reg, cid)
    assert (record["status"], record["nature"]) == ("rejected", "invalid")
    assert record["events"][-1]["reason"] == "请联系市政热线12345"
    # a declined complaint is archived without a callback
    step(reg, "close", cid, "--by", "张三")
    assert load(reg, cid)["status"] == "closed"


def test_reclassify_records_from_and_to(reg: Reg) -> None:
    cid = reg.new()
    # by the manager, who approves the longer clock it gives (policy approvals)
    out = step(
        reg,
        "reclassify",
        cid,
        "--by",
        "赵经理",
        "--severity",
        "important",
        "--category",
        "security",
        "--reason",
        "涉及安全",
    ).out
    assert out.startswith(f"{cid} reclassify -> open")
    record = load(reg, cid)
    assert (record["severity"], record["category"]) == ("important", "security")
    event = record["events"][-1]
    assert event["from"] == {"severity": "minor", "category": "repair"}
    assert event["to"] == {"severity": "important", "category": "security"}
    assert event["reason"] == "涉及安全"
    # an unchanged value is not recorded as a change
    step(
        reg, "reclassify", cid, "--by", "陈主管", "--severity", "important", "--subject", "quality"
    )
    event = last_event(reg, cid)
    assert (event["from"], event["to"]) == ({"subject": "facilities"}, {"subject": "quality"})
    # the new severity sets the deadline: important is three days
    assert due(reg, cid) == "2026-12-01T09:00:00+08:00"


def test_reclassify_that_changes_nothing_is_refused(reg: Reg) -> None:
    cid = reg.new()
    err = refused(
        reg, cid, "reclassify", cid, "--by", "陈主管", "--severity", "minor", "--nature", "valid-1"
    ).err
    assert "nothing would change" in err
    refused(reg, cid, "reclassify", cid, "--by", "陈主管", "--not-urgent")


def test_reclassify_needs_something_to_change(reg: Reg) -> None:
    cid = reg.new()
    refused(reg, cid, "reclassify", cid, "--by", "陈主管", "--reason", "看看", code=2)


def test_staff_attitude_complaint_is_verified_or_not(reg: Reg) -> None:
    cid = reg.new(subject="attitude", category="security", summary="保安态度恶劣")
    step(
        reg,
        "reclassify",
        cid,
        "--by",
        "陈主管",
        "--staff-involved",
        "刘保安",
        "--staff-verified",
        "yes",
    )
    record = load(reg, cid)
    assert (record["staff_involved"], record["staff_verified"]) == ("刘保安", True)
    event = record["events"][-1]
    assert event["to"] == {"staff_involved": "刘保安", "staff_verified": True}
    assert event["from"] == {"staff_involved": None, "staff_verified": None}

    step(reg, "reclassify", cid, "--by", "赵经理", "--staff-verified", "no", "--reason", "查监控")
    record = load(reg, cid)
    assert record["staff_verified"] is False
    event = record["events"][-1]
    assert (event["from"], event["to"]) == ({"staff_verified": True}, {"staff_verified": False})
    refused(reg, cid, "reclassify", cid, "--by", "赵经理", "--staff-verified", "no")
    assert shown(reg, cid)["staff_verified"] is False


def test_flags_can_be_raised_later(reg: Reg) -> None:
    cid = reg.new()
    step(reg, "reclassify", cid, "--by", "陈主管", "--urgent", "--economic-loss")
    record = load(reg, cid)
    assert (record["urgent"], record["economic_loss"]) == (True, True)
    assert record["events"][-1]["from"] == {"urgent": False, "economic_loss": False}


# --- callbacks (回访) and archiving ------------------------------------------------------


def test_callback_records_the_callers_role_from_the_roster(reg: Reg) -> None:
    cid = reg.new()
    step(reg, "resolve", cid, "--by", "张三", "--result", "已修好")
    callers = [("王主管", "supervisor"), ("钱主任", "director"), ("赵经理", "manager")]
    for caller, _role in callers:
        out = step(
            reg,
            "callback",
            cid,
            "--by",
            caller,
            "--satisfaction",
            "satisfied",
            "--note",
            f"{caller}回访",
        ).out
        assert out.startswith(f"{cid} callback -> called back")
    events = load(reg, cid)["events"][2:]
    assert [(e["by"], e["role"], e["satisfaction"]) for e in events] == [
        (caller, role, "satisfied") for caller, role in callers
    ]
    assert events[0]["note"] == "王主管回访"


@pytest.mark.parametrize("status", ["open", "dispatched", "in_progress"])
def test_callback_waits_for_the_result(reg: Reg, status: str) -> None:
    cid = reg.new()
    if status != "open":
        step(reg, "dispatch", cid, "--by", "陈主管", "--to", "工程部")  # approved at once
    if status == "in_progress":
        step(reg, "accept", cid, "--by", "李工")
    assert load(reg, cid)["status"] == status
    err = refused(reg, cid, "callback", cid, "--by", "王主管", "--satisfaction", "satisfied").err
    assert "not resolved yet" in err


def test_close_only_after_the_callback(reg: Reg) -> None:
    cid = reg.new()
    err = refused(reg, cid, "close", cid, "--by", "张三").err
    assert "not resolved yet" in err
    step(reg, "resolve", cid, "--by", "张三", "--result", "已修好")
    err = refused(reg, cid, "close", cid, "--by", "张三").err
    assert "nobody has called the customer back yet" in err
    step(reg, "callback", cid, "--by", "王主管", "--satisfaction", "satisfied")
    # a valid complaint: not before the director's and the manager's callbacks
    err = refused(reg, cid, "close", cid, "--by", "张三").err
    assert "no callback by director and manager" in err
    step(reg, "callback", cid, "--by", "钱主任", "--satisfaction", "satisfied")
    step(reg, "callback", cid, "--by", "赵经理", "--satisfaction", "satisfied")
    step(reg, "close", cid, "--by", "张三")
    assert load(reg, cid)["status"] == "closed"
    # an archived record takes no more steps but a reopening
    for args in (
        ("note", cid, "--by", "张三", "--text", "x"),
        ("respond", cid, "--by", "张三", "--note", "x"),
        ("close", cid, "--by", "张三"),
        ("callback", cid, "--by", "王主管", "--satisfaction", "satisfied"),
    ):
        refused(reg, cid, *args)
