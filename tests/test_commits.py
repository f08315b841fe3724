"""The shape of what cmplt leaves in git, and what it must leave alone.

One commit per changing command, touching only its own file; subject and
trailers a script can read; the acting person as author; a person's unrelated
work (staged, unstaged, untracked) untouched; a registry inside a larger
repository keeping to its own folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INTAKE, Reg, Result, git, run_cli

NOW_LOCAL = "2026-11-28T09:00:00+08:00"


def last(reg: Reg, fmt: str, rev: str = "HEAD") -> str:
    return reg.git("log", "-1", f"--format={fmt}", rev).strip()


def trailer(reg: Reg, key: str, rev: str = "HEAD") -> str:
    return last(reg, f"%(trailers:key={key},valueonly)", rev)


def files_of(reg: Reg, rev: str = "HEAD") -> list[str]:
    return reg.git("show", "--name-only", "--format=", rev).split()


def rel(reg: Reg, path: Path) -> str:
    return path.relative_to(reg.root).as_posix()


def porcelain(cwd: Path) -> str:
    return git(cwd, "status", "--porcelain", "--untracked-files=all")


def one_line_error(result: Result, code: int) -> None:
    assert result.code == code, result
    assert "Traceback" not in result.err, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cmplt: "), result


# --- one commit per step, and what it says ------------------------------------------


def test_every_step_is_one_commit_touching_only_its_record(reg: Reg) -> None:
    reg.ok(
        "staff",
        "add",
        "吴工",
        "--role",
        "staff",
        "--department",
        "工程部",
        "--email",
        "wu@example.cn",
        "--by",
        "赵经理",  # a manager changes the roster (policy permissions: staff)
    )
    count = reg.commit_count()
    cid = reg.new()
    record = rel(reg, reg.record(cid))
    steps = [
        ("received", "张三", None),
        ("respond", "张三", ("--note", "已答复")),
        ("plan", "陈主管", ("--note", "今天处理")),
        # the cs supervisor approves a valid complaint's work order (规程 4.3.1) and the
        # manager a minor complaint's extension, each by taking the step
        ("dispatch", "陈主管", ("--to", "工程部")),
        ("accept", "吴工", ()),
        ("extend", "赵经理", ("--until", "2026-12-05T09:00+08:00")),
        ("escalate", "陈主管", ("--to", "钱主任", "--reason", "客户要求主任跟进")),
        ("note", "钱主任", ("--text", "已联系客户")),
        ("reclassify", "陈主管", ("--subject", "quality")),
        ("resolve", "吴工", ("--result", "更换按钮")),
        ("callback", "王主管", ("--satisfaction", "dissatisfied")),
        ("reopen", "陈主管", ("--reason", "客户不满意")),
        ("resolve", "吴工", ("--result", "更换面板")),
        ("callback", "钱主任", ("--satisfaction", "satisfied")),
        # the dual callback (回访制度 4) before the close
        ("callback", "赵经理", ("--satisfaction", "satisfied")),
        ("close", "张三", ()),
    ]
    for number, (action, actor, args) in enumerate(steps, start=1):
        if args is not None:
            reg.ok(action, cid, "--by", actor, *args)
        assert reg.commit_count() == count + number, action
        assert files_of(reg) == [record], action
        subject = last(reg, "%s")
        assert subject.startswith(f"{cid}: {action}"), subject
        assert trailer(reg, "Complaint-Id") == cid
        assert trailer(reg, "Action") == action
        assert trailer(reg, "Actor") == actor
        assert last(reg, "%an") == actor
        assert last(reg, "%ae") == ("wu@example.cn" if actor == "吴工" else "")
        # the machine's identity commits; the commit is dated when it was recorded
        assert last(reg, "%cn") == "Test Runner"
        assert last(reg, "%aI") == last(reg, "%cI") == NOW_LOCAL
        assert porcelain(reg.root) == ""


def test_subjects_say_what_happened(reg: Reg) -> None:
    cid = reg.new()
    assert last(reg, "%s") == f"{cid}: received 3-1502 电梯按钮失灵"
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")
    assert last(reg, "%s") == f"{cid}: dispatch to 工程部"
    reg.ok("accept", cid, "--by", "李工")
    assert last(reg, "%s") == f"{cid}: accept by 工程部"
    # by the manager, who approves the longer clock it gives (policy approvals.by_approver)
    reg.ok("reclassify", cid, "--by", "赵经理", "--severity", "important")
    assert last(reg, "%s") == f"{cid}: reclassify severity minor -> important"
    reg.ok("resolve", cid, "--by", "李工", "--result", "更换按钮\n并测试")
    assert last(reg, "%s") == f"{cid}: resolve 更换按钮"
    reg.ok("callback", cid, "--by", "赵经理", "--satisfaction", "neutral")
    assert last(reg, "%s") == f"{cid}: callback neutral (manager)"


def test_staff_add_commits_only_the_roster(reg: Reg) -> None:
    count = reg.commit_count()
    out = reg.ok(
        "staff",
        "add",
        "吴工",
        "--role",
        "staff",
        "--department",
        "工程部",
        "--email",
        "wu@example.cn",
        "--by",
        "赵经理",  # a manager changes the roster (policy permissions: staff)
    ).out
    assert out.startswith("吴工 added as staff")
    assert reg.commit_count() == count + 1
    assert files_of(reg) == ["staff.yaml"]
    assert trailer(reg, "Action") == "staff-add"
    assert trailer(reg, "Actor") == "赵经理"
    assert last(reg, "%an") == "赵经理"
    listed = reg.ok("staff", "list", "--format", "csv").out
    assert "吴工,staff,部门人员,工程部,wu@example.cn" in listed
    # their steps carry their address (a note: department staff register no complaints,
    # policy permissions: new)
    cid = reg.new()
    reg.ok("note", cid, "--by", "吴工", "--text", "已到场查看")
    assert (last(reg, "%an"), last(reg, "%ae")) == ("吴工", "wu@example.cn")
    assert trailer(reg, "Complaint-Id") == cid


def test_refused_step_makes_no_commit(reg: Reg) -> None:
    cid = reg.new()
    head = reg.head()
    one_line_error(reg.run("close", cid, "--by", "张三"), 4)
    assert reg.head() == head
    assert porcelain(reg.root) == ""


# --- a person's own work stays as it was -------------------------------------------------


def test_unrelated_staged_unstaged_and_untracked_work_survives_a_step(reg: Reg) -> None:
    cid = reg.new()
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")  # approved at once (规程 4.3.1)
    reg.ok("accept", cid, "--by", "李工")
    (reg.root / "notes").mkdir()
    (reg.root / "notes" / "tracked.md").write_text("v1\n", encoding="utf-8")
    reg.git("add", "notes/tracked.md")
    reg.git("commit", "-q", "-m", "notes")
    # staged: an edit to the README; unstaged: an edit to notes; untracked: a draft
    readme = reg.root / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\n本地修改\n", encoding="utf-8")
    reg.git("add", "README.md")
    (reg.root / "notes" / "tracked.md").write_text("v2, not staged\n", encoding="utf-8")
    (reg.root / "draft.txt").write_text("草稿\n", encoding="utf-8")
    before = porcelain(reg.root)
    assert before.splitlines() == ["M  README.md", " M notes/tracked.md", "?? draft.txt"]
    staged_diff = reg.git("diff", "--cached")
    unstaged_diff = reg.git("diff")
    contents = {p: (reg.root / p).read_bytes() for p in ("README.md", "notes/tracked.md")}
    contents["draft.txt"] = (reg.root / "draft.txt").read_bytes()

    count = reg.commit_count()
    reg.ok("resolve", cid, "--by", "李工", "--result", "更换按钮")

    assert reg.commit_count() == count + 1
    assert files_of(reg) == [rel(reg, reg.record(cid))]
    assert porcelain(reg.root) == before
    assert reg.git("diff", "--cached") == staged_diff
    assert reg.git("diff") == unstaged_diff
    for path, data in contents.items():
        assert (reg.root / path).read_bytes() == data, path
    # the README edit is not in the commit: HEAD still has the old README
    assert "本地修改" not in reg.git("show", "HEAD:README.md")


def test_comments_typed_into_a_record_survive_a_step(reg: Reg) -> None:
    cid = reg.new()
    path = reg.record(cid)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("unit: 3-1502\n", "unit: 3-1502  # 业主租给他人\n"), "utf-8")
    reg.git("commit", "-q", "-am", "hand note")
    reg.ok("note", cid, "--by", "张三", "--text", "备注")
    assert "unit: 3-1502  # 业主租给他人\n" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_record_with_uncommitted_hand_edits_is_refused(reg: Reg, staged: bool) -> None:
    cid = reg.new()
    path = reg.record(cid)
    edited = path.read_text(encoding="utf-8").replace("summary: 电梯按钮失灵", "summary: 电梯坏了")
    path.write_text(edited, encoding="utf-8")
    if staged:
        reg.git("add", rel(reg, path))
    before = (reg.head(), porcelain(reg.root))
    result = reg.run("resolve", cid, "--by", "张三", "--result", "已修好")
    one_line_error(result, 5)
    assert rel(reg, path) in result.err
    assert path.read_text(encoding="utf-8") == edited
    assert (reg.head(), porcelain(reg.root)) == before


def test_step_while_git_index_is_locked_changes_nothing(reg: Reg) -> None:
    cid = reg.new()
    lock = reg.root / ".git" / "index.lock"
    lock.write_text("", encoding="utf-8")
    record = reg.record(cid).read_bytes()
    head = reg.head()
    result = reg.run("note", cid, "--by", "张三", "--text", "x")
    lock.unlink()
    one_line_error(result, 8)
    assert reg.record(cid).read_bytes() == record
    assert reg.head() == head
    assert porcelain(reg.root) == ""


# --- a registry inside a larger repository --------------------------------------------------


def _outer_repo(tmp_path: Path) -> Path:
    outer = tmp_path / "estate"
    outer.mkdir()
    git(outer, "init", "-q")
    (outer / "README.md").write_text("物业公司文档\n", encoding="utf-8")
    (outer / "docs").mkdir()
    (outer / "docs" / "plan.md").write_text("年度计划\n", encoding="utf-8")
    git(outer, "add", "-A")
    git(outer, "commit", "-q", "-m", "estate docs")
    return outer


def test_registry_in_a_sub_folder_touches_only_its_own_files(tmp_path: Path) -> None:
    outer = _outer_repo(tmp_path)
    base = git(outer, "rev-parse", "HEAD").strip()
    # someone's work in progress elsewhere in the repository
    (outer / "README.md").write_text("物业公司文档\n修改中\n", encoding="utf-8")
    (outer / "docs" / "new.md").write_text("新文档\n", encoding="utf-8")
    git(outer, "add", "docs/new.md")
    (outer / "scratch.txt").write_text("临时\n", encoding="utf-8")
    before = porcelain(outer)

    # inside someone's repository only when asked for: it commits there
    refused = run_cli("init", "sub", cwd=outer)
    assert refused.code == 2 and "--nested" in refused.err, refused
    assert porcelain(outer) == before and not (outer / "sub").exists()
    result = run_cli("init", "sub", "--nested", cwd=outer)
    assert result.code == 0, result
    sub = outer / "sub"
    assert (sub / "cmplt.yaml").is_file()
    assert not (sub / ".git").exists(), "no nested repository inside the outer one"
    # the first person adds themself, a manager adds the others (policy permissions: staff)
    result = run_cli("staff", "add", "赵经理", "--role", "manager", cwd=sub)
    assert result.code == 0, result
    for name, role, department in (("张三", "clerk", "客服中心"), ("李工", "staff", "工程部")):
        result = run_cli(
            "staff", "add", name, "--role", role, "--department", department, "--by", "赵经理",
            cwd=sub,
        )  # fmt: skip
        assert result.code == 0, result
    args = ["new", "--by", "张三"]
    for key, value in INTAKE.items():
        args += [f"--{key}", value]
    result = run_cli(*args, cwd=sub)
    assert result.code == 0, result
    cid = result.out.splitlines()[0]
    # from the top of the repository, with --registry; from deep inside the registry
    result = run_cli(
        "--registry", "sub", "dispatch", cid, "--by", "赵经理", "--to", "工程部", cwd=outer
    )
    assert result.code == 0, result
    result = run_cli("accept", cid.lower(), "--by", "李工", cwd=sub / "complaints")
    assert result.code == 0, result
    result = run_cli("resolve", cid, "--by", "李工", "--result", "修好", cwd=sub)
    assert result.code == 0, result

    commits = git(outer, "rev-list", f"{base}..HEAD").split()
    assert len(commits) == 8  # init, 3 staff, new, dispatch, accept, resolve
    touched = git(outer, "log", "--name-only", "--format=", f"{base}..HEAD").split()
    assert touched and all(path.startswith("sub/") for path in touched), touched
    assert f"sub/complaints/2026/11/{cid}.yaml" in touched
    assert porcelain(outer) == before
    assert (outer / "README.md").read_text(encoding="utf-8") == "物业公司文档\n修改中\n"
    assert git(outer, "diff", "--cached", "--name-only").split() == ["docs/new.md"]
    # a hand edit is named as a person sees it from the registry
    record = sub / "complaints" / "2026" / "11" / f"{cid}.yaml"
    record.write_text(record.read_text(encoding="utf-8") + "# 手工备注\n", encoding="utf-8")
    result = run_cli("callback", cid, "--by", "张三", "--satisfaction", "satisfied", cwd=sub)
    one_line_error(result, 5)
    assert f"complaints/2026/11/{cid}.yaml has uncommitted changes" in result.err


# --- init ----------------------------------------------------------------------------


def test_init_in_a_plain_folder_makes_a_repository_and_commits(tmp_path: Path) -> None:
    folder = tmp_path / "office" / "registry"
    result = run_cli("init", str(folder))
    assert result.code == 0, result
    assert (folder / ".git").is_dir()
    assert git(folder, "rev-list", "--count", "HEAD").strip() == "1"
    committed = sorted(git(folder, "show", "--name-only", "--format=", "HEAD").split())
    assert committed == [
        ".gitattributes",
        "README.md",
        "cmplt.yaml",
        "complaints/.gitkeep",
        "staff.yaml",
    ]
    assert porcelain(folder) == ""
    assert git(folder, "log", "-1", "--format=%(trailers:key=Action,valueonly)").strip() == "init"
    assert git(folder, "log", "-1", "--format=%s").strip() == "registry: init"
    # and it is ready to use
    result = run_cli("staff", "add", "张三", "--role", "clerk", cwd=folder)
    assert result.code == 0, result


def test_init_twice_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    assert run_cli("init", str(folder)).code == 0
    head = git(folder, "rev-parse", "HEAD")
    files = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts}
    result = run_cli("init", str(folder))
    one_line_error(result, 2)
    assert "already" in result.err
    assert git(folder, "rev-parse", "HEAD") == head
    assert porcelain(folder) == ""
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == files


# --- no git identity on the machine ----------------------------------------------------------

NO_IDENTITY = {
    "empty": "",
    # also refuses git's guess from the host name, whatever the machine's name is
    "config-only": "[user]\n\tuseConfigOnly = true\n",
}


@pytest.mark.parametrize("config", NO_IDENTITY.values(), ids=NO_IDENTITY.keys())
def test_steps_commit_with_the_actor_as_committer_when_git_has_no_identity(
    reg: Reg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str
) -> None:
    reg.ok(
        "staff",
        "add",
        "吴工",
        "--role",
        "staff",
        "--department",
        "工程部",
        "--email",
        "wu@example.cn",
        "--by",
        "赵经理",  # a manager changes the roster (policy permissions: staff)
    )
    bare = tmp_path / "no-identity.gitconfig"
    bare.write_text(config, encoding="utf-8")
    monkeypatch.delenv("EMAIL", raising=False)
    env = {"GIT_CONFIG_GLOBAL": str(bare)}
    probe = subprocess.run(
        ["git", "var", "GIT_COMMITTER_IDENT"],
        cwd=reg.root,
        env={**os.environ, **env},
        capture_output=True,
        check=False,
    )
    assert probe.returncode != 0, "this test needs git to have no identity"

    count = reg.commit_count()
    cid = _new_with_env(reg, env)
    assert (last(reg, "%an"), last(reg, "%cn"), last(reg, "%ce")) == ("张三", "张三", "")
    result = reg.run("dispatch", cid, "--by", "陈主管", "--to", "工程部", env=env)
    assert result.code == 0, result
    result = reg.run("accept", cid, "--by", "吴工", env=env)
    assert result.code == 0, result
    assert reg.commit_count() == count + 3
    assert (last(reg, "%an"), last(reg, "%ae")) == ("吴工", "wu@example.cn")
    assert (last(reg, "%cn"), last(reg, "%ce")) == ("吴工", "wu@example.cn")
    assert porcelain(reg.root) == ""


def _new_with_env(reg: Reg, env: dict[str, str]) -> str:
    args = ["new", "--by", "张三"]
    for key, value in INTAKE.items():
        args += [f"--{key}", value]
    result = reg.run(*args, env=env)
    assert result.code == 0, result
    return result.out.splitlines()[0]


def test_init_without_a_git_identity_still_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "empty.gitconfig"
    bare.write_text("[user]\n\tuseConfigOnly = true\n", encoding="utf-8")
    monkeypatch.delenv("EMAIL", raising=False)
    folder = tmp_path / "registry"
    result = run_cli("init", str(folder), env={"GIT_CONFIG_GLOBAL": str(bare)})
    assert result.code == 0, result
    assert git(folder, "rev-list", "--count", "HEAD").strip() == "1"
    assert porcelain(folder) == ""
