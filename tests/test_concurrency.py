"""Several real `cmplt` processes on one registry: the lock keeps them in line,
a dead holder does not block, a live one is named, and git's own lock is reported."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import INTAKE, Reg, git, run_process

AT = "2026-11-28T08:00+08:00"

# A process that takes the registry lock the way cmplt does and keeps it.
HOLDER = """
import sys, time
from pathlib import Path
from cmplt.lock import registry_lock

with registry_lock(Path(sys.argv[1]), wait=10):
    print("locked", flush=True)
    time.sleep(600)
"""


def spawn(reg: Reg, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cmplt", *args],
        cwd=reg.root,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def new_args(summary: str) -> list[str]:
    values = {**INTAKE, "summary": summary}
    args = ["new", "--by", "张三", "--at", AT]
    for key, value in values.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


def lock_file(reg: Reg) -> Path:
    return reg.root / ".git" / "cmplt.lock"


@contextmanager
def lock_holder(reg: Reg) -> Iterator[subprocess.Popen[str]]:
    """A live process holding the registry lock; killed on the way out."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file(reg))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n", holder.stderr
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate(timeout=10)


def snapshot(reg: Reg) -> dict[str, bytes]:
    """Every file of the work tree (not .git) with its bytes."""
    return {
        p.relative_to(reg.root).as_posix(): p.read_bytes()
        for p in sorted(reg.root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(reg.root).parts
    }


def shown(reg: Reg, complaint_id: str) -> dict[str, object]:
    result = reg.ok("show", complaint_id, "--format", "json")
    data: dict[str, object] = json.loads(result.out)
    return data


def test_simultaneous_commands_all_commit_and_nothing_is_lost(reg: Reg) -> None:
    cid = reg.new("--at", AT)
    before = reg.commit_count()
    notes = [f"n{i} 同时记录" for i in range(6)]
    processes = [
        spawn(reg, "note", cid, "--by", "张三", "--text", note, "--at", AT) for note in notes
    ]
    processes += [spawn(reg, *new_args(f"同时受理 {j}")) for j in range(2)]

    outcomes = [(*p.communicate(timeout=120), p.returncode) for p in processes]
    for out, err, code in outcomes:
        assert code == 0, (out, err)
        # `new` warns of the open complaint from the same unit and phone (repeats.py):
        # a note for the desk, nothing gone wrong
        said = [line for line in err.splitlines() if "same phone number and unit as" not in line]
        assert [line for line in said if "--duplicate-of" not in line] == []

    # every note is in the record, once, each with its own event
    events = shown(reg, cid)["events"]
    assert isinstance(events, list)
    assert sorted(e["text"] for e in events if e["action"] == "note") == sorted(notes)
    assert len(events) == 1 + len(notes)
    assert len({e["id"] for e in events}) == len(events)

    # both new complaints exist, with different IDs
    new_ids = [out.splitlines()[0] for out, _, _ in outcomes[len(notes) :]]
    assert len(set(new_ids)) == 2
    for j, new_id in enumerate(new_ids):
        data = shown(reg, new_id)
        assert data["summary"] == f"同时受理 {j}"
        assert data["status"] == "open"

    # one commit per process, each touching exactly its own record
    assert reg.commit_count() == before + len(processes)
    log = reg.git("log", f"-{len(processes)}", "--format=%H %s")
    subjects = [line.split(" ", 1)[1] for line in log.splitlines()]
    assert sorted(s for s in subjects if s.startswith(f"{cid}: note")) == sorted(
        f"{cid}: note {note}" for note in notes
    )
    assert sum(1 for s in subjects if " received " in s) == 2
    for line in log.splitlines():
        commit, subject = line.split(" ", 1)
        touched = reg.git("show", "--format=", "--name-only", commit).split()
        record_id = subject.split(":", 1)[0]
        assert touched == [reg.record(record_id).relative_to(reg.root).as_posix()]

    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""
    assert reg.git("fsck", "--no-progress", "--no-dangling") == ""


def test_a_killed_lock_holder_does_not_block(reg: Reg) -> None:
    cid = reg.new("--at", AT)
    with lock_holder(reg) as holder:
        # the lock really is held: a quick command is turned away
        busy = run_process(
            "note",
            cid,
            "--by",
            "张三",
            "--text",
            "too soon",
            cwd=reg.root,
            env={"CMPLT_LOCK_WAIT": "0.2"},
        )
        assert busy.code == 7, busy
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert holder.returncode == -signal.SIGKILL
        assert lock_file(reg).read_text(encoding="utf-8") != ""  # the holder left its name

    started = time.monotonic()
    result = run_process(
        "note",
        cid,
        "--by",
        "张三",
        "--text",
        "after the crash",
        cwd=reg.root,
        env={"CMPLT_LOCK_WAIT": "20"},
    )
    elapsed = time.monotonic() - started
    assert result.code == 0, result
    assert elapsed < 10  # it did not sit out the wait: the dead holder's lock was gone
    events = shown(reg, cid)["events"]
    assert isinstance(events, list)
    assert [e.get("text") for e in events[1:]] == ["after the crash"]
    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""


def test_a_live_lock_holder_is_named_and_nothing_changes(reg: Reg) -> None:
    cid = reg.new("--at", AT)
    head, files = reg.head(), snapshot(reg)
    with lock_holder(reg) as holder:
        for args in (
            ["note", cid, "--by", "张三", "--text", "waiting"],
            new_args("排队中的投诉"),
        ):
            started = time.monotonic()
            result = run_process(*args, cwd=reg.root, env={"CMPLT_LOCK_WAIT": "0.3"})
            elapsed = time.monotonic() - started
            assert result.code == 7, result
            assert result.out == ""
            lines = result.err.splitlines()
            assert len(lines) == 1, result.err
            assert lines[0].startswith("cmplt: registry is busy")
            assert f"process {holder.pid} " in lines[0]
            assert socket.gethostname() in lines[0]
            assert "Traceback" not in result.err
            assert 0.3 <= elapsed < 10
        assert holder.poll() is None
    assert reg.head() == head
    assert snapshot(reg) == files
    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""


def test_a_leftover_git_index_lock_is_one_clear_line(reg: Reg) -> None:
    cid = reg.new("--at", AT)
    index_lock = reg.root / ".git" / "index.lock"
    index_lock.write_bytes(b"")
    head, files = reg.head(), snapshot(reg)
    for args in (
        ["note", cid, "--by", "张三", "--text", "blocked"],
        new_args("被挡住的投诉"),
    ):
        result = run_process(*args, cwd=reg.root)
        assert result.code == 8, result
        assert result.out == ""
        lines = result.err.splitlines()
        assert len(lines) == 1, result.err
        assert lines[0].startswith("cmplt: ")
        assert "index.lock" in lines[0]
        assert "Traceback" not in result.err
    assert reg.head() == head
    assert snapshot(reg) == files
    assert index_lock.exists()  # not cmplt's to remove
    index_lock.unlink()
    assert reg.git("status", "--porcelain", "--untracked-files=all") == ""
    # and once it is gone, the same step goes through
    done = run_process("note", cid, "--by", "张三", "--text", "unblocked", cwd=reg.root)
    assert done.code == 0, done


def test_init_with_a_leftover_git_index_lock_is_one_clear_line(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet")
    index_lock = tmp_path / ".git" / "index.lock"
    index_lock.write_bytes(b"")
    result = run_process("init", "registry", "--nested", cwd=tmp_path)
    assert result.code == 8, result
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "index.lock" in lines[0], lines[0]
    assert [p for p in (tmp_path / "registry").rglob("*") if p.is_file()] == []
    index_lock.unlink()
    assert run_process("init", "registry", "--nested", cwd=tmp_path).code == 0


def test_a_git_failure_mid_commit_puts_everything_back(reg: Reg) -> None:
    """git refuses the commit itself (here a hook vetoes the ref update): exit 8, no trace."""
    cid = reg.new("--at", AT)
    hook = reg.root / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        '#!/bin/sh\nif [ "$1" = prepared ]; then echo "vetoed by hook" >&2; exit 1; fi\nexit 0\n',
        encoding="utf-8",
    )
    hook.chmod(0o755)
    head, files = reg.head(), snapshot(reg)
    for args in (
        ["note", cid, "--by", "张三", "--text", "vetoed"],
        new_args("被否决的投诉"),
    ):
        result = run_process(*args, cwd=reg.root)
        assert result.code == 8, result
        lines = result.err.splitlines()
        assert len(lines) == 1, result.err
        assert lines[0].startswith("cmplt: git "), lines[0]
        assert "failed" in lines[0] and "hook" in lines[0], lines[0]
        assert reg.head() == head
        assert snapshot(reg) == files
        assert reg.git("status", "--porcelain", "--untracked-files=all") == ""
    assert reg.git("ls-files", "complaints").splitlines() == [
        "complaints/.gitkeep",
        reg.record(cid).relative_to(reg.root).as_posix(),
    ]
    hook.unlink()
    assert run_process("note", cid, "--by", "张三", "--text", "ok", cwd=reg.root).code == 0
