"""A manager reading a shared checkout they may not write: every reading command
works without cmplt's caches and state under `.git/`, and a step says in one line
that it cannot change the registry, changing nothing.

The tests run as root, for whom no permission bit makes `.git/` unwritable, so
each file cmplt keeps there is made a folder first: it can be neither read nor
replaced, as for a user without write access (README "Read-only use"; checked
by hand as `nobody` too)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cmplt import statefiles
from tests.conftest import (
    INTAKE,
    NOW,
    Reg,
    T,
    age,
    assert_one_line_error,
    new,
    reply,
    run_cli,
)

READING = [
    ["check", "--as-of", T("11-28 09:00")],
    ["check", "--as-of", T("11-28 09:00"), "--format", "json"],
    ["report", "--period", "2026-11", "--format", "json"],
    ["audit"],
    ["list"],
    ["validate"],
]


def registry_with_history(reg: Reg) -> str:
    cid = new(reg, T("11-20 09:00"))
    reply(reg, T("11-20 10:00"), cid)
    new(reg, T("11-21 09:00"), severity="important")
    age(reg)
    return cid


def unwritable_state(reg: Reg) -> None:
    """Every state and cache file under .git/ a folder: unreadable, irreplaceable."""
    for name in (
        statefiles.CHECK_CACHE,
        statefiles.REPORT_CACHE,
        statefiles.CHECK_SEEN,
        statefiles.POLICY_VERSIONS,
        statefiles.AUDIT_STATE,
    ):
        target = reg.root / ".git" / name
        if target.is_file():
            target.unlink()
        target.mkdir(exist_ok=True)


def git_files(reg: Reg) -> set[str]:
    return {p.name for p in (reg.root / ".git").iterdir()}


def commands(cid: str) -> list[list[str]]:
    return [*READING, ["show", cid], ["log", cid]]


def test_reading_commands_answer_the_same_without_their_state_files(reg: Reg) -> None:
    cid = registry_with_history(reg)
    before = {tuple(args): reg.run(*args) for args in commands(cid)}
    # a second run, served by the caches, for the same answers
    assert {tuple(args): reg.run(*args) for args in commands(cid)} == before
    unwritable_state(reg)
    files = git_files(reg)
    for args in commands(cid):
        result = reg.run(*args)
        assert (result.code, result.out, result.err) == (
            before[tuple(args)].code,
            before[tuple(args)].out,
            before[tuple(args)].err,
        ), args
        assert "Traceback" not in result.err
    # no temporary file left behind by a failed replace
    assert git_files(reg) == files


def test_a_fresh_read_only_checkout_answers_too(reg: Reg) -> None:
    """No cache ever written (a checkout made by someone else, read at once)."""
    cid = registry_with_history(reg)
    unwritable_state(reg)
    check = reg.run("check", "--as-of", T("11-28 09:00"), "--format", "json")
    assert check.code == 1 and check.err == "", check
    assert {f["id"] for f in json.loads(check.out)["findings"]} >= {cid}
    audit = reg.run("audit")  # the steps typed in the past are "backdated": exit 1
    assert (audit.code, audit.err) == (1, ""), audit
    assert reg.ok("validate", "-q").out == ""
    assert reg.ok("report", "--period", "2026-11", "--format", "json").err == ""


def test_check_new_says_once_that_it_cannot_remember(reg: Reg) -> None:
    registry_with_history(reg)
    unwritable_state(reg)
    first = reg.run("check", "--as-of", T("11-28 09:00"), "--new")
    assert first.code == 1, first
    assert first.err.count("\n") == 1, first
    assert first.err.startswith("cmplt: warning: cannot write "), first
    assert statefiles.CHECK_SEEN in first.err
    # it could not remember: the next run reports the same findings again
    again = reg.run("check", "--as-of", T("11-28 09:00"), "--new")
    assert (again.code, again.out) == (first.code, first.out)


@pytest.mark.parametrize("command", ["note", "new"])
def test_a_step_that_cannot_take_the_lock_says_so_and_changes_nothing(
    reg: Reg, command: str
) -> None:
    cid = registry_with_history(reg)
    lock = reg.root / ".git" / statefiles.LOCK
    lock.unlink(missing_ok=True)
    lock.mkdir()
    head = reg.head()
    record = reg.record(cid).read_bytes()
    if command == "note":
        result = reg.run("note", cid, "--by", "张三", "--text", "客户又来电")
    else:
        intake = [f"--{key}={value}" for key, value in INTAKE.items()]
        result = reg.run("new", "--by", "张三", *intake)
    assert result.code == 10, result
    assert result.out == ""
    assert len(result.err.splitlines()) == 1, result
    assert result.err.startswith("cmplt: cannot change the registry here"), result
    assert statefiles.LOCK in result.err
    assert reg.head() == head
    assert reg.record(cid).read_bytes() == record
    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""


# --- a repository git will not read: never "no commits" --------------------------------


def git_refuses(reg: Reg, way: str, tmp_path: Path) -> dict[str, str]:
    """Make git fail on the registry's repository; the environment to run cmplt with."""
    if way == "GIT_DIR":
        return {"GIT_DIR": str(tmp_path / "no-such-repository")}
    if way == "HEAD":
        (reg.root / ".git" / "HEAD").write_text("garbage\n", encoding="utf-8")
        return {}
    if way == "wrapper":
        folder = tmp_path / "bin"
        folder.mkdir()
        wrapper = folder / "git"
        wrapper.write_text(
            "#!/bin/sh\necho \"fatal: detected dubious ownership in repository at '$PWD'\" >&2\n"
            "exit 128\n",
            encoding="utf-8",
        )
        wrapper.chmod(0o755)
        return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    assert way == "owner"
    os.chown(reg.root, 65534, 65534)  # nobody's: git refuses it without safe.directory
    return {}


