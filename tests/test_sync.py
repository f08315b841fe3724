"""A team's clones of one registry: `cmplt clone` and `cmplt sync` against a real bare
remote (and once over git://), each clone a real git repository in tmp."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Reg, T, git, new, run_cli, step
from tests.test_attachments import photo


@pytest.fixture
def remote(tmp_path: Path, reg: Reg) -> Path:
    """The team's bare repository (a file share), made from the standard registry."""
    bare = tmp_path / "estate.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(reg.root), str(bare))
    return bare


def clone(tmp_path: Path, url: str, name: str) -> Reg:
    result = run_cli("clone", url, str(tmp_path / name), cwd=tmp_path)
    assert result.code == 0, result
    return Reg(tmp_path / name)


@pytest.fixture
def pair(tmp_path: Path, remote: Path) -> tuple[Reg, Reg]:
    """Two people's clones: the desk (a) and a supervisor's machine (b)."""
    return clone(tmp_path, str(remote), "a"), clone(tmp_path, str(remote), "b")


def state(reg: Reg) -> tuple[str, str, str, bool]:
    """What a failed sync must leave as it was: HEAD, the index, the work tree, no merge."""
    return (
        reg.head(),
        reg.git("ls-files", "--stage"),
        reg.git("status", "--porcelain", "--untracked-files=all"),
        (reg.root / ".git" / "MERGE_HEAD").exists(),
    )


def note(reg: Reg, cid: str, at: str, text: str = "客户来电询问") -> None:
    step(reg, T(at), "note", cid, "张三", "--text", text)


def test_clone_sets_up_the_merge_driver_and_merging_pulls(tmp_path: Path, remote: Path) -> None:
    result = run_cli("clone", str(remote), str(tmp_path / "desk"), cwd=tmp_path)
    assert result.code == 0, result
    assert result.err == ""
    assert "cmplt sync" in result.out
    desk = Reg(tmp_path / "desk")
    assert desk.git("config", "pull.rebase").strip() == "false"
    assert "merge-driver" in desk.git("config", "merge.cmplt.driver")
    assert (desk.root / "cmplt.yaml").is_file()


def test_init_sets_pull_to_merge(reg: Reg) -> None:
    assert reg.git("config", "pull.rebase").strip() == "false"


def test_clone_reads_relative_paths_from_where_it_is_run(tmp_path: Path, remote: Path) -> None:
    # the URL as git clone reads it, from the current folder, whatever folder is named
    here = tmp_path / "office" / "desk"
    here.mkdir(parents=True)
    result = run_cli("clone", "../../estate.git", "../../mine", cwd=here)
    assert result.code == 0, result
    assert (tmp_path / "mine" / "cmplt.yaml").is_file()


def test_clone_refuses_what_is_not_a_registry_and_leaves_nothing(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    git(plain, "init", "--quiet")
    (plain / "notes.txt").write_text("not a registry\n", encoding="utf-8")
    git(plain, "add", "notes.txt")
    git(plain, "commit", "--quiet", "-m", "notes")
    bare = tmp_path / "plain.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(plain), str(bare))
    result = run_cli("clone", str(bare), str(tmp_path / "x"), cwd=tmp_path)
    assert result.code == 3
    assert result.out == ""
    assert "not a cmplt registry" in result.err and len(result.err.splitlines()) == 1
    assert not (tmp_path / "x").exists()

    result = run_cli("clone", str(plain), str(tmp_path / "w"), cwd=tmp_path)
    assert result.code == 2
    assert (
        "is a working folder (it holds .git), not a remote" in result.err
        and len(result.err.splitlines()) == 1
    )
    assert not (tmp_path / "w").exists()

    result = run_cli("clone", str(tmp_path / "missing.git"), str(tmp_path / "y"), cwd=tmp_path)
    assert result.code == 11
    assert len(result.err.splitlines()) == 1 and "could not clone" in result.err
    assert not (tmp_path / "y").exists()


def test_sync_with_nothing_new_says_so(pair: tuple[Reg, Reg]) -> None:
    a, _b = pair
    before = state(a)
    result = a.run("sync")
    assert result.code == 1, result
    assert result.out == "nothing to do: origin/main and this clone have the same steps\n"
    assert state(a) == before


def test_sync_fast_forwards_and_pushes(pair: tuple[Reg, Reg], remote: Path) -> None:
    a, b = pair
    cid = new(a, T("11-28 09:00"))
    result = a.run("sync")
    assert (result.code, result.out) == (0, "pushed 1 commit to origin/main\n"), result
    assert git(remote, "rev-parse", "main") == a.git("rev-parse", "HEAD")

    result = b.run("sync")
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "fetched 1 commit from origin/main",
        "fast-forwarded to origin/main",
    ]
    assert b.head() == a.head()
    assert b.record(cid).read_bytes() == a.record(cid).read_bytes()


