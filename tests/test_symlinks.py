"""Symlinks (issue #10, item 7): cmplt never writes through or over a symbolic link
inside the registry, and never reads a record through one without saying so.

A record file replaced by a link, or a month folder that is a link (perhaps to a
folder outside the registry), is refused with one line before anything is
written; `validate` reports such a link as a finding on `(file)`, and `check`
and `list` report the record instead of reading it through the link.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import NOW, PROBLEM, Reg, commit_all
from tests.test_bounds import refused, state


def outside_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_step_on_a_record_replaced_by_a_link_is_refused(reg: Reg, tmp_path: Path) -> None:
    cid = reg.new()
    path = reg.record(cid)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / path.name
    shutil.copy(path, target)
    path.unlink()
    path.symlink_to(target)
    commit_all(reg, "the record is now a link")
    before = outside_files(elsewhere)
    result = refused(reg, "note", cid, "--by", "张三", "--text", "再次联系")
    assert "symbolic link" in result.err and cid in result.err
    assert outside_files(elsewhere) == before
    assert path.is_symlink()


def test_new_into_a_month_folder_that_is_a_link_writes_nothing_outside(
    reg: Reg, tmp_path: Path
) -> None:
    reg.new()  # complaints/2026/11 exists
    month = reg.root / "complaints" / "2026" / "11"
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(month, elsewhere)
    shutil.rmtree(month)
    month.symlink_to(elsewhere, target_is_directory=True)
    commit_all(reg, "the month is now a link")
    before = outside_files(elsewhere)
    result = refused(
        reg, "new", "--by", "张三", "--channel", "phone", "--customer", "李女士",
        "--unit", "5-0301", "--phone", "13900139000", "--severity", "minor",
        "--nature", "valid-1", "--subject", "facilities", "--category", "repair",
        "--summary", "楼道灯不亮",
    )  # fmt: skip
    assert "complaints/2026/11 is a symbolic link" in result.err
    assert outside_files(elsewhere) == before


def test_a_year_folder_that_is_a_link_is_refused_too(reg: Reg, tmp_path: Path) -> None:
    cid = reg.new()
    year = reg.root / "complaints" / "2026"
    elsewhere = tmp_path / "year"
    shutil.copytree(year, elsewhere)
    shutil.rmtree(year)
    year.symlink_to(elsewhere, target_is_directory=True)
    commit_all(reg, "the year is now a link")
    before = outside_files(elsewhere)
    result = refused(reg, "resolve", cid, "--by", "张三", "--result", "已修好")
    assert "complaints/2026 is a symbolic link" in result.err
    assert outside_files(elsewhere) == before


def test_a_roster_that_is_a_link_is_not_written_through(reg: Reg, tmp_path: Path) -> None:
    roster = reg.root / "staff.yaml"
    target = tmp_path / "staff.yaml"
    shutil.copy(roster, target)
    roster.unlink()
    roster.symlink_to(target)
    commit_all(reg, "the roster is now a link")
    before = target.read_bytes()
    # by a manager, who may change the roster (policy permissions: staff)
    result = refused(reg, "staff", "add", "新人", "--role", "clerk", "--by", "赵经理")
    assert "symbolic link" in result.err
    assert target.read_bytes() == before


def _link_a_record(reg: Reg, tmp_path: Path) -> tuple[str, str]:
    """Two records; the second replaced by a link to a copy outside. (kept, linked)"""
    kept = reg.new()
    linked = reg.new(unit="5-0301")
    path = reg.record(linked)
    target = tmp_path / path.name
    shutil.copy(path, target)
    path.unlink()
    path.symlink_to(target)
    commit_all(reg, "a record is now a link")
    return kept, linked


def test_validate_reports_a_linked_record_file(reg: Reg, tmp_path: Path) -> None:
    _kept, linked = _link_a_record(reg, tmp_path)
    before = state(reg)
    result = reg.run("validate")
    assert result.code == 1, result
    found = [PROBLEM.match(line) for line in result.out.splitlines()]
    assert [(m["path"], m["field"]) for m in found if m] == [
        (f"complaints/2026/11/{linked}.yaml", "(file)")
    ]
    assert "symbolic link" in result.out
    assert state(reg) == before


def test_validate_reports_a_linked_folder_it_does_not_enter(reg: Reg, tmp_path: Path) -> None:
    reg.new()
    elsewhere = tmp_path / "december"
    elsewhere.mkdir()
    (reg.root / "complaints" / "2026" / "12").symlink_to(elsewhere, target_is_directory=True)
    commit_all(reg, "a month is a link")
    result = reg.run("validate")
    assert result.code == 1, result
    found = [PROBLEM.match(line) for line in result.out.splitlines()]
    assert [(m["path"], m["field"]) for m in found if m] == [("complaints/2026/12", "(file)")]


def test_list_skips_a_linked_record_and_says_so(reg: Reg, tmp_path: Path) -> None:
    kept, linked = _link_a_record(reg, tmp_path)
    before = state(reg)
    result = reg.run("list", "--format", "json")
    assert result.code == 6, result
    assert [row["id"] for row in json.loads(result.out)] == [kept]
    assert len(result.err.splitlines()) == 1 and result.err.startswith("cmplt: skipped")
    assert linked in result.err and "symbolic link" in result.err
    assert state(reg) == before


def test_check_reports_a_linked_record_as_a_finding(reg: Reg, tmp_path: Path) -> None:
    _kept, linked = _link_a_record(reg, tmp_path)
    before = state(reg)
    result = reg.run("check", "--as-of", NOW, "--format", "json")
    assert result.code == 1, result
    findings = json.loads(result.out)["findings"]
    broken = [f for f in findings if f["level"] == "error"]
    assert [f["path"] for f in broken] == [f"complaints/2026/11/{linked}.yaml"]
    assert "symbolic link" in broken[0]["message"]
    assert state(reg) == before


def test_show_of_a_linked_record_is_one_line(reg: Reg, tmp_path: Path) -> None:
    _kept, linked = _link_a_record(reg, tmp_path)
    result = refused(reg, "show", linked, code=6)
    assert "symbolic link" in result.err