# giving the registry to another user takes root (as CI runs); others try the rest
WAYS = ["GIT_DIR", "HEAD", "wrapper"] + (["owner"] if os.geteuid() == 0 else [])


@pytest.mark.parametrize("way", WAYS)
def test_audit_where_git_cannot_read_the_repository_could_not_run(
    reg: Reg, way: str, tmp_path: Path
) -> None:
    registry_with_history(reg)
    env = git_refuses(reg, way, tmp_path)
    for fmt in ("text", "json"):
        result = reg.run("audit", "--format", fmt, env=env)
        assert_one_line_error(result, 2)
        assert "git rev-parse failed: fatal: " in result.err, result
    if way in ("wrapper", "owner"):
        assert "dubious ownership" in result.err


@pytest.mark.parametrize("way", WAYS)
def test_validate_where_git_cannot_read_the_history_could_not_run(
    reg: Reg, way: str, tmp_path: Path
) -> None:
    cid = registry_with_history(reg)
    env = git_refuses(reg, way, tmp_path)
    for args in (["validate"], ["validate", str(reg.record(cid))]):
        result = reg.run(*args, env=env)
        assert_one_line_error(result, 2)
        assert result.err.startswith(
            "cmplt: cannot read the history of cmplt.yaml and staff.yaml from git: "
            "git rev-parse failed: fatal: "
        ), result


@pytest.mark.parametrize("way", WAYS)
def test_check_and_report_say_they_used_the_current_policy(
    reg: Reg, way: str, tmp_path: Path
) -> None:
    registry_with_history(reg)
    check_args = ["check", "--as-of", T("11-28 09:00"), "--format", "json"]
    report_args = ["report", "--period", "2026-11", "--format", "json"]
    expected = {"check": reg.run(*check_args), "report": reg.run(*report_args)}
    env = git_refuses(reg, way, tmp_path)
    for name, args in (("check", check_args), ("report", report_args)):
        result = reg.run(*args, env=env)
        # one policy all along here, so the same answers; and one line saying why
        assert (result.code, result.out) == (expected[name].code, expected[name].out), result
        assert len(result.err.splitlines()) == 1, result
        assert result.err.startswith(
            "cmplt: warning: cannot read the history of cmplt.yaml from git (git rev-parse "
            "failed: fatal: "
        ), result
        assert result.err.rstrip().endswith("the current policy was applied to every record")


def test_a_repository_with_no_commit_yet_is_not_a_failure(tmp_path: Path) -> None:
    """`rev-parse --verify --quiet HEAD` exits 1 there: nothing to audit, exit 0."""
    root = tmp_path / "fresh"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert run_cli("init", str(root), env={"CMPLT_NOW": NOW}).code == 0
    subprocess.run(["git", "update-ref", "-d", "HEAD"], cwd=root, check=True)
    fresh = Reg(root)
    result = fresh.run("audit", "--format", "json")
    assert (result.code, result.err) == (0, ""), result
    assert json.loads(result.out)["commits"] == 0
    assert fresh.run("validate") == fresh.ok("validate")
    assert fresh.ok("validate").err == ""