def test_steps_on_both_clones_merge_on_the_same_and_on_other_records(
    pair: tuple[Reg, Reg], remote: Path
) -> None:
    a, b = pair
    shared = new(a, T("11-28 09:00"))
    a.ok("sync")
    b.ok("sync")
    # the desk replies; meanwhile the supervisor notes the same complaint and takes another
    step(a, T("11-28 09:30"), "respond", shared, "张三", "--note", "已答复客户")
    note(b, shared, "11-28 09:40")
    other = new(b, T("11-28 09:50"), unit="5-0301", phone="13900139000", summary="楼道灯不亮")
    assert a.ok("sync").out == "pushed 1 commit to origin/main\n"

    # sync merges the records both sides changed in its own process: git's per-file
    # driver (a new Python each time) is not started for them
    b.git("config", "merge.cmplt.driver", "false")
    result = b.run("sync")
    assert result.code == 0, result
    assert result.out.splitlines() == [
        "fetched 1 commit from origin/main",
        "merged origin/main",
        "pushed 3 commits to origin/main",
    ]
    message = b.git("log", "-1", "--format=%B")
    assert message.startswith("Sync with origin/main")
    assert "Action: sync" in message
    assert len(b.git("log", "-1", "--format=%P").split()) == 2

    assert a.run("sync").code == 0
    assert a.head() == b.head() == git(remote, "rev-parse", "main").strip()
    text = a.record(shared).read_text(encoding="utf-8")
    assert "action: respond" in text and "action: note" in text
    assert a.record(other).is_file()
    for clone_ in (a, b):
        assert clone_.run("validate", "-q").code == 0
        assert clone_.run("audit").code == 0, clone_.run("audit")


def test_a_push_race_is_merged_again_and_synced(
    tmp_path: Path, pair: tuple[Reg, Reg], remote: Path
) -> None:
    a, b = pair
    third = clone(tmp_path, str(remote), "c")
    cid = new(a, T("11-28 09:00"))
    a.ok("sync")
    b.ok("sync")
    third.ok("sync")
    note(third, cid, "11-28 09:10", "维修工已上门")  # committed, not pushed yet
    note(b, cid, "11-28 09:20")
    # between b's fetch and b's push, the third clone pushes (once)
    hook = b.root / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        'marker="$(git rev-parse --git-dir)/raced"\n'
        '[ -e "$marker" ] && exit 0\n'
        'touch "$marker"\n'
        "unset $(git rev-parse --local-env-vars)\n"
        f"git -C '{third.root}' push --quiet origin main\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)

    result = b.run("sync")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].startswith("origin/main moved while pushing")
    assert lines[1:] == [
        "fetched 1 commit from origin/main",
        "merged origin/main",
        "pushed 2 commits to origin/main",
    ]
    assert git(remote, "rev-parse", "main").strip() == b.head()
    text = b.record(cid).read_text(encoding="utf-8")
    assert "维修工已上门" in text and "客户来电询问" in text


def test_an_unreachable_remote_leaves_the_clone_as_it_was(pair: tuple[Reg, Reg]) -> None:
    a, _b = pair
    new(a, T("11-28 09:00"))
    a.git("remote", "set-url", "origin", str(a.root.parent / "gone.git"))
    before = state(a)
    result = a.run("sync")
    assert result.code == 11
    assert result.out == ""
    assert len(result.err.splitlines()) == 1 and "could not reach origin" in result.err
    assert state(a) == before


def test_a_dirty_clone_is_refused_before_fetching(pair: tuple[Reg, Reg]) -> None:
    a, _b = pair
    cid = new(a, T("11-28 09:00"))
    a.record(cid).write_text(a.record(cid).read_text(encoding="utf-8") + "# x\n", "utf-8")
    a.git("remote", "set-url", "origin", str(a.root.parent / "gone.git"))  # no fetch tried
    before = state(a)
    result = a.run("sync")
    assert result.code == 5
    assert "uncommitted changes" in result.err and len(result.err.splitlines()) == 1
    assert state(a) == before


