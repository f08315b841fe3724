"""`cmplt audit`: a history made only through cmplt passes; each way of rewriting it by
hand is caught, with the commit, its author, the file and what changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Reg

# The frozen clock of every cmplt step (conftest NOW, 09:00 in Asia/Shanghai); hand
# commits are dated then too, so that the steps after them are not "backdated".
NOW = "2026-11-28T01:00:00+00:00"


@pytest.fixture(autouse=True)
def _trust_commands() -> None:
    """`audit` and `log`, until cmplt.cli registers them itself."""
    from cmplt.cli import cli
    from cmplt.cli.trust import COMMANDS

    for command in COMMANDS:
        if command.name not in cli.commands:
            cli.add_command(command)


def handled_and_closed(reg: Reg) -> str:
    """A complaint taken through its whole life by cmplt."""
    cid = reg.new()
    reg.ok("respond", cid, "--by", "张三", "--note", "已登记，工程部今天上门")
    # a valid complaint's work order goes out approved by the cs supervisor (规程 4.3.1)
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")
    reg.ok("accept", cid, "--by", "李工")
    reg.ok("resolve", cid, "--by", "李工", "--result", "更换按钮面板")
    reg.ok("callback", cid, "--by", "王主管", "--satisfaction", "satisfied")
    # a valid complaint is closed only after the director's and the manager's callbacks
    for caller in ("钱主任", "赵经理"):
        reg.ok("callback", cid, "--by", caller, "--satisfaction", "satisfied")
    reg.ok("close", cid, "--by", "张三")
    return cid


def in_progress(reg: Reg) -> str:
    cid = reg.new()
    reg.ok("respond", cid, "--by", "张三", "--note", "已登记，工程部今天上门")
    # a valid complaint's work order goes out approved by the cs supervisor (规程 4.3.1)
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")
    return cid


def hand_commit(
    root: Path,
    message: str,
    *,
    author: str = "Test Runner",
    email: str = "runner@example.invalid",
    date: str = NOW,
) -> str:
    """`git add -A && git commit` as a person would, outside cmplt."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    for args in (["add", "-A"], ["commit", "-q", "--no-verify", "-F", "-"]):
        subprocess.run(["git", *args], cwd=root, env=env, input=message, text=True, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def cmplt_message(cid: str, action: str, actor: str) -> str:
    """A message with cmplt's trailers, copied by hand."""
    return f"{cid}: {action}\n\nComplaint-Id: {cid}\nAction: {action}\nActor: {actor}\n"


def hand_event(
    action: str, by: str, recorded_at: str, event_id: str = "HAND0001", **fields: str
) -> str:
    lines = [
        f"  - id: {event_id}",
        f"    action: {action}",
        f"    at: '{recorded_at}'",
        f"    recorded_at: '{recorded_at}'",
        f"    by: {by}",
        *(f"    {k}: {v}" for k, v in fields.items()),
    ]
    return "\n".join(lines) + "\n"


def events_of(text: str) -> tuple[str, list[str]]:
    """(the text before the first event, each event's lines) of a record cmplt wrote."""
    head, _, rest = text.partition("\n  - id: ")
    chunks = rest.rstrip("\n").split("\n  - id: ")
    return head + "\n", [f"  - id: {chunk}\n" for chunk in chunks]


def audit(reg: Reg, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = reg.run("audit", "--format", "json", *args)
    assert result.code in (0, 1), result
    data = json.loads(result.out)
    return result.code, data["findings"]


def kinds(findings: list[dict[str, object]]) -> list[str]:
    return [str(f["what"]) for f in findings]


# --- a clean history -------------------------------------------------------------------------


def test_a_history_made_only_through_cmplt_passes(reg: Reg) -> None:
    handled_and_closed(reg)
    cid = in_progress(reg)
    reg.ok("reopen", handled_and_closed(reg), "--by", "王主管", "--reason", "客户再次来电")
    reg.ok("note", cid, "--by", "张三", "--text", "客户改约明天")
    result = reg.run("audit")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_an_empty_registry_passes(reg: Reg) -> None:
    assert reg.run("audit").code == 0


# --- each way of going around cmplt ------------------------------------------------------------


def test_a_hand_edit_without_trailers_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8")
        + hand_event("note", "张三", "2026-11-28T10:00:00+08:00", text="补记"),
        encoding="utf-8",
    )
    commit = hand_commit(reg.root, "add a note")
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["no-trailers"]
    found = findings[0]
    assert found["commit"] == commit
    assert found["author"] == "Test Runner"
    assert found["path"] == f"complaints/2026/11/{cid}.yaml"
    assert "Complaint-Id, Action, Actor missing" in str(found["message"])
    assert "HAND0001 (note by 张三)" in str(found["message"])


def test_the_text_report_names_commit_author_file_and_change(reg: Reg) -> None:
    cid = in_progress(reg)
    reg.record(cid).write_text(
        reg.record(cid).read_text(encoding="utf-8").replace("已登记，工程部今天上门", "已登记"),
        encoding="utf-8",
    )
    commit = hand_commit(reg.root, cmplt_message(cid, "respond", "Test Runner"))
    result = reg.run("audit")
    assert result.code == 1, result
    line = next(ln for ln in result.out.splitlines() if "event-edited" in ln)
    assert re.match(
        rf"commit {commit[:10]} Test Runner: complaints/2026/11/{cid}.yaml:\d+: event-edited: ",
        line,
    ), line
    assert "note '已登记，工程部今天上门' -> '已登记'" in line
    assert result.err == ""


def test_an_old_event_edited_under_copied_trailers_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("已登记，工程部今天上门", "已登记，明天上门"), encoding="utf-8")
    hand_commit(reg.root, cmplt_message(cid, "respond", "张三"), author="张三")
    code, findings = audit(reg)
    assert code == 1
    edited = [f for f in findings if f["what"] == "event-edited"]
    assert len(edited) == 1
    assert "(respond)" in str(edited[0]["message"])
    assert "note '已登记，工程部今天上门' -> '已登记，明天上门'" in str(edited[0]["message"])
    # the line of the edited event in the new version
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[int(str(edited[0]["line"])) - 1].lstrip().startswith("- id:")
    # the trailers claim a step the commit does not contain
    assert "trailer-mismatch" in kinds(findings)


