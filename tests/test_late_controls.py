"""Late entries meet issue 11's controls: a step typed in after later events may not
make a later approval or callback one the rules would have refused, and the
intake a correction leaves must be one `new` would take (found by review)."""

from __future__ import annotations

import yaml

from tests.conftest import Reg, T, new, run_check, step


def refused(reg: Reg, *args: str, now: str, code: int = 4) -> str:
    head = reg.head()
    result = reg.run(*args, env={"CMPLT_NOW": now})
    assert result.code == code, result
    assert len(result.err.splitlines()) == 1 and result.out == "", result
    assert reg.head() == head and reg.git("status", "--porcelain") == ""
    return result.err


def test_a_late_reclassification_may_not_leave_a_later_approval_without_its_approver(
    reg: Reg,
) -> None:
    cid = new(reg, T("11-26 08:00"))  # minor: the manager approves its extension
    step(reg, T("11-26 09:00"), "extend", cid, "张三", "--until", T("11-29 12:00"))
    step(reg, T("11-26 10:00"), "approve", cid, "赵经理")
    err = refused(
        reg, "reclassify", cid, "--by", "赵经理", "--severity", "major",
        "--at", T("11-26 09:30"), now=T("11-26 11:00"),
    )  # fmt: skip
    assert "conflicts with the later event" in err and "approve" in err


def test_a_late_extension_may_not_leave_a_later_approval_extending_nothing(reg: Reg) -> None:
    cid = new(reg, T("11-26 08:00"))
    step(reg, T("11-26 09:00"), "extend", cid, "张三", "--until", T("11-29 12:00"))
    step(reg, T("11-26 11:00"), "approve", cid, "赵经理")
    err = refused(
        reg, "extend", cid, "--by", "赵经理", "--until", T("11-30 12:00"),
        "--at", T("11-26 10:00"), now=T("11-26 12:00"),
    )  # fmt: skip
    assert "conflicts with the later event" in err


def test_a_late_callback_by_someone_who_called_back_later_is_refused(reg: Reg) -> None:
    cid = new(reg, T("11-26 08:00"), nature="request")
    step(reg, T("11-26 09:00"), "resolve", cid, "张三", "--result", "已处理")
    step(reg, T("11-26 11:00"), "callback", cid, "王主管", "--satisfaction", "satisfied")
    err = refused(
        reg, "callback", cid, "--by", "王主管", "--satisfaction", "dissatisfied",
        "--at", T("11-26 10:00"), now=T("11-26 12:00"),
    )  # fmt: skip
    assert "conflicts with the later event" in err and "callback" in err


def test_a_correction_is_not_slipped_in_before_later_events(reg: Reg) -> None:
    cid = new(reg, T("11-26 08:00"))
    step(reg, T("11-26 11:00"), "note", cid, "张三", "--note", "已联系")
    err = refused(
        reg, "correct", cid, "--by", "张三", "--unit", "3-1503", "--reason", "打错",
        "--at", T("11-26 10:00"), now=T("11-26 12:00"),
    )  # fmt: skip
    assert "a correction is recorded as it is made" in err


def test_a_correction_leaves_an_intake_new_would_take(reg: Reg) -> None:
    cid = new(reg, T("11-26 08:00"))
    err = refused(
        reg, "correct", cid, "--by", "张三", "--happened-at", T("11-26 09:00"),
        "--reason", "x", now=T("11-26 10:00"), code=2,
    )  # fmt: skip
    assert "is after the time the complaint was received" in err
    err = refused(
        reg, "correct", cid, "--by", "张三", "--deadline", T("11-25 09:00"),
        "--reason", "x", now=T("11-26 10:00"), code=2,
    )  # fmt: skip
    assert "must be after the time the complaint was received" in err


def test_a_work_order_waiting_for_approval_is_with_no_department_yet(reg: Reg) -> None:
    cid = new(reg, T("11-28 07:00"))
    step(reg, T("11-28 07:30"), "dispatch", cid, "张三", "--to", "工程部")  # a request
    record = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    assert record.get("department") is None
    findings = [f for f in run_check(reg, T("11-28 09:30"))[1] if f["id"] == cid]
    assert findings and all(f["department"] is None for f in findings)


def test_a_late_step_is_judged_on_the_history_without_what_was_voided_later(reg: Reg) -> None:
    # a work order sent to the wrong record at 09:00, voided at 11:00; the clerk then
    # types in a result the desk gave at 10:00 (a dispatched record is not resolved
    # before its department signs for it, but this dispatch never counted)
    cid = new(reg, T("11-26 08:00"))
    step(reg, T("11-26 09:00"), "dispatch", cid, "陈主管", "--to", "工程部")
    dispatch = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))["events"][1]["id"]
    step(reg, T("11-26 11:00"), "void", cid, "陈主管", dispatch, "--reason", "派错了单")
    step(
        reg, T("11-26 10:00"), "resolve", cid, "张三", "--result", "前台已处理",
        recorded=T("11-26 11:30"),
    )  # fmt: skip
    events = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))["events"]
    assert [e["action"] for e in events] == ["received", "dispatch", "resolve", "void"]
    assert reg.run("validate").code == 0
    # what was not voided still counts: without the void, the late result is refused
    other = new(reg, T("11-26 08:00"))
    step(reg, T("11-26 09:00"), "dispatch", other, "陈主管", "--to", "工程部")
    step(reg, T("11-26 11:00"), "note", other, "陈主管", "--note", "工程部已知悉")
    err = refused(
        reg, "resolve", other, "--by", "张三", "--result", "前台已处理",
        "--at", T("11-26 10:00"), now=T("11-26 11:30"),
    )  # fmt: skip
    assert "as the record stood at 2026-11-26 10:00" in err