def test_the_policy_edited_on_both_sides_needs_a_person(pair: tuple[Reg, Reg]) -> None:
    a, b = pair
    for clone_, hours in ((a, "3h"), (b, "5h")):
        policy = clone_.root / "cmplt.yaml"
        text = policy.read_text(encoding="utf-8")
        assert "first_reply: 2h" in text
        policy.write_text(text.replace("first_reply: 2h", f"first_reply: {hours}"), "utf-8")
        clone_.git("commit", "--quiet", "-am", "policy: first response")
    new(b, T("11-28 09:00"))
    a.ok("sync")
    before = state(b)
    result = b.run("sync")
    assert result.code == 12, result
    assert result.out.splitlines() == ["fetched 1 commit from origin/main"]
    assert len(result.err.splitlines()) == 1
    assert "needs a person (cmplt.yaml)" in result.err and "git pull" in result.err
    assert state(b) == before


def test_two_clones_receiving_one_id_keep_both_complaints(pair: tuple[Reg, Reg]) -> None:
    a, b = pair
    # the same seed and minute give both clones the same ID for two different customers
    seed = {"CMPLT_SEED": "desk", "CMPLT_NOW": T("11-28 09:00")}
    first = a.ok("new", "--by", "张三", *_intake("李女士"), env=seed).out.split()[0]
    second = b.ok("new", "--by", "张三", *_intake("陈先生"), env=seed).out.split()[0]
    assert first == second
    repeat = new(b, T("11-28 10:00"), "--repeat-of", second, unit="3-1502")
    picture = photo(b.root.parent / "门厅.png", "PNG")
    b.ok("attach", second, str(picture), "--kind", "photo", "--by", "张三",
         env={"CMPLT_NOW": T("11-28 10:30")})  # fmt: skip
    a.ok("sync")

    result = b.run("sync")
    assert result.code == 0, result
    renamed = result.out.splitlines()[1].split()[3].rstrip(":")
    assert result.out.splitlines() == [
        "fetched 1 commit from origin/main",
        f"renamed {second} to {renamed}: {second} was taken on the remote",
        "merged origin/main",
        "pushed 5 commits to origin/main",
    ]
    a.ok("sync")
    for clone_ in (a, b):
        assert "李女士" in clone_.record(first).read_text(encoding="utf-8")
        moved = clone_.record(renamed).read_text(encoding="utf-8")
        assert f"id: {renamed}" in moved and "陈先生" in moved
        assert f"repeat_of: {renamed}" in clone_.record(repeat).read_text(encoding="utf-8")
        kept = list((clone_.root / "attachments" / "2026" / "11").iterdir())
        assert [folder.name for folder in kept] == [renamed]
        assert f"file: attachments/2026/11/{renamed}/" in moved
        assert clone_.run("validate", "-q").code == 0
        assert clone_.run("audit").code == 0, clone_.run("audit")
    rename = b.git("log", "-1", "--format=%B", f"{b.head()}^1")
    assert "Action: rename" in rename and f"Renamed-From: {second}" in rename

    # for b's user the old ID still names their complaint; on a it is the other one
    shown = b.run("show", second)
    assert shown.code == 0 and "陈先生" in shown.out
    assert shown.err == (
        f"cmplt: {second} was renamed {renamed} when this clone synced "
        f"({second} was taken on the remote)\n"
    )
    assert "李女士" in a.ok("show", second).out


def _intake(customer: str) -> list[str]:
    return [
        *("--channel", "phone", "--customer", customer, "--unit", "3-1502"),
        *("--phone", "13800138000", "--severity", "minor", "--nature", "valid-1"),
        *("--subject", "facilities", "--category", "repair", "--summary", "电梯按钮失灵"),
    ]


