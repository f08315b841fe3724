"""`cmplt improve`: improvement measures (改进措施) kept as YAML under improvements/,
each change one commit, like every step of a complaint.

The clock is frozen at 2026-11-28 09:00 +08:00 (tests/conftest.py), so a measure
recorded now gets an ID `M-261128-XXXX`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import PROBLEM, Reg, Result, T

MEASURE_ID = re.compile(r"^M-261128-[0-9A-HJKMNP-TV-Z]{4}$")


# --- helpers --------------------------------------------------------------------------


def add(
    reg: Reg,
    *extra: str,
    title: str = "3号楼电梯按钮更换",
    category: str = "repair",
    owner: str = "李工",
    due: str = "2026-12-31",
    by: str = "张三",
    now: str | None = None,
) -> Result:
    args = ["improve", "add", "--title", title, "--category", category, "--owner", owner]
    args += ["--due", due, "--by", by, *extra]
    return reg.run(*args, env={"CMPLT_NOW": now} if now else None)


def added(reg: Reg, *extra: str, now: str | None = None, **options: str) -> str:
    result = add(reg, *extra, now=now, **options)
    assert result.code == 0, result
    return result.out.splitlines()[0]


def path_of(reg: Reg, measure_id: str) -> Path:
    return reg.root / "improvements" / f"{measure_id}.yaml"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data


def last_commit(reg: Reg) -> tuple[str, list[str], list[str]]:
    """(author name, message lines, files touched) of HEAD."""
    author = reg.git("log", "-1", "--format=%an").strip()
    message = reg.git("log", "-1", "--format=%B").strip().splitlines()
    files = reg.git("show", "--name-only", "--format=", "HEAD").split()
    return author, message, files


def assert_refused(reg: Reg, result: Result, code: int, commits: int) -> None:
    """One line on stderr, nothing on stdout, nothing committed, nothing left over."""
    assert result.code == code, result
    assert result.out == "", result
    assert len(result.err.splitlines()) == 1 and result.err.startswith("cmplt: "), result
    assert reg.commit_count() == commits
    assert reg.git("status", "--porcelain") == ""


# --- improve add ------------------------------------------------------------------------


def test_add_prints_the_id_and_commits_only_its_file(reg: Reg) -> None:
    commits = reg.commit_count()
    result = add(reg, "--subject", "facilities", "--building", "3")
    assert (result.code, result.err) == (0, ""), result
    lines = result.out.splitlines()
    measure_id = lines[0]
    assert MEASURE_ID.match(measure_id), lines
    assert lines[1:] == [f"(commit {reg.head()[:10]})"]
    assert reg.commit_count() == commits + 1
    author, message, files = last_commit(reg)
    assert author == "张三"
    assert files == [f"improvements/{measure_id}.yaml"]
    assert message[0].startswith(f"{measure_id}: ")
    for trailer in (f"Measure-Id: {measure_id}", "Action: improve-add", "Actor: 张三"):
        assert trailer in message, message
    assert load(path_of(reg, measure_id)) == {
        "id": measure_id,
        "title": "3号楼电梯按钮更换",
        "scope": {"category": "repair", "subject": "facilities", "building": "3"},
        "owner": "李工",
        "due": "2026-12-31",
        "status": "open",
        "created_at": "2026-11-28T09:00:00+08:00",
        "created_by": "张三",
    }
    assert reg.git("status", "--porcelain") == ""
    assert reg.ok("validate", "-q").out == ""


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"category": "plumbing"}, "--category"),
        ({"subject": "mood"}, "--subject"),
        ({"owner": "无名氏"}, "--owner"),
        ({"by": "无名氏"}, "--by"),
        ({"due": "2026-11-27"}, "--due"),  # yesterday
        ({"due": "2026-11-31"}, "--due"),
        ({"due": "next week"}, "--due"),
        ({"title": "   "}, "--title"),
        ({"building": "  "}, "--building"),
    ],
    ids=[
        "unknown-category",
        "unknown-subject",
        "owner-not-on-roster",
        "by-not-on-roster",
        "due-past",
        "due-no-such-day",
        "due-not-a-date",
        "empty-title",
        "empty-building",
    ],
)
def test_add_refuses_bad_input_and_writes_nothing(
    reg: Reg, options: dict[str, str], message: str
) -> None:
    commits = reg.commit_count()
    extra: list[str] = []
    for key in ("subject", "building"):
        if key in options:
            extra += [f"--{key}", options.pop(key)]
    result = add(reg, *extra, **options)
    assert_refused(reg, result, 2, commits)
    assert message in result.err
    assert not (reg.root / "improvements").exists() or not any(
        (reg.root / "improvements").iterdir()
    )


# --- improve done -----------------------------------------------------------------------


def test_done_by_a_lowercase_prefix_records_how_and_when(reg: Reg) -> None:
    measure_id = added(reg)
    path = path_of(reg, measure_id)
    before = path.read_text(encoding="utf-8").splitlines()
    commits = reg.commit_count()
    result = reg.run(
        "improve", "done", measure_id.lower()[:8], "--note", "已全部更换", "--by", "王主管",
        "--at", T("11-28 10:00"), env={"CMPLT_NOW": T("11-28 12:00")},
    )  # fmt: skip
    assert (result.code, result.err) == (0, ""), result
    assert result.out == f"{measure_id} done (commit {reg.head()[:10]})\n"
    assert reg.commit_count() == commits + 1
    author, message, files = last_commit(reg)
    assert (author, files) == ("王主管", [f"improvements/{measure_id}.yaml"])
    for trailer in (f"Measure-Id: {measure_id}", "Action: improve-done", "Actor: 王主管"):
        assert trailer in message, message
    after = path.read_text(encoding="utf-8").splitlines()
    # only what changed is written: the status, and the four new fields
    assert [line for line in before if line not in after] == ["status: open"]
    assert [line for line in after if line not in before] == [
        "status: done",
        "done_at: '2026-11-28T10:00:00+08:00'",
        "done_by: 王主管",
        "done_recorded_at: '2026-11-28T12:00:00+08:00'",
        "note: 已全部更换",
    ]
    assert reg.git("status", "--porcelain") == ""

    again = reg.run("improve", "done", measure_id, "--note", "再次", "--by", "王主管")
    assert_refused(reg, again, 4, commits + 1)
    assert path.read_text(encoding="utf-8").splitlines() == after


def test_done_needs_an_id_that_names_one_measure(reg: Reg) -> None:
    first = added(reg, title="电梯按钮")
    second = added(reg, title="门禁维修")
    assert first != second
    commits = reg.commit_count()
    ambiguous = reg.run("improve", "done", "M-261128", "--note", "x", "--by", "王主管")
    assert_refused(reg, ambiguous, 3, commits)
    unknown = reg.run("improve", "done", "M-991231-ZZZZ", "--note", "x", "--by", "王主管")
    assert_refused(reg, unknown, 3, commits)
    empty = reg.run("improve", "done", first, "--note", "  ", "--by", "王主管")
    assert_refused(reg, empty, 2, commits)
    stranger = reg.run("improve", "done", first, "--note", "x", "--by", "无名氏")
    assert_refused(reg, stranger, 2, commits)


def test_done_before_the_measure_was_recorded_is_refused(reg: Reg) -> None:
    measure_id = added(reg)
    text = path_of(reg, measure_id).read_bytes()
    commits = reg.commit_count()
    result = reg.run(
        "improve", "done", measure_id, "--note", "x", "--by", "王主管", "--at", T("11-28 08:59")
    )
    assert_refused(reg, result, 4, commits)
    future = reg.run(
        "improve", "done", measure_id, "--note", "x", "--by", "王主管", "--at", T("11-28 10:00")
    )
    assert future.code != 0 and reg.commit_count() == commits, future
    assert path_of(reg, measure_id).read_bytes() == text


def test_done_refuses_a_file_with_uncommitted_hand_edits(reg: Reg) -> None:
    measure_id = added(reg)
    path = path_of(reg, measure_id)
    edited = path.read_text(encoding="utf-8").replace("3号楼电梯按钮更换", "3号楼全部电梯按钮更换")
    path.write_text(edited, encoding="utf-8")
    commits = reg.commit_count()
    result = reg.run("improve", "done", measure_id, "--note", "x", "--by", "王主管")
    assert result.code == 5, result
    assert (result.out, len(result.err.splitlines())) == ("", 1), result
    assert path.read_text(encoding="utf-8") == edited
    assert reg.commit_count() == commits


# --- improve list -----------------------------------------------------------------------


def _three_measures(reg: Reg) -> dict[str, str]:
    overdue = added(
        reg, title="保洁巡查", category="cleaning", due="2026-11-15", now=T("11-01 09:00")
    )
    done = added(reg, title="门禁维修", category="security", due="2026-11-20", now=T("11-02 09:00"))
    reg.ok(
        "improve",
        "done",
        done,
        "--note",
        "已修好",
        "--by",
        "李工",
        env={"CMPLT_NOW": T("11-10 09:00")},
    )
    open_ = added(reg, "--building", "3")
    return {"overdue": overdue, "done": done, "open": open_}


def test_list_shows_each_measure_with_its_status(reg: Reg) -> None:
    ids = _three_measures(reg)
    rows = json.loads(reg.ok("improve", "list", "--format", "json").out)
    assert [(row["id"], row["status"]) for row in rows] == [
        (ids["overdue"], "overdue"),  # open, past its due date
        (ids["done"], "done"),  # done, though past its due date now
        (ids["open"], "open"),
    ]
    by_id = {row["id"]: row for row in rows}
    assert by_id[ids["open"]]["scope"] == {"category": "repair", "building": "3"}
    assert by_id[ids["done"]]["note"] == "已修好"
    assert by_id[ids["done"]]["done_at"] == T("11-10 09:00")

    def listed(*args: str, now: str | None = None) -> list[str]:
        out = reg.ok(
            "improve", "list", "--format", "json", *args, env={"CMPLT_NOW": now} if now else None
        ).out
        return [row["id"] for row in json.loads(out)]

    assert listed("--status", "overdue") == [ids["overdue"]]
    assert listed("--status", "open", "--status", "done") == [ids["done"], ids["open"]]
    # before its due date it was not overdue yet
    assert listed("--status", "overdue", now=T("11-15 09:00")) == []
    assert reg.run("improve", "list", "--status", "late").code == 2

    table = reg.ok("improve", "list").out
    assert all(measure_id in table for measure_id in ids.values())
    assert "overdue" in table

    text = reg.ok("improve", "list", "--format", "csv").out
    records = list(csv.DictReader(io.StringIO(text)))
    assert [(r["id"], r["status"], r["due"], r["owner"]) for r in records] == [
        (ids["overdue"], "overdue", "2026-11-15", "李工"),
        (ids["done"], "done", "2026-11-20", "李工"),
        (ids["open"], "open", "2026-12-31", "李工"),
    ]
    # a spreadsheet cell, not a Python dict's repr
    assert records[2]["scope"] in {
        "category=repair, building=3",
        json.dumps({"category": "repair", "building": "3"}, ensure_ascii=False),
    }, records[2]["scope"]


def test_list_reports_a_broken_file_and_lists_the_others(reg: Reg) -> None:
    good = added(reg)
    broken = reg.root / "improvements" / "M-261128-ZZZZ.yaml"
    broken.write_text("id: M-261128-ZZZZ\ntitle: [unclosed\n", encoding="utf-8")
    result = reg.run("improve", "list", "--format", "json")
    assert result.code == 1, result
    assert [row["id"] for row in json.loads(result.out)] == [good]
    [line] = result.err.splitlines()
    assert line.startswith("cmplt: improvements/M-261128-ZZZZ.yaml"), line


# --- cmplt validate ---------------------------------------------------------------------

GOOD = """\
id: {id}
title: 巡检
scope:
  category: {category}