def test_events_reordered_are_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    head, events = events_of(path.read_text(encoding="utf-8"))
    events[1], events[2] = events[2], events[1]
    path.write_text(head + "".join(events), encoding="utf-8")
    hand_commit(reg.root, "tidy the order")
    code, findings = audit(reg)
    assert code == 1
    assert "events-reordered" in kinds(findings)
    assert "no-trailers" in kinds(findings)


def test_an_event_removed_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    before = path.read_text(encoding="utf-8")
    head, events = events_of(before)
    removed = events.pop(1)
    path.write_text(head + "".join(events), encoding="utf-8")
    hand_commit(reg.root, "remove the reply")
    code, findings = audit(reg)
    assert code == 1
    gone = [f for f in findings if f["what"] == "event-removed"]
    assert len(gone) == 1
    event_id = removed.split()[2]
    assert f"event {event_id} (respond) by 张三 removed" in str(gone[0]["message"])
    # the line where it was, in the file before the commit
    assert before.splitlines()[int(str(gone[0]["line"])) - 1] == f"  - id: {event_id}"


def test_a_closed_record_changed_by_hand_is_caught(reg: Reg) -> None:
    cid = handled_and_closed(reg)
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8")
        + hand_event("note", "张三", "2026-11-28T10:00:00+08:00", text="补记：客户又来电"),
        encoding="utf-8",
    )
    # everything else as cmplt would have it: trailers, author
    hand_commit(reg.root, cmplt_message(cid, "note", "张三"), author="张三")
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["closed-changed"]
    assert "adds HAND0001 (note) without a reopen" in str(findings[0]["message"])


