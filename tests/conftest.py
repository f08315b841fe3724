"""Shared fixtures: a throwaway registry repository with a fixed git identity,
a frozen clock and a roster, and a way to run the real CLI in-process or as a
subprocess. Nothing here touches the real home directory or its git config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmplt import i18n
from cmplt.cli import main

# The frozen "now" of every test (UTC; 09:00 in Asia/Shanghai).
NOW = "2026-11-28T01:00:00+00:00"

ROSTER = [
    ("张三", "clerk", "客服中心"),
    ("陈主管", "cs_supervisor", "客服中心"),
    ("李工", "staff", "工程部"),
    ("刘保安", "staff", "保安部"),
    ("王主管", "supervisor", None),
    ("赵经理", "manager", None),
    ("钱主任", "director", None),
    ("周经理", "division_manager", None),
    ("孙总", "company_manager", None),
]

INTAKE = {
    "channel": "phone",
    "customer": "王先生",
    "unit": "3-1502",
    "phone": "13800138000",
    "severity": "minor",
    "nature": "valid-1",
    "subject": "facilities",
    "category": "repair",
    "summary": "电梯按钮失灵",
}


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """Run `cmplt ARGS` in this process, through the same main() as the console script."""
    runner = CliRunner()
    old = Path.cwd()
    with runner.isolation(env=env) as (out, err, _):
        if cwd is not None:
            os.chdir(cwd)
        try:
            code = main(list(args))
        finally:
            os.chdir(old)
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


def run_process(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run `cmplt ARGS` as a real process (python -m cmplt)."""
    full = dict(os.environ)
    full.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "cmplt", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=True
    )
    return done.stdout


@pytest.fixture(autouse=True)
def isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path_factory, monkeypatch)


def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake home with a fixed git identity, a frozen clock, no cmplt env from outside."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Runner\n\temail = runner@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "CMPLT_ACTOR",
        "CMPLT_REGISTRY",
        "CMPLT_SEED",
        "CMPLT_LOCK_WAIT",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "GIT_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CMPLT_NOW", NOW)
    monkeypatch.setenv("TZ", "UTC")
    # the tests read English messages; tests/test_i18n.py chooses its languages itself
    monkeypatch.setenv("CMPLT_LANG", "en")
    i18n.configure(None, lambda: None)  # forget a language a previous test chose


class Reg:
    """A registry in a fresh git repository, with the standard roster."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return run_cli(*args, cwd=self.root, env=env)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = self.run(*args, env=env)
        assert result.code == 0, result
        return result

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def new(self, *extra: str, by: str = "张三", **fields: str) -> str:
        """Register a complaint with the standard intake, overridden by `fields`."""
        values = {**INTAKE, **fields}
        args = ["new", "--by", by]
        for key, value in values.items():
            args += [f"--{key.replace('_', '-')}", value]
        result = self.ok(*args, *extra)
        return result.out.splitlines()[0]

    def record(self, complaint_id: str) -> Path:
        return (
            self.root
            / "complaints"
            / f"20{complaint_id[:2]}"
            / complaint_id[2:4]
            / (f"{complaint_id}.yaml")
        )

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def commit_count(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").strip())


@pytest.fixture(scope="session")
def _registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once through the real CLI (init, then staff add for each person)."""
    root = tmp_path_factory.mktemp("template") / "registry"
    with pytest.MonkeyPatch.context() as patch:
        isolate(tmp_path_factory, patch)
        result = run_cli("init", str(root))
        assert result.code == 0, result
        registry = Reg(root)
        for name, role, department in ROSTER:
            args = ["staff", "add", name, "--role", role]
            if department:
                args += ["--department", department]
            registry.ok(*args)
    return root


@pytest.fixture
def reg(tmp_path: Path, _registry_template: Path) -> Iterator[Reg]:
    """A fresh copy of the template registry (its own git repository)."""
    root = tmp_path / "registry"
    shutil.copytree(_registry_template, root, symlinks=True)
    yield Reg(root)