# --- over a real remote protocol: git daemon on localhost ------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def daemon(tmp_path: Path, remote: Path) -> Iterator[str]:
    """`git daemon` serving the remote's folder on a free port (pushes allowed)."""
    port = _free_port()
    process = subprocess.Popen(
        ["git", "daemon", "--export-all", "--enable=receive-pack", "--reuseaddr",
         f"--base-path={remote.parent}", "--listen=127.0.0.1", f"--port={port}",
         str(remote.parent)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert process.poll() is None, "git daemon stopped"
            assert time.monotonic() < deadline, "git daemon did not start"
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}/{remote.name}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_clone_and_sync_over_git_protocol(tmp_path: Path, daemon: str) -> None:
    a = clone(tmp_path, daemon, "a")
    b = clone(tmp_path, daemon, "b")
    cid = new(a, T("11-28 09:00"))
    assert a.ok("sync").out == "pushed 1 commit to origin/main\n"
    assert b.ok("sync").out.splitlines()[-1] == "fast-forwarded to origin/main"
    note(b, cid, "11-28 09:30")
    step(a, T("11-28 09:20"), "respond", cid, "张三", "--note", "已答复客户")
    assert a.ok("sync").code == 0
    assert b.ok("sync").out.splitlines()[1] == "merged origin/main"
    assert a.ok("sync").code == 0
    assert a.head() == b.head()


def test_a_merge_that_does_not_validate_needs_a_person(pair: tuple[Reg, Reg]) -> None:
    a, b = pair
    cid = new(a, T("11-28 09:00"))
    a.ok("sync")
    b.ok("sync")
    # someone edits the policy by hand on their clone and pushes it with plain git
    policy = a.root / "cmplt.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("first_reply: 2h", "first_reply: soon")
    )
    a.git("commit", "--quiet", "-am", "hand edit")
    a.git("push", "--quiet", "origin", "main")
    note(b, cid, "11-28 09:30")
    before = state(b)
    result = b.run("sync")
    assert result.code == 12, result
    assert result.out.splitlines() == ["fetched 1 commit from origin/main", "merged origin/main"]
    assert "does not validate (cmplt.yaml:" in result.err and len(result.err.splitlines()) == 1
    assert state(b) == before


def test_sync_validates_what_the_merge_wrote_not_what_it_took_whole(pair: tuple[Reg, Reg]) -> None:
    """A record pushed by hand is taken as its author committed it (`validate` and
    `audit` report it); a fast-forward writes nothing of its own."""
    a, b = pair
    cid = new(a, T("11-28 09:00"))
    a.ok("sync")
    b.ok("sync")
    record = a.record(cid)
    record.write_text(
        record.read_text(encoding="utf-8").replace("channel: phone", "channel: pigeon")
    )
    a.git("commit", "--quiet", "-am", "hand edit")
    a.git("push", "--quiet", "origin", "main")
    assert b.run("sync").code == 0
    assert b.record(cid).read_bytes() == record.read_bytes()
    assert b.run("validate").code == 1


def test_sync_with_nothing_to_do_reads_no_record_model(pair: tuple[Reg, Reg]) -> None:
    """A sync that brings in a fast-forward must stay near `git pull` (benchmarks/sync.py):
    no pydantic, no ruamel unless it renames or validates."""
    from cmplt import store, sync
    from tests.test_imports import heavy, imported

    assert (sync.POLICY_FILE, sync.ROSTER_FILE, sync.RECORDS_DIR) == (
        store.POLICY_FILE,
        store.ROSTER_FILE,
        store.RECORDS_DIR,
    )
    a, _b = pair
    assert heavy(imported("sync", cwd=a.root)) == []


