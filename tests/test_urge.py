"""A customer chasing (催单): recorded with its time and channel, a reply due within the
first-reply clock of the chase (rule `urge`), counted by the report."""

from __future__ import annotations

import json

from tests.conftest import Reg, T, new, november, run_check, step
from tests.test_late_entries import bad


def test_a_chase_asks_for_a_reply_within_the_first_reply_clock(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    step(reg, T("11-28 09:30"), "respond", cid, "张三", "--note", "已登记")
    out = step(reg, T("11-29 10:00"), "urge", cid, "张三", "--note", "怎么还没修").out
    assert out.startswith(f"{cid} urge -> open (commit "), out
    event = json.loads(reg.ok("show", cid, "--format", "json").out)["events"][-1]
    assert (event["action"], event["channel"], event["note"]) == ("urge", "phone", "怎么还没修")
    # due two hours after the chase
    assert not [f for f in run_check(reg, T("11-29 12:00"), "--rule", "urge")[1]]
    _, findings = run_check(reg, T("11-29 12:01"), "--rule", "urge")
    assert [(f["id"], f["due"]) for f in findings] == [(cid, "2026-11-29T12:00:00+08:00")]
    step(reg, T("11-29 12:30"), "respond", cid, "张三", "--note", "明早上门")
    assert not run_check(reg, T("11-29 13:00"), "--rule", "urge")[1]
    assert reg.run("audit").code == 0
    assert reg.run("validate").code == 0


def test_the_report_counts_chases_and_lists_records_chased_twice(reg: Reg) -> None:
    once, twice = new(reg, T("11-20 09:00")), new(reg, T("11-20 09:00"), unit="5-0101")
    step(reg, T("11-21 10:00"), "urge", once, "张三")
    step(reg, T("11-21 10:00"), "urge", twice, "张三", "--channel", "visit")
    step(reg, T("11-22 10:00"), "urge", twice, "张三", "--note", "第二次催")
    urges = november(reg)["urges"]
    assert urges["total"] == 3
    assert [(r["id"], r["count"]) for r in urges["records"]] == [(twice, 2), (once, 1)]
    assert urges["twice_or_more"] == [twice]
    markdown = reg.ok("report", "--period", "2026-11", env={"CMPLT_NOW": T("12-10 09:00")}).out
    assert "Records the customer chased twice or more" in markdown


def test_an_unknown_channel_is_refused(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    bad(reg, "urge", cid, "--by", "张三", "--channel", "pigeon", code=2)
