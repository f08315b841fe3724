"""A step is all or nothing, whatever stops it: a kill or a Ctrl-C at every point of
it, a git command failing at every call. After at most one more command, the
registry holds the step wholly (record, HEAD and index agree) or not at all, the
next step works, and `validate` and `audit` find nothing.

The stops are made deterministically: `CMPLT_TEST_FAULT=kill:<point>` (cmplt's
test-only hook, cmplt/faults.py) and a `git` on PATH that fails one subcommand.
Each step runs as a real process (`python -m cmplt`): a kill must not take the
test runner with it.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from cmplt.faults import POINTS
from tests.conftest import Reg, Result, run_process

STEP = ("note", "--by", "张三", "--text", "夜班补记")


def run(reg: Reg, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_process(*args, cwd=reg.root, env=env)


def snapshot(reg: Reg, cid: str) -> tuple[str, bytes]:
    return reg.head(), reg.record(cid).read_bytes()


def assert_whole_or_absent(reg: Reg, cid: str, before: tuple[str, bytes]) -> str:
    """The step is wholly there or wholly absent; returns which."""
    head, data = snapshot(reg, cid)
    assert reg.git("status", "--porcelain") == "", reg.git("status")
    assert data == reg.git("show", f"HEAD:{reg.record(cid).relative_to(reg.root)}").encode()
    assert not (reg.root / ".git" / "cmplt-step.json").exists()
    assert not list(reg.record(cid).parent.glob(".*.tmp"))
    assert not [p for p in (reg.root / ".git").rglob("*.lock") if p.name != "cmplt.lock"]
    if head == before[0]:
        assert data == before[1]
        return "absent"
    assert reg.git("rev-parse", "HEAD~1").strip() == before[0]
    assert "夜班补记" in data.decode()
    return "whole"


def assert_sound_after(reg: Reg, cid: str) -> None:
    """The next step works; validate and audit find nothing."""
    assert run(reg, "note", cid, "--by", "张三", "--text", "之后").code == 0
    assert run(reg, "validate").code == 0
    audit = run(reg, "audit")
    assert audit.code == 0, audit


@pytest.mark.parametrize("point", POINTS)
def test_a_step_killed_at_any_point_is_whole_or_absent_after_one_command(
    reg: Reg, point: str
) -> None:
    cid = reg.new()
    before = snapshot(reg, cid)
    killed = run(reg, *STEP[:1], cid, *STEP[1:], env={"CMPLT_TEST_FAULT": f"kill:{point}"})
    assert killed.code == -9
    after = run(reg, "list", "--format", "json")  # any command settles what is left
    assert after.code == 0, after
    outcome = assert_whole_or_absent(reg, cid, before)
    # before the commit point a kill rolls back; from it on, the step stands
    committed_from = POINTS.index("update-ref")
    assert outcome == ("whole" if POINTS.index(point) >= committed_from else "absent")
    if point not in ("done",):
        assert "interrupted step was" in after.err  # said once, on the side
    assert_sound_after(reg, cid)


@pytest.mark.parametrize("point", POINTS)
def test_a_new_complaint_killed_at_any_point_is_never_half_there(reg: Reg, point: str) -> None:
    head = reg.head()
    from tests.conftest import INTAKE

    args = ["new", "--by", "张三"]
    for key, value in INTAKE.items():
        args += [f"--{key.replace('_', '-')}", value]
    killed = run(reg, *args, env={"CMPLT_TEST_FAULT": f"kill:{point}"})
    assert killed.code == -9
    assert run(reg, "check").code in (0, 1)
    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""
    files = list((reg.root / "complaints").rglob("*.yaml"))
    if POINTS.index(point) >= POINTS.index("update-ref"):
        assert reg.git("rev-parse", "HEAD~1").strip() == head
        assert len(files) == 1
    else:
        assert reg.head() == head
        assert files == []
    assert run(reg, "validate").code == 0


@pytest.mark.parametrize("point", POINTS)
def test_ctrl_c_at_any_point_says_the_truth_and_leaves_nothing_half_done(
    reg: Reg, point: str
) -> None:
    cid = reg.new()
    before = snapshot(reg, cid)
    stopped = run(reg, *STEP[:1], cid, *STEP[1:], env={"CMPLT_TEST_FAULT": f"interrupt:{point}"})
    assert stopped.code == 130
    lines = [line for line in stopped.err.splitlines() if line.strip()]
    assert len(lines) == 1, stopped.err
    # nothing to settle afterwards: the step itself finished or undid its work
    assert not (reg.root / ".git" / "cmplt-step.json").exists()
    outcome = assert_whole_or_absent(reg, cid, before)
    if outcome == "whole":
        assert "committed as" in lines[0]
        assert cid in stopped.out  # the step's line was printed before the interruption
    else:
        assert "nothing was committed" in lines[0]
    assert_sound_after(reg, cid)


def failing_git(tmp_path: Path, subcommand: str) -> dict[str, str]:
    """A PATH whose `git` fails `subcommand` (git's own way: exit 128, a fatal line)."""
    real = shutil.which("git")
    assert real is not None
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "{subcommand}" ]; then echo "fatal: injected failure" >&2; exit 128; fi\n'
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(
    ("subcommand", "code", "outcome"),
    [
        ("cat-file", 8, "absent"),
        ("hash-object", 8, "absent"),
        ("commit-tree", 8, "absent"),
        ("update-ref", 8, "absent"),
        ("update-index", 9, "whole"),  # past the commit point: committed, with a warning
        ("maintenance", 0, "whole"),  # housekeeping only
    ],
)
def test_each_git_call_failing_leaves_the_step_whole_or_absent(
    reg: Reg, tmp_path: Path, subcommand: str, code: int, outcome: str
) -> None:
    cid = reg.new()
    before = snapshot(reg, cid)
    result = run(reg, *STEP[:1], cid, *STEP[1:], env=failing_git(tmp_path, subcommand))
    assert result.code == code, result
    if code:
        assert len(result.err.strip().splitlines()) == 1
        assert result.err.startswith("cmplt: ")
    if code == 9:
        assert "committed as" in result.err and cid in result.out
    run(reg, "show", cid)  # the next command, with a working git, settles the rest
    assert assert_whole_or_absent(reg, cid, before) == outcome
    assert_sound_after(reg, cid)


