"""Shared fixtures: a throwaway registry repository with a fixed git identity,
a frozen clock and a roster, and a way to run the real CLI in-process or as a
subprocess. Nothing here touches the real home directory or its git config.

A timeline: every step is recorded at the moment it happened (CMPLT_NOW = --at)
unless a test is about entries typed late, so that `check --as-of` sees the
registry as it stood at any moment. Times are +08:00 (Asia/Shanghai, the policy
zone), written `T("11-20 09:00")`."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from cmplt import i18n
from cmplt.cli import main

# property tests: few enough examples to keep the suite quick, the same ones every run
FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "registry"

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
        # the first person adds themself; a manager adds everyone else (permissions: staff)
        registry.ok("staff", "add", "赵经理", "--role", "manager")
        for name, role, department in ROSTER:
            args = ["staff", "add", name, "--role", role, "--by", "赵经理"]
            if department:
                args += ["--department", department]
            if name != "赵经理":
                registry.ok(*args)
    return root


@pytest.fixture
def reg(tmp_path: Path, _registry_template: Path) -> Iterator[Reg]:
    """A fresh copy of the template registry (its own git repository)."""
    root = tmp_path / "registry"
    shutil.copytree(_registry_template, root, symlinks=True)
    yield Reg(root)


def example_registry(tmp_path: Path) -> Reg:
    """The example registry (56 complaints at 翠湖花园, Oct-Nov 2026) in a fresh repository."""
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "example registry"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return Reg(root)


# --- a timeline: each step recorded when it happened -----------------------------------


def T(text: str) -> str:
    """`11-20 09:00` -> `2026-11-20T09:00:00+08:00`."""
    day, hm = text.split()
    return f"2026-{day}T{hm}:00+08:00"


def new(
    reg: Reg, at: str, *flags: str, by: str = "张三", recorded: str | None = None, **fields: str
) -> str:
    """Register a complaint received at `at` and typed in at `recorded` (default: `at`)."""
    values = {**INTAKE, **fields}
    args = ["new", "--by", by, "--at", at, *flags]
    for key, value in values.items():
        args += [f"--{key.replace('_', '-')}", value]
    return reg.ok(*args, env={"CMPLT_NOW": recorded or at}).out.splitlines()[0]


def step(
    reg: Reg, at: str, action: str, cid: str, by: str, *args: str, recorded: str | None = None
) -> Result:
    """A lifecycle step that happened at `at` and was typed in at `recorded` (default: `at`)."""
    return reg.ok(action, cid, "--by", by, *args, "--at", at, env={"CMPLT_NOW": recorded or at})


def resolve(reg: Reg, at: str, cid: str, by: str = "张三") -> None:
    step(reg, at, "resolve", cid, by, "--result", "已处理")


def callback(reg: Reg, at: str, cid: str, by: str, satisfaction: str = "satisfied") -> None:
    step(reg, at, "callback", cid, by, "--satisfaction", satisfaction)


def age(reg: Reg, seconds: float = 3600.0) -> None:
    """Make every record file look last changed `seconds` ago (so check caches it)."""
    when = time.time() - seconds
    for path in (reg.root / "complaints").rglob("*.yaml"):
        os.utime(path, (when, when))


def move_receipt_an_hour_earlier(path: Path) -> None:
    """A hand edit that keeps the file's size: received at 08:00 instead of 09:00."""
    text = path.read_text(encoding="utf-8")
    edited = text.replace("received_at: '2026-11-20T09:00", "received_at: '2026-11-20T08:00")
    edited = edited.replace("    at: '2026-11-20T09:00", "    at: '2026-11-20T08:00", 1)
    assert edited != text and len(edited.encode()) == len(text.encode())
    path.write_text(edited, encoding="utf-8")


def reply(reg: Reg, at: str, cid: str, recorded: str | None = None) -> None:
    step(reg, at, "respond", cid, "张三", "--note", "已答复客户", recorded=recorded)


def commit_all(reg: Reg, message: str) -> None:
    """Commit every change in the work tree (a hand edit)."""
    reg.git("add", "-A")
    reg.git("commit", "-qm", message)