def test_a_reopen_of_a_closed_record_is_fine(reg: Reg) -> None:
    cid = handled_and_closed(reg)
    reg.ok("reopen", cid, "--by", "王主管", "--reason", "客户再次来电")
    reg.ok("note", cid, "--by", "张三", "--text", "重新派工")
    assert reg.run("audit").code == 0


def test_a_record_deleted_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    reg.git("rm", "-q", str(reg.record(cid)))
    commit = hand_commit(reg.root, "clean up")
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["record-deleted"]
    assert findings[0]["commit"] == commit
    assert f"record {cid} deleted with its 3 events" in str(findings[0]["message"])


def test_an_author_who_is_not_the_actor_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8")
        + hand_event("note", "张三", "2026-11-28T10:00:00+08:00", text="补记"),
        encoding="utf-8",
    )
    hand_commit(
        reg.root, cmplt_message(cid, "note", "张三"), author="李工", email="li@example.invalid"
    )
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["author-not-actor"]
    assert findings[0]["author"] == "李工"
    assert "committed as 李工 <li@example.invalid> but Actor is 张三" in str(findings[0]["message"])


def test_an_event_recorded_before_its_parent_commit_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    # the parent commit was made at 09:00 (+08:00); this claims to be typed at 08:00
    path.write_text(
        path.read_text(encoding="utf-8")
        + hand_event("note", "张三", "2026-11-28T08:00:00+08:00", text="补记"),
        encoding="utf-8",
    )
    hand_commit(reg.root, cmplt_message(cid, "note", "张三"), author="张三")
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["backdated"]
    # times as people read them, in both languages (the JSON's own fields stay ISO 8601)
    assert (
        "recorded_at 2026-11-28 08:00 is before the parent commit's time 2026-11-28 09:00"
        in str(findings[0]["message"])
    )
    shown = reg.run("--lang", "zh-CN", "audit")
    assert shown.code == 1, shown
    assert "2026-11-28 08:00" in shown.out and "2026-11-28 09:00" in shown.out
    assert "T08:00" not in shown.out and "+08:00" not in shown.out


def test_trailers_that_do_not_match_the_change_are_caught(reg: Reg) -> None:
    first, second = in_progress(reg), in_progress(reg)
    path = reg.record(first)
    path.write_text(
        path.read_text(encoding="utf-8")
        + hand_event("note", "张三", "2026-11-28T10:00:00+08:00", text="补记"),
        encoding="utf-8",
    )
    hand_commit(reg.root, cmplt_message(second, "respond", "张三"), author="张三")
    _, findings = audit(reg)
    assert kinds(findings) == ["trailer-mismatch"]
    message = str(findings[0]["message"])
    assert f"Complaint-Id {second} but the file is {first}" in message
    assert "Action respond but the new event is note" in message


def test_an_intake_field_edited_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    path = reg.record(cid)
    path.write_text(
        path.read_text(encoding="utf-8").replace("customer: 王先生", "customer: 李先生"),
        encoding="utf-8",
    )
    hand_commit(reg.root, "fix the name")
    _, findings = audit(reg)
    assert "field-edited" in kinds(findings)
    edited = next(f for f in findings if f["what"] == "field-edited")
    assert "customer '王先生' -> '李先生'" in str(edited["message"])
    # in Chinese the line and the field are said in Chinese too
    shown = reg.run("--lang", "zh-CN", "audit")
    assert shown.code == 1, shown
    commit = reg.head()[:10]
    assert f"提交 {commit} Test Runner：complaints/" in shown.out, shown
    assert "客户 '王先生' -> '李先生'" in shown.out and "commit " not in shown.out, shown


