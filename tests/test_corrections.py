"""Putting mistakes right: `correct` changes an intake field with the old value kept in
its event, `void` marks a step recorded by mistake, which then counts for nothing. Each
changes what `check` and the report say and nothing else; `audit` accepts both and
still catches the same change made by hand."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Reg, T, commit_all, new, november, run_check, sla, step
from tests.test_late_entries import bad
from tests.test_schema import records_of, run_checker, schema_file


def events(reg: Reg, cid: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(
        reg.ok("show", cid, "--format", "json", "--show-phone").out
    )["events"]
    return data


def test_a_correction_keeps_the_old_value_and_the_intake_follows_it(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    result = step(
        reg, T("11-28 09:10"), "correct", cid, "张三",
        "--phone", "13900139000", "--unit", "3-1503", "--reason", "听错了",
    )  # fmt: skip
    # the line names the record: ID and the start of its summary
    assert result.out.startswith(f"{cid} correct -> open (commit "), result
    assert result.out.rstrip().endswith("电梯按钮失灵"), result
    event = events(reg, cid)[-1]
    assert event["from"] == {"phone": "13800138000", "unit": "3-1502"}
    assert event["to"] == {"phone": "13900139000", "unit": "3-1503"}
    shown = json.loads(reg.ok("show", cid, "--format", "json", "--show-phone").out)
    assert (shown["phone"], shown["unit"]) == ("13900139000", "3-1503")
    # masked by default, in the history too
    masked = reg.ok("show", cid, "--format", "yaml").out
    assert "13900139000" not in masked and "13800138000" not in masked
    assert "139****9000" in masked
    assert reg.run("validate").code == 0
    assert reg.run("audit").code == 0, reg.run("audit")


def test_a_corrected_deadline_moves_the_clock(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 09:05"), "respond", cid, "张三", "--note", "已登记")
    _, before = run_check(reg, T("11-29 19:00"), "--rule", "resolve")
    assert not before
    step(
        reg, T("11-28 09:10"), "correct", cid, "张三",
        "--deadline", T("11-29 18:00"), "--reason", "客户要求明天傍晚前修好",
    )  # fmt: skip
    _, after = run_check(reg, T("11-29 19:00"), "--rule", "resolve")
    assert [(f["id"], f["rule"]) for f in after] == [(cid, "resolve")]
    assert reg.run("audit").code == 0


def test_a_hand_edit_of_a_field_is_still_caught(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 09:10"), "correct", cid, "张三", "--unit", "3-1503", "--reason", "听错了")
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8").replace("\nunit: 3-1503", "\nunit: 3-1504"),
        encoding="utf-8",
    )
    commit_all(reg, "手改门牌")
    result = reg.run("audit")
    assert result.code == 1
    assert "field-edited: intake changed without an event: unit '3-1503' -> '3-1504'" in (
        result.out
    )


def test_bad_corrections_are_refused(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    bad(reg, "correct", cid, "--by", "张三", "--phone", "abc", "--reason", "x", code=2)
    bad(reg, "correct", cid, "--by", "张三", "--channel", "pigeon", "--reason", "x", code=2)
    bad(reg, "correct", cid, "--by", "张三", "--unit", "3-1502", "--reason", "x", code=4)
    bad(reg, "correct", cid, "--by", "张三", "--reason", "x", code=2)


def test_a_reply_recorded_on_the_wrong_record_is_voided(reg: Reg) -> None:
    right = new(reg, T("11-28 09:00"))
    wrong = new(reg, T("11-28 09:00"), unit="5-0101", summary="楼道灯不亮")
    # the reply meant for `right` went to `wrong` (a prefix one character off)
    step(reg, T("11-28 09:30"), "respond", wrong, "张三", "--note", "已答复")
    assert {f["id"] for f in run_check(reg, T("11-28 11:30"))[1]} == {right}
    reply = events(reg, wrong)[-1]["id"]
    out = step(
        reg, T("11-28 09:40"), "void", wrong, "张三", str(reply).lower(), "--reason", "录错单号"
    ).out
    assert out.startswith(f"{wrong} void -> open (commit ") and "楼道灯不亮" in out
    step(reg, T("11-28 09:45"), "respond", right, "张三", "--note", "已答复")
    # the voided reply meets no clock: `wrong` is now the one without a reply
    assert {f["id"] for f in run_check(reg, T("11-28 11:30"))[1]} == {wrong}
    # ... but a check of 09:35, before the void, still saw it
    assert {f["id"] for f in run_check(reg, T("11-28 09:35"), "--warn-within", "2h")[1]} == {right}
    # the event stays in the file, marked void
    assert [e["action"] for e in events(reg, wrong)] == ["received", "respond", "void"]
    assert "[void]" in reg.ok("show", wrong).out
    assert reg.run("validate").code == 0
    assert reg.run("audit").code == 0
    # the report: of the two first replies, one was in time (the voided one counts not)
    data = november(reg)
    assert data["received"] == 2
    assert sla(data["sla"]["all"])["all", "first-reply"] == (1, 2)


def test_who_may_void_and_how_soon(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 09:10"), "note", cid, "张三", "--text", "客户说是五楼")
    note = str(events(reg, cid)[-1]["id"])
    # someone else, not a supervisor (nor ranked as one): refused
    result = bad(reg, "void", cid, note, "--by", "李工", "--reason", "x", code=4)
    assert "policy desk.void" in result.err
    # the recorder, after 24 hours: refused; a supervisor at any time: allowed
    late = {"CMPLT_NOW": T("11-29 09:11")}
    assert reg.run("void", cid, note, "--by", "张三", "--reason", "x", env=late).code == 4
    reg.ok("void", cid, note, "--by", "王主管", "--reason", "误记", env=late)
    # not twice, not the receipt, not an event that is not there
    bad(reg, "void", cid, note, "--by", "王主管", "--reason", "x", code=4)
    received = str(events(reg, cid)[0]["id"])
    bad(reg, "void", cid, received, "--by", "王主管", "--reason", "x", code=4)
    bad(reg, "void", cid, "ZZZZZZZZ", "--by", "王主管", "--reason", "x", code=3)


def test_a_void_that_would_break_a_later_step_is_refused(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    # a valid complaint's work order, sent by someone who may approve it (policy approvals)
    step(reg, T("11-28 10:00"), "dispatch", cid, "陈主管", "--to", "工程部")
    step(reg, T("11-28 10:30"), "accept", cid, "李工")
    dispatch, accept = (str(e["id"]) for e in events(reg, cid)[1:3])
    result = bad(reg, "void", cid, dispatch, "--by", "陈主管", "--reason", "x", code=4)
    assert f"without it the event {accept} (accept at 2026-11-28 10:30)" in result.err
    zh = bad(
        reg, "--lang", "zh-CN", "void", cid, dispatch, "--by", "陈主管", "--reason", "x", code=4
    )
    assert f"{accept}（签收，2026-11-28 10:30）" in zh.err


def test_voiding_a_correction_puts_the_value_back(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 09:10"), "correct", cid, "张三", "--location", "3栋大堂", "--reason", "补")
    fix = str(events(reg, cid)[-1]["id"])
    step(reg, T("11-28 09:20"), "void", cid, "张三", fix, "--reason", "改错了")
    shown = json.loads(reg.ok("show", cid, "--format", "json").out)
    assert "location" not in shown
    assert reg.run("validate").code == 0
    assert reg.run("audit").code == 0
    assert november(reg)["received"] == 1


def test_every_new_kind_of_record_passes_the_json_schema(reg: Reg, tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "p.png"
    Image.new("RGB", (4, 4)).save(picture)
    first = new(reg, T("11-28 09:00"), unit="9-0909")
    reg.ok("urge", first, "--by", "张三", "--note", "催")
    reg.ok("attach", first, str(picture), "--kind", "opinion", "--by", "张三")
    repeat = reg.ok(
        "new",
        "--by",
        "张三",
        "--anonymous",
        "--repeat-of",
        first,
        "--channel",
        "visit",
        "--customer",
        "住户",
        "--unit",
        "9-0909",
        "--severity",
        "minor",
        "--nature",
        "valid-1",
        "--subject",
        "quality",
        "--category",
        "repair",
        "--summary",
        "又来",
    )
    twice = repeat.out.split()[0]
    reg.ok("reject", twice, "--by", "张三", "--duplicate-of", first, "--reason", "重复")
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 09:05"), "note", cid, "张三", "--text", "误记")
    step(
        reg, T("11-28 09:10"), "void", cid, "张三", str(events(reg, cid)[-1]["id"]), "--reason", "x"
    )
    step(
        reg, T("11-28 09:20"), "correct", cid, "张三",
        "--phone", "13900139000", "--happened-at", T("11-27 20:00"), "--reason", "更正",
    )  # fmt: skip
    code, report = run_checker(schema_file(tmp_path, "record"), records_of(reg.root), reg.root)
    assert code == 0, report["errors"]


def test_a_step_can_be_voided_in_every_status_but_closed(reg: Reg) -> None:
    from cmplt.workflow import ALLOWED_FROM, NOT_CLOSED

    assert ALLOWED_FROM["void"] == NOT_CLOSED
    cid = new(reg, T("11-28 09:00"), nature="invalid")
    for at, action, *args in (
        ("09:10", "dispatch", "--to", "工程部"),
        ("09:20", "accept"),
        ("09:30", "resolve", "--result", "已处理"),
        ("09:40", "callback", "--satisfaction", "satisfied"),
    ):
        by = {"accept": "李工", "resolve": "李工", "callback": "王主管"}.get(action, "张三")
        step(reg, T(f"11-28 {at}"), action, cid, by, *args)
        step(reg, T(f"11-28 {at}"), "note", cid, "张三", "--text", "误记")
        note = str(events(reg, cid)[-1]["id"])
        step(reg, T(f"11-28 {at}"), "void", cid, "张三", note, "--reason", "x")
    step(reg, T("11-28 09:50"), "close", cid, "张三")
    close = str(events(reg, cid)[-1]["id"])
    result = bad(reg, "void", cid, close, "--by", "王主管", "--reason", "x", code=4)
    assert result.err.startswith(f"cmplt: cannot void {cid}: "), result
