"""`cmplt validate`: a supervisor (or CI, or a pre-commit hook) asks whether the
registry is sound, and gets every problem at once, each as
`path:line:column: field: message` at the key or item that is wrong.

Records are broken here the way people break them: by hand in an editor, by a
bad merge, by a copy, by saving from the wrong program.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from cmplt import store, validate
from tests.conftest import INTAKE, Reg, Result, run_cli

# what validate says of files without a problem (one line; -q says nothing)
SOUND = re.compile(r"checked \d+ files?, no problems\n")

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<field>\S+): (?P<msg>.+)$")
LATER = "2026-11-29T01:00:00+00:00"  # a day after the frozen clock


def lines(result: Result) -> list[re.Match[str]]:
    """The problems printed, each checked against `path:line:column: field: message`."""
    found = []
    for text in result.out.splitlines():
        match = LINE.match(text)
        assert match, f"not path:line:column: field: message: {text!r}"
        found.append(match)
    return found


def where(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth line holding `needle` (where needle starts)."""
    hits = [
        (number, line.index(needle) + 1)
        for number, line in enumerate(text.splitlines(), start=1)
        if needle in line
    ]
    return hits[nth]


def problem_at(result: Result, path: str, field: str) -> re.Match[str]:
    matches = [m for m in lines(result) if m["path"] == path and m["field"] == field]
    assert matches, f"no problem at {path} {field}: {result.out}"
    return matches[0]


def closed(reg: Reg) -> str:
    """A complaint taken through its whole life: intake to archive. Events: 0 received,
    1 respond, 2 dispatch (approved by its author, 规程 4.3.1), 3 accept, 4 resolve,
    5-7 callbacks by the supervisor, the director and the manager (回访制度 4), 8 close."""
    cid = reg.new()
    reg.ok("respond", cid, "--by", "张三", "--note", "已登记")
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")
    reg.ok("accept", cid, "--by", "李工")
    reg.ok("resolve", cid, "--by", "李工", "--result", "更换按钮面板")
    for caller in ("王主管", "钱主任", "赵经理"):
        reg.ok("callback", cid, "--by", caller, "--satisfaction", "satisfied")
    reg.ok("close", cid, "--by", "张三")
    return cid


def relpath(cid: str) -> str:
    return store.record_relpath(cid)


def edit(path: Path, change: Any) -> str:
    """Change a record by hand, as an editor would (comments and order kept)."""
    doc = store.parse_document(path.read_bytes(), path.name)
    change(doc)
    text = store.dump(doc)
    path.write_text(text, encoding="utf-8")
    return text


def commit_at(reg: Reg, moment: str, message: str = "hand edit") -> None:
    """Commit everything with git, dated `moment` (a later change of policy or roster)."""
    env = {**os.environ, "GIT_AUTHOR_DATE": moment, "GIT_COMMITTER_DATE": moment}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", *args], cwd=reg.root, env=env, check=True, capture_output=True)


# --- a sound registry ---------------------------------------------------------------------


def test_a_sound_registry_says_so_in_one_line_and_exits_0(reg: Reg) -> None:
    closed(reg)
    reg.new(severity="important")
    result = reg.run("validate")
    # the policy, the roster and two records
    assert (result.code, result.out, result.err) == (0, "checked 4 files, no problems\n", "")
    result = reg.run("--lang", "zh-CN", "validate")
    assert result.out == "检查了 4 个文件，没有问题\n"
    result = reg.run("validate", "-q")
    assert (result.code, result.out, result.err) == (0, "", ""), result


def test_the_example_registry_is_sound() -> None:
    examples = Path(__file__).resolve().parents[1] / "examples" / "registry"
    result = run_cli("--registry", str(examples), "validate")
    assert result.code == 0 and SOUND.fullmatch(result.out), result


def test_no_registry_means_it_could_not_run(tmp_path: Path) -> None:
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 2, result
    assert result.out == ""
    assert result.err.startswith("cmplt: ") and "registry" in result.err
    result = run_cli("--registry", str(tmp_path), "validate", cwd=tmp_path)
    assert result.code == 2, result
    assert "cmplt.yaml" in result.err