def test_a_step_waits_for_a_git_status_holding_the_index(reg: Reg) -> None:
    """A shell prompt's `git status` holds index.lock for a moment: the step waits,
    instead of failing (or committing and leaving the index behind)."""
    cid = reg.new()
    lock = reg.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    started = time.monotonic()
    import subprocess
    import sys

    step = subprocess.Popen(
        [sys.executable, "-m", "cmplt", *STEP[:1], cid, *STEP[1:]],
        cwd=reg.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    lock.unlink()
    _out, err = step.communicate(timeout=30)
    assert step.returncode == 0, err
    assert time.monotonic() - started >= 0.5
    assert reg.git("status", "--porcelain") == ""


def test_a_stale_git_lock_left_by_a_killed_step_is_cleared(reg: Reg) -> None:
    """A kill can take git's own child with it, leaving refs/heads/main.lock: every
    later step would fail with git's raw message. The journal proves it is the
    step's own, so the next command removes it."""
    cid = reg.new()
    before = snapshot(reg, cid)
    killed = run(reg, *STEP[:1], cid, *STEP[1:], env={"CMPLT_TEST_FAULT": "kill:objects"})
    assert killed.code == -9
    journal = reg.root / ".git" / "cmplt-step.json"
    started = time.time() - 60
    journal.write_text(
        journal.read_text(encoding="utf-8").replace('"started": ', f'"started": {started}, "x": '),
        encoding="utf-8",
    )
    stale = reg.root / ".git" / "refs" / "heads" / "main.lock"
    stale.write_bytes(b"")
    os.utime(stale, (started + 30, started + 30))
    assert run(reg, "list").code == 0
    assert not stale.exists()
    assert assert_whole_or_absent(reg, cid, before) == "absent"
    assert_sound_after(reg, cid)


def test_a_hand_edit_is_never_taken_for_an_interrupted_step(reg: Reg) -> None:
    cid = reg.new()
    killed = run(reg, *STEP[:1], cid, *STEP[1:], env={"CMPLT_TEST_FAULT": "kill:write"})
    assert killed.code == -9
    path = reg.record(cid)
    edited = path.read_text(encoding="utf-8").replace("夜班补记", "手工改过")
    path.write_text(edited, encoding="utf-8")
    listed = run(reg, "list")
    assert "cmplt repair" in listed.err
    assert path.read_text(encoding="utf-8") == edited  # untouched
    refused = run(reg, *STEP[:1], cid, *STEP[1:])
    assert refused.code == 4 and "cmplt repair" in refused.err
    assert path.read_text(encoding="utf-8") == edited
    # `repair` shows it and, asked, only forgets the interrupted step
    shown = run(reg, "repair", "--yes")
    assert shown.code == 0 and "files stay as they are" in shown.out
    assert path.read_text(encoding="utf-8") == edited
    assert not (reg.root / ".git" / "cmplt-step.json").exists()
    assert run(reg, "repair").out.strip() == "nothing to repair"


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        (lambda r: r.git("checkout", "-q", "--detach"), "detached"),
        (lambda r: (r.root / ".git" / "MERGE_HEAD").write_text(r.head()), "merge"),
        (lambda r: (r.root / ".git" / "rebase-merge").mkdir(), "rebase"),
        (lambda r: (r.root / ".git" / "CHERRY_PICK_HEAD").write_text(r.head()), "cherry-pick"),
        (lambda r: (r.root / ".git" / "BISECT_LOG").write_text(""), "bisect"),
    ],
    ids=["detached", "merge", "rebase", "cherry-pick", "bisect"],
)
def test_a_step_is_refused_where_git_would_lose_it(reg: Reg, setup: object, why: str) -> None:
    cid = reg.new()
    before = snapshot(reg, cid)
    setup(reg)  # type: ignore[operator]
    result = reg.run(*STEP[:1], cid, *STEP[1:])
    assert result.code == 4, result
    assert why in result.err and len(result.err.strip().splitlines()) == 1
    assert snapshot(reg, cid) == before
    assert reg.run("show", cid).code == 0  # reading still works


