"""Late entries in their place: a reply typed in after a note, the night shift's steps at
the morning handover. The history is the events in order of when they happened; a
late step is accepted when that history stays valid, refused naming the event it
conflicts with otherwise; `check --as-of` ignores it until it was typed in; `audit`
accepts cmplt's insertion and still catches one made by hand."""

from __future__ import annotations

import json
import os
import subprocess

from tests.conftest import Reg, Result, T, new, run_check, step
from tests.test_bad_input import snapshot

LATER = T("11-28 12:00")


def bad(reg: Reg, *args: str, code: int) -> Result:
    """A step typed in at LATER that must be refused in one line, changing nothing."""
    before = snapshot(reg)
    result = reg.run(*args, env={"CMPLT_NOW": LATER})
    assert (result.code, result.out, len(result.err.splitlines())) == (code, "", 1), result
    assert snapshot(reg) == before
    return result


def event_actions(reg: Reg, cid: str) -> list[str]:
    data = json.loads(reg.ok("show", cid, "--format", "json").out)
    return [e["action"] for e in data["events"]]


def test_a_reply_typed_in_after_a_note_goes_in_its_place(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 11:10"), "note", cid, "张三", "--text", "客户又来电")
    out = step(
        reg, T("11-28 09:40"), "respond", cid, "张三", "--note", "已答复", recorded=T("11-28 11:20")
    ).out
    assert out.startswith(f"{cid} respond -> open (commit "), out
    # the file reads in the order things happened
    assert event_actions(reg, cid) == ["received", "respond", "note"]
    text = reg.record(cid).read_text(encoding="utf-8")
    assert text.index("action: respond") < text.index("action: note")
    # the first reply was in time (09:40, due 11:00) ...
    assert "first-reply" not in {f["rule"] for f in run_check(reg, T("11-28 12:00"))[1]}
    # ... but a check of 11:15, before it was typed in, did not know it
    assert "first-reply" in {f["rule"] for f in run_check(reg, T("11-28 11:15"))[1]}
    assert reg.run("audit").code == 0
    assert reg.run("validate").code == 0


def test_a_late_entry_that_breaks_a_later_step_is_refused_naming_it(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 10:00"), "dispatch", cid, "陈主管", "--to", "工程部")
    step(reg, T("11-28 10:30"), "accept", cid, "李工")
    dispatch_id = json.loads(reg.ok("show", cid, "--format", "json").out)["events"][1]["id"]
    # resolved at 09:40? then the dispatch at 10:00 would come after the result
    result = bad(
        reg, "resolve", cid, "--by", "张三", "--result", "已修好", "--at", T("11-28 09:40"), code=4
    )
    assert f"conflicts with the later event {dispatch_id} (dispatch at 2026-11-28 10:00)" in (
        result.err
    )
    # in Chinese the steps by their labels, the times in the one style
    result = bad(
        reg, "--lang", "zh-CN", "resolve", cid, "--by", "张三", "--result", "已修好",
        "--at", T("11-28 09:40"), code=4,
    )  # fmt: skip
    assert f"在 2026-11-28 09:40 对 {cid} 补记 处理完毕" in result.err
    assert f"{dispatch_id}（派工，2026-11-28 10:00）" in result.err
    # a step not allowed as the record stood then is refused as such
    result = bad(reg, "accept", cid, "--by", "李工", "--at", T("11-28 09:30"), code=4)
    assert "as the record stood at 2026-11-28 09:30)" in result.err


def test_nothing_is_entered_into_an_archived_record_but_a_reopening(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"), nature="invalid")
    step(reg, T("11-28 10:00"), "reject", cid, "张三", "--reason", "不属物业管理范围")
    step(reg, T("11-28 10:30"), "close", cid, "张三")
    bad(reg, "note", cid, "--by", "张三", "--text", "补记", "--at", T("11-28 09:30"), code=4)


def test_audit_catches_an_insertion_made_by_hand(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 11:10"), "note", cid, "张三", "--text", "客户又来电")
    path = reg.record(cid)
    text = path.read_text(encoding="utf-8")
    note = text[text.rindex("  - id:") :]
    # the same respond event cmplt would write, put in its place by hand
    copied = note.replace("action: note", "action: respond").replace("text:", "note:")
    copied = copied.replace(T("11-28 11:10"), T("11-28 09:40"), 1)
    copied = "  - id: " + "ABCDEFGH" + copied[copied.index("\n") :]
    path.write_text(text.replace(note, copied + note), encoding="utf-8")
    env = {"GIT_AUTHOR_DATE": T("11-28 11:20"), "GIT_COMMITTER_DATE": T("11-28 11:20")}
    for args in (["add", "-A"], ["commit", "-qm", "补记"]):
        subprocess.run(["git", *args], cwd=reg.root, env={**os.environ, **env})
    result = reg.run("audit")
    assert result.code == 1, result
    assert "event ABCDEFGH inserted among events already committed" in result.out


def test_the_one_ordering_keeps_ties_in_recorded_order_and_places_a_late_step() -> None:
    from dataclasses import dataclass
    from datetime import datetime, timedelta, timezone

    from cmplt.chronology import in_history_order, place_in_history

    @dataclass
    class Ev:
        name: str
        at: datetime

    base = datetime(2026, 11, 28, 9, tzinfo=timezone(timedelta(hours=8)))
    minutes = {"a": 0, "b": 10, "c": 10, "d": 5}
    a, b, c, d = (Ev(n, base + timedelta(minutes=m)) for n, m in minutes.items())
    assert [e.name for e in in_history_order([a, b, c, d])] == ["a", "d", "b", "c"]
    history = in_history_order([a, b, c])
    assert place_in_history(history, base + timedelta(minutes=5)) == 1  # between a and b
    assert place_in_history(history, base + timedelta(minutes=10)) == 3  # after b and c
    assert place_in_history(history, base + timedelta(minutes=30)) == 3  # appended