# --- every problem, where it is --------------------------------------------------------------


def test_every_problem_of_a_record_is_reported_at_its_key(reg: Reg) -> None:
    cid = closed(reg)
    path = reg.record(cid)

    def wreck(doc: Any) -> None:
        doc["channel"] = "pigeon"
        doc["category"] = "plumbing"
        doc["events"][0]["category"] = "plumbing"
        doc["events"][1]["by"] = "无名氏"
        doc["events"][2]["department"] = "财务部"
        doc["events"][5]["role"] = "director"
        doc["owner"] = "李工"

    text = edit(path, wreck)
    result = reg.run("validate")
    assert result.code == 1, result
    expected = {
        "channel": where(text, "channel: pigeon"),
        "category": where(text, "category: plumbing"),
        "owner": where(text, "owner: 李工"),
        "events.0.category": where(text, "category: plumbing", 1),
        "events.1.by": where(text, "by: 无名氏"),
        "events.2.department": where(text, "department: 财务部"),
        "events.3.department": where(text, "department: 工程部", 1),
        "events.5.role": where(text, "role: director"),
    }
    found = {m["field"]: (int(m["line"]), int(m["column"])) for m in lines(result)}
    for field, position in expected.items():
        assert found.get(field) == position, (field, result.out)
    assert "'pigeon' is not in the policy's channels" in result.out
    assert "'无名氏' is not on the roster" in result.out
    assert "says '李工' but the events say '张三'" in result.out
    assert "王主管 was supervisor on the roster then, not director" in result.out
    assert "the work order is for 财务部, not 工程部" in result.out
    # sorted by path, then line
    numbers = [int(m["line"]) for m in lines(result)]
    assert numbers == sorted(numbers)


def test_steps_out_of_turn_are_each_reported(reg: Reg) -> None:
    cid = closed(reg)
    path = reg.record(cid)
    # the result is lost in a bad merge: neither the callback nor the archive could follow
    text = edit(path, lambda doc: doc["events"].pop(4))
    result = reg.run("validate")
    assert result.code == 1, result
    callback = problem_at(result, relpath(cid), "events.4")
    close = problem_at(result, relpath(cid), "events.7")  # after the three callbacks
    event_ids = re.findall(r"^  - id: (\S+)$", text, re.MULTILINE)
    assert (int(callback["line"]), int(callback["column"])) == where(text, f"id: {event_ids[4]}")
    assert (int(close["line"]), int(close["column"])) == where(text, f"id: {event_ids[7]}")
    assert "cannot callback" in callback["msg"] and "not resolved" in callback["msg"]
    assert "cannot close" in close["msg"]


def test_time_order_and_typing_time_are_checked(reg: Reg) -> None:
    cid = closed(reg)

    def wreck(doc: Any) -> None:
        doc["events"][3]["at"] = "2026-11-27T08:00:00+08:00"  # before the dispatch
        doc["events"][8]["at"] = "2026-11-29T09:00:00+08:00"  # after it was typed in

    text = edit(reg.record(cid), wreck)
    result = reg.run("validate")
    out_of_order = problem_at(result, relpath(cid), "events.3")
    assert "before the event it follows" in out_of_order["msg"]
    typed = problem_at(result, relpath(cid), "events.8.at")
    assert "after it was recorded" in typed["msg"]
    # the times in the messages as people read them, one style in both languages
    assert "happened at 2026-11-29 09:00, after it was recorded (" in typed["msg"]
    assert "happened at 2026-11-27 08:00, before" in out_of_order["msg"]
    shown = reg.run("--lang", "zh-CN", "validate")
    assert shown.code == 1, shown
    said = shown.err + shown.out
    assert "2026-11-29 09:00" in said and "2026-11-27 08:00" in said
    assert "T09:00" not in said and "+08:00" not in said
    assert (int(typed["line"]), int(typed["column"])) == where(text, "at: '2026-11-29")


