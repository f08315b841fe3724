"""Every (status, action) pair: allowed steps commit once, refused ones change nothing.

The expected table is written out here on purpose; `cmplt.workflow.ALLOWED_FROM`
is only used to cross-check it, so a change to the state machine fails a test
until this table is changed with it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from cmplt.workflow import ALLOWED_FROM
from tests.conftest import Reg, isolate

STATUSES = ("open", "dispatched", "in_progress", "resolved", "called_back", "rejected", "closed")

# What each action does from each status: the status it leads to, or None when refused.
OP, DI, IP, RS, CB, RJ, CL = STATUSES  # the columns of TABLE, in this order
__ = None  # refused
# fmt: off
TABLE: dict[str, tuple[str | None, ...]] = {
    # from status: OP  DI  IP  RS  CB  RJ  CL
    "respond":    (OP, DI, IP, RS, CB, RJ, __),
    "dispatch":   (DI, DI, DI, __, __, __, __),
    "accept":     (__, IP, __, __, __, __, __),
    "plan":       (OP, DI, IP, __, __, __, __),
    "extend":     (OP, DI, IP, __, __, __, __),
    "escalate":   (OP, DI, IP, OP, OP, __, __),
    "resolve":    (RS, __, RS, __, __, __, __),
    "callback":   (__, __, __, CB, CB, __, __),
    "reopen":     (__, __, __, OP, OP, OP, OP),
    "reject":     (RJ, RJ, RJ, __, __, __, __),
    "close":      (__, __, __, __, CL, CL, __),
    "note":       (OP, DI, IP, RS, CB, RJ, __),
    "reclassify": (OP, DI, IP, RS, CB, RJ, __),
    "reevaluate": (OP, DI, IP, RS, CB, RJ, __),
    "approve":    (OP, DI, IP, RS, CB, RJ, __),
    "decide":     (OP, DI, IP, RS, CB, RJ, __),
    "track":      (OP, DI, IP, __, __, __, __),
    "promise":    (OP, DI, IP, RS, CB, RJ, __),
    "review":     (OP, DI, IP, RS, CB, RJ, CL),
    "correct":    (OP, DI, IP, RS, CB, RJ, __),
    "urge":       (OP, DI, IP, RS, CB, RJ, __),
}
# fmt: on
# `void` needs an event of the record to name, `attach` a file: tests/test_corrections.py
# and tests/test_attachments.py take them from every status
STEPS_ELSEWHERE = {"void", "attach"}

# Arguments that make each action valid in every respect but the status, so that a
# refusal can only come from the state machine. Every record below is minor,
# invalid (so that `reject` may decline it, a work order needs no approval and no
# dual callback is owed), held by 张三 and, once dispatched, with 工程部 (so 李工 may
# sign for it and resolve it, and 保安部 is a real redirection); it names a staff
# member verified as complained about (so that `review` may follow), and, unless
# closed, holds a clerk's reclassification waiting for approval (so that `approve`
# has something to grant). Each step is taken by a role the policy's permissions
# allow, and an extension or a reclassification giving more time by its approver.
ARGS: dict[str, tuple[str, ...]] = {
    "respond": ("--by", "张三", "--note", "已答复客户"),
    "dispatch": ("--by", "张三", "--to", "保安部"),
    "accept": ("--by", "李工"),
    "plan": ("--by", "陈主管", "--note", "明天处理"),
    "extend": ("--by", "赵经理", "--until", "2026-12-20T09:00:00+08:00"),
    "escalate": ("--by", "陈主管", "--to", "周经理", "--reason", "客户要求"),
    "resolve": ("--by", "李工", "--result", "已处理"),
    "callback": ("--by", "王主管", "--satisfaction", "satisfied"),
    "reopen": ("--by", "陈主管", "--reason", "客户再次来电"),
    "reject": ("--by", "陈主管", "--reason", "不属物业管理范围"),
    "close": ("--by", "张三"),
    "note": ("--by", "张三", "--text", "备注"),
    "reclassify": ("--by", "赵经理", "--severity", "major"),
    "reevaluate": ("--by", "赵经理", "--reason", "按新制度计时"),
    "approve": ("--by", "赵经理"),
    "decide": ("--by", "周经理", "--note", "按规定处理"),
    "track": ("--by", "陈主管", "--person", "陈主管"),
    "promise": ("--by", "张三", "--call-by", "2026-11-29T10:00:00+08:00"),
    "review": ("--by", "赵经理", "--outcome", "提醒一次"),
    "correct": ("--by", "张三", "--unit", "3-1503", "--reason", "门牌听错了"),
    "urge": ("--by", "张三", "--note", "客户催单"),
}

VERIFIED = ("reclassify", "--by", "陈主管", "--staff-verified", "yes")
WAITING = ("reclassify", "--by", "张三", "--severity", "important")  # a request

# How each status is reached through the CLI, step by step.
PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "open": (VERIFIED, WAITING),
    "dispatched": (VERIFIED, ("dispatch", "--by", "张三", "--to", "工程部"), WAITING),
    "in_progress": (
        VERIFIED,
        ("dispatch", "--by", "张三", "--to", "工程部"),
        ("accept", "--by", "李工"),
        WAITING,
    ),
    "resolved": (VERIFIED, ("resolve", "--by", "张三", "--result", "已处理"), WAITING),
    "called_back": (
        VERIFIED,
        ("resolve", "--by", "张三", "--result", "已处理"),
        # not 王主管, who calls back in ARGS: one person's callback counts once a round
        ("callback", "--by", "钱主任", "--satisfaction", "neutral"),
        WAITING,
    ),
    "rejected": (VERIFIED, ("reject", "--by", "陈主管", "--reason", "不属物业管理范围"), WAITING),
    "closed": (
        VERIFIED,
        ("resolve", "--by", "张三", "--result", "已处理"),
        ("callback", "--by", "王主管", "--satisfaction", "satisfied"),
        ("close", "--by", "张三"),
    ),
}

CASES = [(status, action) for action in TABLE for status in STATUSES]


def test_table_covers_every_action_and_agrees_with_the_code() -> None:
    assert set(TABLE) == set(ALLOWED_FROM) - STEPS_ELSEWHERE == set(ARGS)
    for action, row in TABLE.items():
        assert len(row) == len(STATUSES)
        allowed = {status for status, after in zip(STATUSES, row, strict=True) if after}
        assert allowed == ALLOWED_FROM[action], action


@pytest.fixture(scope="module")
def _registry_with_every_status(
    tmp_path_factory: pytest.TempPathFactory, _registry_template: Path
) -> tuple[Path, dict[str, str]]:
    """One registry holding one record in each status, built once through the CLI."""
    root = tmp_path_factory.mktemp("statuses") / "registry"
    shutil.copytree(_registry_template, root, symlinks=True)
    ids: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        isolate(tmp_path_factory, patch)
        registry = Reg(root)
        for status, path in PATHS.items():
            cid = registry.new(nature="invalid", summary=f"状态 {status}", staff_involved="刘保安")
            for action, *args in path:
                registry.ok(action, cid, *args)
            ids[status] = cid
        shown = {s: registry.ok("show", cid, "--format", "json").out for s, cid in ids.items()}
    for status, out in shown.items():
        assert f'"status": "{status}"' in out
    return root, ids


@pytest.fixture
def every_status(
    tmp_path: Path, _registry_with_every_status: tuple[Path, dict[str, str]]
) -> Iterator[tuple[Reg, dict[str, str]]]:
    template, ids = _registry_with_every_status
    root = tmp_path / "registry"
    shutil.copytree(template, root, symlinks=True)
    yield Reg(root), ids


def _events(text: bytes) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = YAML(typ="safe").load(text)["events"]
    return events


def _status_of(reg: Reg, cid: str) -> str:
    for line in reg.record(cid).read_text(encoding="utf-8").splitlines():
        if line.startswith("status: "):
            return line.removeprefix("status: ").strip()
    raise AssertionError(f"{cid} has no status line")


@pytest.mark.parametrize(("status", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_step_from_status(
    every_status: tuple[Reg, dict[str, str]], status: str, action: str
) -> None:
    reg, ids = every_status
    cid = ids[status]
    record = reg.record(cid)
    before_bytes = record.read_bytes()
    before_head = reg.head()
    before_status = reg.git("status", "--porcelain", "--untracked-files=all")
    assert before_status == ""
    count = reg.commit_count()

    result = reg.run(action, cid, *ARGS[action])
    expected = TABLE[action][STATUSES.index(status)]

    assert "Traceback" not in result.err, result
    if expected is not None:
        assert result.code == 0, result
        shown = expected.replace("_", " ")  # the status's label (`in progress`)
        assert result.out.startswith(f"{cid} {action} -> {shown} (commit "), result
        assert reg.commit_count() == count + 1
        assert reg.git("rev-parse", "HEAD~1").strip() == before_head
        changed = reg.git("show", "--name-only", "--format=", "HEAD").split()
        assert changed == [record.relative_to(reg.root).as_posix()]
        assert reg.git("status", "--porcelain", "--untracked-files=all") == ""
        assert _status_of(reg, cid) == expected
        # the history is only appended to
        old_events, new_events = _events(before_bytes), _events(record.read_bytes())
        assert new_events[:-1] == old_events
        assert (new_events[-1]["action"], new_events[-1]["by"]) == (action, ARGS[action][1])
    else:
        assert result.code == 4, result
        assert result.out == ""
        lines = result.err.splitlines()
        assert len(lines) == 1, result
        assert lines[0].startswith(f"cmplt: cannot {action} {cid}: "), result
        assert record.read_bytes() == before_bytes
        assert reg.git("status", "--porcelain", "--untracked-files=all") == before_status
        assert reg.head() == before_head
        assert reg.commit_count() == count
