"""A record survives being written and read: any text a clerk types comes back
as typed, and a person's comments and key order survive the next step."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cmplt import store
from tests.conftest import Reg


def examples(count: int) -> settings:
    """Few, reproducible examples: each one runs the CLI several times."""
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Text that YAML would happily read as something other than text, or that needs quoting.
LOOKALIKES = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "~",
    "010",
    "0o17",
    "0x1F",
    "1e3",
    "1_000",
    ".inf",
    "-.inf",
    ".nan",
    "3.14",
    "+1",
    "-0",
    "2026-11-28",
    "2026-11-28T09:00:00+08:00",
    "2026-11-28 09:00",
    "12:30:00",
    "3-1502",
    "- item",
    "? key",
    ": colon",
    "a: b",
    "key:value",
    "#not a comment",
    "x # y",
    "'single'",
    '"double"',
    "it's",
    "&anchor",
    "*alias",
    "!tag",
    "!!str x",
    "%YAML 1.2",
    "@at",
    "`tick`",
    "|",
    ">",
    "---",
    "...",
    "{a: 1}",
    "[1, 2]",
    "a\\nb",
    "\\",
    "电梯按钮失灵",
    "业主：“快修！”",
    "😀🏠",
    "𠮷野家",
    "全角　空格",
    "<script>",
    "C:\\path",
    "50%",
    "=",
]

# Any character a person might type or paste, and the line breaks and tabs of pasted text
# (not the bidi controls and line separators cmplt refuses: tests/test_bounds.py).
REFUSED = "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters=REFUSED
) | st.sampled_from("\n\n\t  ：“”'\"#:-")

PIECE = st.one_of(
    st.sampled_from(LOOKALIKES),
    st.text(alphabet=CHARS, min_size=1, max_size=30),
)
TEXT = st.one_of(
    PIECE,
    st.lists(PIECE, min_size=2, max_size=4).flatmap(
        lambda parts: st.sampled_from(["\n", " ", "", "\n\n", "\n  "]).map(
            lambda glue: glue.join(parts)
        )
    ),
    st.tuples(st.sampled_from(["  ", "\n", "\t", " \n "]), PIECE).map("".join),
).filter(lambda text: text.strip() != "")
# a one-line field (summary, customer): tabs and line breaks are refused there
NAME = (
    st.one_of(st.sampled_from(LOOKALIKES), st.text(alphabet=CHARS, min_size=1, max_size=30))
    .map(lambda text: text.replace("\n", " ").replace("\t", " "))
    .filter(lambda text: text.strip() != "")
)
LINE = TEXT.map(lambda text: text.replace("\n", " ").replace("\t", " ")).filter(
    lambda text: text.strip() != ""
)


def _new(reg: Reg, summary: str, request: str, customer: str) -> str:
    result = reg.run(
        "new", "--by", "张三", "--channel", "phone", "--customer", customer,
        "--unit", "3-1502", "--phone", "13800138000", "--severity", "minor",
        "--nature", "valid-1", "--subject", "facilities", "--category", "repair",
        "--summary", summary, "--request", request,
    )  # fmt: skip
    assert result.code == 0, result
    return result.out.splitlines()[0]


def _note(reg: Reg, complaint_id: str, text: str) -> None:
    result = reg.run("note", complaint_id, "--by", "张三", "--text", text)
    assert result.code == 0, result


def _written(reg: Reg, summary: str, request: str, customer: str, note: str) -> tuple[str, str]:
    """Record the texts through the CLI; the new ID and the record file's text."""
    complaint_id = _new(reg, summary, request, customer)
    _note(reg, complaint_id, note)
    return complaint_id, reg.record(complaint_id).read_text(encoding="utf-8")


def _values(data: Any) -> dict[str, Any]:
    return {
        "summary": data["summary"],
        "request": data["request"],
        "customer": data["customer"],
        "note": data["events"][1]["text"],
    }