def test_every_rewrite_in_one_history_is_reported_and_the_rest_is_not(reg: Reg) -> None:
    clean = in_progress(reg)
    deleted = in_progress(reg)
    reg.git("rm", "-q", str(reg.record(deleted)))
    hand_commit(reg.root, "clean up")
    reg.ok("accept", clean, "--by", "李工")
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["record-deleted"]
    assert all(f["path"] != f"complaints/2026/11/{clean}.yaml" for f in findings)


# --- moves, merges, a registry in a sub-folder ------------------------------------------------


def test_a_record_moved_to_another_folder_unchanged_is_no_finding(reg: Reg) -> None:
    cid = in_progress(reg)
    (reg.root / "complaints" / "archive").mkdir()
    reg.git("mv", str(reg.record(cid)), f"complaints/archive/{cid}.yaml")
    hand_commit(reg.root, "reshuffle")
    assert reg.run("audit").code == 0


def test_a_record_moved_and_edited_is_checked_as_an_edit(reg: Reg) -> None:
    cid = in_progress(reg)
    (reg.root / "complaints" / "archive").mkdir()
    moved = reg.root / "complaints" / "archive" / f"{cid}.yaml"
    reg.git("mv", str(reg.record(cid)), str(moved))
    moved.write_text(
        moved.read_text(encoding="utf-8").replace("已登记，工程部今天上门", "已登记"),
        encoding="utf-8",
    )
    hand_commit(reg.root, "reshuffle")
    _, findings = audit(reg)
    assert "event-edited" in kinds(findings)
    assert "record-deleted" not in kinds(findings)
    assert findings[0]["path"] == f"complaints/archive/{cid}.yaml"


def test_a_merge_of_two_clones_work_is_fine(reg: Reg) -> None:
    first, second = in_progress(reg), in_progress(reg)
    reg.git("checkout", "-q", "-b", "clone")
    reg.ok("accept", first, "--by", "李工")
    reg.git("checkout", "-q", "main")
    reg.ok("accept", second, "--by", "李工")
    env_date = {"GIT_AUTHOR_DATE": NOW, "GIT_COMMITTER_DATE": NOW}
    subprocess.run(
        ["git", "merge", "-q", "--no-edit", "clone"],
        cwd=reg.root,
        env={**os.environ, **env_date},
        check=True,
    )
    assert reg.run("audit").code == 0


def test_a_merge_that_drops_one_sides_event_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    reg.git("checkout", "-q", "-b", "clone")
    reg.ok("accept", cid, "--by", "李工")
    reg.git("checkout", "-q", "main")
    reg.ok("note", cid, "--by", "张三", "--text", "客户催办")
    env = {**os.environ, "GIT_AUTHOR_DATE": NOW, "GIT_COMMITTER_DATE": NOW}
    # keep main's file: the clone's `accept` is lost
    subprocess.run(
        ["git", "merge", "-q", "--no-edit", "-s", "ours", "clone"],
        cwd=reg.root,
        env=env,
        check=True,
    )
    merge = reg.head()
    code, findings = audit(reg)
    assert code == 1
    assert [(f["commit"], f["what"]) for f in findings] == [(merge, "event-removed")]
    assert "(accept) by 李工 removed" in str(findings[0]["message"])


def test_only_the_registry_folder_counts(tmp_path: Path, reg: Reg) -> None:
    from tests.conftest import run_cli

    outer = tmp_path / "outer"
    outer.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=outer, check=True)
    (outer / "README").write_text("x\n", encoding="utf-8")
    hand_commit(outer, "start")
    assert run_cli("init", "sub/estate", "--nested", cwd=outer).code == 0
    registry = outer / "sub" / "estate"
    run_cli("staff", "add", "张三", "--role", "clerk", "--department", "客服中心", cwd=registry)
    sub = Reg(registry)
    cid = sub.new()
    # a file shaped like a record, outside the registry, committed by hand
    elsewhere = outer / "complaints" / "2026" / "11"
    elsewhere.mkdir(parents=True)
    (elsewhere / f"{cid}.yaml").write_text("id: x\n", encoding="utf-8")
    hand_commit(outer, "unrelated")
    assert sub.run("audit").code == 0
    # and a hand edit inside it is found, with the path relative to the registry
    record = sub.record(cid)
    record.write_text(record.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    hand_commit(outer, "comment")
    code, findings = audit(sub)
    assert code == 1
    assert [(f["what"], f["path"]) for f in findings] == [
        ("no-trailers", f"complaints/2026/11/{cid}.yaml")
    ]


# --- remembering what was audited ------------------------------------------------------------


def state(reg: Reg) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (reg.root / ".git" / "cmplt-audit.json").read_text(encoding="utf-8")
    )
    return data