def test_derived_fields_must_agree_with_the_events(reg: Reg) -> None:
    cid = reg.new()
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")  # approved at once (规程 4.3.1)

    def wreck(doc: Any) -> None:
        doc["status"] = "resolved"
        doc["department"] = "保安部"
        doc["severity"] = "major"

    edit(reg.record(cid), wreck)
    result = reg.run("validate")
    fields = {m["field"] for m in lines(result)}
    assert {"status", "department", "severity"} <= fields, result.out


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: d.pop("summary"), "summary", "is required"),
        (lambda d: d.__setitem__("severity", "huge"), "severity", "'huge'"),
        (lambda d: d.__setitem__("colour", "blue"), "colour", "is not a key this file may have"),
        (
            lambda d: d["events"][0].__setitem__("at", "2026-11-28T09:00:00"),
            "events.0.at",
            "no UTC offset",
        ),
        (
            lambda d: d.__setitem__("received_at", "yesterday"),
            "received_at",
            "not an ISO 8601 time",
        ),
        (lambda d: d["events"][1].__setitem__("action", "fix"), "events.1.action", "'fix'"),
        (lambda d: d.__setitem__("phone", "call me"), "phone", "is not a phone number"),
    ],
    ids=["missing-field", "bad-enum", "unknown-key", "time-without-offset", "bad-time",
         "unknown-action", "bad-phone"],
)  # fmt: skip
def test_schema_problems_name_the_key(reg: Reg, change: Any, field: str, message: str) -> None:
    cid = reg.new()
    reg.ok("respond", cid, "--by", "张三", "--note", "已登记")
    text = edit(reg.record(cid), change)
    result = reg.run("validate")
    assert result.code == 1, result
    found = problem_at(result, relpath(cid), field)
    assert message in found["msg"], found["msg"]
    key = field.split(".")[-1]
    if key in text and field != "summary":
        nth = 1 if field.startswith("events") and key in {"at", "action"} else 0
        if field == "events.0.at":
            nth = 1  # received_at's line comes first
        assert (int(found["line"]), int(found["column"])) == where(text, f"{key}:", nth)


def test_several_schema_problems_are_all_reported(reg: Reg) -> None:
    cid = reg.new()

    def wreck(doc: Any) -> None:
        doc["severity"] = "huge"
        doc["nature"] = "bogus"
        doc["extra"] = 1
        doc["events"][0]["recorded_at"] = "soon"

    edit(reg.record(cid), wreck)
    fields = {m["field"] for m in lines(reg.run("validate"))}
    assert {"severity", "nature", "extra", "events.0.recorded_at"} <= fields


def test_reclassify_values_must_be_known(reg: Reg) -> None:
    cid = reg.new()
    # by the manager, who approves the longer clock (a clerk's would wait for approval)
    reg.ok("reclassify", cid, "--by", "赵经理", "--severity", "important", "--reason", "x")
    edit(reg.record(cid), lambda d: d["events"][1]["to"].__setitem__("severity", "catastrophic"))
    result = reg.run("validate")
    assert result.code == 1
    found = problem_at(result, relpath(cid), "events.1.to.severity")
    assert found["msg"] == "'catastrophic' is not a known severity"
    derived = problem_at(result, relpath(cid), "severity")
    assert derived["msg"] == "says 'important' but the events say 'catastrophic'"


def test_reclassify_to_an_unknown_category_is_found(reg: Reg) -> None:
    cid = reg.new()
    reg.ok("reclassify", cid, "--by", "张三", "--category", "cleaning", "--reason", "x")
    edit(reg.record(cid), lambda d: d["events"][1]["to"].__setitem__("category", "plumbing"))
    result = reg.run("validate")
    found = problem_at(result, relpath(cid), "events.1.to.category")
    assert "'plumbing' is not a known category" in found["msg"]


# --- IDs and files -----------------------------------------------------------------------------