@examples(20)
@given(summary=LINE, request=TEXT, customer=NAME, note=TEXT)
@example(summary="yes", request="null", customer="010", note="2026-11-28")
@example(
    summary="业主：“电梯坏了”  第二行: 缩进", request=" 'quoted' ", customer="王先生", note="a: b"
)
@example(summary="😀 #1", request="- 列表\n- 不是列表", customer="~", note="第一行\n\n第三行\n")
def test_text_comes_back_as_typed(
    reg: Reg, summary: str, request: str, customer: str, note: str
) -> None:
    complaint_id, text = _written(reg, summary, request, customer, note)
    expected = {
        "summary": summary.strip(),
        "request": request.strip(),
        "customer": customer.strip(),
        "note": note.strip(),
    }
    shown = json.loads(reg.ok("show", complaint_id, "--format", "json").out)
    assert _values(shown) == expected
    # cmplt's own reader gets the same text back from the file
    assert _values(store.parse_document(text.encode("utf-8"), "record")) == expected
    # and the commit holds what is in the work tree
    assert reg.git("status", "--porcelain") == ""


@examples(10)
@given(summary=LINE, request=TEXT, customer=NAME, note=TEXT)
@example(summary="2026-11-28", request="yes", customer="null", note="010")
@example(
    summary="2026-11-28T09:00:00+08:00", request="2026-11-28 09:00", customer="王", note="12:30"
)
def test_any_yaml_reader_gets_the_same_text(
    reg: Reg, summary: str, request: str, customer: str, note: str
) -> None:
    """The file is for other tools too: a plain YAML reader must see the same strings."""
    complaint_id, text = _written(reg, summary, request, customer, note)
    loaded = YAML(typ="safe", pure=True).load(text)
    assert _values(loaded) == {
        "summary": summary.strip(),
        "request": request.strip(),
        "customer": customer.strip(),
        "note": note.strip(),
    }
    # times are written as quoted text, so that no reader turns them into dates
    assert isinstance(loaded["received_at"], str)
    assert isinstance(loaded["events"][0]["at"], str)
    assert loaded["id"] == complaint_id


@pytest.mark.parametrize(
    "text",
    ["第一行\r\n第二行", "第一行\r第二行", "a\x85b", "a\u2028b", "a\u2029b"],
    ids=["crlf", "cr", "nel", "line-separator", "paragraph-separator"],
)
def test_unusual_line_breaks_come_back_as_typed(reg: Reg, text: str) -> None:
    """Text pasted from Windows or a web page keeps its own line breaks (in the texts
    that take several lines: a summary is one line, tests/test_bounds.py)."""
    complaint_id, written = _written(reg, "电梯按钮失灵", text, "王先生", text)
    shown = json.loads(reg.ok("show", complaint_id, "--format", "json").out)
    assert shown["request"] == text
    assert shown["events"][1]["text"] == text
    assert _values(store.parse_document(written.encode("utf-8"), "record")) == {
        "summary": "电梯按钮失灵",
        "request": text,
        "customer": "王先生",
        "note": text,
    }


# --- a person's comments and key order survive a step --------------------------------

DERIVED = {
    "status", "owner", "department", "received_at", "nature", "severity", "subject",
    "category", "urgent", "economic_loss", "staff_involved", "staff_verified",
}  # fmt: skip
COMMENTABLE = [
    "id", "status", "owner", "received_at", "channel", "customer", "unit", "phone",
    "nature", "severity", "subject", "category", "urgent", "economic_loss", "events",
]  # fmt: skip
STEPS = {
    "note": ("note", "--by", "张三", "--text", "又来电催促"),
    "respond": ("respond", "--by", "张三", "--note", "已告知工程部明天上门"),
    # taken by their approvers, so that they change the derived fields (a clerk's would be
    # requests waiting for approval: 规程 4.3.1, policy approvals)
    "dispatch": ("dispatch", "--by", "陈主管", "--to", "工程部", "--note", "尽快"),
    "escalate": ("escalate", "--by", "张三", "--to", "王主管", "--reason", "客户要求主管处理"),
    "reclassify": ("reclassify", "--by", "赵经理", "--severity", "important", "--urgent"),
    "resolve": ("resolve", "--by", "张三", "--result", "更换按钮\n已测试"),
}
COMMENT = st.text(
    alphabet=st.sampled_from("业主来电已联系工程部注意 abcXYZ0123:#-'\"，。！（）"),
    min_size=1,
    max_size=20,
).map(lambda text: text.strip() or "注")


