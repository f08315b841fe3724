"""`cmplt schema`: the registry's file format as JSON Schema, for tools other than cmplt.

An IT person wires the schema into an editor or a CI job; these tests run the
real `check-jsonschema` over the example registry and over files cmplt wrote
(every one passes) and over copies broken by hand (each is rejected).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from cmplt import schema as schema_module
from cmplt.cli.trust_files import schema as schema_command
from cmplt.model import CLASSIFICATION_FIELDS
from tests.conftest import Reg, run_cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "registry"
KINDS = ("record", "policy", "roster")


def check_jsonschema() -> Path:
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        found = shutil.which("check-jsonschema")
        assert found, "check-jsonschema is not installed: pip install -e '.[test]'"
        tool = Path(found)
    return tool


def schema_file(tmp_path: Path, kind: str) -> Path:
    """The schema as a user gets it: `cmplt schema KIND > KIND.json`."""
    result = CliRunner().invoke(schema_command, [kind])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{kind}.json"
    path.write_text(result.output, encoding="utf-8")
    return path


def run_checker(schema: Path, files: list[Path], cwd: Path) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [str(check_jsonschema()), "--schemafile", str(schema), "-o", "json", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def records_of(root: Path) -> list[Path]:
    return sorted((root / "complaints").glob("*/*/*.yaml"))


# --- the schema itself ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_schema_is_draft_2020_12(kind: str) -> None:
    result = CliRunner().invoke(schema_command, [kind])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(data)


def test_record_is_the_default_kind() -> None:
    assert CliRunner().invoke(schema_command, []).output == schema_module.schema_text("record")


def test_cmplt_schema_prints_it(tmp_path: Path) -> None:
    result = run_cli("schema", "policy", cwd=tmp_path)
    assert result.code == 0
    assert json.loads(result.out)["title"] == "cmplt policy (cmplt.yaml)"


def test_durations_and_dates_are_written_as_in_our_files() -> None:
    policy = schema_module.json_schema("policy")
    clocks = policy["$defs"]["Clocks"]["properties"]
    assert clocks["first_reply"]["default"] == "2h"
    assert "format" not in clocks["first_reply"]  # not ISO 8601's PT2H
    assert policy["properties"]["clocks"]["default"]["resolve"]["major"] == "10d"
    record = schema_module.json_schema("record")
    assert record["properties"]["received_at"]["format"] == "date-time"
    reclassify = record["$defs"]["Reclassify"]["properties"]["to"]["properties"]
    assert tuple(reclassify) == CLASSIFICATION_FIELDS


# --- check-jsonschema over good files --------------------------------------------------------


def test_the_example_registry_passes_check_jsonschema(tmp_path: Path) -> None:
    for kind, files in (
        ("record", records_of(EXAMPLES)),
        ("policy", [EXAMPLES / "cmplt.yaml"]),
        ("roster", [EXAMPLES / "staff.yaml"]),
    ):
        assert files
        code, report = run_checker(schema_file(tmp_path, kind), files, EXAMPLES)
        assert code == 0, (kind, report["errors"][:5])


def test_every_kind_of_step_cmplt_writes_passes(reg: Reg, tmp_path: Path) -> None:
    a = reg.new("--urgent", "--economic-loss", "--responsible", "property")
    # issue 11: requested steps (a clerk's dispatch, extension and reclassification) and
    # the approvals that grant them, an approver's own extension, and the new steps
    for args in (
        ("respond", a, "--by", "张三", "--note", "已登记"),
        ("dispatch", a, "--by", "张三", "--to", "工程部", "--note", "工作联系单",
         "--person", "陈主管"),
        ("approve", a, "--by", "陈主管", "--note", "同意派单"),
        ("accept", a, "--by", "李工"),
        ("plan", a, "--by", "李工", "--note", "明天更换"),
        ("promise", a, "--by", "张三", "--call-by", "2026-11-28T17:00", "--note", "下午回电"),
        ("respond", a, "--by", "张三", "--note", "明天更换面板", "--definite"),
        ("extend", a, "--by", "张三", "--until", "2026-12-10T09:00"),
        ("approve", a, "--by", "赵经理"),
        ("extend", a, "--by", "赵经理", "--until", "2026-12-11T09:00", "--note", "等配件"),
        ("escalate", a, "--by", "张三", "--to", "陈主管", "--reason", "客户要求主管处理"),
        ("resolve", a, "--by", "李工", "--result", "已更换"),
        ("callback", a, "--by", "王主管", "--satisfaction", "dissatisfied", "--note", "仍有异响"),
        ("reopen", a, "--by", "王主管", "--reason", "客户不满意"),
        ("reclassify", a, "--by", "张三", "--severity", "important", "--staff-involved", "李工",
         "--staff-verified", "yes"),
        ("approve", a, "--by", "孙总"),
        ("decide", a, "--by", "周经理", "--note", "工程部负责到底"),
        ("track", a, "--by", "陈主管", "--person", "陈主管"),
        ("plan", a, "--by", "李工", "--note", "重新更换", "--definite"),
        ("review", a, "--by", "赵经理", "--outcome", "提醒一次"),
        ("reevaluate", a, "--by", "赵经理", "--reason", "按新制度"),
        ("note", a, "--by", "张三", "--text", "多行\n说明"),
    ):  # fmt: skip
        reg.ok(*args)
    b = reg.new("--deadline", "2026-11-29T18:00", "--happened-at", "2026-11-27T20:00")
    # by the manager, who approves a valid complaint made invalid (it drops the clocks)
    reg.ok("reclassify", b, "--by", "赵经理", "--nature", "invalid", "--reason", "不属物业")
    reg.ok("reject", b, "--by", "张三", "--reason", "已告知向街道反映")
    reg.ok("close", b, "--by", "张三")
    c = reg.new()
    reg.ok("resolve", c, "--by", "张三", "--result", "已修好")
    reg.ok("callback", c, "--by", "王主管", "--satisfaction", "satisfied")
    # the director's and manager's callbacks missing: the manager waives them
    reg.ok("close", c, "--by", "赵经理", "--waive", "客户出国，联系不上")
    code, report = run_checker(schema_file(tmp_path, "record"), records_of(reg.root), reg.root)
    assert code == 0, report["errors"]
    for kind, name in (("policy", "cmplt.yaml"), ("roster", "staff.yaml")):
        code, report = run_checker(schema_file(tmp_path, kind), [reg.root / name], reg.root)
        assert code == 0, report["errors"]


def test_policy_forms_cmplt_accepts_pass(tmp_path: Path) -> None:
    """Unquoted dates (check-jsonschema reads them as text), the calendar shorthand and
    every duration form that `times.parse_duration` reads."""
    policy = tmp_path / "cmplt.yaml"
    working_days = (
        "calendar:\n  kind: working-days\n  weekend: [5, 6]\n"
        "  holidays: [2026-10-01, '2026-10-02']\n  workdays: [2026-09-27]\n"
        "clocks:\n  first_reply: 90m\n  initial_plan: 1d12h\n  resolve: {minor: 2 d}\n"
    )
    schema = schema_file(tmp_path, "policy")
    for text in (working_days, "calendar: continuous\n", "version: 1\n"):
        policy.write_text(text, encoding="utf-8")
        code, report = run_checker(schema, [policy], tmp_path)
        assert code == 0, (text, report["errors"])
        registry = tmp_path / "reg"
        registry.mkdir(exist_ok=True)
        (registry / "cmplt.yaml").write_text(text, encoding="utf-8")
        assert run_cli("--registry", str(registry), "validate").code == 0, text


def test_an_empty_roster_passes(tmp_path: Path) -> None:
    roster = tmp_path / "staff.yaml"
    roster.write_text("staff:\n", encoding="utf-8")
    assert run_checker(schema_file(tmp_path, "roster"), [roster], tmp_path)[0] == 0


# --- check-jsonschema over broken copies -------------------------------------------------------

RECORD_BREAKS = {
    "missing-field": ("summary: ", "# summary removed: "),
    "bad-enum": ("severity: important", "severity: huge"),
    "bad-time": ("received_at: '2026-11-21T14:00:00+08:00'", "received_at: '2026-11-21 14:00'"),
    "time-without-offset": (
        "recorded_at: '2026-11-21T14:00:00+08:00'",
        "recorded_at: '2026-11-21T14:00:00'",
    ),
    "unknown-key": ("economic_loss: false\n", "economic_loss: false\ncolour: blue\n"),
    "wrong-event-action": ("action: dispatch", "action: dispatched"),
    "event-field-of-another-action": ("    note: 告知", "    result: 告知"),
    "bad-id": ("id: 261121-Y9PW18", "id: 261121-Y9PW1O"),
}
POLICY_BREAKS = {
    "iso-duration": ("first_reply: 2h", "first_reply: PT2H"),
    "words-duration": ("first_reply: 2h", "first_reply: 2 hours"),
    "bad-calendar": ("  kind: continuous", "  kind: lunar"),
    "unknown-key": ("language: zh-CN", "language: zh-CN\ncolour: blue"),
    "quota-over-100": ("supervisor: 95", "supervisor: 195"),
    "empty-channels": (
        "channels: [phone, visit, letter, fax, email, online]",
        "channels: []",
    ),
}
ROSTER_BREAKS = {
    "unknown-key": ("    role: director\n", "    role: director\n    rank: 3\n"),
    "missing-role": ("    role: director\n", ""),
}


@pytest.mark.parametrize(
    ("kind", "source", "breaks"),
    [
        ("record", "complaints/2026/11/261121-Y9PW18.yaml", RECORD_BREAKS),
        ("policy", "cmplt.yaml", POLICY_BREAKS),
        ("roster", "staff.yaml", ROSTER_BREAKS),
    ],
)
def test_each_broken_copy_is_rejected(
    tmp_path: Path, kind: str, source: str, breaks: dict[str, tuple[str, str]]
) -> None:
    original = (EXAMPLES / source).read_text(encoding="utf-8")
    copies = []
    for name, (old, new) in breaks.items():
        assert old in original, name
        copy = tmp_path / "broken" / f"{name}.yaml"
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(original.replace(old, new, 1), encoding="utf-8")
        copies.append(copy)
    code, report = run_checker(schema_file(tmp_path, kind), copies, tmp_path)
    assert code == 1
    rejected = {Path(error["filename"]).stem for error in report["errors"]}
    assert rejected == set(breaks), report["errors"]
    assert not report["parse_errors"]


def test_cmplt_validate_rejects_the_same_broken_records(reg: Reg, tmp_path: Path) -> None:
    """The schema and `cmplt validate` agree on what a broken record is."""
    registry = tmp_path / "copy"
    shutil.copytree(EXAMPLES, registry)
    target = registry / "complaints" / "2026" / "11" / "261121-Y9PW18.yaml"
    original = target.read_text(encoding="utf-8")
    for name, (old, new) in RECORD_BREAKS.items():
        target.write_text(original.replace(old, new, 1), encoding="utf-8")
        result = run_cli("--registry", str(registry), "validate")
        assert result.code == 1, name
        assert "261121-Y9PW18.yaml" in result.out, (name, result.out)