def test_a_repeated_audit_reads_no_commit_again(reg: Reg) -> None:
    cid = in_progress(reg)
    reg.git("rm", "-q", str(reg.record(cid)))
    bad = hand_commit(reg.root, "clean up")
    first = json.loads(reg.run("audit", "--format", "json").out)
    commits = reg.commit_count()
    assert (first["commits"], first["audited"]) == (commits, commits)
    remembered = state(reg)
    assert len(remembered["clean"]) == commits - 1  # type: ignore[arg-type]
    assert list(remembered["findings"]) == [bad]  # type: ignore[call-overload]

    again = reg.run("audit", "--format", "json")
    assert again.code == 1
    data = json.loads(again.out)
    assert (data["commits"], data["audited"]) == (commits, 0)
    assert data["findings"] == first["findings"]

    other = in_progress(reg)
    del other
    third = json.loads(reg.run("audit", "--format", "json").out)
    assert (third["commits"], third["audited"]) == (commits + 3, 3)
    assert len(state(reg)["clean"]) == commits + 2  # type: ignore[arg-type]


def test_since_audits_only_the_later_commits(reg: Reg) -> None:
    cid = in_progress(reg)
    reg.git("rm", "-q", str(reg.record(cid)))
    hand_commit(reg.root, "clean up")
    mark = reg.head()
    in_progress(reg)
    code, findings = audit(reg, "--since", mark)
    assert (code, findings) == (0, [])
    result = json.loads(reg.run("audit", "--since", mark, "--format", "json").out)
    assert result["commits"] == 3
    assert audit(reg, "--since", "HEAD~4")[0] == 1


def test_an_unknown_revision_or_no_repository_means_it_could_not_run(
    reg: Reg, tmp_path: Path
) -> None:
    result = reg.run("audit", "--since", "no-such-tag")
    assert result.code == 2
    assert result.err.startswith("cmplt: --since no-such-tag: no such commit")
    assert result.out == ""
    outside = tmp_path / "nowhere"
    outside.mkdir()
    assert reg.run("--registry", str(outside), "audit").code == 2


# --- the fast reading of a version agrees with the careful one ------------------------------


def test_scanning_cmplt_written_versions_agrees_with_the_yaml_parser(reg: Reg) -> None:
    from cmplt import gitlog
    from cmplt.history import read_carefully, read_version

    cid = handled_and_closed(reg)
    reg.ok("reopen", cid, "--by", "王主管", "--reason", "客户说：'还是不行' #2")
    reg.ok("reclassify", cid, "--by", "王主管", "--severity", "important", "--reason", "多次")
    reg.ok("note", cid, "--by", "张三", "--text", "第一行\n第二行: 有冒号")
    relpath = f"complaints/2026/11/{cid}.yaml"
    commits = gitlog.file_history(reg.root, relpath)
    blobs = [c.changes[0].new for c in commits]
    previous = None
    scanned = 0
    for raw in gitlog.blob_contents(reg.root, [b for b in blobs if b]):
        assert raw is not None
        fast = read_version(raw, relpath, previous)
        careful = read_carefully(raw, relpath)
        assert [(e.key, e.action, e.by, e.at, e.recorded_at) for e in fast.events] == [
            (e.key, e.action, e.by, e.at, e.recorded_at) for e in careful.events
        ]
        assert fast.record_id == careful.record_id == cid
        scanned += fast.header is not None
        previous = fast
    assert scanned == len(blobs)  # every version cmplt wrote was scanned, none parsed


