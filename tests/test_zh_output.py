"""No English in what a person reads in zh-CN (issue 14, "one language out").

Walks every command — each `--help` page, each step, the reading commands, usage
errors and refusals — in zh-CN and looks for ASCII words outside an allow-list:
IDs, commits, option names, metavars, the values a person types (stored values
shown beside their labels), rule ids, paths, and a few technical words (git,
YAML, JSON …). Machine output (`--format json|csv|yaml`, `schema`) is not read.
"""

from __future__ import annotations

import re

from cmplt import policy, rules, terms
from cmplt.cli import COMMANDS
from tests.conftest import Reg, Result, measure, run_process

# words a Chinese page may hold: names of things that are written in ASCII
TECHNICAL = {
    "cmplt", "git", "YAML", "JSON", "Schema", "draft", "ISO", "UTC", "CSV", "SLA", "ID",
    "HEAD", "cron", "pre-commit", "CI", "check-jsonschema", "schemafile", "language",
    "Asia/Shanghai", "true", "false", "UUID", "log", "p", "md", "html", "csv", "json",
    "yaml", "table", "text", "tables", "long", "previous", "this", "last", "record",
    "policy", "roster", "sites", "e.g", "zh-CN", "en", "a,b", "h", "d", "m", "s", "o", "q",
    "Complaint-Id", "Action", "Actor", "trailers", "jsonschema", "xlsx",
    "wecom", "dingtalk", "feishu", "url", "secret", "permissions",
    "ssh", "https", "origin",  # URL schemes and git's remote, as typed (clone, sync)
}  # fmt: skip
TYPED = {
    *terms.SEVERITIES, *terms.NATURES, *terms.SATISFACTIONS, *terms.STATUSES,
    *rules.ALL_RULES, *policy.Policy().channels, *policy.Policy().categories,
    *policy.Policy().subjects, *policy.Policy().responsible_parties, *policy.Policy().roles,
    "yes", "no", "open", "overdue", "done", "phone", *terms.ATTACHMENT_KINDS,
}  # fmt: skip
# "merge": of merge-driver, whose "-driver" the option pattern takes
COMMAND_NAMES = {*COMMANDS, "add", "list", "done", "set", "remove", "merge"}
ALLOWED = re.compile(
    r"""
      pre-commit | check-jsonschema | Complaint-Id | complaints/
    | %[OABP]\b | \.gitattributes | merge\.cmplt\.driver   # git's merge driver
    | \d{6}-[0-9A-HJKMNP-TV-Z]{6}          # a complaint ID
    | M-\d{6}-[0-9A-HJKMNP-TV-Z]+           # a measure ID
    | zh-CN
    | \b[0-9a-f]{7,40}\b                    # a commit
    | \b[0-9A-HJKMNP-TV-Z]{8}\b             # an event ID
    | --?[a-z][a-z-]*                       # an option
    | \b[A-Z][A-Z_]+\b                      # a metavar or an environment variable
    | [\w./-]*\.(?:yaml|json|py|lock|cache)\b  # a file
    | \.?[\w.-]*(?:/[\w.*-]+)+               # a path
    | \[[\w|.-]+\]                          # choices, [zh-CN|en]
    | \b[a-z]+\.[a-z_]+\b                   # a policy key (callback.window)
    """,
    re.VERBOSE,
)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.,/-]*")


def english_words(text: str) -> list[str]:
    left = ALLOWED.sub(" ", text)
    found = []
    for word in WORD.findall(left):
        word = word.strip(".,/-")
        if word and word not in TECHNICAL | TYPED | COMMAND_NAMES and not word.isdigit():
            found.append(word)
    return found


def zh(reg: Reg, *args: str, code: int | None = 0) -> Result:
    result = reg.run("--lang", "zh-CN", *args)
    if code is not None:
        assert result.code == code, result
    return result