def measure(reg: Reg, now: str, *args: str, title: str = "维修回访") -> str:
    """`improve add` (category repair, owner 李工, due at the end of the year) at `now`."""
    result = reg.ok(
        "improve", "add", "--by", "张三", "--owner", "李工", "--title", title,
        "--category", "repair", "--due", "2026-12-31", *args, env={"CMPLT_NOW": now},
    )  # fmt: skip
    return result.out.splitlines()[0]


# --- reading what the CLI printed --------------------------------------------------------

# `cmplt validate` and `improve list`: path:line:column: field: message
PROBLEM = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<field>\S+): (?P<msg>.+)$"
)

# November has ended: its report stands as of its end (reports of November run in December)
LATER = T("12-10 09:00")


def run_check(reg: Reg, as_of: str, *options: str) -> tuple[int, list[dict[str, Any]]]:
    """`check --as-of AS_OF --format json OPTIONS`: (exit code, findings), run at a
    moment after every AS_OF the tests ask about (--as-of is never in the future)."""
    later = {"CMPLT_NOW": "2030-01-01T00:00:00+00:00"}
    result = reg.run("check", "--as-of", as_of, "--format", "json", *options, env=later)
    assert result.code in (0, 1), result
    assert "Traceback" not in result.err, result
    data = json.loads(result.out)
    findings: list[dict[str, Any]] = data["findings"]
    return result.code, findings


def report(reg: Reg, *args: str, now: str = LATER) -> dict[str, Any]:
    """`report --format json ARGS` at `now`: the report's data (exit 0, nothing on stderr)."""
    result = reg.run("report", "--format", "json", *args, env={"CMPLT_NOW": now})
    assert (result.code, result.err) == (0, ""), result
    data: dict[str, Any] = json.loads(result.out)
    return data


def november(reg: Reg, *args: str, now: str = LATER) -> dict[str, Any]:
    return report(reg, "--period", "2026-11", *args, now=now)


def sla(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[int, int]]:
    """An SLA table as {(group, rule): (inside, decided)}."""
    return {(row["group"], row["rule"]): (row["inside"], row["decided"]) for row in rows}


def assert_one_line_error(result: Result, code: int = 2) -> None:
    assert result.code == code, result
    assert result.out == "", result
    assert len(result.err.splitlines()) == 1, result
    assert result.err.startswith("cmplt: "), result
    assert "Traceback" not in result.err


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def commit_policy_lines(reg: Reg, edits: dict[str, str], when: str) -> None:
    """Replace each line of cmplt.yaml matching a key's regex, commit it dated `when`."""
    path = reg.root / "cmplt.yaml"
    text = path.read_text(encoding="utf-8")
    for pattern, line in edits.items():
        text, replaced = re.subn(f"(?m){pattern}", line.replace("\\", "\\\\"), text, count=1)
        assert replaced == 1, pattern
    path.write_text(text, encoding="utf-8")
    subprocess.run(
        ["git", "commit", "-qm", "policy", "--", "cmplt.yaml"],
        cwd=reg.root,
        env={**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        check=True,
    )


def keys(findings: list[dict[str, Any]]) -> set[tuple[str | None, str]]:
    return {(f["id"], f["rule"]) for f in findings}


# issue 11's controls, as the template writes them: a policy without these keys (written
# before them) keeps the behaviour cmplt had before (policy.py: each key's default is off)
CONTROLS = (
    "approvals",
    "decisions",
    "definite_answer",
    "close_needs_callbacks",
    "ranks",
    "permissions",
    "customer_deadline",
)


def commit_older_policy(reg: Reg, *drop: str, when: str = "2026-01-01T00:00:00+08:00") -> None:
    """Give `reg` a policy written before issue 11: without the keys `drop` (default all
    of CONTROLS), committed dated `when` (before every test's timeline, so that it is
    the policy in force throughout)."""
    path = reg.root / "cmplt.yaml"
    text = path.read_text(encoding="utf-8")
    for key in drop or CONTROLS:
        assert key in CONTROLS, key
        if key == "customer_deadline":
            pattern = r"(?m)^    customer_deadline: .*\n"
        else:  # the key's block: its line and the indented lines under it
            pattern = rf"(?ms)^{key}:.*?(?=^\S)"
        text, count = re.subn(pattern, "", text, count=1)
        assert count == 1, key
    path.write_text(text, encoding="utf-8")
    subprocess.run(
        ["git", "commit", "-qm", "an older policy", "--", "cmplt.yaml"],
        cwd=reg.root,
        env={**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        check=True,
    )