def test_an_id_used_by_two_files_is_reported_in_both(reg: Reg) -> None:
    first = reg.new()
    second = reg.new(summary="另一件事")
    reg.record(second).write_bytes(reg.record(first).read_bytes())
    result = reg.run("validate")
    assert result.code == 1
    a = problem_at(result, relpath(first), "id")
    b = [m for m in lines(result) if m["path"] == relpath(second) and "also used" in m["msg"]]
    assert f"ID {first} is also used by {relpath(second)}" == a["msg"]
    assert b and b[0]["msg"] == f"ID {first} is also used by {relpath(first)}"
    assert (a["line"], a["column"]) == (str(where(reg.record(first).read_text(), "id: ")[0]), "1")
    # the copy also sits where its ID does not belong
    assert any("belongs in" in m["msg"] for m in lines(result) if m["path"] == relpath(second))


def test_a_record_in_the_wrong_folder_is_found(reg: Reg) -> None:
    cid = reg.new()
    moved = reg.root / "complaints" / "2026" / "10" / f"{cid}.yaml"
    moved.parent.mkdir(parents=True, exist_ok=True)
    reg.record(cid).rename(moved)
    result = reg.run("validate")
    found = problem_at(result, f"complaints/2026/10/{cid}.yaml", "id")
    assert found["msg"] == f"ID {cid} belongs in {relpath(cid)}, not complaints/2026/10/{cid}.yaml"


def test_a_record_with_a_yml_name_or_off_the_shards_is_found(reg: Reg) -> None:
    cid = reg.new()
    stray = reg.root / "complaints" / "stray.yml"
    stray.write_bytes(reg.record(cid).read_bytes())
    result = reg.run("validate")
    assert any(
        m["path"] == "complaints/stray.yml" and "belongs in" in m["msg"] for m in lines(result)
    )


# --- the roster and the policy at the time --------------------------------------------------


def test_a_callback_role_is_judged_by_the_roster_of_its_day(reg: Reg) -> None:
    cid = closed(reg)  # 王主管 called back as supervisor
    roster = reg.root / "staff.yaml"
    roster.write_text(
        roster.read_text(encoding="utf-8").replace("role: supervisor", "role: manager"),
        encoding="utf-8",
    )
    commit_at(reg, LATER, "王主管 promoted")  # the promotion came a day later
    result = reg.run("validate")
    assert result.code == 0 and SOUND.fullmatch(result.out), result

    # a hand edit claiming the new role for the old callback is wrong
    text = edit(reg.record(cid), lambda d: d["events"][5].__setitem__("role", "manager"))
    result = reg.run("validate")
    found = problem_at(result, relpath(cid), "events.5.role")
    assert found["msg"] == "王主管 was supervisor on the roster then, not manager"
    assert (int(found["line"]), int(found["column"])) == where(text, "role: manager")


def test_an_uncommitted_roster_edit_does_not_rewrite_history(reg: Reg) -> None:
    closed(reg)
    roster = reg.root / "staff.yaml"
    roster.write_text(
        roster.read_text(encoding="utf-8").replace("role: supervisor", "role: manager"),
        encoding="utf-8",
    )
    result = reg.run("validate")
    assert result.code == 0 and SOUND.fullmatch(result.out), result


def test_someone_who_has_left_stays_valid_in_old_records(reg: Reg) -> None:
    closed(reg)  # 王主管 called back
    roster = reg.root / "staff.yaml"
    text = roster.read_text(encoding="utf-8")
    kept = re.sub(r"(?m)^  王主管:\n(?:    .*\n)+", "", text)
    assert kept != text
    roster.write_text(kept, encoding="utf-8")
    commit_at(reg, LATER, "王主管 has left")
    result = reg.run("validate")
    assert result.code == 0 and SOUND.fullmatch(result.out), result
    # a step recorded after he left, naming him, is wrong
    args = [a for key, value in INTAKE.items() for a in (f"--{key}", value)]
    after = {"CMPLT_NOW": "2026-11-30T01:00:00+00:00"}
    cid = reg.ok("new", "--by", "张三", *args, env=after).out.splitlines()[0]
    edit(reg.record(cid), lambda d: d["events"][0].__setitem__("by", "王主管"))
    found = problem_at(reg.run("validate"), relpath(cid), "events.0.by")
    assert found["msg"] == "'王主管' is not on the roster"


