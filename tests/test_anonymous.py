"""Anonymous complaints (匿名投诉): no phone, so nobody to call back. Such a record needs
no callback, is outside the callback quotas, and `check` does not ask for one."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import INTAKE, Reg, T, callback, new, resolve, run_check, step
from tests.test_late_entries import bad
from tests.test_schema import records_of, run_checker, schema_file


def anonymous(reg: Reg, at: str, **fields: str) -> str:
    args = ["new", "--by", "张三", "--at", at, "--anonymous"]
    for key, value in {**INTAKE, **fields}.items():
        if key != "phone":
            args += [f"--{key.replace('_', '-')}", value]
    return reg.ok(*args, env={"CMPLT_NOW": at}).out.splitlines()[0]


def test_an_anonymous_complaint_has_no_phone(reg: Reg) -> None:
    cid = anonymous(reg, T("11-28 09:00"))
    text = reg.record(cid).read_text(encoding="utf-8")
    assert "\nanonymous: true\n" in text and "\nphone:" not in text
    shown = json.loads(reg.ok("show", cid, "--format", "json").out)
    assert shown["anonymous"] is True and "phone" not in shown
    assert "Anonymous" in reg.ok("show", cid).out


def test_a_phone_is_needed_unless_anonymous(reg: Reg) -> None:
    args = ["new", "--by", "张三"]
    for key, value in INTAKE.items():
        if key != "phone":
            args += [f"--{key.replace('_', '-')}", value]
    result = bad(reg, *args, code=2)
    assert "--phone is required (or --anonymous" in result.err
    result = bad(reg, *args, "--anonymous", "--phone", "13800138000", code=2)
    assert "records no phone number" in result.err


def test_no_callback_is_asked_for_and_the_quotas_leave_it_out(reg: Reg, tmp_path: Path) -> None:
    quiet = anonymous(reg, T("11-28 09:00"))
    named = new(reg, T("11-28 09:00"))
    for cid in (quiet, named):
        step(reg, T("11-28 09:30"), "respond", cid, "张三", "--note", "已答复")
    for cid in (quiet, named):
        resolve(reg, T("11-28 10:00"), cid)
    for role in ("王主管", "赵经理", "钱主任"):
        callback(reg, T("11-28 11:00"), named, role)
    _, findings = run_check(reg, T("11-30 12:00"))
    # the named one was called back by every role; the anonymous one is not asked for,
    # and is not counted against the quotas (the supervisor's 95 % would fail at 1 of 2)
    assert findings == []
    # archived straight after the result: there is nobody to call
    step(reg, T("11-28 12:00"), "close", quiet, "张三")
    assert reg.run("validate").code == 0
    assert reg.run("audit").code == 0
    code, report = run_checker(schema_file(tmp_path, "record"), records_of(reg.root), reg.root)
    assert code == 0, report["errors"]


def test_a_phone_removed_by_hand_is_a_finding(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8").replace("phone: '13800138000'\n", ""), encoding="utf-8"
    )
    result = reg.run("validate")
    assert result.code == 1
    assert "required unless the complaint is anonymous" in result.out
