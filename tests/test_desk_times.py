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


def test_every_deadline_by_a_day_includes_that_day(reg: Reg) -> None:
    # received at the very last second of the 27th: `list --until 11-27` holds it
    late = reg.new("--at", "2026-11-27 23:59:59")
    shown = reg.ok("list", "--until", "11-27", "--format", "json").out
    assert late in shown
    assert reg.ok("list", "--since", "11-28", "--format", "json").out == "[]\n"
    # a call promised "by the 29th", a deadline corrected to "the 3rd": the whole day
    reg.ok("promise", late, "--by", "张三", "--call-by", "11月29日")
    reg.ok("correct", late, "--by", "张三", "--deadline", "12/03", "--reason", "客户改口")
    data = yaml.safe_load(reg.record(late).read_text(encoding="utf-8"))
    assert data["events"][1]["call_by"] == "2026-11-29T23:59:59+08:00"
    assert data["requested_deadline"] == "2026-12-03T23:59:59+08:00"
    # each option's help says which end of the day a date alone is
    for args, said in (
        (["list"], "a date alone: the end of that day"),
        (["list"], "a date alone: its start"),
        (["promise"], "a date alone: the end of that day"),
        (["correct"], "a date alone: the end of that day"),
        (["check"], "a date alone: its start"),
        (["report"], "a date alone: its start"),
    ):
        page = " ".join(reg.ok(*args, "--help", env={"COLUMNS": "300"}).out.split())
        assert said in page, (args, page)


def test_a_day_is_typed_like_a_time_for_the_report_and_a_measure(reg: Reg) -> None:
    cid = reg.new("--at", "11-02 10:00")
    shown = reg.ok("report", "--from", "2026/11/01", "--to", "11月27日", "--format", "json").out
    assert '"2026-11-01..2026-11-27"' in shown and cid in reg.ok("list").out
    head = reg.head()
    result = reg.run(
        "improve", "add", "--by", "张三", "--owner", "李工", "--title", "维修回访",
        "--category", "repair", "--due", "12-31 9:00",
    )  # fmt: skip
    assert_one_line_error(result)
    assert "--due" in result.err and "give a date alone" in result.err
    result = reg.run(
        "--lang", "zh-CN", "improve", "add", "--by", "张三", "--owner", "李工",
        "--title", "维修回访", "--category", "repair", "--due", "2026-11-31",
    )  # fmt: skip
    assert_one_line_error(result)
    assert "11 月没有 31 日" in result.err
    assert reg.head() == head
    reg.ok(
        "improve", "add", "--by", "张三", "--owner", "李工", "--title", "维修回访",
        "--category", "repair", "--due", "12/31",
    )  # fmt: skip
