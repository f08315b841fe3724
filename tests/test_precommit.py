"""The pre-commit hook: a registry's repository runs `cmplt validate` on every commit.

The hook's definition is this repository's `.pre-commit-hooks.yaml`. Installing it
the published way (`language: python`) makes pre-commit build a virtualenv from
PyPI, which needs the network; so these tests run the real pre-commit with the
same hook as a `repo: local` hook whose entry is this checkout's `cmplt`, with
every other setting (files, pass_filenames, …) taken from the manifest. The
published form is exercised by the last test, on request (it downloads).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pre_commit.clientlib import load_manifest

from cmplt import store
from tests.conftest import INTAKE, git, run_cli

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if found.exists():
        return str(found)
    which = shutil.which(name)
    assert which, f"{name} is not installed: pip install -e '.[test]'"
    return which


def hook() -> dict[str, Any]:
    (only,) = load_manifest(str(MANIFEST))  # pre-commit's own check of the manifest
    assert only["id"] == "cmplt-validate"
    found: dict[str, Any] = only
    return found


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [tool("pre-commit"), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def local_config() -> str:
    """The manifest's hook as a local one, run by this checkout's cmplt."""
    spec = hook()
    command, *rest = shlex.split(spec["entry"])
    assert command == "cmplt"
    entry = shlex.join([tool("cmplt"), *rest])
    return (
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        f"      - id: {spec['id']}\n"
        f"        name: {spec['name']}\n"
        f"        entry: {entry}\n"
        "        language: system\n"
        f"        files: '{spec['files']}'\n"
        f"        pass_filenames: {str(spec['pass_filenames']).lower()}\n"
        f"        require_serial: {str(spec['require_serial']).lower()}\n"
    )


@pytest.fixture
def estate_repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose registry is its sub-folder `estate/`, with one complaint,
    and some other YAML (a CI workflow) that the hook is passed too."""
    repo = tmp_path / "property-office"
    repo.mkdir()
    git(repo, "init", "-q")
    assert run_cli("init", "estate", "--nested", cwd=repo).code == 0
    estate = repo / "estate"
    for args in (
        # the first person adds themself; a manager adds the others (policy permissions)
        ("staff", "add", "赵经理", "--role", "manager"),
        ("staff", "add", "张三", "--role", "clerk", "--department", "客服中心", "--by", "赵经理"),
        ("staff", "add", "李工", "--role", "staff", "--department", "工程部", "--by", "赵经理"),
    ):
        assert run_cli(*args, cwd=estate).code == 0
    intake = [a for key, value in INTAKE.items() for a in (f"--{key}", value)]
    new = run_cli("new", "--by", "张三", *intake, cwd=estate)
    assert new.code == 0, new
    cid = new.out.splitlines()[0]
    workflow = repo / ".github" / "workflows" / "registry.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("on: [push]\njobs: {}\n", encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(local_config(), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pre-commit config, CI workflow")
    return repo, cid


def test_the_manifest_is_what_pre_commit_expects() -> None:
    spec = hook()
    assert spec["entry"] == "cmplt validate"
    assert spec["language"] == "python"
    assert spec["pass_filenames"] is True
    assert spec["files"] == r"\.ya?ml$"


def test_the_hook_passes_a_sound_registry(estate_repo: tuple[Path, str], tmp_path: Path) -> None:
    repo, _ = estate_repo
    done = pre_commit(repo, tmp_path / "pre-commit-home", "run", "--all-files")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cmplt validate" in done.stdout and "Passed" in done.stdout


def test_the_hook_fails_on_a_record_broken_by_hand(
    estate_repo: tuple[Path, str], tmp_path: Path
) -> None:
    repo, cid = estate_repo
    record = repo / "estate" / store.record_relpath(cid)
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("severity: minor", "severity: huge", 1), encoding="utf-8")
    line = text.splitlines().index("severity: minor") + 1
    done = pre_commit(repo, tmp_path / "pre-commit-home", "run", "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    problem = f"estate/{store.record_relpath(cid)}:{line}:1: severity: should be one of"
    assert problem in done.stdout, done.stdout


def test_a_commit_with_a_broken_record_is_refused(
    estate_repo: tuple[Path, str], tmp_path: Path
) -> None:
    repo, cid = estate_repo
    home = tmp_path / "pre-commit-home"
    installed = pre_commit(repo, home, "install")
    assert installed.returncode == 0, installed.stderr
    record = repo / "estate" / store.record_relpath(cid)
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("status: open", "status: closed", 1), encoding="utf-8")
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    refused = subprocess.run(
        ["git", "commit", "-m", "close it by hand"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert refused.returncode != 0
    assert "status: says 'closed' but the events say 'open'" in refused.stdout + refused.stderr
    record.write_text(text, encoding="utf-8")
    (repo / "estate" / "notes.yaml").write_text("not: a record\n", encoding="utf-8")
    git(repo, "add", "-A")
    allowed = subprocess.run(
        ["git", "commit", "-m", "a note beside the registry"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