def _top_keys_in_order(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^([a-z_]+):", text, flags=re.MULTILINE)]


def _events_as_lists(doc: Any) -> list[list[tuple[str, Any]]]:
    return [[(k, str(v)) for k, v in event.items()] for event in doc["events"]]


@examples(12)
@given(
    key=st.sampled_from(COMMENTABLE),
    on_key=COMMENT,
    between=COMMENT,
    at_end=COMMENT,
    indent_between=st.sampled_from(["", "  ", "    "]),
    step=st.sampled_from(sorted(STEPS)),
)
@example(
    key="status", on_key="待派单", between="第二次来电", at_end="结尾备注",
    indent_between="  ", step="dispatch",
)  # fmt: skip
@example(
    key="events", on_key="处理经过", between="中间", at_end="end", indent_between="", step="note"
)
@example(
    key="severity", on_key="先按一般", between="x", at_end="y", indent_between="    ",
    step="reclassify",
)  # fmt: skip
def test_comments_and_key_order_survive_a_step(
    reg: Reg, key: str, on_key: str, between: str, at_end: str, indent_between: str, step: str
) -> None:
    complaint_id = _new(reg, "电梯按钮失灵 三号楼", "尽快修好", "王先生")
    _note(reg, complaint_id, "第一次回电")
    path = reg.record(complaint_id)
    lines = path.read_text(encoding="utf-8").splitlines()

    # a person edits the file: a comment on a key, one between the events, one at the end
    key_line = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    lines[key_line] += f"  # {on_key}"
    second_event = [i for i, line in enumerate(lines) if line.startswith("  - id: ")][1]
    lines.insert(second_event, f"{indent_between}# {between}")
    lines.append(f"# {at_end}")
    edited = "\n".join(lines) + "\n"
    path.write_text(edited, encoding="utf-8")
    reg.git("commit", "--quiet", "--all", "--message", "备注")
    comment_lines = [line for line in edited.splitlines() if line.lstrip().startswith("#")]
    before_doc = store.parse_document(edited.encode("utf-8"), "before")

    result = reg.run(STEPS[step][0], complaint_id, *STEPS[step][1:])
    assert result.code == 0, result
    after = path.read_text(encoding="utf-8")
    after_lines = after.splitlines()

    # every comment line is still there, and the comment on the key stays on that key
    for line in comment_lines:
        assert line in after_lines, line
    (keyed,) = [line for line in after_lines if line.startswith(f"{key}:")]
    assert keyed.endswith(f"# {on_key}"), keyed

    # the keys keep their order, at the top and in each earlier event
    after_doc = store.parse_document(after.encode("utf-8"), "after")
    kept = [k for k in after_doc if k in before_doc]
    assert kept == list(before_doc)
    assert [k for k in _top_keys_in_order(after) if k in before_doc] == list(before_doc)
    assert _events_as_lists(after_doc)[:2] == _events_as_lists(before_doc)

    # the step's diff only adds lines, apart from the derived fields it changes
    diff = reg.git("show", "--format=", "--unified=0", "HEAD", "--", str(path))
    removed = [
        line[1:]
        for line in diff.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    added = [
        line[1:]
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    for line in removed:
        name = line.split(":", 1)[0]
        assert name in DERIVED, f"unrelated line changed: {line!r}\n{diff}"
        assert any(new.startswith(f"{name}:") for new in added), line
    assert len(added) > len(removed)
    assert reg.git("status", "--porcelain") == ""