def test_sync_outside_a_registry_says_so(tmp_path: Path) -> None:
    result = run_cli("sync", cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("cmplt: no registry here") and len(result.err.splitlines()) == 1


def test_a_record_edited_differently_by_hand_on_both_sides_needs_a_person(
    pair: tuple[Reg, Reg],
) -> None:
    a, b = pair
    cid = new(a, T("11-28 09:00"))
    a.ok("sync")
    b.ok("sync")
    for clone_, summary in ((a, "电梯按钮坏了"), (b, "电梯按键失灵")):
        record = clone_.record(cid)
        text = record.read_text(encoding="utf-8").replace(
            "summary: 电梯按钮失灵", f"summary: {summary}"
        )
        record.write_text(text, encoding="utf-8")
        clone_.git("commit", "--quiet", "-am", "hand edit")
    a.ok("sync")
    before = state(b)
    result = b.run("sync")
    assert result.code == 12, result
    assert result.err == (
        "cmplt: the merge with origin/main needs a person "
        f"(complaints/2026/11/{cid}.yaml: summary was changed differently on both sides); "
        "nothing was changed here: merge it by hand (git pull, then fix the files and commit) "
        "or ask a supervisor\n"
    )
    assert state(b) == before


def test_the_roster_changed_on_both_sides_goes_to_the_driver(pair: tuple[Reg, Reg]) -> None:
    """A file sync does not merge itself (the roster) is left to the configured driver."""
    a, b = pair
    for clone_, name in ((a, "吴客服"), (b, "郑客服")):
        clone_.ok("staff", "add", name, "--role", "clerk", "--department", "客服中心",
                  "--by", "赵经理")  # fmt: skip
    a.ok("sync")
    assert b.run("sync").code == 0
    a.ok("sync")
    for clone_ in (a, b):
        roster = (clone_.root / "staff.yaml").read_text(encoding="utf-8")
        assert "吴客服" in roster and "郑客服" in roster
    assert a.head() == b.head()


def test_audit_accepts_a_rename_that_changes_the_id_alone(reg: Reg) -> None:
    cid = new(reg, T("11-28 09:00"))
    other = cid[:7] + "ZZZZZZ"
    old, moved = reg.record(cid), reg.record(other)

    def rename(extra: tuple[str, str] | None) -> None:
        text = old.read_text(encoding="utf-8").replace(cid, other)
        if extra:
            text = text.replace(*extra)
        reg.git("rm", "--quiet", str(old))
        moved.parent.mkdir(parents=True, exist_ok=True)
        moved.write_text(text, encoding="utf-8")
        reg.git("add", str(moved))
        message = (
            f"{other}: renamed\n\nComplaint-Id: {other}\nAction: rename\nRenamed-From: {cid}\n"
        )
        reg.git("commit", "--quiet", "-m", message)

    rename(None)
    assert reg.run("audit").code == 0, reg.run("audit")
    reg.git("reset", "--quiet", "--hard", "HEAD~1")
    rename(("summary: 电梯按钮失灵", "summary: 别的事"))
    found = reg.run("audit")
    assert found.code == 1
    assert "summary" in found.out


def test_the_first_sync_fills_an_empty_remote(tmp_path: Path, reg: Reg) -> None:
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "--quiet", "--bare", str(empty))
    reg.git("remote", "add", "origin", str(empty))
    count = reg.commit_count()
    result = reg.run("sync")
    assert result.code == 0, result
    assert result.out == f"pushed {count} commits to origin/main\n"
    assert git(empty, "rev-parse", "main").strip() == reg.head()
    assert reg.run("sync").code == 1


def test_a_remote_that_refuses_pushes_needs_a_person(pair: tuple[Reg, Reg], remote: Path) -> None:
    a, _b = pair
    new(a, T("11-28 09:00"))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch is protected' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = state(a)
    result = a.run("sync")
    assert result.code == 12, result
    assert result.out == ""
    assert "refused the push ([remote rejected] (pre-receive hook declined))" in result.err
    assert len(result.err.splitlines()) == 1
    assert state(a) == before


def test_a_plain_git_clone_is_set_up_by_any_command(tmp_path: Path, remote: Path) -> None:
    git(tmp_path, "clone", "--quiet", str(remote), str(tmp_path / "plain"))
    plain = Reg(tmp_path / "plain")
    result = plain.run("list")
    assert result.code == 0, result
    assert result.err == (
        "cmplt: set up git's merge driver for records in this clone (.git/config)\n"
    )
    assert plain.git("config", "pull.rebase").strip() == "false"
    # a choice the person made in the clone is theirs
    plain.git("config", "pull.rebase", "true")
    assert plain.run("list").err == ""
    assert plain.git("config", "pull.rebase").strip() == "true"


def test_a_registry_in_a_sub_folder_syncs(tmp_path: Path, reg: Reg) -> None:
    """An office repository holding the registry as `estate/` (init --nested)."""
    office = tmp_path / "office"
    office.mkdir()
    git(office, "init", "--quiet")
    shutil.copytree(reg.root, office / "estate", ignore=shutil.ignore_patterns(".git"))
    git(office, "add", "-A")
    dated = {
        **os.environ,
        "GIT_AUTHOR_DATE": T("11-27 09:00"),
        "GIT_COMMITTER_DATE": T("11-27 09:00"),
    }
    subprocess.run(["git", "commit", "--quiet", "-m", "the office's registry"], cwd=office,
                   env=dated, check=True)  # fmt: skip
    bare = tmp_path / "office.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(office), str(bare))
    a, b = (Reg(tmp_path / name / "estate") for name in ("a", "b"))
    for clone_ in (a, b):
        git(tmp_path, "clone", "--quiet", str(bare), str(clone_.root.parent))
    cid = new(a, T("11-28 09:00"))
    a.ok("sync")
    b.ok("sync")
    step(a, T("11-28 09:30"), "respond", cid, "张三", "--note", "已答复客户")
    note(b, cid, "11-28 09:40")
    a.ok("sync")
    assert b.ok("sync").out.splitlines()[1] == "merged origin/main"
    text = b.record(cid).read_text(encoding="utf-8")
    assert "action: respond" in text and "action: note" in text
    assert b.run("validate", "-q").code == 0
    assert b.run("audit").code == 0
