"""`cmplt log ID`: a supervisor reads one complaint's life from git, step by step."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from wcwidth import wcswidth

from tests.conftest import Reg

STEP_KEYS = [
    "commit",
    "author",
    "email",
    "committed_at",
    "path",
    "action",
    "event",
    "at",
    "recorded_at",
    "by",
    "fields",
    "changes",
    "note",
]


@pytest.fixture(autouse=True)
def _trust_commands() -> None:
    """`audit` and `log`, until cmplt.cli registers them itself."""
    from cmplt.cli import cli
    from cmplt.cli.trust import COMMANDS

    for command in COMMANDS:
        if command.name not in cli.commands:
            cli.add_command(command)


def night_shift_complaint(reg: Reg) -> str:
    """Received at night, typed in at the morning handover, then handled."""
    cid = reg.new("--at", "2026-11-27 23:30", summary="3栋电梯按钮失灵")
    reg.ok("respond", cid, "--by", "张三", "--note", "已登记，工程部今天上门")
    # the cs supervisor sends a valid complaint's work order, approved at once (规程 4.3.1)
    reg.ok("dispatch", cid, "--by", "陈主管", "--to", "工程部")
    reg.ok("accept", cid, "--by", "李工")
    reg.ok("resolve", cid, "--by", "李工", "--result", "更换按钮面板")
    return cid


def log_json(reg: Reg, cid: str) -> dict[str, object]:
    result = reg.run("log", cid, "--format", "json")
    assert result.code == 0, result
    assert result.err == ""
    data: dict[str, object] = json.loads(result.out)
    return data


def steps(data: dict[str, object]) -> list[dict[str, object]]:
    found = data["steps"]
    assert isinstance(found, list)
    return found


def git_commit(reg: Reg, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-11-28T01:00:00+00:00"}
    env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"]
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=reg.root, env=env, check=True)


def test_every_step_in_order_with_when_who_and_what(reg: Reg) -> None:
    cid = night_shift_complaint(reg)
    data = log_json(reg, cid)
    assert data["id"] == cid
    assert data["path"] == f"complaints/2026/11/{cid}.yaml"
    assert data["summary"] == "3栋电梯按钮失灵"
    found = steps(data)
    assert [s["action"] for s in found] == ["received", "respond", "dispatch", "accept", "resolve"]
    received = found[0]
    # happened at night, recorded in the morning
    assert received["at"] == "2026-11-27T23:30:00+08:00"
    assert received["recorded_at"] == "2026-11-28T09:00:00+08:00"
    assert received["by"] == "张三"
    assert received["fields"] == {
        "nature": "valid-1",
        "severity": "minor",
        "subject": "facilities",
        "category": "repair",
    }
    assert found[1]["fields"] == {"note": "已登记，工程部今天上门"}
    assert found[1]["changes"] == []
    dispatch = found[2]
    # the cs supervisor's dispatch carries its own approval (规程 4.3.1)
    assert dispatch["fields"] == {
        "department": "工程部",
        "approved_by": "陈主管",
        "approver_role": "cs_supervisor",
    }
    assert {"field": "status", "from": "open", "to": "dispatched"} in dispatch["changes"]  # type: ignore[operator]
    assert {"field": "department", "from": None, "to": "工程部"} in dispatch["changes"]  # type: ignore[operator]
    assert found[3]["by"] == "李工"
    assert found[3]["author"] == "李工"
    assert found[4]["fields"] == {"result": "更换按钮面板"}
    # each step names its own commit, in the order they were made
    commits = reg.git("log", "--reverse", "--format=%H", "--", str(reg.record(cid))).split()
    assert [s["commit"] for s in found] == commits
    assert all(s["committed_at"] == "2026-11-28T09:00:00+08:00" for s in found)


def test_json_keys_are_stable(reg: Reg) -> None:
    cid = night_shift_complaint(reg)
    data = log_json(reg, cid)
    assert list(data) == ["id", "path", "summary", "steps"]
    for step in steps(data):
        assert list(step) == STEP_KEYS


def test_the_text_is_one_aligned_line_per_step(reg: Reg) -> None:
    cid = night_shift_complaint(reg)
    result = reg.run("log", cid[:9])  # a unique prefix is enough
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == f"{cid}  3栋电梯按钮失灵  (complaints/2026/11/{cid}.yaml)"
    header, _, *rows = lines[1:]
    assert header.split() == ["happened", "recorded", "who", "action", "commit", "what"]
    assert len(rows) == 5
    assert rows[0].startswith("2026-11-27 23:30  2026-11-28 09:00  张三")
    assert rows[1].endswith("note: 已登记，工程部今天上门")
    assert rows[2].endswith(
        "department: 工程部; approved by: 陈主管; approver role: customer service supervisor; "
        "status open -> dispatched; department (none) -> 工程部"
    )
    # Chinese names and text take two columns: the last column lines up on screen
    what_column = wcswidth(header[: header.index("what")])
    for row, step in zip(
        rows, ("received", "respond", "dispatch", "accept", "resolve"), strict=True
    ):
        sha = row.split()[6]
        assert row.split()[5] == step
        assert wcswidth(row[: row.index(sha) + len(sha)]) + 2 == what_column


def test_it_follows_the_record_across_a_move_to_another_folder(reg: Reg) -> None:
    cid = night_shift_complaint(reg)
    record = reg.record(cid)
    old_layout = reg.root / "complaints" / "2026" / f"{cid}.yaml"
    reg.git("mv", str(record), str(old_layout))
    git_commit(reg, "reshuffle: one folder a year")
    reg.git("mv", str(old_layout), str(record))
    git_commit(reg, "reshuffle: back to year/month")
    reg.ok("callback", cid, "--by", "王主管", "--satisfaction", "satisfied")
    found = steps(log_json(reg, cid))
    assert [s["action"] for s in found] == [
        "received",
        "respond",
        "dispatch",
        "accept",
        "resolve",
        "moved",
        "moved",
        "callback",
    ]
    assert found[5]["path"] == f"complaints/2026/{cid}.yaml"
    assert found[5]["note"] == f"moved from complaints/2026/11/{cid}.yaml"
    assert found[6]["path"] == f"complaints/2026/11/{cid}.yaml"
    assert found[0]["path"] == f"complaints/2026/11/{cid}.yaml"


def test_a_hand_edit_shows_what_it_changed(reg: Reg) -> None:
    cid = night_shift_complaint(reg)
    record = reg.record(cid)
    record.write_text(
        record.read_text(encoding="utf-8").replace("已登记，工程部今天上门", "已登记"),
        encoding="utf-8",
    )
    reg.git("add", str(record))
    git_commit(reg, "typo")
    last = steps(log_json(reg, cid))[-1]
    assert last["action"] == "edited"
    assert last["author"] == "Test Runner"
    assert last["by"] is None
    assert "edited: note 已登记，工程部今天上门 -> 已登记" in str(last["note"])


def test_an_unknown_complaint_is_exit_3(reg: Reg) -> None:
    result = reg.run("log", "261128-ZZZZZZ")
    assert result.code == 3
    assert result.err.startswith("cmplt: no complaint")