_SCALAR_CHARS = "ab 张三:#'\"-0123456789.eE+~!&*[]{},|>?%@`\\/_nulltrue"


@given(st.text(alphabet=_SCALAR_CHARS, min_size=1, max_size=12))
@settings(max_examples=400, deadline=None)
def test_a_scalar_read_by_the_scanner_is_what_yaml_reads(text: str) -> None:
    """Where the scanner answers at all, it answers what the YAML parser would."""
    from cmplt.history import scalar_text
    from cmplt.yaml12 import YAMLError, load

    found = scalar_text(text.encode())
    if found is None:
        return
    try:
        parsed = load(f"k: {text}\n")
    except YAMLError:
        pytest.fail(f"scanner read {text!r} as {found!r}; YAML cannot read it")
    assert parsed == {"k": found}


def test_a_quoted_value_running_over_lines_is_left_to_the_yaml_parser() -> None:
    from cmplt.history import read_carefully, read_version

    raw = (
        "id: 261128-AAAAAA\n"
        "events:\n"
        "  - id: AAAAAAAA\n"
        "    action: received\n"
        "    at: '2026-11-28T09:00:00+08:00'\n"
        "    recorded_at: '2026-11-28T09:00:00+08:00'\n"
        "    by: 张三\n"
        '    note: "first line\n'
        "  - id: BBBBBBBB\n"
        '    action: close"\n'
    ).encode()
    fast = read_version(raw, "x.yaml")
    assert fast.header is None  # read the careful way
    assert fast.keys == read_carefully(raw, "x.yaml").keys


def union_merge(reg: Reg, cid: str, extra: str = "") -> None:
    """Two clones each add a step to one record; the merge keeps both (and `extra`)."""
    reg.git("checkout", "-q", "-b", "clone")
    reg.ok("accept", cid, "--by", "李工")
    theirs = reg.record(cid).read_text(encoding="utf-8")
    reg.git("checkout", "-q", "main")
    reg.ok("note", cid, "--by", "张三", "--text", "客户催办")
    ours = reg.record(cid).read_text(encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": NOW, "GIT_COMMITTER_DATE": NOW}
    subprocess.run(
        ["git", "merge", "-q", "--no-commit", "-s", "ours", "clone"],
        cwd=reg.root,
        env=env,
        check=True,
    )
    note = events_of(ours)[1][-1]
    reg.record(cid).write_text(theirs + note + extra, encoding="utf-8")
    reg.git("add", str(reg.record(cid)))
    subprocess.run(["git", "commit", "-q", "--no-edit"], cwd=reg.root, env=env, check=True)


def test_a_merge_that_keeps_both_sides_events_is_fine(reg: Reg) -> None:
    union_merge(reg, in_progress(reg))
    assert reg.run("audit").code == 0


def test_a_merge_that_adds_an_event_of_its_own_is_caught(reg: Reg) -> None:
    cid = in_progress(reg)
    union_merge(reg, cid, hand_event("note", "张三", "2026-11-28T09:00:00+08:00", text="补记"))
    code, findings = audit(reg)
    assert code == 1
    assert kinds(findings) == ["merge-adds-event"]
    assert findings[0]["commit"] == reg.head()
    assert "adds event HAND0001 (note) that neither side committed" in str(findings[0]["message"])


def test_a_registry_outside_git_cannot_be_audited(reg: Reg, tmp_path: Path) -> None:
    copy = tmp_path / "copied-out"
    copy.mkdir()
    for name in ("cmplt.yaml", "staff.yaml"):
        (copy / name).write_bytes((reg.root / name).read_bytes())
    result = reg.run("--registry", str(copy), "audit")
    assert result.code == 2
    assert "not inside a git repository" in result.err
