"""Bounds (issue #10, item 6): a value cmplt cannot hold is one line, and nothing changes.

Times outside the policy's plausible window, times and durations so large that
Python's datetime would overflow, a wall-clock time a DST gap skips, staff names
git cannot keep as an author, control characters in typed text, and a record
that would grow past what cmplt reads: each is refused with one line on stderr,
and the registry and its repository are byte for byte as they were. What is
written is read back the same by a YAML 1.1 reader, and tables never let a
control character already in a file reach the terminal.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import INTAKE, NOW, Reg, Result, commit_all

ZONE = re.compile(r"(?m)^timezone: .*$")


def state(reg: Reg) -> tuple[dict[str, bytes], str, str]:
    """Every file of the registry (outside .git), HEAD and `git status`."""
    files = {
        p.relative_to(reg.root).as_posix(): p.read_bytes()
        for p in sorted(reg.root.rglob("*"))
        if ".git" not in p.relative_to(reg.root).parts and p.is_file()
    }
    return files, reg.head(), reg.git("status", "--porcelain")


def refused(reg: Reg, *args: str, code: int = 2) -> Result:
    """Run a command that must be refused: exit `code`, one `cmplt:` line, nothing changed."""
    before = state(reg)
    result = reg.run(*args)
    assert result.code == code, result
    assert result.out == "", result
    assert len(result.err.splitlines()) == 1, result
    assert result.err.startswith("cmplt: "), result
    assert "Traceback" not in result.err, result
    assert state(reg) == before
    return result


def new_args(**fields: str) -> list[str]:
    args = ["new", "--by", "张三"]
    for key, value in {**INTAKE, **fields}.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


# --- times out of the plausible window ---------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--at", "1926-12-01T10:00", "the year must be between 1970 and 2999"),
        ("--at", "1969-12-31T23:59+00:00", "the year must be between 1970 and 2999"),
        ("--at", "2020-06-01T10:00", "not a plausible time"),
        ("--at", "0001-01-01T00:00+14:00", "the year must be between"),
        ("--happened-at", "2019-11-20T10:00", "not a plausible time"),
        ("--happened-at", "2030-01-01T10:00", "not a plausible time"),
        ("--deadline", "9999-12-31T23:59+00:00", "the year must be between"),
        ("--deadline", "2999-12-31T23:59+00:00", "not a plausible time"),
        ("--deadline", "2032-01-01T00:00", "not a plausible time"),
    ],
)
def test_a_clerk_typing_an_implausible_time_is_refused(
    reg: Reg, option: str, value: str, says: str
) -> None:
    result = refused(reg, *new_args(), option, value)
    assert option in result.err and says in result.err


def test_times_inside_the_window_are_taken(reg: Reg) -> None:
    reg.ok(
        *new_args(),
        "--at", "2025-01-01T00:00",
        "--happened-at", "2025-01-01T00:00",
        "--deadline", "2031-11-01T00:00",
    )  # fmt: skip


def test_the_policy_sets_the_earliest_day(reg: Reg) -> None:
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("bounds:\n", "bounds:\n  earliest: 2026-06-01\n"), "utf-8")
    commit_all(reg, "bounds: earliest")
    result = refused(reg, *new_args(), "--at", "2026-05-31T23:00")
    assert "2026-06-01" in result.err
    reg.ok(*new_args(), "--at", "2026-06-01T00:00")


def test_a_supervisor_extending_to_an_implausible_day_is_refused(reg: Reg) -> None:
    cid = reg.new()
    # the manager extends: his own extension carries his approval (policy approvals)
    approve = ["extend", cid, "--by", "赵经理", "--until"]
    refused(reg, *approve, "9999-12-31T23:59+00:00")
    refused(reg, *approve, "2999-12-31T23:59+00:00")
    refused(reg, *approve, "2040-01-01T00:00")
    reg.ok(*approve, "2027-01-01T00:00")


def test_a_step_at_an_implausible_time_is_refused(reg: Reg) -> None:
    cid = reg.new()
    refused(reg, "respond", cid, "--by", "张三", "--note", "好", "--at", "1926-11-28T10:00")
    refused(reg, "note", cid, "--by", "张三", "--text", "好", "--at", "0001-01-01T00:00+14:00")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--warn-within", "99999999999d"],
        ["check", "--warn-within", "99999999d"],
        ["check", "--warn-within", "36601d"],
        ["check", "--as-of", "9999-12-31T23:59+00:00"],
        ["check", "--as-of", "0001-01-01T00:00+14:00"],
        ["list", "--since", "9999-12-31T23:59+00:00"],
        ["list", "--until", "0001-01-01T00:00+14:00"],
        ["report", "--as-of", "9999-12-31T23:59+00:00"],
        ["report", "--from", "0001-01-01", "--to", "9999-12-31"],
        ["report", "--period", "9999-12"],
    ],
)
def test_huge_times_and_durations_on_reading_commands_are_one_line(
    reg: Reg, args: list[str]
) -> None:
    reg.new()
    refused(reg, *args)


def test_a_measure_due_in_the_far_future_is_refused(reg: Reg) -> None:
    add = ["improve", "add", "--by", "张三", "--owner", "李工", "--title", "维修回访"]
    add += ["--category", "repair", "--due"]
    result = refused(reg, *add, "9999-12-31")
    assert "--due" in result.err
    reg.ok(*add, "2027-06-30")


def test_a_time_in_a_dst_gap_is_refused(reg: Reg) -> None:
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(ZONE.sub("timezone: America/New_York", text), encoding="utf-8")
    commit_all(reg, "policy: New York")
    result = refused(reg, *new_args(), "--at", "2026-03-08T02:30")
    assert "does not exist" in result.err
    cid = reg.new("--at", "2026-03-08T03:30")
    assert "'2026-03-08T03:30:00-04:00'" in reg.record(cid).read_text(encoding="utf-8")


# --- staff names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "张<三>",
        "a>b",
        "李\n四",
        "王\x1b[31m五",
        "赵\u202e六",
        "...",
        ".,;",
        "张三.",
        "'钱'",
    ],
)
def test_a_staff_name_git_cannot_keep_is_refused(reg: Reg, name: str) -> None:
    # by a manager, who may change the roster (policy permissions: staff): refused for the name
    refused(reg, "staff", "add", name, "--role", "clerk", "--by", "赵经理")


# --- control characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer", "王\x1b[2J先生"),
        ("unit", "3-15\r02"),
        ("summary", "电梯\n按钮失灵"),
        ("summary", "电梯\u202e按钮"),
        ("summary", "电梯\x85按钮"),
        ("location", "大堂\x07"),
        ("about", "保安\u2066部"),
        ("request", "尽快\x1b[0m修好"),
    ],
)
def test_control_characters_in_intake_are_refused(reg: Reg, field: str, value: str) -> None:
    result = refused(reg, *new_args(**{field: value}))
    assert f"--{field.replace('_', '-')}" in result.err


def test_a_note_keeps_its_line_breaks_but_not_other_controls(reg: Reg) -> None:
    cid = reg.new()
    refused(reg, "note", cid, "--by", "张三", "--text", "第一行\x1b]0;x\x07")
    refused(reg, "note", cid, "--by", "张三", "--text", "第一行\x0b第二行")
    refused(reg, "note", cid, "--by", "张三", "--text", "第一行\u202e第二行")
    reg.ok("note", cid, "--by", "张三", "--text", "第一行\n第二行")
    reg.ok("note", cid, "--by", "张三", "--text", "第一行\r\n\t第二行")


def test_tables_show_control_characters_escaped(reg: Reg) -> None:
    cid = reg.new()
    path = reg.record(cid)
    text = path.read_text(encoding="utf-8")
    text = text.replace("customer: 王先生", 'customer: "王\\e[31m先生\\r\\nX"')
    text = text.replace("summary: 电梯按钮失灵", 'summary: "电梯\\u202e按钮"')
    path.write_text(text, encoding="utf-8")
    commit_all(reg, "a hand edit with control characters")
    listed = reg.ok("list").out
    assert "\x1b" not in listed and "\r" not in listed and "\u202e" not in listed
    assert "王\\x1b[31m先生\\r\\nX" in listed
    assert len(listed.splitlines()) == 3  # header, rule, one row
    shown = reg.ok("show", cid).out
    assert "\x1b" not in shown and "\u202e" not in shown and "\\u202e" in shown
    checked = reg.ok("check", "--as-of", NOW, "--warn-within", "3d", "--format", "table")
    assert "\u202e" not in checked.out and "\\u202e" in checked.out


# --- what a YAML 1.1 reader makes of what cmplt writes -----------------------------------

MISREAD = [
    "yes", "No", "ON", "off", "y", "N", "12:30", "0o17", "~", "null", "NULL", ".inf",
    "-.Inf", ".NaN", "0x1F", "1_000", "+12", "<<", "=", "2026-11-28", "true", "0b101",
]  # fmt: skip


@pytest.mark.parametrize("value", MISREAD)
def test_every_string_reads_back_as_itself_in_yaml_1_1(reg: Reg, value: str) -> None:
    cid = reg.new(customer=value, unit=value, location=value, about=value, summary=value)
    reg.ok("note", cid, "--by", "张三", "--text", value)
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    for key in ("customer", "unit", "location", "about", "summary"):
        assert data[key] == value, (key, data[key])
    assert data["events"][1]["text"] == value
    name = f"员工{value}"
    if "<" not in value and value[-1] not in ".,:;<>\"'":
        reg.ok(
            "staff", "add", name, "--role", "clerk", "--department", "客服中心", "--by", "赵经理"
        )
        roster = yaml.safe_load((reg.root / "staff.yaml").read_text(encoding="utf-8"))
        assert name in roster["staff"]


def test_a_staff_name_yaml_would_misread_is_kept_as_text(reg: Reg) -> None:
    # a manager changes the roster (policy permissions: staff)
    reg.ok("staff", "add", "Yes", "--role", "clerk", "--department", "客服中心", "--by", "赵经理")
    roster = yaml.safe_load((reg.root / "staff.yaml").read_text(encoding="utf-8"))
    assert "Yes" in roster["staff"]
    reg.new(by="Yes")


# --- show --format yaml ----------------------------------------------------------------


def test_show_yaml_masks_the_phone_unless_asked(reg: Reg) -> None:
    cid = reg.new()
    masked = reg.ok("show", cid, "--format", "yaml").out
    assert "13800138000" not in masked and "phone: '138****8000'" in masked
    full = reg.ok("show", cid, "--format", "yaml", "--show-phone").out
    assert full == reg.record(cid).read_text(encoding="utf-8")


# --- a record bigger than cmplt reads ------------------------------------------------------


def test_a_note_that_would_make_the_record_too_big_is_refused(reg: Reg) -> None:
    cid = reg.new()
    long = "长" * 9_999  # 30 kB in UTF-8, under the 10,000-character limit of a note
    path = reg.record(cid)
    while path.stat().st_size + 30_200 <= 2 * 1024 * 1024:
        reg.ok("note", cid, "--by", "张三", "--text", long)
    result = refused(reg, "note", cid, "--by", "张三", "--text", long, code=4)
    assert "more than cmplt reads" in result.err
    reg.ok("show", cid)
