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

import pytest

from cmplt import statefiles
from tests.conftest import INTAKE, Reg, T, age, new, reply

READING = [
    ["check", "--as-of", T("12-01 09:00")],
    ["check", "--as-of", T("12-01 09:00"), "--format", "json"],
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
    check = reg.run("check", "--as-of", T("12-01 09:00"), "--format", "json")
    assert check.code == 1 and check.err == "", check
    assert {f["id"] for f in json.loads(check.out)["findings"]} >= {cid}
    audit = reg.run("audit")  # the steps typed in the past are "backdated": exit 1
    assert (audit.code, audit.err) == (1, ""), audit
    assert reg.ok("validate").out == ""
    assert reg.ok("report", "--period", "2026-11", "--format", "json").err == ""


def test_check_new_says_once_that_it_cannot_remember(reg: Reg) -> None:
    registry_with_history(reg)
    unwritable_state(reg)
    first = reg.run("check", "--as-of", T("12-01 09:00"), "--new")
    assert first.code == 1, first
    assert first.err.count("\n") == 1, first
    assert first.err.startswith("cmplt: warning: cannot write "), first
    assert statefiles.CHECK_SEEN in first.err
    # it could not remember: the next run reports the same findings again
    again = reg.run("check", "--as-of", T("12-01 09:00"), "--new")
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
    assert result.code == 9, result
    assert result.out == ""
    assert len(result.err.splitlines()) == 1, result
    assert result.err.startswith("cmplt: cannot change the registry here"), result
    assert statefiles.LOCK in result.err
    assert reg.head() == head
    assert reg.record(cid).read_bytes() == record
    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""


def test_a_reader_outside_the_owners_group_is_told_by_the_real_permission(reg: Reg) -> None:
    """As a user who cannot write .git/ (skipped when the tests run as root)."""
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere; see the folder-based tests above")
    cid = registry_with_history(reg)
    git_dir = reg.root / ".git"
    git_dir.chmod(0o555)
    try:
        result = reg.run("note", cid, "--by", "张三", "--text", "客户又来电")
        assert result.code == 9, result
        assert reg.run("check", "--as-of", T("12-01 09:00")).code == 1
    finally:
        git_dir.chmod(0o755)
    assert subprocess.run(["git", "status"], cwd=reg.root, check=False).returncode == 0
