"""`cmplt report` and `cmplt improve`: what a review of the report found, each fix
read through the real CLI on a real git registry.

As in tests/test_report.py, every step is recorded when it happened unless a test
is about entries typed in late, and reports of November are run in December.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import (
    LATER,
    PROBLEM,
    Reg,
    T,
    age,
    assert_one_line_error,
    callback,
    new,
    november,
    reply,
    report,
    resolve,
    sla,
    step,
)

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


# --- helpers --------------------------------------------------------------------------


def measure(reg: Reg, now: str, *args: str, title: str = "维修回访") -> str:
    """`improve add` (category repair, owner 李工, due at the end of the year) at `now`."""
    result = reg.ok(
        "improve", "add", "--by", "张三", "--owner", "李工", "--title", title,
        "--category", "repair", "--due", "2026-12-31", *args, env={"CMPLT_NOW": now},
    )  # fmt: skip
    return result.out.splitlines()[0]


def done(reg: Reg, measure_id: str, at: str, recorded: str) -> None:
    """`improve done --at AT`, typed in at `recorded`."""
    reg.ok(
        "improve", "done", measure_id, "--note", "已完成", "--by", "李工", "--at", at,
        env={"CMPLT_NOW": recorded},
    )  # fmt: skip


def commit_policy(reg: Reg, edits: dict[str, str], when: str) -> None:
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


def commit_all(reg: Reg, message: str) -> None:
    reg.git("add", "-A")
    reg.git("commit", "-qm", message)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def md_table(md: str, header_start: str) -> list[str]:
    """The lines of the markdown table whose header begins with `header_start`."""
    lines = md.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    table = []
    for line in lines[at:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


# --- 1. a measure's completion typed in late ------------------------------------------


def test_a_measure_done_earlier_but_typed_in_later_is_open_in_a_report_of_before(
    reg: Reg,
) -> None:
    new(reg, T("11-05 09:00"), nature="request")
    measure_id = measure(reg, T("11-02 09:00"))
    # done on 11-10, but only typed in on 12-05
    done(reg, measure_id, T("11-10 09:00"), recorded=T("12-05 09:00"))
    saved = YAML(typ="safe").load(
        (reg.root / "improvements" / f"{measure_id}.yaml").read_text(encoding="utf-8")
    )
    assert (saved["done_at"], saved["done_recorded_at"]) == (T("11-10 09:00"), T("12-05 09:00"))

    as_it_stood = by_id(november(reg)["measures"])[measure_id]  # as of 12-01
    assert (as_it_stood["status"], as_it_stood["done_at"]) == ("open", None)
    assert (as_it_stood["after"], as_it_stood["note"]) == (None, None)
    known = by_id(november(reg, "--as-of", T("12-05 09:00"))["measures"])[measure_id]
    assert (known["status"], known["done_at"], known["note"]) == (
        "done",
        T("11-10 09:00"),
        "已完成",
    )


# --- 2. a policy changed after the period ---------------------------------------------


def test_a_policy_changed_after_the_period_does_not_rewrite_its_report(reg: Reg) -> None:
    for day, unit in (("11-10", "12-0101"), ("12-02", "12-0202")):
        cid = new(reg, T(f"{day} 09:00"), nature="request", unit=unit)
        resolve(reg, T(f"{day} 10:00"), cid)
        callback(reg, T(f"{day} 12:00"), cid, "王主管")
    measure_id = measure(reg, T("11-12 09:00"))
    commit_policy(
        reg,
        {
            r"^    supervisor: 95.*$": "    supervisor: 40",
            r"^  building_pattern: .*$": "  building_pattern: '^(.)'",
            r"^  measure_window: .*$": "  measure_window: 30d",
        },
        T("12-05 09:00"),
    )

    def read(data: dict[str, Any]) -> tuple[float, list[str], int]:
        rates = {r["role"]: r["required"] for r in data["callbacks"]["rates"]}
        buildings = [row["key"] for row in data["volume"]["building"]]
        return rates["supervisor"], buildings, by_id(data["measures"])[measure_id]["window_days"]

    now = T("12-10 09:00")
    assert read(november(reg, now=now)) == (95.0, ["12"], 90)
    assert read(report(reg, "--period", "2026-12", now=now)) == (40.0, ["1"], 30)
    md = reg.ok("report", "--period", "2026-11", env={"CMPLT_NOW": now}).out
    assert "| 12 | 1 |" in md.splitlines()


# --- 3. a dissatisfied callback of last month typed in this month ----------------------


def test_a_late_dissatisfied_callback_shows_in_the_month_it_was_typed_in(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    step(
        reg, T("11-21 10:00"), "callback", cid, "王主管", "--satisfaction", "dissatisfied",
        recorded=T("12-02 09:00"),
    )  # fmt: skip
    assert november(reg)["callbacks"]["dissatisfied"] == []
    december = report(reg, "--period", "2026-12")["callbacks"]["dissatisfied"]
    assert [(d["id"], d["at"], d["by"], d["recorded_late"]) for d in december] == [
        (cid, T("11-21 10:00"), "王主管", T("12-02 09:00"))
    ]
    md = reg.ok("report", "--period", "2026-12", env={"CMPLT_NOW": LATER}).out
    rows = [line for line in md.splitlines() if line.startswith("|") and cid in line]
    assert len(rows) == 1, md
    assert "2026-12-02 09:00" in rows[0]
    assert "2026-11-21 10:00" in rows[0]


# --- 4. dates a report cannot hold ----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "0001-01"],
        ["--period", "9999-12"],
        ["--from", "0001-01-01", "--to", "9999-12-31"],
        ["--from", "0001-01-01", "--to", "0001-01-02", "--compare", "previous"],
        ["--from", "2000-01-01", "--to", "2030-01-01"],
    ],
    ids=lambda args: " ".join(args),
)
def test_dates_out_of_range_are_one_line_and_exit_2(reg: Reg, args: list[str]) -> None:
    result = reg.run("report", "--format", "json", *args, env={"CMPLT_NOW": LATER})
    assert_one_line_error(result)


# --- 5. an unreadable record's message in each run's language --------------------------


def test_an_unreadable_records_message_follows_the_language_of_each_run(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    reply(reg, T("11-20 10:00"), cid)
    path = reg.record(cid)
    # the reply now comes before the receipt
    text = path.read_text(encoding="utf-8")
    edited = text.replace("at: '2026-11-20T10:00:00+08:00'", "at: '2026-11-19T10:00:00+08:00'")
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    commit_all(reg, "hand edit")
    age(reg)  # old enough to be cached

    def message(lang: str) -> str:
        result = reg.run(
            "--lang", lang, "report", "--period", "2026-11", "--format", "json",
            env={"CMPLT_NOW": LATER},
        )  # fmt: skip
        assert result.code == 0, result
        unreadable = json.loads(result.out)["unreadable"]
        assert [u["path"] for u in unreadable] == [path.relative_to(reg.root).as_posix()]
        text: str = unreadable[0]["message"]
        return text

    assert CJK.search(message("zh-CN"))
    english = message("en")
    assert english and not CJK.search(english), english
    assert CJK.search(message("zh-CN"))


# --- 6. CSV for a spreadsheet ---------------------------------------------------------

OVERVIEW_KEYS = [
    "received",
    "received_previous",
    "sla_percent",
    "called_back",
    "satisfaction_percent",
    "dual_callback_percent",
    "reopened",
    "declined",
]


def _csv_month(reg: Reg) -> None:
    new(reg, T("10-10 09:00"), nature="request", category="noise")
    new(reg, T("10-11 09:00"), nature="request", category="noise")
    both = new(reg, T("11-10 09:00"))  # valid-1: a dual callback
    reply(reg, T("11-10 10:00"), both)
    resolve(reg, T("11-10 12:00"), both)
    callback(reg, T("11-11 10:00"), both, "钱主任")
    callback(reg, T("11-12 10:00"), both, "赵经理", "neutral")
    late = new(reg, T("11-11 09:00"), nature="request")
    reply(reg, T("11-11 12:00"), late)  # after 3 h: outside
    declined = new(reg, T("11-12 09:00"), nature="invalid")
    step(reg, T("11-12 10:00"), "reject", declined, "陈主管", "--reason", "=HYPERLINK(1)")
    measure(reg, T("11-13 09:00"), title="@SUM(A1)")


def test_csv_long_overview_has_stable_keys_and_plain_numbers(reg: Reg) -> None:
    _csv_month(reg)
    args = ("report", "--period", "2026-11", "--format", "csv", "--compare", "previous")
    env = {"CMPLT_NOW": LATER}
    english = csv_rows(reg.ok("--lang", "en", *args, env=env).out)
    chinese = csv_rows(reg.ok("--lang", "zh-CN", *args, env=env).out)

    overview = {row[3]: row[7] for row in english[1:] if row[1] == "overview"}
    assert list(overview) == OVERVIEW_KEYS
    data = november(reg, "--compare", "previous")
    assert overview["received"] == "3"
    assert overview["received_previous"] == "2"
    decided = sum(c["decided"] for c in data["sla"]["all"])
    inside = sum(c["inside"] for c in data["sla"]["all"])
    assert 0 < inside < decided
    assert float(overview["sla_percent"]) == round(100 * inside / decided, 1)
    assert overview["satisfaction_percent"] == "0.0"  # called back: one, neutral
    assert overview["dual_callback_percent"] == "100.0"
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in overview.values()), overview

    # the same rows, keys and numbers in Chinese; only the labels differ
    def keys(rows: list[list[str]]) -> list[tuple[str, ...]]:
        return [(row[0], row[1], row[3], row[5]) for row in rows[1:]]

    def numbers(rows: list[list[str]]) -> dict[tuple[str, ...], str]:
        return {
            (row[1], row[3], row[5]): row[7]
            for row in rows[1:]
            if re.fullmatch(r"-?\d+(\.\d+)?", row[7])
        }

    assert keys(chinese) == keys(english)
    assert numbers(chinese) == numbers(english)
    assert [(row[3], row[7]) for row in chinese if row[1] == "overview"] == [
        (row[3], row[7]) for row in english if row[1] == "overview"
    ]
    assert [row[4] for row in chinese[1:]] != [row[4] for row in english[1:]]

    # the change in volume is a signed number: 3 repair now, 2 noise before
    change = {
        (row[1], row[3]): row[7] for row in english[1:] if row[5] == "change" and row[7] != ""
    }
    assert change["volume_by_category", "noise"] == "-2"
    assert change["volume_by_category", "repair"] == "3"
    assert all(re.fullmatch(r"-?\d+", value) for value in change.values()), change


def test_free_text_that_a_spreadsheet_would_run_is_quoted_in_csv_only(
    reg: Reg, tmp_path: Path
) -> None:
    _csv_month(reg)
    env = {"CMPLT_NOW": LATER}
    text = reg.ok("report", "--period", "2026-11", "--format", "csv", env=env).out
    cells = [cell for row in csv_rows(text) for cell in row]
    assert "'=HYPERLINK(1)" in cells
    assert "'@SUM(A1)" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@")], "a formula escaped"
    assert not [cell for cell in cells if re.match(r"-\D", cell)], "a formula escaped"

    folder = tmp_path / "tables"
    reg.ok(
        "report", "--period", "2026-11", "--format", "csv", "--csv-layout", "tables",
        "-o", str(folder), env=env,
    )  # fmt: skip
    for path in folder.iterdir():
        for row in csv_rows(path.read_bytes().decode("utf-8-sig")):
            assert not [cell for cell in row if cell[:1] in ("=", "+", "@")], (path.name, row)

    data = november(reg)
    assert [group["reason"] for group in data["declined"]] == ["=HYPERLINK(1)"]
    assert [m["title"] for m in data["measures"]] == ["@SUM(A1)"]


# --- 7. an as-of moment in the future -------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2026-11", "--as-of", "2026-12-10T09:01:00+08:00"],
        ["--period", "this", "--as-of", "2026-12-11T09:00:00+08:00"],
    ],
    ids=["past-month", "this-month"],
)
def test_as_of_after_now_is_refused(reg: Reg, args: list[str]) -> None:
    new(reg, T("11-20 09:00"), nature="request")
    result = reg.run("report", *args, env={"CMPLT_NOW": T("12-10 09:00")})
    assert_one_line_error(result)


# --- 8. -o to a symlink or a FIFO -----------------------------------------------------


def test_output_through_a_symlink_writes_its_target(reg: Reg, tmp_path: Path) -> None:
    new(reg, T("11-20 09:00"), nature="request")
    env = {"CMPLT_NOW": LATER}
    shown = reg.ok("report", "--period", "2026-11", "--format", "json", env=env).out
    existing = tmp_path / "existing.json"
    existing.write_text("old", encoding="utf-8")
    existing.chmod(0o640)
    fresh = tmp_path / "fresh.json"  # not there yet
    old_umask = os.umask(0o077)
    try:
        for target in (existing, fresh):
            link = tmp_path / f"link-to-{target.name}"
            link.symlink_to(target)
            result = reg.run(
                "report", "--period", "2026-11", "--format", "json", "-o", str(link), env=env
            )
            assert (result.code, result.out, result.err) == (0, "", ""), result
            assert link.is_symlink(), "the symlink was replaced by a file"
            assert target.read_text(encoding="utf-8") == shown
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640, "the mode of the file it replaces"
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


def test_output_to_a_fifo_streams_the_report(reg: Reg, tmp_path: Path) -> None:
    new(reg, T("11-20 09:00"), nature="request")
    env = {"CMPLT_NOW": LATER}
    shown = reg.ok("report", "--period", "2026-11", "--format", "md", env=env).out
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    spare = tmp_path / "same.fifo"
    os.link(fifo, spare)  # to free the reader should the FIFO be replaced by a file
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:  # blocks until a writer opens it
            received.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = reg.run("report", "--period", "2026-11", "--format", "md", "-o", str(fifo), env=env)
    reader.join(timeout=10)
    if reader.is_alive():
        os.close(os.open(spare, os.O_WRONLY | os.O_NONBLOCK))  # end the reader: EOF
        reader.join(timeout=10)
    assert (result.code, result.out, result.err) == (0, "", ""), result
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a file"
    assert received == [shown.encode("utf-8")]


# --- 9. measures the validator rejects ------------------------------------------------

BAD_MEASURE = """\
id: {id}
title: 巡检
scope: {scope}
owner: 李工
due: '2026-12-31'
status: open
created_at: '2026-11-28T09:00:00+08:00'
created_by: 张三
"""


def test_measures_the_validator_rejects_are_not_used(reg: Reg) -> None:
    good = measure(reg, T("11-28 09:00"))
    folder = reg.root / "improvements"
    files = {
        "M-261128-AAAA.yaml": BAD_MEASURE.format(id="M-261128-AAAA", scope="{}"),
        "M-261128-BBBB.yaml": BAD_MEASURE.format(id="M-261128-BBBB", scope="{category: repair}")
        + "done_at: '2026-11-28T09:00:00+08:00'\n",
        "foo.yaml": BAD_MEASURE.format(id="M-261128-CCCC", scope="{category: repair}"),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    commit_all(reg, "hand-written measures")

    def line_of(name: str, key: str) -> int:
        lines = files[name].splitlines()
        return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{key}:"))

    checked = reg.run("validate")
    assert checked.code == 1, checked
    problems = {}
    for text in checked.out.splitlines():
        match = PROBLEM.match(text)
        assert match, text
        problems[match["path"]] = (int(match["line"]), match["field"])
    assert problems == {
        "improvements/M-261128-AAAA.yaml": (line_of("M-261128-AAAA.yaml", "scope"), "scope"),
        "improvements/M-261128-BBBB.yaml": (line_of("M-261128-BBBB.yaml", "done_at"), "done_at"),
        "improvements/foo.yaml": (line_of("foo.yaml", "id"), "id"),
    }

    listed = reg.run("improve", "list", "--format", "json")
    assert listed.code == 1, listed
    assert [row["id"] for row in json.loads(listed.out)] == [good]
    errors = listed.err.splitlines()
    assert len(errors) == 3, listed
    assert {line.split(":")[1].strip() for line in errors} == {
        f"improvements/{name}" for name in files
    }, errors
    assert all(line.startswith("cmplt: improvements/") for line in errors), errors

    data = november(reg)
    assert [m["id"] for m in data["measures"]] == [good]
    assert sorted(u["path"] for u in data["unreadable"]) == sorted(
        f"improvements/{name}" for name in files
    )


# --- 10. a measure's window before, in a young registry -------------------------------


def test_a_measures_window_before_starts_at_the_registrys_first_record(reg: Reg) -> None:
    new(reg, T("10-12 09:00"), nature="request")  # the registry's first record
    new(reg, T("10-25 09:00"), nature="request")
    measure_id = measure(reg, T("10-20 09:00"))
    done(reg, measure_id, T("11-01 09:00"), recorded=T("11-01 09:00"))
    for day in ("11-05", "11-10", "11-20"):
        new(reg, T(f"{day} 09:00"), nature="request")

    reading = by_id(november(reg)["measures"])[measure_id]
    assert (reading["window_days"], reading["before"], reading["before_days"]) == (90, 2, 20.0)
    assert (reading["after"], reading["after_days"]) == (3, 29.6)  # 11-01 09:00 to 12-01

    env = {"CMPLT_NOW": LATER}
    md = reg.ok("report", "--period", "2026-11", env=env).out
    [header, _rule, row] = md_table(md, "| ID |")
    assert "Per 30 days before" in header and "Per 30 days after" in header
    cells = [c.strip() for c in header.strip("|").split("|")]
    values = dict(zip(cells, [c.strip() for c in row.strip("|").split("|")], strict=True))
    assert (values["Per 30 days before"], values["Per 30 days after"]) == ("3.0", "3.0")

    rows = csv_rows(reg.ok("report", "--period", "2026-11", "--format", "csv", env=env).out)
    figure = {row[5]: row[7] for row in rows if row[1] == "measures" and row[3] == measure_id}
    assert float(figure["before_rate"]) == 3.0  # 2 in 20 days
    assert float(figure["after_rate"]) == pytest.approx(3.04, abs=0.005)  # 3 in 29.6 days


# --- 11. the policy's own names for roles ---------------------------------------------


def test_role_names_in_chinese_are_the_policys_own(reg: Reg) -> None:
    commit_policy(
        reg, {r"^  manager: 物业部经理$": "  manager: 物业经理（测试）"}, T("11-01 00:00")
    )
    cid = new(reg, T("11-10 09:00"), nature="request")
    resolve(reg, T("11-10 10:00"), cid)
    callback(reg, T("11-11 10:00"), cid, "赵经理")

    chinese = reg.ok(
        "--lang", "zh-CN", "report", "--period", "2026-11", env={"CMPLT_NOW": LATER}
    ).out
    assert "物业经理（测试）" in chinese
    assert "物业部经理" not in chinese
    assert any(line.startswith("| 物业经理（测试） |") for line in chinese.splitlines()), chinese
    # in English the catalog's name, not the policy's Chinese one
    english = reg.ok("--lang", "en", "report", "--period", "2026-11", env={"CMPLT_NOW": LATER}).out
    assert "物业经理（测试）" not in english
    assert any(line.startswith("| manager |") for line in english.splitlines()), english


# --- 12. a round superseded before its callback clock ran out --------------------------


def test_a_round_reopened_before_its_callback_was_due_is_not_a_miss(reg: Reg) -> None:
    # reopened within its callback window, resolved again, called back in time
    early = new(reg, T("11-10 09:00"), nature="request")
    resolve(reg, T("11-10 10:00"), early)  # callback due 11-13 10:00
    step(reg, T("11-11 09:00"), "reopen", early, "陈主管", "--reason", "又坏了")
    resolve(reg, T("11-11 12:00"), early)
    callback(reg, T("11-12 09:00"), early, "王主管")
    # the first round's callback ran out (11-13 10:00) before it was reopened
    late = new(reg, T("11-10 09:00"), nature="request", severity="important")
    resolve(reg, T("11-10 10:00"), late)
    step(reg, T("11-15 09:00"), "reopen", late, "陈主管", "--reason", "又坏了")
    resolve(reg, T("11-15 12:00"), late)
    callback(reg, T("11-16 09:00"), late, "王主管")

    by_severity = sla(november(reg)["sla"]["severity"])
    assert by_severity["minor", "callback"] == (1, 1)
    assert by_severity["important", "callback"] == (1, 2)


# --- 13. the trend's roles ------------------------------------------------------------


def test_the_trend_has_a_column_for_every_role_with_a_rate_in_any_month(reg: Reg) -> None:
    october = new(reg, T("10-05 09:00"), nature="request")
    resolve(reg, T("10-05 10:00"), october)
    callback(reg, T("10-06 09:00"), october, "陈主管")  # a cs_supervisor: no quota
    cid = new(reg, T("11-05 09:00"), nature="request")
    resolve(reg, T("11-05 10:00"), cid)
    callback(reg, T("11-06 09:00"), cid, "王主管")

    env = {"CMPLT_NOW": LATER}
    rows = csv_rows(reg.ok("report", "--period", "2026-11", "--format", "csv", env=env).out)
    trend = {(row[3], row[5]): row[7] for row in rows if row[1] == "trend"}
    assert trend["2026-10", "callback_cs_supervisor"] == "100.0"
    assert trend["2026-11", "callback_supervisor"] == "100.0"
    md = reg.ok("report", "--period", "2026-11", env=env).out
    [header] = [line for line in md.splitlines() if line.startswith("| Month |")]
    # the quota roles and the one that called back in October only
    assert header.count("Callback rate: ") == 4, header
    assert "Callback rate: customer service supervisor" in header