owner: {owner}
due: '2026-12-31'
status: {status}
created_at: '2026-11-28T09:00:00+08:00'
created_by: 张三
"""


def test_validate_reports_measure_problems_at_their_line(reg: Reg) -> None:
    added(reg)  # one written by cmplt: sound
    assert reg.ok("validate", "-q").out == ""
    folder = reg.root / "improvements"
    files = {
        "M-261128-AAAA": GOOD.format(
            id="M-261128-AAAA", category="plumbing", owner="李工", status="open"
        ),
        "M-261128-BBBB": GOOD.format(
            id="M-261128-BBBB", category="repair", owner="无名氏", status="open"
        ),
        "M-261128-CCCC": GOOD.format(
            id="M-261128-DDDD", category="repair", owner="李工", status="open"
        ),
        "M-261128-EEEE": GOOD.format(
            id="M-261128-EEEE", category="repair", owner="李工", status="done"
        ),
    }
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    result = reg.run("validate")
    assert result.code == 1, result
    problems = {}
    for text in result.out.splitlines():
        match = PROBLEM.match(text)
        assert match, text
        problems[match["path"]] = (int(match["line"]), match["field"], match["msg"])
    assert set(problems) == {f"improvements/{name}.yaml" for name in files}

    def line_of(name: str, needle: str) -> int:
        lines = files[name].splitlines()
        return next(i for i, line in enumerate(lines, 1) if needle in line)

    line, field, message = problems["improvements/M-261128-AAAA.yaml"]
    assert (line, field) == (line_of("M-261128-AAAA", "category:"), "scope.category"), message
    assert "plumbing" in message
    line, field, message = problems["improvements/M-261128-BBBB.yaml"]
    assert (line, field) == (line_of("M-261128-BBBB", "owner:"), "owner")
    assert "无名氏" in message
    line, field, message = problems["improvements/M-261128-CCCC.yaml"]
    assert (line, field) == (line_of("M-261128-CCCC", "id:"), "id")
    assert "file name" in message
    line, field, message = problems["improvements/M-261128-EEEE.yaml"]
    assert (line, field) == (line_of("M-261128-EEEE", "status:"), "status"), message
    assert "done_at" in message

    # and on the files given, as a pre-commit hook passes them
    given = reg.run("validate", "improvements/M-261128-BBBB.yaml")
    assert given.code == 1, given
    assert [PROBLEM.match(t)["path"] for t in given.out.splitlines()] == [  # type: ignore[index]
        "improvements/M-261128-BBBB.yaml"
    ]