def test_a_category_retired_later_stays_valid_in_old_records(reg: Reg) -> None:
    cid = reg.new(category="parking")
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace(" parking,", ""), encoding="utf-8")
    assert policy.read_text(encoding="utf-8") != text
    commit_at(reg, LATER, "no more parking complaints: the car park was sold")
    result = reg.run("validate")
    assert result.code == 0 and SOUND.fullmatch(result.out), result
    # the policy of its time did not know this one either
    edit(
        reg.record(cid),
        lambda d: (
            d.__setitem__("category", "fishing"),
            d["events"][0].__setitem__("category", "fishing"),
        ),
    )
    result = reg.run("validate")
    found = problem_at(result, relpath(cid), "category")
    assert found["msg"] == "'fishing' is not in the policy's categories"


def test_an_extension_needs_the_approver_the_policy_named_then(reg: Reg) -> None:
    cid = reg.new()
    until = "2026-12-10T09:00:00+08:00"
    # the manager's own extension carries his approval (policy approvals.by_approver)
    reg.ok("extend", cid, "--by", "赵经理", "--until", until)
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        re.sub(r"(?m)^  minor: manager", "  minor: company_manager", text), encoding="utf-8"
    )
    commit_at(reg, LATER, "minor extensions now need the company manager")
    result = reg.run("validate")
    assert result.code == 0 and SOUND.fullmatch(result.out), result

    # a supervisor ranks below the manager (a director, ranked above, could approve)
    text = edit(
        reg.record(cid), lambda d: d["events"][1].__setitem__("approver_role", "supervisor")
    )
    result = reg.run("validate")
    role = problem_at(result, relpath(cid), "events.1.approver_role")
    assert role["msg"] == "a minor complaint's extension needs a manager, not a supervisor"
    who = problem_at(result, relpath(cid), "events.1.approved_by")
    assert who["msg"] == "赵经理 was manager on the roster then, not supervisor"


def test_a_work_order_signed_by_another_department_is_found(reg: Reg) -> None:
    cid = reg.new()
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")  # approved at once (规程 4.3.1)
    reg.ok("accept", cid, "--by", "李工")
    edit(reg.record(cid), lambda d: d["events"][2].__setitem__("by", "刘保安"))
    found = problem_at(reg.run("validate"), relpath(cid), "events.2.by")
    assert found["msg"] == "刘保安 was in 保安部; the work order is for 工程部"


def test_policy_and_roster_problems_are_reported_with_their_keys(reg: Reg) -> None:
    policy = reg.root / "cmplt.yaml"
    text = policy.read_text(encoding="utf-8").replace("  major: company_manager", "  major: ceo")
    policy.write_text(text, encoding="utf-8")
    roster = reg.root / "staff.yaml"
    roster_text = roster.read_text(encoding="utf-8").replace("role: director", "role: janitor")
    roster.write_text(roster_text, encoding="utf-8")
    result = reg.run("validate")
    assert result.code == 1
    approver = problem_at(result, "cmplt.yaml", "extension_approvers.major")
    assert (int(approver["line"]), int(approver["column"])) == where(text, "major: ceo")
    janitor = [m for m in lines(result) if m["path"] == "staff.yaml"]
    assert janitor and janitor[0]["msg"] == "unknown role 'janitor'"
    assert (int(janitor[0]["line"]), int(janitor[0]["column"])) == where(
        roster_text, "role: janitor"
    )


def test_a_broken_policy_is_a_finding_and_records_are_still_checked(reg: Reg) -> None:
    cid = reg.new()
    edit(reg.record(cid), lambda d: d.__setitem__("severity", "huge"))
    (reg.root / "cmplt.yaml").write_text("clocks: [\n", encoding="utf-8")
    result = reg.run("validate")
    assert result.code == 1
    paths = {m["path"] for m in lines(result)}
    assert paths == {"cmplt.yaml", relpath(cid)}, result.out


# --- hostile files ----------------------------------------------------------------------------

BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