def test_settling_a_committed_step_never_passes_for_the_next_one(reg: Reg, tmp_path: Path) -> None:
    """The index stays busy: the first step is committed (exit 9); the next step,
    which must first finish the first one's index entry, fails as itself (exit 8,
    nothing of it committed), never with the first one's 'committed as'."""
    first, second = reg.new(), reg.new()
    busy = failing_git(tmp_path, "update-index")
    assert run(reg, *STEP[:1], first, *STEP[1:], env=busy).code == 9
    head = reg.head()
    before = reg.record(second).read_bytes()
    result = run(reg, "note", second, "--by", "张三", "--text", "第二步", env=busy)
    assert result.code == 8, result
    assert "nothing of this step was done" in result.err and second not in result.out
    assert reg.head() == head and reg.record(second).read_bytes() == before
    assert run(reg, "list").code == 0  # with git free again, the first is finished
    assert reg.git("status", "--porcelain") == ""
    assert_sound_after(reg, second)


def test_a_git_lock_held_by_a_killed_git_child_is_waited_out_then_removed(
    reg: Reg, tmp_path: Path
) -> None:
    """The whole process group killed during `git update-ref`: git's HEAD.lock stays.
    The next command waits until no live git can be holding it (5 s), removes it and
    rolls the step back; before this, every later step failed at update-ref."""
    cid = reg.new()
    before = snapshot(reg, cid)
    real = shutil.which("git")
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "git"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "update-ref" ]; then : > .git/HEAD.lock; kill -9 $PPID; exit 1; fi\n'
        f'exec {real} "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    killed = run(
        reg, *STEP[:1], cid, *STEP[1:], env={"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
    )
    assert killed.code == -9
    assert (reg.root / ".git" / "HEAD.lock").exists()
    assert run(reg, "list").code == 0
    assert assert_whole_or_absent(reg, cid, before) == "absent"
    assert_sound_after(reg, cid)


def test_an_index_lock_is_never_removed_unasked(reg: Reg) -> None:
    """index.lock may be a person's `git commit` with its editor open: the next
    command does not remove it even when it dates from an interrupted step;
    `cmplt repair` offers to, and does when told."""
    cid = reg.new()
    killed = run(reg, *STEP[:1], cid, *STEP[1:], env={"CMPLT_TEST_FAULT": "kill:write"})
    assert killed.code == -9
    lock = reg.root / ".git" / "index.lock"
    lock.write_bytes(b"")
    assert run(reg, "list").code == 0  # the step itself is rolled back
    assert lock.exists()
    assert not (reg.root / ".git" / "cmplt-step.json").exists()
    lock.unlink()
    killed = run(reg, *STEP[:1], cid, *STEP[1:], env={"CMPLT_TEST_FAULT": "kill:update-ref"})
    assert killed.code == -9
    lock.write_bytes(b"")  # made while the step "ran": repair waits until it is stale
    shown = run(reg, "repair", "--yes")
    assert shown.code == 0, shown
    assert "index.lock" in shown.out and not lock.exists()
    assert reg.git("status", "--porcelain") == ""
