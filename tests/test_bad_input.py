"""Mistakes a person makes, and files a person breaks by hand.

Every bad input gives one line on stderr starting `cmplt:`, a non-zero exit and
no traceback, and leaves HEAD, `git status` and every file byte for byte as it
was. Also here: how IDs are typed, and what `show` and `list` print.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.conftest import INTAKE, Reg, Result

Snapshot = tuple[str, str, dict[str, bytes]]


def snapshot(reg: Reg) -> Snapshot:
    """HEAD, `git status` and the bytes of every file outside .git."""
    files = {
        p.relative_to(reg.root).as_posix(): p.read_bytes()
        for p in sorted(reg.root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(reg.root).parts
    }
    return reg.head(), reg.git("status", "--porcelain", "--untracked-files=all"), files


def bad(reg: Reg, *args: str, code: int | None = None) -> Result:
    """Run a command that must fail cleanly and change nothing."""
    before = snapshot(reg)
    result = reg.run(*args)
    assert result.code != 0, result
    if code is not None:
        assert result.code == code, result
    assert "Traceback" not in result.err, result
    lines = result.err.splitlines()
    assert len(lines) == 1, result
    assert lines[0].startswith("cmplt:"), result
    assert snapshot(reg) == before
    return result


def new_args(drop: tuple[str, ...] = (), by: str = "张三", **fields: str) -> list[str]:
    values = {k: v for k, v in {**INTAKE, **fields}.items() if k not in drop}
    args = ["new", "--by", by]
    for key, value in values.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


def commit_hand_edit(reg: Reg, path: Path, data: bytes) -> None:
    """A hand edit, committed with git so that it is not an uncommitted change."""
    path.write_bytes(data)
    reg.git("add", "-A")
    reg.git("commit", "-q", "-m", "hand edit")


# --- names, enums and departments ---------------------------------------------------


def test_unknown_person_cannot_register_or_act(reg: Reg) -> None:
    err = bad(reg, *new_args(by="无名氏"), code=2).err
    assert "无名氏" in err and "roster" in err
    cid = reg.new()
    bad(reg, "note", cid, "--by", "无名氏", "--text", "x", code=2)
    bad(reg, "escalate", cid, "--by", "张三", "--to", "无名氏", "--reason", "x", code=2)
    bad(
        reg,
        "extend",
        cid,
        "--by",
        "张三",
        "--approved-by",
        "无名氏",
        "--until",
        "2026-12-31T00:00+08:00",
        code=2,
    )
    bad(reg, "reclassify", cid, "--by", "张三", "--staff-involved", "无名氏", code=2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "pigeon"),
        ("category", "weather"),
        ("subject", "mood"),
        ("responsible", "government"),
        ("staff_involved", "无名氏"),
    ],
)
def test_unknown_intake_value_is_refused(reg: Reg, field: str, value: str) -> None:
    err = bad(reg, *new_args(**{field: value}), code=2).err
    assert f"--{field.replace('_', '-')}" in err and value in err


def test_unknown_department_is_refused(reg: Reg) -> None:
    cid = reg.new()
    err = bad(reg, "dispatch", cid, "--by", "张三", "--to", "财务部", code=2).err
    assert "财务部" in err and "工程部" in err


@pytest.mark.parametrize(
    "args",
    [
        ("--severity", "huge"),
        ("--nature", "maybe"),
    ],
)
def test_bad_choice_on_intake(reg: Reg, args: tuple[str, str]) -> None:
    err = bad(reg, *new_args(drop=(args[0][2:],)), *args, code=2).err
    assert args[0] in err and args[1] in err


def test_bad_choice_on_a_step(reg: Reg) -> None:
    cid = reg.new()
    bad(reg, "reclassify", cid, "--by", "张三", "--severity", "huge", code=2)
    reg.ok("resolve", cid, "--by", "张三", "--result", "已修好")
    bad(reg, "callback", cid, "--by", "王主管", "--satisfaction", "happy", code=2)
    bad(reg, "reclassify", cid, "--by", "张三", "--category", "weather", code=2)
    bad(reg, "reclassify", cid, "--by", "张三", "--subject", "mood", code=2)


def test_staff_add_with_unknown_role_or_department(reg: Reg) -> None:
    # by a manager, who may change the roster (policy permissions: staff), so that each
    # refusal is the bad value's, not the missing --by's
    by = ("--by", "赵经理")
    err = bad(reg, "staff", "add", "吴工", "--role", "janitor", *by, code=2).err
    assert "janitor" in err
    err = bad(reg, "staff", "add", "吴工", "--role", "staff", "--department", "财务部", *by, code=2)
    assert "财务部" in err.err
    err = bad(reg, "staff", "add", "李工", "--role", "staff", *by, code=2).err
    assert "already on the staff roster" in err
    bad(reg, "staff", "add", "吴工", "--role", "staff", "--by", "无名氏", code=2)
    bad(reg, "staff", "add", "  ", "--role", "staff", *by, code=2)


# --- times ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["yesterday noon", "2026-13-01", "2026-02-30T10:00", "", "9点钟"])
def test_bad_time_text(reg: Reg, text: str) -> None:
    cid = reg.new()
    for option, args in (
        ("--at", new_args()),
        ("--deadline", new_args()),
        ("--happened-at", new_args()),
        ("--at", ["note", cid, "--by", "张三", "--text", "x"]),
        ("--until", ["extend", cid, "--by", "张三", "--approved-by", "赵经理"]),
        ("--since", ["list"]),
        ("--until", ["list"]),
    ):
        err = bad(reg, *args, option, text, code=2).err
        assert option in err, err


def test_time_in_the_future_is_refused(reg: Reg) -> None:
    err = bad(reg, *new_args(), "--at", "2026-11-28T09:01:00+08:00").err
    assert "in the future" in err
    cid = reg.new()
    err = bad(reg, "note", cid, "--by", "张三", "--text", "x", "--at", "2026-11-29").err
    assert "in the future" in err
    # the same instant written in UTC is not the future
    reg.ok("note", cid, "--by", "张三", "--text", "x", "--at", "2026-11-28T01:00:00Z")


def test_time_before_the_receipt_is_refused(reg: Reg) -> None:
    cid = reg.new("--at", "2026-11-28T08:00:00+08:00")
    reg.ok("respond", cid, "--by", "张三", "--note", "已答复", "--at", "2026-11-28T08:30+08:00")
    err = bad(reg, "note", cid, "--by", "张三", "--text", "x", "--at", "2026-11-28T07:59+08:00").err
    assert "--at 2026-11-28 07:59 is before the complaint was received (2026-11-28 08:00)" in err
    # before the previous event but after the receipt: a late entry, in its place
    reg.ok("note", cid, "--by", "张三", "--text", "x", "--at", "2026-11-28T08:29+08:00")


def test_deadline_must_be_after_receipt(reg: Reg) -> None:
    at = "2026-11-28T08:00:00+08:00"
    for deadline in ("2026-11-28T07:00:00+08:00", at):
        err = bad(reg, *new_args(), "--at", at, "--deadline", deadline, code=2).err
        assert "--deadline" in err
    err = bad(reg, *new_args(), "--at", at, "--happened-at", "2026-11-28T08:30", code=2).err
    assert "--happened-at" in err


# --- values the record itself cannot hold --------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("phone", "abc"), ("summary", "   "), ("customer", "")]
)
def test_intake_text_the_record_cannot_hold_is_a_usage_error(
    reg: Reg, field: str, value: str
) -> None:
    # a wrong value on the command line is the person's mistake (exit 2, naming the
    # option), not a broken file (exit 6) naming a record that was never written
    err = bad(reg, *new_args(**{field: value}), code=2).err
    assert f"--{field}" in err


def test_empty_note_is_a_usage_error(reg: Reg) -> None:
    cid = reg.new()
    err = bad(reg, "respond", cid, "--by", "张三", "--note", "", code=2).err
    assert "--note" in err


# --- missing options --------------------------------------------------------------------


@pytest.mark.parametrize("option", ["summary", "by", "severity", "nature"])
def test_missing_required_option_is_one_line(reg: Reg, option: str) -> None:
    args = ["new", *new_args()[3:]] if option == "by" else new_args(drop=(option,))
    err = bad(reg, *args, code=2).err
    assert f"--{option}" in err


def test_missing_option_on_a_step_is_one_line(reg: Reg) -> None:
    cid = reg.new()
    bad(reg, "respond", cid, "--by", "张三", code=2)
    bad(reg, "extend", cid, "--by", "张三", "--approved-by", "赵经理", code=2)
    reg.ok("resolve", cid, "--by", "张三", "--result", "已修好")
    bad(reg, "note", "--by", "张三", "--text", "x", code=2)  # no ID
    err = bad(reg, "callback", cid, "--by", "王主管", code=2).err
    assert "--satisfaction" in err


# --- IDs -----------------------------------------------------------------------------------


def test_unknown_id(reg: Reg) -> None:
    reg.new()
    for text in ("261128-ZZZZZZ", "991231", "nonsense", "261199-AAAAAA"):
        err = bad(reg, "show", text, code=3).err
        assert text in err
    bad(reg, "note", "261128-ZZZZZZ", "--by", "张三", "--text", "x", code=3)


def _two_on_one_day(reg: Reg) -> tuple[str, str]:
    first = reg.new(unit="3-1502", summary="电梯按钮失灵")
    second = reg.new(unit="5-0101", summary="楼道灯不亮")
    assert first[:7] == second[:7] == "261128-"
    return first, second


def test_ambiguous_prefix_lists_both_candidates(reg: Reg) -> None:
    first, second = _two_on_one_day(reg)
    for prefix in ("261128", "261128-", "2611"):
        err = bad(reg, "show", prefix, code=3).err
        assert first in err and second in err
    err = bad(reg, "note", "261128", "--by", "张三", "--text", "x", code=3).err
    assert first in err and second in err


def test_unique_prefix_lowercase_and_dashless_ids_are_accepted(reg: Reg) -> None:
    first, second = _two_on_one_day(reg)
    differs = next(i for i, (a, b) in enumerate(zip(first, second, strict=True)) if a != b)
    unique = first[: differs + 1]
    for typed in (unique, first.lower(), first.replace("-", ""), first.replace("-", "").lower()):
        out = reg.ok("show", typed).out
        assert out.splitlines()[0].startswith(f"{first}  "), typed
    # and a step goes to the right file
    reg.ok("note", unique.lower(), "--by", "张三", "--text", "按前缀找到")
    assert "按前缀找到" in reg.record(first).read_text(encoding="utf-8")
    assert "按前缀找到" not in reg.record(second).read_text(encoding="utf-8")


# --- broken record files ------------------------------------------------------------------


def _recorded(reg: Reg) -> tuple[str, Path, str]:
    cid = reg.new()
    # dispatched by the cs supervisor, who approves a valid complaint's work order (规程 4.3.1)
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")
    reg.ok("accept", cid, "--by", "李工")
    path = reg.record(cid)
    return cid, path, path.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(needle))


def _drop_event(text: str, action: str) -> str:
    """The record with one event (its `- id:` block) cut out."""
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line == f"    action: {action}\n") - 1
    end = next((i for i in range(at + 1, len(lines)) if lines[i].startswith("  - ")), len(lines))
    return "".join(lines[:at] + lines[end:])


def _broken(kind: str, text: str) -> tuple[bytes, int | None]:
    """The broken file and the line the error should name (None: any line)."""
    if kind == "invalid-yaml":
        broken = text.replace("channel: phone\n", "channel: [phone\n")
        return broken.encode(), None
    if kind == "status-disagrees":
        broken = text.replace("status: in_progress\n", "status: resolved\n")
        return broken.encode(), _line_of(broken, "status:")
    if kind == "owner-disagrees":
        broken = text.replace("owner: 张三\n", "owner: 钱主任\n")
        return broken.encode(), _line_of(broken, "owner:")
    if kind == "list":
        return b"- id: 261128-AAAAAA\n- status: open\n", 1
    if kind == "duplicate-key":
        broken = text.replace("channel: phone\n", "channel: phone\nchannel: visit\n")
        return broken.encode(), _line_of(broken, "channel: visit")
    if kind == "binary":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", None
    if kind == "not-utf8":
        broken = text.encode().replace(b"summary: ", b"summary: \xff")
        return broken, _line_of(text, "summary:")
    if kind == "bad-time":
        broken = text.replace("received_at: '2026-11-28T09:00:00+08:00'", "received_at: 明天")
        return broken.encode(), _line_of(broken, "received_at:")
    if kind == "unknown-field":
        broken = text.replace("unit: 3-1502\n", "unit: 3-1502\ncolour: red\n")
        return broken.encode(), _line_of(broken, "colour:")
    if kind == "events-out-of-order":
        # someone deleted the work order: the signature now follows nothing
        return _drop_event(text, "dispatch").encode(), None
    if kind == "first-event-not-received":
        return _drop_event(text, "received").encode(), None
    raise AssertionError(kind)


BROKEN = [
    "invalid-yaml",
    "status-disagrees",
    "owner-disagrees",
    "list",
    "duplicate-key",
    "binary",
    "not-utf8",
    "bad-time",
    "unknown-field",
    "events-out-of-order",
    "first-event-not-received",
]


@pytest.mark.parametrize("kind", BROKEN)
def test_broken_record_file_is_named_with_its_line(reg: Reg, kind: str) -> None:
    cid, path, text = _recorded(reg)
    data, line = _broken(kind, text)
    commit_hand_edit(reg, path, data)
    name = f"complaints/2026/11/{cid}.yaml"
    for args in (
        ("show", cid),
        ("show", cid, "--format", "yaml"),
        ("resolve", cid, "--by", "李工", "--result", "修好"),
    ):
        err = bad(reg, *args, code=6).err
        found = re.match(rf"cmplt: {re.escape(name)}:(\d+): ", err)
        assert found, f"{args[0]}: {err!r} does not name {name}:<line>"
        if line is not None:
            assert int(found.group(1)) == line, err


# --- broken policy -----------------------------------------------------------------------------


POLICY_BREAKS = {
    "unknown-key": ("language: zh-CN\n", "language: zh-CN\ncolour: blue\n", "colour:"),
    "bad-duration": ("  first_reply: 2h ", "  first_reply: 2x ", "  first_reply:"),
    "quota-role-not-under-roles": ("    director: 10\n", "    janitor: 10\n", "    janitor:"),
    "approver-not-under-roles": ("  major: company_manager\n", "  major: ceo\n", "  major: ceo"),
    "bad-quota": ("    director: 10\n", "    director: 150\n", "    director:"),
    "bad-callback-window": ("  window: 3d ", "  window: 3x ", "  window:"),
    "unknown-timezone": (
        "timezone: Asia/Shanghai ",
        "timezone: Mars/Olympus_Mons ",
        "timezone:",
    ),
    "invalid-yaml": ("channels: [phone,", "channels: [phone,,,", "channels:"),
}


@pytest.mark.parametrize("kind", POLICY_BREAKS)
def test_broken_policy_is_named_with_its_line(reg: Reg, kind: str) -> None:
    cid = reg.new()
    old, new, needle = POLICY_BREAKS[kind]
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new, 1)
    commit_hand_edit(reg, policy, broken.encode())
    line = _line_of(broken, needle)
    for args in (("list",), ("show", cid), ("note", cid, "--by", "张三", "--text", "x")):
        err = bad(reg, *args, code=6).err
        found = re.match(r"cmplt: cmplt\.yaml:(\d+): ", err)
        assert found, f"{err!r} does not name cmplt.yaml:<line>"
        assert int(found.group(1)) == line, err


def test_broken_roster_is_named_with_its_line(reg: Reg) -> None:
    roster = reg.root / "staff.yaml"
    text = roster.read_text(encoding="utf-8")
    broken = text.replace("role: director", "role: janitor")
    commit_hand_edit(reg, roster, broken.encode())
    err = bad(reg, "list", code=6).err
    assert err.startswith(f"cmplt: staff.yaml:{_line_of(broken, '    role: janitor')}: ")


# --- show and list ----------------------------------------------------------------------------


@pytest.fixture
def three(reg: Reg) -> tuple[Reg, dict[str, str]]:
    """Three complaints on different days, units, severities, categories and statuses."""
    a = reg.new("--at", "2026-11-26T10:00:00+08:00", unit="3-1502")
    b = reg.new(
        "--at",
        "2026-11-27T10:00:00+08:00",
        unit="5-0101",
        severity="important",
        category="cleaning",
        summary="楼道很脏",
        phone="13900139000",
    )
    c = reg.new(
        "--at",
        "2026-11-28T08:00:00+08:00",
        unit="3-0801",
        severity="major",
        category="security",
        summary="门禁坏了",
        phone="0571-8888 1234",
    )
    reg.ok("dispatch", b, "--by", "陈主管", "--to", "保洁部")  # approved at once (规程 4.3.1)
    reg.ok("resolve", c, "--by", "张三", "--result", "已修好")
    return reg, {"a": a, "b": b, "c": c}


def _listed(reg: Reg, *args: str) -> list[str]:
    rows = json.loads(reg.ok("list", "--format", "json", *args).out)
    return [row["id"] for row in rows]


def test_list_filters(three: tuple[Reg, dict[str, str]]) -> None:
    reg, ids = three
    a, b, c = ids["a"], ids["b"], ids["c"]
    assert _listed(reg) == [a, b, c]  # oldest first
    assert _listed(reg, "--status", "open") == [a]
    assert _listed(reg, "--status", "open", "--status", "resolved") == [a, c]
    assert _listed(reg, "--severity", "important") == [b]
    assert _listed(reg, "--category", "security") == [c]
    assert _listed(reg, "--category", "repair", "--category", "cleaning") == [a, b]
    assert _listed(reg, "--unit", "3-") == [a, c]
    assert _listed(reg, "--unit", "5-0101") == [b]
    assert _listed(reg, "--since", "2026-11-27") == [b, c]
    assert _listed(reg, "--since", "2026-11-27T10:00:00+08:00") == [b, c]
    assert _listed(reg, "--since", "2026-11-27T10:00:01+08:00") == [c]
    # a date alone after --until includes that day
    assert _listed(reg, "--until", "2026-11-26") == [a]
    assert _listed(reg, "--until", "2026-11-27T00:00") == [a]
    assert _listed(reg, "--until", "2026-11-27") == [a, b]
    # labels in either language, several at once
    assert _listed(reg, "--status", "已受理,resolved") == [a, c]
    assert _listed(reg, "--severity", "重要") == [b]
    assert _listed(reg, "--category", "安全，维修") == [a, c]
    assert _listed(reg, "--department", "保洁部") == [b]
    assert _listed(reg, "--status", "closed") == []


def test_list_formats_mask_phones(three: tuple[Reg, dict[str, str]]) -> None:
    reg, ids = three
    rows = json.loads(reg.ok("list", "--format", "json").out)
    assert [r["phone"] for r in rows] == ["138****8000", "139****9000", "057*******1234"]
    assert rows[0]["received_at"] == "2026-11-26T10:00:00+08:00"
    assert rows[1]["status"] == "dispatched" and rows[1]["department"] == "保洁部"

    out = reg.ok("list", "--format", "csv").out
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == (
        "id,received_at,status,severity,nature,category,unit,customer,phone,owner,department,summary"
    )
    assert [r["id"] for r in parsed] == [ids["a"], ids["b"], ids["c"]]
    assert parsed[0]["phone"] == "138****8000"
    assert parsed[0]["received_at"] == "2026-11-26 10:00"

    table = reg.ok("list").out
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["ID", "Received", "Status"]
    assert len(lines) == 2 + 3
    assert all(cid in table for cid in ids.values())
    assert "138****8000" in table and "13800138000" not in table

    for fmt in ("table", "json", "csv"):
        shown = reg.ok("list", "--format", fmt, "--show-phone").out
        assert "13800138000" in shown and "0571-8888 1234" in shown, fmt


def test_show_masks_the_phone_unless_asked(three: tuple[Reg, dict[str, str]]) -> None:
    reg, ids = three
    cid = ids["a"]
    text = reg.ok("show", cid).out
    assert "138****8000" in text and "13800138000" not in text
    assert "13800138000" in reg.ok("show", cid, "--show-phone").out
    data = json.loads(reg.ok("show", cid, "--format", "json").out)
    assert data["phone"] == "138****8000"
    assert data["id"] == cid and data["status"] == "open"
    assert [e["action"] for e in data["events"]] == ["received"]
    data = json.loads(reg.ok("show", cid, "--format", "json", "--show-phone").out)
    assert data["phone"] == "13800138000"


def test_show_yaml_prints_the_file(three: tuple[Reg, dict[str, str]]) -> None:
    reg, ids = three
    for cid in ids.values():
        shown = reg.ok("show", cid, "--format", "yaml", "--show-phone").out
        assert shown == reg.record(cid).read_text("utf-8")


def test_list_skips_a_broken_record_and_says_so(three: tuple[Reg, dict[str, str]]) -> None:
    reg, ids = three
    path = reg.record(ids["b"])
    commit_hand_edit(reg, path, b"id: [broken\n")
    before = snapshot(reg)
    for fmt in ("json", "table"):
        result = reg.run("list", "--format", fmt)
        assert result.code == 6, result
        assert "Traceback" not in result.err
        lines = result.err.splitlines()
        assert len(lines) == 1, result
        assert lines[0].startswith(f"cmplt: skipped complaints/2026/11/{ids['b']}.yaml:2: ")
        assert "not valid YAML" in lines[0]
        assert ids["a"] in result.out and ids["c"] in result.out
        assert ids["b"] not in result.out
    assert [r["id"] for r in json.loads(reg.run("list", "--format", "json").out)] == [
        ids["a"],
        ids["c"],
    ]
    assert snapshot(reg) == before


def test_list_skips_a_record_whose_events_are_out_of_order(
    three: tuple[Reg, dict[str, str]],
) -> None:
    reg, ids = three
    path = reg.record(ids["c"])
    text = path.read_text(encoding="utf-8")
    # the intake event is deleted: the history no longer starts with `received`
    commit_hand_edit(reg, path, _drop_event(text, "received").encode())
    result = reg.run("list", "--format", "json")
    assert result.code == 6, result
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"cmplt: skipped complaints/2026/11/{ids['c']}.yaml:"
    ), result
    assert [r["id"] for r in json.loads(result.out)] == [ids["a"], ids["b"]]


def test_list_skips_a_stray_file_among_the_records(three: tuple[Reg, dict[str, str]]) -> None:
    reg, ids = three
    stray = reg.root / "complaints" / "2026" / "11" / "notes.yaml"
    commit_hand_edit(reg, stray, "备忘: 周五检查电梯\n".encode())
    result = reg.run("list", "--format", "json")
    # the file is named where it is, not at a path made up from its name
    assert result.code == 6, result
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cmplt: skipped complaints/2026/11/notes.yaml")
    assert [r["id"] for r in json.loads(result.out)] == [ids["a"], ids["b"], ids["c"]]
