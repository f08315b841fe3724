"""Two clones of one registry, stepping the same complaints, merged by git with
cmplt's merge driver: the union of the events, whatever the direction; a
contradiction kept and reported as `concurrent-steps` until a person voids one
side; what the driver cannot settle left to a person, as git would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Reg, T, git, new, run_check, step


def at_time(when: str) -> dict[str, str]:
    """cmplt's clock and git's (a merge commit is dated like the steps around it)."""
    return {"CMPLT_NOW": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}


def run_git(
    cwd: Path, *args: str, when: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **at_time(when)}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check
    )


def pull(clone: Reg, when: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_git(clone.root, "pull", "--no-rebase", "--no-edit", "-q", when=when, check=check)


def push(clone: Reg, when: str) -> None:
    run_git(clone.root, "push", "-q", when=when)


@pytest.fixture
def clones(reg: Reg, tmp_path: Path) -> tuple[Reg, Reg, str]:
    """A bare remote of `reg` with one complaint, and two clones of it, each set up
    by a first cmplt command."""
    cid = new(reg, T("11-28 09:00"))
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(reg.root), str(remote))
    made = []
    for name in ("a", "b"):
        git(tmp_path, "clone", "-q", str(remote), name)
        made.append(Reg(tmp_path / name))
    return made[0], made[1], cid


@pytest.fixture
def ready(clones: tuple[Reg, Reg, str]) -> tuple[Reg, Reg, str]:
    """The clones, each set up for merging by a first cmplt command."""
    for clone in clones[:2]:
        assert "merge driver" in clone.ok("list").err
    return clones


def test_a_fresh_clone_is_set_up_by_its_first_command_and_says_so_once(
    clones: tuple[Reg, Reg, str],
) -> None:
    a, _b, cid = clones
    assert (
        subprocess.run(
            ["git", "config", "--get", "merge.cmplt.driver"], cwd=a.root, capture_output=True
        ).returncode
        == 1
    )  # git clone brings no driver: git never takes one from the files
    first = a.run("show", cid)
    assert first.code == 0, first
    assert first.err.count("\n") == 1 and "merge driver" in first.err
    driver = a.git("config", "--get", "merge.cmplt.driver").strip()
    assert driver.endswith("-m cmplt merge-driver %O %A %B %P")
    assert driver.startswith(sys.executable)
    again = a.run("show", cid)
    assert again.code == 0 and again.err == ""


def test_a_driver_whose_python_is_gone_is_set_up_again(clones: tuple[Reg, Reg, str]) -> None:
    a, _b, _cid = clones
    a.git("config", "merge.cmplt.driver", "/nowhere/python -m cmplt merge-driver %O %A %B %P")
    result = a.run("list")
    assert result.code == 0 and "merge driver" in result.err
    assert a.git("config", "--get", "merge.cmplt.driver").strip().startswith(sys.executable)


def test_steps_on_two_clones_merge_at_pull_without_a_conflict(
    ready: tuple[Reg, Reg, str],
) -> None:
    a, b, cid = ready
    step(a, T("11-28 10:00"), "respond", cid, "张三", "--note", "已致歉")
    push(a, T("11-28 10:00"))
    step(b, T("11-28 10:30"), "note", cid, "陈主管", "--note", "关注")
    step(b, T("11-28 09:40"), "urge", cid, "张三", "--channel", "phone", recorded=T("11-28 10:40"))
    done = pull(b, T("11-28 11:00"))
    assert done.returncode == 0, done.stderr
    record = b.record(cid).read_text(encoding="utf-8")
    assert "<<<<<<<" not in record
    shown = json.loads(b.ok("show", cid, "--format", "json").out)
    assert [e["action"] for e in shown["events"]] == ["received", "urge", "respond", "note"]
    assert "concurrent" not in record
    assert b.ok("validate").code == 0
    audit = b.run("audit")
    assert audit.code == 0, audit
    # and the other clone gets the same file back
    push(b, T("11-28 11:00"))
    assert pull(a, T("11-28 11:05")).returncode == 0
    assert a.record(cid).read_bytes() == b.record(cid).read_bytes()


def _versions(clone: Reg, cid: str, revs: tuple[str, str, str]) -> list[bytes]:
    rel = clone.record(cid).relative_to(clone.root).as_posix()
    return [
        subprocess.run(
            ["git", "show", f"{rev}:{rel}"], cwd=clone.root, capture_output=True, check=True
        ).stdout
        for rev in revs
    ]


def test_the_merge_is_the_same_whichever_side_merges_into_which(
    ready: tuple[Reg, Reg, str], tmp_path: Path
) -> None:
    a, b, cid = ready
    step(a, T("11-28 10:00"), "respond", cid, "张三", "--note", "已致歉")
    step(a, T("11-28 10:20"), "dispatch", cid, "陈主管", "--to", "工程部")
    push(a, T("11-28 10:20"))
    step(b, T("11-28 10:10"), "note", cid, "赵经理", "--note", "经理关注")
    step(b, T("11-28 10:30"), "urge", cid, "张三", "--channel", "phone")
    b.git("fetch", "-q")
    base, ours, theirs = _versions(b, cid, ("origin/main~2", "HEAD", "origin/main"))
    outputs = []
    for first, second in ((ours, theirs), (theirs, ours)):
        folder = tmp_path / f"m{len(outputs)}"
        folder.mkdir()
        files = [folder / "base", folder / "ours", folder / "theirs"]
        for file, data in zip(files, (base, first, second), strict=True):
            file.write_bytes(data)
        rel = b.record(cid).relative_to(b.root).as_posix()
        result = b.run("merge-driver", *map(str, files), rel)
        assert result.code == 0, result
        outputs.append(files[1].read_bytes())
    assert outputs[0] == outputs[1]
    text = outputs[0].decode()
    order = [line.split()[-1] for line in text.splitlines() if line.startswith("    action:")]
    assert order == ["received", "respond", "note", "dispatch", "urge"]
    assert "status: dispatched" in text


def test_a_step_the_other_clone_made_impossible_is_kept_and_reported_until_voided(
    ready: tuple[Reg, Reg, str],
) -> None:
    a, b, cid = ready
    step(a, T("11-28 12:00"), "resolve", cid, "张三", "--result", "修好了")
    push(a, T("11-28 12:00"))
    step(b, T("11-28 12:30"), "resolve", cid, "陈主管", "--result", "已修复")
    assert pull(b, T("11-28 13:00")).returncode == 0
    record = b.record(cid).read_text(encoding="utf-8")
    shown = json.loads(b.ok("show", cid, "--format", "json").out)
    second = [e for e in shown["events"] if e["action"] == "resolve"][1]["id"]
    first = next(e for e in shown["events"] if e["action"] == "resolve")["id"]
    assert f"concurrent: [{second}]" in record
    history = b.ok("show", cid).out.splitlines()
    marked = [line for line in history if "[set aside" in line]
    assert len(marked) == 1 and "陈主管" in marked[0]  # the second result, not the first
    assert b.ok("validate").code == 0
    assert b.run("audit").code == 0
    code, findings = run_check(b, T("11-28 13:00"))
    assert code == 1
    [finding] = [f for f in findings if f["rule"] == "concurrent-steps"]
    assert finding["event"] == second and finding["id"] == cid
    assert second in finding["message"] and first in finding["message"]
    # a late entry before them leaves the contradiction as it was
    step(b, T("11-28 11:00"), "respond", cid, "张三", "--note", "补录", recorded=T("11-28 13:05"))
    assert f"concurrent: [{second}]" in b.record(cid).read_text(encoding="utf-8")
    # a person settles it with an ordinary step: the step set aside is voided
    step(b, T("11-28 13:10"), "void", cid, "陈主管", second, "--reason", "两台电脑重复录入")
    record = b.record(cid).read_text(encoding="utf-8")
    assert "concurrent" not in record
    code, findings = run_check(b, T("11-28 13:15"))
    assert [f for f in findings if f["rule"] == "concurrent-steps"] == []
    assert b.ok("validate").code == 0


def test_a_callback_recorded_while_the_other_clone_archived_is_set_aside_even_when_closed(
    ready: tuple[Reg, Reg, str],
) -> None:
    a, b, cid = ready
    step(a, T("11-28 12:00"), "resolve", cid, "张三", "--result", "修好了")
    push(a, T("11-28 12:00"))
    assert pull(b, T("11-28 12:05")).returncode == 0
    step(a, T("11-29 10:00"), "callback", cid, "钱主任", "--satisfaction", "satisfied")
    step(a, T("11-29 10:05"), "callback", cid, "赵经理", "--satisfaction", "satisfied")
    step(a, T("11-29 11:00"), "close", cid, "张三")
    push(a, T("11-29 11:00"))
    step(b, T("11-29 11:30"), "callback", cid, "陈主管", "--satisfaction", "dissatisfied")
    assert pull(b, T("11-29 12:00")).returncode == 0
    data = json.loads(b.ok("show", cid, "--format", "json").out)
    assert data["status"] == "closed"
    set_aside = data["events"][-1]["id"]
    assert data["concurrent"] == [set_aside]
    _code, findings = run_check(b, T("11-29 12:00"))
    assert [f["event"] for f in findings if f["rule"] == "concurrent-steps"] == [set_aside]
    # voiding the step set aside is allowed in an archived record: it changes nothing
    step(b, T("11-29 12:10"), "void", cid, "陈主管", set_aside, "--reason", "已归档，改为新投诉")
    assert json.loads(b.ok("show", cid, "--format", "json").out)["status"] == "closed"
    # anything else in the archive is still refused
    refused = b.run("note", cid, "--by", "张三", "--note", "x", env={"CMPLT_NOW": T("11-29 12:20")})
    assert refused.code == 4


def test_fields_changed_differently_on_both_sides_are_left_to_a_person(
    ready: tuple[Reg, Reg, str],
) -> None:
    a, b, cid = ready
    for clone, text in ((a, "3-1502 东侧"), (b, "3-1502 西侧")):
        path = clone.record(cid)
        path.write_text(
            path.read_text(encoding="utf-8").replace("unit: 3-1502", f"unit: {text}"),
            encoding="utf-8",
        )
        run_git(clone.root, "commit", "-qam", "hand edit", when=T("11-28 10:00"))
    push(a, T("11-28 10:00"))
    before = b.head()
    done = pull(b, T("11-28 10:10"), check=False)
    assert done.returncode != 0
    assert "needs a person to merge: unit was changed differently on both sides" in done.stderr
    assert "<<<<<<<" in b.record(cid).read_text(encoding="utf-8")  # git's own markers
    run_git(b.root, "merge", "--abort", when=T("11-28 10:10"))
    assert b.head() == before


def test_audit_flags_a_merge_that_drops_or_invents_an_event(
    ready: tuple[Reg, Reg, str],
) -> None:
    a, b, cid = ready
    step(a, T("11-28 10:00"), "respond", cid, "张三", "--note", "已致歉")
    push(a, T("11-28 10:00"))
    step(b, T("11-28 10:30"), "note", cid, "陈主管", "--note", "关注")
    b.git("fetch", "-q")
    # a merge made by hand that keeps only this side's file: the reply is dropped
    run_git(b.root, "merge", "-q", "-s", "ours", "--no-edit", "origin/main", when=T("11-28 11:00"))
    audit = b.run("audit", "--format", "json")
    assert audit.code == 1
    found = json.loads(audit.out)["findings"]
    assert {f["what"] for f in found} == {"event-removed"}, found


def test_people_added_to_the_roster_on_two_clones_are_both_on_it(
    ready: tuple[Reg, Reg, str],
) -> None:
    a, b, _cid = ready
    a.ok("staff", "add", "吴新", "--role", "clerk", "--department", "客服中心", "--by", "赵经理")
    push(a, T("11-28 10:00"))
    b.ok("staff", "add", "郑工", "--role", "staff", "--department", "工程部", "--by", "赵经理")
    b.ok("staff", "set", "张三", "--role", "cs_supervisor", "--by", "赵经理")
    done = pull(b, T("11-28 10:10"))
    assert done.returncode == 0, done.stderr
    roster = b.root.joinpath("staff.yaml").read_text(encoding="utf-8")
    assert "吴新" in roster and "郑工" in roster and "<<<<<<<" not in roster
    listed = b.ok("staff", "list", "--format", "json").out
    assert "吴新" in listed and "郑工" in listed
    assert b.ok("validate").code == 0
    # and the same roster whichever way the merge went
    push(b, T("11-28 10:10"))
    assert pull(a, T("11-28 10:20")).returncode == 0
    assert a.root.joinpath("staff.yaml").read_bytes() == roster.encode()


def test_audit_flags_a_merge_that_invents_an_event(ready: tuple[Reg, Reg, str]) -> None:
    a, b, cid = ready
    step(a, T("11-28 10:00"), "respond", cid, "张三", "--note", "已致歉")
    push(a, T("11-28 10:00"))
    step(b, T("11-28 10:30"), "note", cid, "陈主管", "--note", "关注")
    b.git("fetch", "-q")
    run_git(b.root, "merge", "-q", "--no-commit", "origin/main", when=T("11-28 11:00"))
    path = b.record(cid)
    text = path.read_text(encoding="utf-8")
    invented = (
        "  - id: ZZZZZZZZ\n    action: note\n    at: '2026-11-28T10:40:00+08:00'\n"
        "    recorded_at: '2026-11-28T10:40:00+08:00'\n    by: 陈主管\n    text: 补记\n"
    )
    path.write_text(text + invented, encoding="utf-8")
    run_git(b.root, "commit", "-qam", "merge", when=T("11-28 11:00"))
    audit = b.run("audit", "--format", "json")
    assert audit.code == 1
    found = json.loads(audit.out)["findings"]
    assert [f["what"] for f in found if "ZZZZZZZZ" in f["message"]] == ["merge-adds-event"], found
