"""What `cmplt report` writes and where: CSV a spreadsheet reads without running
anything, `-o` through a symlink or into a FIFO, and an unreadable record's message
in each run's language.

As in tests/test_report.py, every step is recorded when it happened, and reports of
November are run in December.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from pathlib import Path

from tests.conftest import (
    LATER,
    Reg,
    T,
    age,
    callback,
    commit_all,
    csv_rows,
    measure,
    new,
    november,
    reply,
    resolve,
    step,
)

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


# --- an unreadable record's message in each run's language ----------------------------


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


# --- CSV for a spreadsheet ------------------------------------------------------------


OVERVIEW_KEYS = [
    "received",
    "received_previous",
    "sla_percent",
    "called_back",
    "satisfaction_percent",
    "dual_callback_percent",
    "reopened",
    "urges",
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


# --- -o to a symlink or a FIFO --------------------------------------------------------


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
            assert (result.code, result.out) == (0, ""), result
            assert result.err == f"cmplt: wrote {link}\n"  # stdout is for reports
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
    assert (result.code, result.out, result.err) == (0, "", f"cmplt: wrote {fifo}\n"), result
    assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced by a file"
    assert received == [shown.encode("utf-8")]