def test_every_help_page_and_step_speaks_chinese(reg: Reg) -> None:
    outputs: dict[str, str] = {}

    def read(name: str, result: Result) -> None:
        outputs[name] = result.out + result.err

    read("--help", zh(reg, "--help"))
    for name in COMMANDS:
        read(f"{name} --help", zh(reg, name, "--help"))
    groups = (("staff", ("add", "set", "remove", "list")), ("improve", ("add", "done", "list")))
    for group, subs in groups:
        for sub in subs:
            read(f"{group} {sub} --help", zh(reg, group, sub, "--help"))

    intake = [
        "new", "--by", "张三", "--at", "8:00", "--channel", "电话", "--customer", "王先生",
        "--unit", "3-1502", "--phone", "13800138000", "--severity", "重要", "--nature",
        "有效投诉（一类）", "--subject", "服务质量", "--category", "维修", "--summary", "漏水",
    ]  # fmt: skip
    cid = zh(reg, *intake).out.split()[0]
    by = ["--by", "张三"]
    read("respond", zh(reg, "respond", cid, *by, "--note", "已联系", "--at", "8:10"))
    read("dispatch", zh(reg, "dispatch", cid, *by, "--to", "工程部"))  # a request
    read("approve", zh(reg, "approve", cid, "--by", "陈主管"))
    read("accept", zh(reg, "accept", cid, "--by", "李工"))
    read("plan", zh(reg, "plan", cid, *by, "--note", "明天换管"))
    read("reclassify", zh(reg, "reclassify", cid, *by, "--urgent", "--severity", "重大", code=None))
    read("approve again", zh(reg, "approve", cid, "--by", "孙总", code=None))
    read("extend", zh(reg, "extend", cid, "--by", "孙总", "--until", "12-10", code=None))
    read("extend refused", zh(reg, "extend", cid, "--by", "孙总", "--until", "11-29", code=4))
    read("note", zh(reg, "note", cid, *by, "--text", "客户来电催"))
    read("close refused", zh(reg, "close", cid, *by, code=None))
    read("resolve", zh(reg, "resolve", cid, "--by", "李工", "--result", "已换管"))
    for caller in ("王主管", "钱主任", "赵经理"):  # a valid complaint: the dual callback too
        read("callback", zh(reg, "callback", cid, "--by", caller, "--satisfaction", "满意"))
    read("close", zh(reg, "close", cid, *by))
    read("reopen", zh(reg, "reopen", cid, "--by", "陈主管", "--reason", "又漏了"))
    escalated = zh(reg, "escalate", cid, "--by", "陈主管", "--to", "赵经理", "--reason", "反复")
    read("escalate", escalated)
    read("reevaluate", zh(reg, "reevaluate", cid, "--by", "赵经理", "--reason", "新规程"))
    other = zh(reg, *intake[:-2], "--summary", "噪音", "--at", "8:30").out.split()[0]
    read("reject", zh(reg, "reject", other, *by, "--reason", "不属物业范围", code=None))
    read(
        "staff add",
        zh(
            reg,
            "staff",
            "add",
            "吴敏",
            "--role",
            "客服员",
            "--department",
            "客服中心",
            "--by",
            "赵经理",
        ),
    )
    read("staff list", zh(reg, "staff", "list"))
    read("show", zh(reg, "show", cid))
    read("log", zh(reg, "log", cid))
    read("list", zh(reg, "list"))
    read("search", zh(reg, "search", "3栋1502"))
    read("list --overdue", zh(reg, "list", "--overdue", "--unit", "3栋"))
    read("check", zh(reg, "check", "--as-of", "11-28 09:00"))
    read("validate", zh(reg, "validate"))
    read("audit", zh(reg, "audit"))
    read("repair", zh(reg, "repair"))
    read("report", zh(reg, "report", "--period", "2026-11", "--as-of", "11-28 09:00"))
    mid = measure(reg, "2026-11-28T09:00:00+08:00")
    read("improve list", zh(reg, "improve", "list"))
    read("improve done", zh(reg, "improve", "done", mid, *by, "--note", "已完成"))
    # mistakes: click's words and ours
    read("unknown option", zh(reg, "list", "--bogus", code=2))
    read("missing option", zh(reg, "new", "--by", "张三", code=2))
    read("bad choice", zh(reg, "list", "--severity", "严重", code=2))
    read("bad time", zh(reg, "list", "--since", "11-31", code=2))
    phone = intake.index("--phone")
    bad_phone = [*intake[:phone], "--phone", "call me", *intake[phone + 2 :]]
    result = zh(reg, *bad_phone, code=2)
    assert "--phone" in result.err and "call me" not in result.err, result
    read("bad phone", result)
    read("unknown id", zh(reg, "show", "261128-ZZZZZZ", code=3))

    english = {name: english_words(text) for name, text in outputs.items()}
    found = {name: words for name, words in english.items() if words}
    assert not found, "\n".join(f"{name}: {words}" for name, words in found.items())


def test_the_allow_list_sees_english() -> None:
    # the check itself: English is found, IDs, options and typed values are not
    assert english_words("261128-XDJHM1 responded -> 已受理（提交 e09bd58b00）") == ["responded"]
    assert english_words("缺少选项 '--channel'。用法: cmplt new [OPTIONS]") == []
    assert english_words("minor (轻微), important (重要)") == []
    assert english_words("Show the message and exit.") == ["Show", "the", "message", "and", "exit"]


def test_help_and_usage_errors_follow_the_language(reg: Reg) -> None:
    en = reg.run("--lang", "en", "new", "--help")
    assert "Usage: cmplt new" in en.out and "Severity (程度)" in en.out
    cn = reg.run("--lang", "zh-CN", "new", "--help")
    assert "用法:" in cn.out and "显示本帮助后退出。" in cn.out and "[必填]" in cn.out
    assert "Show this message" not in cn.out
    # the same process, English again: click's words are not kept in the last language
    assert "Show this message and exit." in reg.run("--lang", "en", "list", "--help").out
    # a policy's `language:` holds for the help pages too
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "\nlanguage: zh-CN\n" in text
    policy.write_text(text.replace("\nlanguage: zh-CN\n", "\nlanguage: en\n"), encoding="utf-8")
    shown = reg.run("list", "--help", env={"CMPLT_LANG": ""})
    assert "Only these statuses" in shown.out, shown
    # in its own process, before any model is imported: read from the file's line
    shown = run_process("list", "--help", cwd=reg.root, env={"CMPLT_LANG": ""})
    assert "Only these statuses" in shown.out, shown
    error = reg.run("--lang", "zh-CN", "list", "--owner")
    assert error.code == 2 and "选项 '--owner' 需要 1 个值。" in error.err, error
