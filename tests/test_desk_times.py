"""Times typed at the desk (issue 14, item 2) through the real CLI: the forms a clerk
types, a date alone as the end of a deadline's day, an impossible date said why, in
both languages."""

from __future__ import annotations

import yaml

from tests.conftest import Reg, assert_one_line_error


def test_a_step_at_a_time_of_today_and_a_deadline_by_a_day(reg: Reg) -> None:
    # now: 2026-11-28 09:00 in Shanghai
    cid = reg.new("--at", "8:30", "--deadline", "2026/12/03")
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    assert data["received_at"] == "2026-11-28T08:30:00+08:00"
    # "by the 3rd" includes the 3rd
    assert data["requested_deadline"] == "2026-12-03T23:59:59+08:00"
    reg.ok("respond", cid, "--by", "张三", "--note", "已联系", "--at", "今天 8:45")
    reg.ok("extend", cid, "--by", "张三", "--approved-by", "赵经理", "--until", "2026年12月5日")
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    assert data["events"][1]["at"] == "2026-11-28T08:45:00+08:00"
    assert data["events"][-1]["until"] == "2026-12-05T23:59:59+08:00"


def test_list_since_a_day_and_until_a_day(reg: Reg) -> None:
    cid = reg.new("--at", "昨天 10:00")
    shown = reg.ok("list", "--since", "11-27", "--until", "11-27", "--format", "json").out
    assert cid in shown
    assert reg.ok("list", "--since", "今天", "--format", "json").out == "[]\n"


def test_an_impossible_date_says_why_in_both_languages(reg: Reg) -> None:
    head = reg.head()
    result = reg.run("extend", "X", "--by", "张三", "--approved-by", "赵经理", "--until", "2-30")
    assert_one_line_error(result)
    assert "--until" in result.err and "month 2 has no day 30" in result.err
    cid_args = ["--customer", "王", "--unit", "3-1", "--phone", "13800138000"]
    result = reg.run(
        "--lang",
        "zh-CN",
        "new",
        "--by",
        "张三",
        "--at",
        "2026年11月31日 9点",
        "--channel",
        "phone",
        *cid_args,
        "--severity",
        "minor",
        "--nature",
        "valid-1",
        "--subject",
        "quality",
        "--category",
        "repair",
        "--summary",
        "漏水",
    )
    assert_one_line_error(result)
    assert "11 月没有 31 日" in result.err
    assert "--at" in result.err
    assert reg.head() == head