HOSTILE: dict[str, tuple[bytes, str]] = {
    "a-list": (b"- id: 261128-7KQ4MZ\n- status: open\n", "found a list"),
    "a-scalar": (b"just some text\n", "found a single text"),
    "empty": (b"", "found nothing"),
    "duplicate-keys": (b"id: 261128-7KQ4MZ\nstatus: open\nstatus: closed\n", "duplicate key"),
    "python-tag": (
        b"id: !!python/object/apply:os.system ['touch PWNED']\n",
        "explicit tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
    ),
    "local-tag": (b"id: !complaint 261128-7KQ4MZ\n", "explicit tag !complaint is not allowed"),
    "billion-laughs": (BOMB, "anchors and aliases (&, *) are not allowed"),
    "deep-nesting": (b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested more than 32"),
    "binary-junk": (bytes(range(256)) * 40, "binary content (a NUL byte)"),
    "utf16-bom": ("id: 投诉\n".encode("utf-16"), "encoded as UTF-16 (little-endian)"),
    "utf16-no-bom": ("id: complaint\n".encode("utf-16-le"), "looks like UTF-16"),
    "gbk": ("summary: 电梯按钮失灵\n".encode("gbk"), "reads as GBK/GB18030"),
    "control-character": (b"summary: \x07bell\n", "not valid YAML"),
    "two-documents": (b"id: a\n---\nid: b\n", "more than one YAML document"),
    "bad-yaml": (b"summary: [unclosed\n", "not valid YAML"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_record_file_is_one_clear_finding(reg: Reg, kind: str) -> None:
    data, message = HOSTILE[kind]
    sound = reg.new()
    bad = reg.root / "complaints" / "2026" / "11" / "261128-HST1LE.yaml"
    bad.write_bytes(data)
    started = time.monotonic()
    result = reg.run("validate")
    assert time.monotonic() - started < 20
    assert result.code == 1, result
    assert "Traceback" not in result.err
    found = lines(result)
    assert [m["path"] for m in found] == ["complaints/2026/11/261128-HST1LE.yaml"], result.out
    assert found[0]["field"] == "(file)"
    assert message in found[0]["msg"], found[0]["msg"]
    assert not (reg.root / "PWNED").exists()
    assert sound not in result.out


def test_a_50_mb_file_is_not_read(reg: Reg) -> None:
    big = reg.root / "complaints" / "2026" / "11" / "261128-B1GF1L.yaml"
    big.parent.mkdir(parents=True, exist_ok=True)
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    started = time.monotonic()
    result = reg.run("validate")
    assert time.monotonic() - started < 10
    assert result.code == 1
    (found,) = lines(result)
    assert (found["line"], found["column"], found["field"]) == ("1", "1", "(file)")
    assert found["msg"].startswith("file is 52,428,800 bytes")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_device_among_the_records_is_never_read(reg: Reg) -> None:
    folder = reg.root / "complaints" / "2026" / "11"
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "261128-F1F000.yaml")
    (folder / "261128-ZER000.yaml").symlink_to("/dev/zero")
    result = reg.run("validate")
    assert result.code == 1
    assert [m["msg"] for m in lines(result)] == [
        "not a regular file (a folder, device, FIFO or socket)",
        "complaints/2026/11/261128-ZER000.yaml is a symbolic link; "
        "cmplt does not follow links in a registry",
    ]


def test_a_hostile_policy_is_a_finding_and_nothing_runs(reg: Reg) -> None:
    reg.new()
    policy = reg.root / "cmplt.yaml"
    policy.write_bytes(b"version: !!python/object/apply:os.system ['touch PWNED']\n")
    result = reg.run("validate")
    assert result.code == 1
    (found,) = lines(result)
    assert found["path"] == "cmplt.yaml" and "explicit tag" in found["msg"]
    assert not (reg.root / "PWNED").exists()


def test_a_file_with_endless_problems_is_cut_short(reg: Reg) -> None:
    cid = reg.new()
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8") + "".join(f"junk{i}: x\n" for i in range(300)),
        encoding="utf-8",
    )
    found = lines(reg.run("validate"))
    assert len(found) == validate.MAX_PROBLEMS_PER_FILE + 1
    assert found[-1]["msg"] == "200 more problems not shown"


# --- output and paths -------------------------------------------------------------------------


def test_json_gives_the_same_problems_as_objects(reg: Reg) -> None:
    cid = reg.new()
    edit(reg.record(cid), lambda d: (d.__setitem__("severity", "huge"), d.__setitem__("x", 1)))
    text = reg.run("validate")
    result = reg.run("validate", "--format", "json")
    assert result.code == 1
    data = json.loads(result.out)
    assert [
        f"{p['path']}:{p['line']}:{p['column']}: {p['field']}: {p['message']}" for p in data
    ] == (text.out.splitlines())
    assert set(data[0]) == {"path", "line", "column", "field", "message"}


def test_json_of_a_sound_registry_is_an_empty_list(reg: Reg) -> None:
    reg.new()
    result = reg.run("validate", "--format", "json")
    assert (result.code, json.loads(result.out)) == (0, [])


def test_paths_given_check_only_those_records(reg: Reg) -> None:
    good, broken = reg.new(), reg.new(summary="坏记录")
    edit(reg.record(broken), lambda d: d.__setitem__("severity", "huge"))
    result = reg.run("validate", relpath(good))
    assert result.code == 0 and SOUND.fullmatch(result.out), result
    result = reg.run("validate", relpath(good), relpath(broken))
    assert result.code == 1
    assert {m["path"] for m in lines(result)} == {relpath(broken)}


def test_paths_from_a_repository_root_with_the_registry_in_a_sub_folder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    assert run_cli("init", "estate", "--nested", cwd=repo).code == 0
    estate = repo / "estate"
    for args in (
        # the first person adds themself, a manager adds the others (permissions: staff)
        ("staff", "add", "赵经理", "--role", "manager"),
        ("staff", "add", "张三", "--role", "clerk", "--department", "客服中心", "--by", "赵经理"),
        ("staff", "add", "王主管", "--role", "supervisor", "--by", "赵经理"),
    ):
        assert run_cli(*args, cwd=estate).code == 0
    new = run_cli(
        "new", "--by", "张三", "--channel", "phone", "--customer", "王先生", "--unit", "1-101",
        "--phone", "13800138000", "--severity", "minor", "--nature", "valid-1",
        "--subject", "facilities", "--category", "repair", "--summary", "门禁坏了", cwd=estate,
    )  # fmt: skip
    cid = new.out.splitlines()[0]
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    record = f"estate/{relpath(cid)}"
    given = ["estate/cmplt.yaml", "estate/staff.yaml", record, ".pre-commit-config.yaml"]
    result = run_cli("validate", *given, cwd=repo)
    assert result.code == 0 and SOUND.fullmatch(result.out), result
    assert ".pre-commit-config.yaml" in result.err and "skipped" in result.err

    path = repo / record
    path.write_text(path.read_text(encoding="utf-8").replace("minor", "huge", 1), encoding="utf-8")
    result = run_cli("validate", *given, cwd=repo)
    assert result.code == 1
    (found,) = lines(result)
    assert found["path"] == record  # as the hook passed it, so an editor can jump to it
    # the whole registry from the repository root, named the same way
    whole = run_cli("--registry", "estate", "validate", cwd=repo)
    assert whole.out == result.out


def test_only_files_outside_any_registry_is_nothing_to_check(tmp_path: Path) -> None:
    other = tmp_path / "ci.yml"
    other.write_text("on: push\n", encoding="utf-8")
    result = run_cli("validate", "ci.yml", cwd=tmp_path)
    assert result.code == 0 and SOUND.fullmatch(result.out), result
    assert "skipped: ci.yml" in result.err


# --- the checks themselves --------------------------------------------------------------------


def test_every_record_check_is_in_the_list() -> None:
    checks = {
        name
        for name, value in vars(validate).items()
        if callable(value)
        and getattr(value, "__module__", "") == validate.__name__
        and not name.startswith("_")
        and list(getattr(value, "__annotations__", {}))[:3] == ["c", "relpath", "s"]
    }
    assert checks == {check.__name__ for check in validate.RECORD_CHECKS}
