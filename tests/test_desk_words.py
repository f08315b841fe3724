"""What a person reads at the desk (issue 14, "one language out"): times in the one
style of the renderer, durations in the language's words, one clean line for a
mistake, a word when nothing is found — in both languages, through the real CLI."""

from __future__ import annotations

import json

from tests.conftest import Reg, T, new, step
from tests.test_late_entries import bad


def test_a_void_refused_to_its_recorder_says_when_in_the_desk_style(reg: Reg) -> None:
    cid = new(reg, T("11-26 09:00"))
    step(reg, T("11-26 09:30"), "note", cid, "张三", "--text", "客户又来电")
    note = json.loads(reg.ok("show", cid, "--format", "json").out)["events"][1]["id"]
    # two days later the clerk who typed it may no longer void it (policy desk.void: 24h)
    en = bad(reg, "void", cid, note, "--by", "张三", "--reason", "误记", code=4)
    assert "recorded by 张三 at 2026-11-26 09:30; its recorder may void it within 1d" in en.err
    zh = bad(reg, "--lang", "zh-CN", "void", cid, note, "--by", "张三", "--reason", "误记", code=4)
    assert "于 2026-11-26 09:30 录入；录入人可在 1天 内作废" in zh.err


def test_a_promised_call_not_made_shows_its_time_in_the_desk_style(reg: Reg) -> None:
    cid = new(reg, T("11-27 09:00"))
    step(reg, T("11-27 09:10"), "promise", cid, "张三", "--call-by", T("11-27 17:00"))
    for lang in ("en", "zh-CN"):
        result = reg.run("--lang", lang, "check", "--as-of", T("11-28 08:00"))
        assert result.code == 1, result
        assert "2026-11-27 17:00" in result.out, result
        assert "T17:00" not in result.out, result


def test_a_step_given_nothing_to_change_says_so_in_one_clean_line(reg: Reg) -> None:
    cid = reg.new()
    head = reg.head()
    for args, en, zh in (
        (["correct", cid, "--by", "张三", "--reason", "x"],
         "cmplt: cmplt correct: give at least one field to correct (see cmplt correct --help)\n",
         "cmplt: cmplt correct: 请至少给出一个要更正的字段 (参见 cmplt correct --help)\n"),
        (["reclassify", cid, "--by", "赵经理", "--reason", "x"],
         "cmplt: cmplt reclassify: give at least one of the options to change "
         "(see cmplt reclassify --help)\n",
         "cmplt: cmplt reclassify: 请至少给出一个要修改的选项 (参见 cmplt reclassify --help)\n"),
        (["staff", "set", "张三", "--by", "赵经理"],
         "cmplt: cmplt staff set: give --role, --department, --email or --signing-key "
         "(see cmplt staff set --help)\n",
         "cmplt: cmplt staff set: 请给出 --role、--department、--email 或 --signing-key "
         "(参见 cmplt staff set --help)\n"),
    ):  # fmt: skip
        result = reg.run(*args)
        assert (result.code, result.out, result.err) == (2, "", en)
        result = reg.run("--lang", "zh-CN", *args)
        assert (result.code, result.out, result.err) == (2, "", zh)
    assert reg.head() == head


def test_a_search_or_list_that_finds_nothing_says_so_in_one_line(reg: Reg) -> None:
    reg.new()
    for lang, search_said, list_said in (
        ("en", "no complaint matches '漏水'\n", "no complaint matches\n"),
        ("zh-CN", "没有与 '漏水' 相符的投诉\n", "没有符合条件的投诉\n"),
    ):
        result = reg.run("--lang", lang, "search", "漏水")
        assert (result.code, result.out, result.err) == (0, search_said, "")
        result = reg.run("--lang", lang, "list", "--status", "closed")
        assert (result.code, result.out, result.err) == (0, list_said, "")
    # what tools read stays as it was: an empty list, a header
    assert reg.ok("search", "漏水", "--format", "json").out == "[]\n"
    assert reg.ok("search", "漏水", "--format", "csv").out.startswith("id,received_at,")


def test_an_option_s_mistake_reads_with_the_language_s_colon(reg: Reg) -> None:
    intake = ["--by", "张三", "--channel", "phone", "--customer", "王", "--unit", "3-1",
              "--severity", "minor", "--nature", "valid-1", "--subject", "facilities",
              "--category", "repair", "--summary", "x"]  # fmt: skip
    for args, zh, en in (
        (["list", "--since", "2026-13-01"], "cmplt: --since：时间 '2026-13-01'：没有 13 月\n",
         "cmplt: --since: time '2026-13-01': there is no month 13\n"),
        (["new", *intake, "--phone", "abc"], "cmplt: --phone：不是电话号码", "cmplt: --phone: "),
    ):  # fmt: skip
        result = reg.run("--lang", "zh-CN", *args)
        assert result.code == 2 and result.err.startswith(zh), result
        result = reg.run("--lang", "en", *args)
        assert result.code == 2 and result.err.startswith(en), result


def test_a_wrapped_summary_never_starts_a_line_with_a_comma(reg: Reg) -> None:
    reg.new(summary="电梯按钮失灵，夜里无法下楼")
    # a narrow terminal leaves the summary its least, 12 columns: 电梯按钮失灵 fills
    # them, and the comma takes 灵 with it to the next line
    out = reg.ok("--lang", "zh-CN", "list", env={"COLUMNS": "40"}).out
    lines = [line.rstrip() for line in out.splitlines()[2:]]
    assert [line.split()[-1] for line in lines] == ["电梯按钮失", "灵，夜里无法", "下楼"], out
