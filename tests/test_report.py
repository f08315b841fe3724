"""`cmplt report`: the monthly statistics, read from small registries with figures
worked out by hand.

Every step is recorded when it happened (CMPLT_NOW = --at, see tests/conftest.py)
unless a test is about entries typed late. Reports of November are run "later"
(CMPLT_NOW in December), so that they stand as of the period's end, 12-01 00:00
+08:00, and are asserted through `--format json` (keys: report_render.report_data).
"""

from __future__ import annotations

import csv
import io
import json
import marshal
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    LATER,
    Reg,
    T,
    age,
    assert_one_line_error,
    callback,
    example_registry,
    move_receipt_an_hour_earlier,
    new,
    november,
    reply,
    report,
    resolve,
    sla,
    step,
)

NOV_END = T("12-01 00:00")
AFTER_NOV = T("12-03 00:00")  # an as-of moment past the end of November


# --- helpers --------------------------------------------------------------------------


def dispatch(reg: Reg, at: str, cid: str, department: str) -> None:
    # by the cs supervisor: a valid complaint's work order is approved at once (规程 4.3.1)
    step(reg, at, "dispatch", cid, "陈主管", "--to", department)


def counts(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int | None]]:
    """A volume table as {key: (count, previous)}."""
    return {row["key"]: (row["count"], row["previous"]) for row in rows}


def times(
    rows: list[dict[str, Any]],
) -> dict[str, tuple[int, int, int | None, int | None, int | None]]:
    """A time table as {group: (count, pending, median, p90, max)} in seconds."""
    return {
        row["group"]: (
            row["count"],
            row["pending"],
            row["median_seconds"],
            row["p90_seconds"],
            row["max_seconds"],
        )
        for row in rows
    }


def commit_report_policy(reg: Reg, key: str, value: str) -> None:
    """Set `report: KEY:` in cmplt.yaml and commit it (dated before every record)."""
    path = reg.root / "cmplt.yaml"
    text = path.read_text(encoding="utf-8")
    line = f"  {key}: {value}"
    if re.search(r"(?m)^report:", text) is None:
        text += f"\nreport:\n{line}\n"
    else:
        text, replaced = re.subn(rf"(?m)^  {key}:.*$", lambda _: line, text, count=1)
        if not replaced:
            text = re.sub(r"(?m)^report:.*$", lambda m: f"{m[0]}\n{line}", text, count=1)
    path.write_text(text, encoding="utf-8")
    when = "2026-01-01T00:00:00+08:00"
    subprocess.run(
        ["git", "commit", "-qm", "report policy", "--", "cmplt.yaml"],
        cwd=reg.root,
        env={**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        check=True,
    )


# --- the period -------------------------------------------------------------------------


def _around_november(reg: Reg) -> None:
    """Records either side of November's edges (in Asia/Shanghai, not UTC)."""
    for at in ("10-31 23:59", "11-01 00:00", "11-29 12:00", "11-30 23:59", "12-01 00:00"):
        new(reg, T(at), nature="request")
    new(reg, T("12-02 00:00"), nature="request")


def test_a_month_counts_the_records_received_in_it(reg: Reg) -> None:
    _around_november(reg)
    now = T("12-05 09:00")
    data = november(reg, now=now)
    assert data["period"] == {
        "label": "2026-11",
        "start": "2026-11-01T00:00:00+08:00",
        "end": "2026-12-01T00:00:00+08:00",
    }
    assert data["as_of"] == NOV_END, "a month that has ended is read as of its end"
    assert (data["received"], data["previous"], data["received_previous"]) == (3, None, None)
    assert data["volume"]["nature"] == [{"key": "request", "count": 3, "previous": None}]

    compared = november(reg, "--compare", "previous", now=now)
    assert compared["previous"] == {
        "label": "2026-10",
        "start": "2026-10-01T00:00:00+08:00",
        "end": "2026-11-01T00:00:00+08:00",
    }
    assert (compared["received"], compared["received_previous"]) == (3, 1)
    assert compared["volume"]["nature"] == [{"key": "request", "count": 3, "previous": 1}]


def test_this_and_last_month_follow_the_clock(reg: Reg) -> None:
    _around_november(reg)
    now = T("12-05 09:00")
    this = report(reg, "--period", "this", now=now)
    assert (this["period"]["label"], this["received"]) == ("2026-12", 2)
    assert this["as_of"] == now, "a month still running is read as of now"
    assert report(reg, now=now)["period"] == this["period"], "the default is this month"
    last = report(reg, "--period", "last", now=now)
    assert (last["period"]["label"], last["received"], last["as_of"]) == ("2026-11", 3, NOV_END)
    # in January, last month is December of the year before
    january = "2027-01-05T09:00:00+08:00"
    last = report(reg, "--period", "last", "--compare", "previous", now=january)
    assert (last["period"]["label"], last["received"]) == ("2026-12", 2)
    assert (last["previous"]["label"], last["received_previous"]) == ("2026-11", 3)
    this = report(reg, "--period", "2027-01", "--compare", "previous", now=january)
    assert (this["received"], this["previous"]["label"], this["received_previous"]) == (
        0,
        "2026-12",
        2,
    )


def test_from_to_includes_the_last_day_and_compares_with_as_many_days_before(
    reg: Reg,
) -> None:
    _around_november(reg)
    data = report(reg, "--from", "2026-11-30", "--to", "2026-12-01", "--compare", "previous")
    assert data["period"] == {
        "label": "2026-11-30..2026-12-01",
        "start": "2026-11-30T00:00:00+08:00",
        "end": "2026-12-02T00:00:00+08:00",
    }
    assert data["received"] == 2  # 11-30 23:59 and 12-01 00:00, not 12-02 00:00
    assert data["as_of"] == "2026-12-02T00:00:00+08:00"
    assert data["previous"] == {
        "label": "2026-11-28..2026-11-29",
        "start": "2026-11-28T00:00:00+08:00",
        "end": "2026-11-30T00:00:00+08:00",
    }
    assert data["received_previous"] == 1  # 11-29 12:00
    one_day = report(reg, "--from", "2026-12-01", "--to", "2026-12-01", "--compare", "previous")
    assert (one_day["received"], one_day["previous"]["label"]) == (1, "2026-11-30..2026-11-30")
    assert one_day["received_previous"] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2026-13"],
        ["--period", "2026-00"],
        ["--period", "nov"],
        ["--period", "2026-1"],
        ["--from", "2026-11-01"],
        ["--to", "2026-11-30"],
        ["--from", "2026-11-30", "--to", "2026-11-01"],
        ["--from", "2026-11-31", "--to", "2026-12-01"],
        ["--period", "2026-11", "--from", "2026-11-01", "--to", "2026-11-30"],
        ["--period", "2026-11", "--as-of", "2026-10-31T12:00:00+08:00"],
        ["--period", "2026-11", "--as-of", "soon"],
        ["--period", "2027-03"],  # a month that has not begun
        ["--compare", "next"],
        ["--format", "pdf"],
        ["--format", "md", "--csv-layout", "tables"],
        ["--format", "csv", "--csv-layout", "tables"],  # one file per table needs -o FOLDER
    ],
    ids=lambda args: " ".join(args),
)
def test_bad_options_are_one_line_and_exit_2(reg: Reg, tmp_path: Path, args: list[str]) -> None:
    new(reg, T("11-20 09:00"), nature="request")
    commits = reg.commit_count()
    out = tmp_path / "out"
    with_output = ["-o", str(out)] if "tables" not in args else []
    result = reg.run("report", *args, *with_output, env={"CMPLT_NOW": LATER})
    assert_one_line_error(result)
    assert not out.exists()
    assert reg.commit_count() == commits
    assert reg.git("status", "--porcelain") == ""


# --- as of the period's end, and the cache --------------------------------------------


def test_a_past_month_ignores_what_was_typed_after_it(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    # the supervisor called on 11-21 but typed it in on 12-02
    step(
        reg,
        T("11-21 10:00"),
        "callback",
        cid,
        "王主管",
        "--satisfaction",
        "satisfied",
        recorded=T("12-02 09:00"),
    )
    # a night call on 11-30, typed in at the morning handover
    new(reg, T("11-30 23:00"), nature="request", recorded=T("12-01 08:30"))

    at_the_time = november(reg, now=NOV_END)
    later = november(reg, now=LATER)
    assert later == at_the_time, "a report of a past month is reproducible"
    assert later["received"] == 1
    assert later["callbacks"]["satisfaction"]["called_back"] == 0
    supervisor = later["callbacks"]["rates"][0]
    assert (supervisor["role"], supervisor["called_back"], supervisor["handled"]) == (
        "supervisor",
        0,
        1,
    )
    assert sla(later["sla"]["all"])["all", "callback"] == (0, 1)

    # read as the registry stood on 12-03, both late entries count
    known = november(reg, "--as-of", AFTER_NOV)
    assert known["as_of"] == AFTER_NOV
    assert known["received"] == 2
    assert known["callbacks"]["satisfaction"]["called_back"] == 1
    assert known["callbacks"]["satisfaction"]["counts"]["satisfied"] == 1
    supervisor = known["callbacks"]["rates"][0]
    assert (supervisor["called_back"], supervisor["handled"], supervisor["percent"]) == (
        1,
        1,
        100.0,
    )
    assert sla(known["sla"]["all"])["all", "callback"] == (1, 1)


def test_a_report_twice_is_identical_and_a_same_size_edit_is_read_again(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    reply(reg, T("11-20 10:00"), cid)
    other = new(reg, T("11-21 09:00"), nature="request")
    reply(reg, T("11-21 10:00"), other)
    age(reg)  # old enough to be cached
    path = reg.record(cid)
    before = path.stat()
    args = ("report", "--period", "2026-11", "--format", "json")
    first = reg.run(*args, env={"CMPLT_NOW": LATER})
    assert first.code == 0, first
    cache = reg.root / ".git" / "cmplt-report.cache"
    assert set(marshal.loads(cache.read_bytes())["entries"]) == {
        f"complaints/2026/11/{cid}.yaml",
        f"complaints/2026/11/{other}.yaml",
    }
    second = reg.run(*args, env={"CMPLT_NOW": LATER})
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert json.loads(first.out)["reply_times"]["all"][0]["max_seconds"] == 3600

    # received an hour earlier: same size, and the old mtime put back
    move_receipt_an_hour_earlier(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    third = json.loads(reg.run(*args, env={"CMPLT_NOW": LATER}).out)
    assert times(third["reply_times"]["all"])["all"] == (2, 0, 3600, 7200, 7200), (
        "stale: the cached facts were used"
    )


# --- volume -----------------------------------------------------------------------------


def _volume_months(reg: Reg) -> None:
    """Four November records differing in every dimension, two in October, one in December."""
    r1 = new(reg, T("11-02 09:00"), nature="request", unit="3-1502")
    dispatch(reg, T("11-02 09:10"), r1, "工程部")
    r2 = new(
        reg,
        T("11-03 09:00"),
        nature="valid-2",
        severity="important",
        subject="quality",
        category="cleaning",
        channel="visit",
        unit="3-0801",
    )
    dispatch(reg, T("11-03 09:10"), r2, "工程部")
    new(reg, T("11-04 09:00"), unit="12-0101")  # valid-1, minor, facilities, repair, phone
    r4 = new(
        reg,
        T("11-05 09:00"),
        nature="invalid",
        severity="major",
        subject="attitude",
        category="security",
        channel="email",
        unit="A座",
    )
    dispatch(reg, T("11-05 09:10"), r4, "保安部")
    new(reg, T("10-10 09:00"), nature="request", category="noise", unit="3-1502")
    new(reg, T("10-11 09:00"), nature="request", channel="letter", unit="5-0101")
    new(reg, T("12-01 00:00"), nature="request", unit="9-0101")


def test_volume_by_every_dimension_against_the_previous_month(reg: Reg) -> None:
    _volume_months(reg)
    data = november(reg, "--compare", "previous")
    assert (data["received"], data["received_previous"]) == (4, 2)
    volume = data["volume"]
    assert list(volume) == [
        "nature",
        "severity",
        "subject",
        "category",
        "channel",
        "department",
        "building",
    ]
    assert counts(volume["nature"]) == {
        "request": (1, 2),
        "valid-1": (1, 0),
        "valid-2": (1, 0),
        "invalid": (1, 0),
    }
    assert counts(volume["severity"]) == {"minor": (2, 2), "important": (1, 0), "major": (1, 0)}
    assert counts(volume["subject"]) == {
        "facilities": (2, 2),
        "quality": (1, 0),
        "attitude": (1, 0),
    }
    assert counts(volume["category"]) == {
        "repair": (2, 1),
        "cleaning": (1, 0),
        "security": (1, 0),
        "noise": (0, 1),
    }
    # most first, then by key; what only the previous month had comes last
    assert [c["key"] for c in volume["category"]] == ["repair", "cleaning", "security", "noise"]
    assert counts(volume["channel"]) == {
        "phone": (2, 1),
        "visit": (1, 0),
        "email": (1, 0),
        "letter": (0, 1),
    }
    assert counts(volume["department"]) == {"工程部": (2, 0), "保安部": (1, 0), "-": (1, 2)}
    assert counts(volume["building"]) == {"3": (2, 1), "12": (1, 0), "A座": (1, 0), "5": (0, 1)}

    alone = november(reg)
    assert alone["volume"]["building"] == [
        {"key": "3", "count": 2, "previous": None},
        {"key": "12", "count": 1, "previous": None},
        {"key": "A座", "count": 1, "previous": None},
    ]


def test_the_policy_says_what_a_building_is(reg: Reg) -> None:
    _volume_months(reg)
    commit_report_policy(reg, "building_pattern", "'^(.)'")
    data = november(reg)
    assert counts(data["volume"]["building"]) == {"3": (2, None), "1": (1, None), "A": (1, None)}
    assert data["repeats"]["buildings"][0]["building"] == "3"


# --- times to reply and to resolve ------------------------------------------------------


def test_reply_and_result_times_median_p90_max_and_pending(reg: Reg) -> None:
    m1 = new(reg, T("11-02 09:00"), nature="request")
    dispatch(reg, T("11-02 09:10"), m1, "工程部")
    step(reg, T("11-02 09:20"), "accept", m1, "李工")
    reply(reg, T("11-02 10:00"), m1)  # 1 h
    resolve(reg, T("11-02 14:00"), m1, "李工")  # 5 h
    m2 = new(reg, T("11-03 09:00"), nature="request")
    reply(reg, T("11-03 11:00"), m2)  # 2 h
    resolve(reg, T("11-04 15:00"), m2)  # 30 h
    m3 = new(reg, T("11-04 09:00"), nature="request")
    reply(reg, T("11-04 12:00"), m3)  # 3 h, not resolved
    m4 = new(reg, T("11-05 09:00"), nature="request")
    dispatch(reg, T("11-05 09:10"), m4, "工程部")
    reply(reg, T("11-05 19:00"), m4)  # 10 h, not resolved
    new(reg, T("11-06 09:00"), nature="request")  # nothing yet
    i1 = new(reg, T("11-07 09:00"), nature="request", severity="important")
    reply(reg, T("11-07 09:30"), i1)  # 30 min
    resolve(reg, T("11-09 09:00"), i1)  # 48 h
    i2 = new(reg, T("11-30 20:00"), nature="request", severity="important")
    reply(reg, T("11-30 21:00"), i2, recorded=T("12-01 08:00"))  # typed after the month
    new(reg, T("10-30 09:00"), nature="request")  # October's: not in the cohort

    data = november(reg)
    h = 3600
    # nearest rank: median of 5 is the 3rd, p90 of 5 the 5th; of 4 the 2nd and the 4th
    assert times(data["reply_times"]["all"]) == {"all": (5, 2, 2 * h, 10 * h, 10 * h)}
    assert times(data["reply_times"]["severity"]) == {
        "important": (1, 1, h // 2, h // 2, h // 2),
        "minor": (4, 1, 2 * h, 10 * h, 10 * h),
    }
    assert times(data["reply_times"]["department"]) == {
        "-": (3, 2, 2 * h, 3 * h, 3 * h),
        "工程部": (2, 0, 1 * h, 10 * h, 10 * h),
    }
    assert times(data["result_times"]["all"]) == {"all": (3, 4, 30 * h, 48 * h, 48 * h)}
    assert times(data["result_times"]["severity"]) == {
        "important": (1, 1, 48 * h, 48 * h, 48 * h),
        "minor": (2, 3, 5 * h, 30 * h, 30 * h),
    }
    assert times(data["result_times"]["department"]) == {
        "-": (2, 3, 30 * h, 48 * h, 48 * h),
        "工程部": (1, 1, 5 * h, 5 * h, 5 * h),
    }
    # as the registry stood on 12-03, the reply typed on 12-01 counts
    known = november(reg, "--as-of", AFTER_NOV)
    assert times(known["reply_times"]["severity"])["important"] == (2, 0, h // 2, h, h)


# --- SLA compliance ---------------------------------------------------------------------


def test_a_clock_counts_in_the_period_in_which_it_was_decided(reg: Reg) -> None:
    s1 = new(reg, T("11-10 09:00"), nature="request")
    reply(reg, T("11-10 10:00"), s1)  # first reply after 1 h: inside
    resolve(reg, T("11-11 09:00"), s1)  # inside
    callback(reg, T("11-12 09:00"), s1, "王主管")  # inside
    s2 = new(reg, T("11-10 09:00"), nature="request")
    dispatch(reg, T("11-10 09:30"), s2, "保安部")
    reply(reg, T("11-10 12:00"), s2)  # after 3 h: outside; never resolved: outside 11-12
    s3 = new(reg, T("10-31 21:00"), nature="request")
    reply(reg, T("11-01 01:00"), s3)  # ran out 10-31 23:00: October's, outside
    resolve(reg, T("11-01 10:00"), s3)  # inside, November; no callback: outside 11-04
    s4 = new(reg, T("11-30 22:00"), nature="request")
    reply(reg, T("11-30 23:00"), s4)  # inside; resolve runs out 12-02 22:00
    new(reg, T("11-30 23:00"), nature="request")  # first reply runs out 12-01 01:00
    s6 = new(reg, T("11-20 09:00"), nature="request", severity="important")
    dispatch(reg, T("11-20 09:10"), s6, "工程部")
    step(reg, T("11-20 09:20"), "accept", s6, "李工")
    # important: a follow-up person and the division manager's decision within 24 h
    step(reg, T("11-20 09:25"), "track", s6, "陈主管", "--person", "陈主管")  # inside
    reply(reg, T("11-20 10:30"), s6)  # inside
    step(reg, T("11-20 12:00"), "decide", s6, "周经理", "--note", "工程部处理")  # inside
    resolve(reg, T("11-24 09:00"), s6, "李工")  # a day late: outside, counted 11-23
    # no callback: outside 11-27

    data = november(reg)
    assert [(c["rule"], c["inside"], c["decided"], c["percent"]) for c in data["sla"]["all"]] == [
        ("first-reply", 3, 4, 75.0),
        ("resolve", 2, 4, 50.0),
        ("callback", 1, 3, 33.3),
        ("division-decision", 1, 1, 100.0),
        ("tracker", 1, 1, 100.0),
    ]
    assert sla(data["sla"]["severity"]) == {
        ("minor", "first-reply"): (2, 3),
        ("minor", "resolve"): (2, 3),
        ("minor", "callback"): (1, 2),
        ("important", "first-reply"): (1, 1),
        ("important", "resolve"): (0, 1),
        ("important", "callback"): (0, 1),
        ("important", "division-decision"): (1, 1),
        ("important", "tracker"): (1, 1),
    }
    assert sla(data["sla"]["department"]) == {
        ("-", "first-reply"): (2, 2),
        ("-", "resolve"): (2, 2),
        ("-", "callback"): (1, 2),
        ("保安部", "first-reply"): (0, 1),
        ("保安部", "resolve"): (0, 1),
        ("工程部", "first-reply"): (1, 1),
        ("工程部", "resolve"): (0, 1),
        ("工程部", "callback"): (0, 1),
        ("工程部", "division-decision"): (1, 1),
        ("工程部", "tracker"): (1, 1),
    }
    # the clocks still running at the end of November ran out in December
    december = report(reg, "--period", "2026-12")
    assert sla(december["sla"]["all"]) == {
        ("all", "first-reply"): (0, 1),
        ("all", "resolve"): (0, 2),
    }
    # a clock missed in October counts there, though the reply came in November
    october = report(reg, "--period", "2026-10")
    assert sla(october["sla"]["all"]) == {("all", "first-reply"): (0, 1)}


# --- callbacks ----------------------------------------------------------------------------


def _callback_month(reg: Reg) -> dict[str, str]:
    """Requests (no dual callback owed) received at 09:00 and resolved at 10:00."""
    ids: dict[str, str] = {}

    def handled(name: str, day: str) -> str:
        cid = new(reg, T(f"{day} 09:00"), nature="request")
        resolve(reg, T(f"{day} 10:00"), cid)
        ids[name] = cid
        return cid

    c1 = handled("c1", "11-02")
    callback(reg, T("11-02 12:00"), c1, "王主管", "satisfied")
    callback(reg, T("11-03 12:00"), c1, "赵经理", "neutral")  # the last one counts
    c2 = handled("c2", "11-03")
    callback(reg, T("11-03 12:00"), c2, "王主管", "dissatisfied")
    step(reg, T("11-03 14:00"), "reopen", c2, "陈主管", "--reason", "客户不满意")
    c3 = handled("c3", "11-04")
    callback(reg, T("11-04 12:00"), c3, "王主管", "dissatisfied")
    step(reg, T("11-04 15:00"), "escalate", c3, "王主管", "--to", "赵经理", "--reason", "不满意")
    c4 = handled("c4", "11-05")
    callback(reg, T("11-05 12:00"), c4, "钱主任", "dissatisfied")
    # archived although dissatisfied: only with a manager's waiver (close_needs_callbacks)
    step(reg, T("11-05 16:00"), "close", c4, "赵经理", "--waive", "客户不再接受回访")
    c5 = handled("c5", "11-06")
    callback(reg, T("11-06 12:00"), c5, "陈主管", "dissatisfied")  # a cs_supervisor
    # reopened on 11-30, but typed in on 12-02
    step(
        reg,
        T("11-30 10:00"),
        "reopen",
        c5,
        "陈主管",
        "--reason",
        "再次来电",
        recorded=T("12-02 09:00"),
    )
    handled("c6", "11-07")  # never called back: its window closed 11-10
    handled("c7", "11-29")  # its window closes 12-02 10:00: counts against nobody yet
    c8 = handled("c8", "11-29")
    callback(reg, T("11-30 10:00"), c8, "王主管", "satisfied")
    c9 = handled("c9", "10-20")  # October's
    callback(reg, T("10-20 12:00"), c9, "王主管", "dissatisfied")
    return ids


def test_callback_rates_satisfaction_and_dissatisfied_outcomes(reg: Reg) -> None:
    ids = _callback_month(reg)
    data = november(reg)["callbacks"]
    # handled: c1 c2 c3 c4 c5 c6 c8 (c7's window is still open, c9 is October's)
    rates = [
        (r["role"], r["called_back"], r["handled"], r["percent"], r["required"], r["meets"])
        for r in data["rates"]
    ]
    assert rates == [
        ("supervisor", 4, 7, 57.1, 95.0, False),
        ("manager", 1, 7, 14.3, 25.0, False),
        ("director", 1, 7, 14.3, 10.0, True),
        ("cs_supervisor", 1, 7, 14.3, None, None),  # a caller's role without a quota
    ]
    # the same arithmetic as check's callback-quota, which names the roles short of it
    result = reg.run(
        "check", "--as-of", NOV_END, "--period", "2026-11", "--rule", "callback-quota",
        "--format", "json", env={"CMPLT_NOW": LATER},
    )  # fmt: skip
    assert result.code == 1, result
    short = {
        f["role"]: (f["called_back"], f["handled"], f["rate"], f["required"])
        for f in json.loads(result.out)["findings"]
    }
    assert short == {
        role: (called, handled, percent, required)
        for role, called, handled, percent, required, meets in rates
        if meets is False
    }
    # each record's last callback in November: c1 neutral, c2-c5 dissatisfied, c8 satisfied
    assert data["satisfaction"] == {
        "counts": {"satisfied": 1, "neutral": 1, "dissatisfied": 4},
        "called_back": 6,
        "percent": 16.7,
    }
    assert [
        (d["id"], d["at"], d["by"], d["role"], d["outcome"], d["outcome_at"], d["status"])
        for d in data["dissatisfied"]
    ] == [
        (ids["c2"], T("11-03 12:00"), "王主管", "supervisor", "reopened", T("11-03 14:00"), "open"),
        (
            ids["c3"],
            T("11-04 12:00"),
            "王主管",
            "supervisor",
            "escalated",
            T("11-04 15:00"),
            "open",
        ),
        (ids["c4"], T("11-05 12:00"), "钱主任", "director", "closed", None, "closed"),
        (ids["c5"], T("11-06 12:00"), "陈主管", "cs_supervisor", "open", None, "called_back"),
    ]

    # as the registry stood on 12-03: c7's window has closed, uncalled, and the
    # reopening of c5 typed on 12-02 is known
    known = november(reg, "--as-of", AFTER_NOV)["callbacks"]
    supervisor = known["rates"][0]
    assert (supervisor["called_back"], supervisor["handled"], supervisor["percent"]) == (4, 8, 50.0)
    last = known["dissatisfied"][-1]
    assert (last["id"], last["outcome"], last["outcome_at"]) == (
        ids["c5"],
        "reopened",
        T("11-30 10:00"),
    )


def test_dual_callback_compliance(reg: Reg) -> None:
    both = new(reg, T("11-10 09:00"))  # valid-1: the director and the manager call back
    one = new(reg, T("11-10 09:00"))
    late = new(reg, T("11-10 09:00"), "--economic-loss", nature="request")
    plain = new(reg, T("11-10 09:00"), nature="request")  # owes no dual callback
    for cid in (both, one, late, plain):
        resolve(reg, T("11-10 10:00"), cid)  # the callbacks are due 11-13 10:00
    callback(reg, T("11-11 10:00"), both, "钱主任")
    callback(reg, T("11-12 10:00"), both, "赵经理")
    callback(reg, T("11-11 10:00"), one, "钱主任")
    callback(reg, T("11-14 10:00"), late, "钱主任")
    callback(reg, T("11-14 11:00"), late, "赵经理")
    callback(reg, T("11-11 10:00"), plain, "王主管")
    data = november(reg)
    assert data["callbacks"]["dual"] == {
        "group": "all",
        "rule": "dual-callback",
        "inside": 1,
        "decided": 3,
        "percent": 33.3,
    }
    assert sla(data["sla"]["all"])["all", "dual-callback"] == (1, 3)


# --- repeats, staff, declined -------------------------------------------------------------


def test_repeat_units_buildings_and_reopened_records(reg: Reg) -> None:
    u1 = new(reg, T("11-02 09:00"), nature="request", unit="3-1502")
    resolve(reg, T("11-03 09:00"), u1)
    step(reg, T("11-04 09:00"), "reopen", u1, "陈主管", "--reason", "漏水复发")
    # the same flat and building however typed (units.unit_key, policy unit_pattern)
    u2 = new(reg, T("11-10 09:00"), nature="request", unit="3栋1502")
    u3 = new(reg, T("11-12 09:00"), nature="request", unit="３－０８０１")
    u4 = new(reg, T("11-13 09:00"), nature="request", unit="5-0101")
    u5 = new(reg, T("11-15 09:00"), nature="request", unit="5-0303")
    new(reg, T("11-16 09:00"), nature="request", unit="7-0101")
    new(reg, T("12-02 09:00"), nature="request", unit="7-0101")  # December's
    old = new(reg, T("10-20 09:00"), nature="request", unit="7-0101")  # October's
    resolve(reg, T("10-21 10:00"), old)
    step(reg, T("11-05 09:00"), "reopen", old, "陈主管", "--reason", "仍然漏水")

    repeats = november(reg)["repeats"]
    assert repeats["units"] == [{"unit": "3-1502", "ids": sorted([u1, u2])}]
    assert repeats["buildings"] == [
        {"building": "3", "ids": sorted([u1, u2, u3])},
        {"building": "5", "ids": sorted([u4, u5])},
    ]
    assert repeats["reopened"] == [
        {"id": u1, "at": T("11-04 09:00"), "reason": "漏水复发"},
        {"id": old, "at": T("11-05 09:00"), "reason": "仍然漏水"},
    ]


def _staff_month(reg: Reg) -> dict[str, str]:
    ids: dict[str, str] = {}

    def about(name: str, at: str, person: str, verified: str | None, on: str | None) -> None:
        cid = new(reg, T(at), "--staff-involved", person, nature="request", subject="attitude")
        if verified is not None and on is not None:
            recorded = T("12-02 09:00") if name == "late" else None
            step(
                reg, T(on), "reclassify", cid, "陈主管", "--staff-verified", verified,
                recorded=recorded,
            )  # fmt: skip
        ids[name] = cid

    about("guard1", "11-02 09:00", "刘保安", "yes", "11-03 09:00")
    about("guard2", "11-04 09:00", "刘保安", "yes", "11-05 09:00")
    about("clerk", "11-06 09:00", "张三", "yes", "11-07 09:00")
    about("false", "11-08 09:00", "李工", "no", "11-09 09:00")
    about("unchecked", "11-10 09:00", "李工", None, None)
    about("october", "10-20 09:00", "李工", "yes", "10-21 09:00")
    about("late", "11-25 09:00", "李工", "yes", "11-30 09:00")  # verified, typed on 12-02
    return ids


def test_staff_complaints_are_shown_only_when_asked_for(reg: Reg) -> None:
    ids = _staff_month(reg)
    data = november(reg, "--include-staff")
    assert data["staff"] == [
        {"person": "刘保安", "ids": sorted([ids["guard1"], ids["guard2"]])},
        {"person": "张三", "ids": [ids["clerk"]]},
    ]
    assert "staff" not in november(reg)
    shown = reg.ok("report", "--period", "2026-11", "--include-staff", env={"CMPLT_NOW": LATER})
    hidden = reg.ok("report", "--period", "2026-11", env={"CMPLT_NOW": LATER})
    assert "## Verified complaints about staff" in shown.out.splitlines()
    assert "刘保安" in shown.out
    assert not any("staff" in line.lower() for line in hidden.out.splitlines() if line[:1] == "#")
    assert "刘保安" not in hidden.out
    tables = reg.ok("report", "--period", "2026-11", "--format", "csv", env={"CMPLT_NOW": LATER})
    assert "刘保安" not in tables.out


def test_declined_complaints_grouped_by_their_reason(reg: Reg) -> None:
    d1 = new(reg, T("11-02 09:00"), nature="invalid")
    step(reg, T("11-02 10:00"), "reject", d1, "陈主管", "--reason", "非物业 管理范围")
    d2 = new(reg, T("11-03 09:00"), nature="invalid")
    step(reg, T("11-03 10:00"), "reject", d2, "陈主管", "--reason", "  非物业 \t  管理范围 ")
    d3 = new(reg, T("10-31 20:00"), nature="invalid")
    step(reg, T("11-01 09:00"), "reject", d3, "陈主管", "--reason", "重复投诉")
    d4 = new(reg, T("10-20 09:00"), nature="invalid")
    step(reg, T("10-20 10:00"), "reject", d4, "陈主管", "--reason", "重复投诉")  # October's
    new(reg, T("11-04 09:00"), nature="invalid")  # not declined yet
    data = november(reg)
    assert data["declined"] == [
        {"reason": "非物业 管理范围", "ids": sorted([d1, d2])},
        {"reason": "重复投诉", "ids": [d3]},
    ]


# --- formats ------------------------------------------------------------------------------


def _three_records(reg: Reg) -> None:
    for day, unit, hours in (
        ("11-02", "3-1502", 1),
        ("11-03", "3-0801", 2),
        ("11-04", "5-0101", 4),
    ):
        cid = new(reg, T(f"{day} 09:00"), nature="request", unit=unit)
        reply(reg, T(f"{day} {9 + hours:02d}:00"), cid)


def test_markdown_has_headings_and_pipe_tables(reg: Reg) -> None:
    _three_records(reg)
    result = reg.ok("report", "--period", "2026-11", env={"CMPLT_NOW": LATER})
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == "# Complaints and callbacks report 2026-11"
    assert "Records as they stood at 2026-12-01 00:00 (Asia/Shanghai)." in lines
    for heading in ("## Overview", "## Complaint volume", "## Clocks met in time (SLA)"):
        assert heading in lines
    at = lines.index("### Complaints by Building")
    assert lines[at + 2 : at + 6] == [
        "| Building | Count |",
        "|---|---:|",
        "| 3 | 2 |",
        "| 5 | 1 |",
    ]
    # every table's rows have as many cells as its header
    table: list[str] = []
    for line in [*lines, ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            widths = {len(re.split(r"(?<!\\)\|", row)) for row in table}
            assert len(widths) == 1, table
            assert set(table[1]) <= set("|-:"), table
        table = []


def test_csv_long_format_for_a_spreadsheet(reg: Reg) -> None:
    _three_records(reg)
    result = reg.ok("report", "--period", "2026-11", "--format", "csv", env={"CMPLT_NOW": LATER})
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == [
        "period",
        "table",
        "table_title",
        "group",
        "group_label",
        "measure",
        "measure_label",
        "value",
    ]
    assert all(len(row) == 8 and row[0] == "2026-11" for row in rows[1:])
    figure = {(row[1], row[3], row[5]): row[7] for row in rows[1:]}
    assert figure["volume_by_building", "3", "count"] == "2"
    assert figure["volume_by_building", "5", "count"] == "1"
    assert float(figure["reply_times_by_severity", "all", "median"]) == 2.0  # hours
    assert float(figure["reply_times_by_severity", "minor", "longest"]) == 4.0
    labels = {(row[1], row[3]): row[4] for row in rows[1:]}
    assert labels["reply_times_by_severity", "all"] == "total"


def test_csv_tables_one_file_per_table_with_a_bom(reg: Reg, tmp_path: Path) -> None:
    _three_records(reg)
    folder = tmp_path / "tables"
    result = reg.run(
        "report", "--period", "2026-11", "--format", "csv", "--csv-layout", "tables",
        "-o", str(folder), env={"CMPLT_NOW": LATER},
    )  # fmt: skip
    assert (result.code, result.out) == (0, ""), result
    written = len(list(folder.iterdir()))
    assert result.err == f"cmplt: wrote {written} files to {folder}\n", result
    names = {p.name for p in folder.iterdir()}
    assert names >= {
        "overview.csv",
        "volume_by_building.csv",
        "reply_times_by_severity.csv",
        "sla_by_department.csv",
        "callback_rates.csv",
        "satisfaction.csv",
        "repeat_units.csv",
        "declined.csv",
        "measures.csv",
    }
    for path in folder.iterdir():
        assert path.read_bytes().startswith(b"\xef\xbb\xbf"), path.name
    text = (folder / "volume_by_building.csv").read_bytes().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["Building", "Count"], ["3", "2"], ["5", "1"]]


def test_output_file_is_written_whole_and_said_on_stderr(reg: Reg, tmp_path: Path) -> None:
    _three_records(reg)
    folder = tmp_path / "out"
    folder.mkdir()
    env = {"CMPLT_NOW": LATER}
    for fmt, name in (("json", "report.json"), ("md", "report.md"), ("csv", "report.csv")):
        shown = reg.ok("report", "--period", "2026-11", "--format", fmt, env=env)
        written = reg.run(
            "report", "--period", "2026-11", "--format", fmt, "-o", str(folder / name), env=env
        )
        expected = (0, "", f"cmplt: wrote {folder / name}\n")
        assert (written.code, written.out, written.err) == expected, written
        data = (folder / name).read_bytes()
        if fmt == "csv":
            assert data.startswith(b"\xef\xbb\xbf")
            assert data.decode("utf-8-sig") == shown.out
        else:
            assert data.decode("utf-8") == shown.out
    # an existing file is replaced, and no temporary file is left behind
    reg.ok("report", "--period", "2026-10", "--format", "json", "-o", str(folder / "report.json"))
    assert json.loads((folder / "report.json").read_text(encoding="utf-8"))["received"] == 0
    assert sorted(p.name for p in folder.iterdir()) == ["report.csv", "report.json", "report.md"]
    # a folder is not a file
    assert_one_line_error(reg.run("report", "-o", str(folder)))


def test_html_shows_the_same_tables(reg: Reg) -> None:
    _three_records(reg)
    result = reg.ok("report", "--period", "2026-11", "--format", "html", env={"CMPLT_NOW": LATER})
    assert result.err == ""
    assert result.out.lstrip().lower().startswith("<!doctype html")
    assert 'data-table="volume_by_building"' in result.out
    assert result.out.rstrip().endswith("</html>")


# --- robustness ---------------------------------------------------------------------------


def test_an_unreadable_record_is_listed_and_not_counted(reg: Reg) -> None:
    new(reg, T("11-20 09:00"), nature="request")
    broken = reg.root / "complaints" / "2026" / "11" / "261121-ZZZZZZ.yaml"
    broken.write_text("id: 261121-ZZZZZZ\nevents: [unclosed\n", encoding="utf-8")
    measure = reg.root / "improvements" / "M-261121-ZZZZ.yaml"
    measure.parent.mkdir()
    measure.write_text("id: [unclosed\n", encoding="utf-8")
    data = november(reg)
    assert data["received"] == 1
    assert data["measures"] == []
    assert [u["path"] for u in data["unreadable"]] == [
        "complaints/2026/11/261121-ZZZZZZ.yaml",
        "improvements/M-261121-ZZZZ.yaml",
    ]
    assert all(isinstance(u["line"], int) for u in data["unreadable"])
    assert all(u["message"] for u in data["unreadable"])
    md = reg.ok("report", "--period", "2026-11", env={"CMPLT_NOW": LATER}).out
    assert "## Records that could not be read" in md.splitlines()
    assert "complaints/2026/11/261121-ZZZZZZ.yaml" in md


def test_report_never_commits_nor_touches_the_worktree(reg: Reg, tmp_path: Path) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")
    resolve(reg, T("11-20 10:00"), cid)
    reg.ok("improve", "add", "--title", "巡检", "--category", "repair", "--owner", "李工",
           "--due", "2026-12-31", "--by", "张三")  # fmt: skip
    age(reg)
    head, status = reg.head(), reg.git("status", "--porcelain", "--ignored")
    for args in (
        [],
        ["--format", "json", "--compare", "previous", "--include-staff"],
        ["--format", "csv"],
        ["--format", "html"],
        ["--format", "csv", "--csv-layout", "tables", "-o", str(tmp_path / "t")],
        ["--format", "md", "-o", str(tmp_path / "r.md")],
    ):
        reg.ok("report", "--period", "2026-11", *args, env={"CMPLT_NOW": LATER})
    assert reg.head() == head
    assert reg.git("status", "--porcelain", "--ignored") == status
    assert (reg.root / ".git" / "cmplt-report.cache").is_file()


# --- improvement measures in the report ---------------------------------------------------


def _measure(reg: Reg, now: str, *args: str) -> str:
    result = reg.ok(
        "improve", "add", "--by", "张三", "--owner", "李工", *args, env={"CMPLT_NOW": now}
    )
    return result.out.splitlines()[0]


def test_measures_with_the_volume_in_their_scope_before_and_after(reg: Reg) -> None:
    new(reg, T("08-02 12:00"), nature="request")  # 3-1502, repair: 90 days and 12 h before
    new(reg, T("08-03 12:00"), nature="request")
    new(reg, T("09-15 09:00"), nature="request", unit="3-0801")
    building = _measure(
        reg, T("10-01 09:00"), "--title", "3号楼电梯按钮更换", "--category", "repair",
        "--building", "3", "--due", "2026-10-31",
    )  # fmt: skip
    new(reg, T("10-20 09:00"), nature="request", unit="5-0101")  # another building
    new(reg, T("10-21 09:00"), nature="request", category="cleaning")  # another category
    reg.ok(
        "improve", "done", building, "--note", "全部更换", "--by", "李工",
        "--at", T("11-01 00:00"), env={"CMPLT_NOW": T("11-01 09:00")},
    )  # fmt: skip
    repair = _measure(
        reg, T("11-02 09:00"), "--title", "维修回访", "--category", "repair",
        "--subject", "facilities", "--due", "2026-12-31",
    )  # fmt: skip
    cleaning = _measure(
        reg, T("11-02 09:00"), "--title", "保洁巡查", "--category", "cleaning",
        "--due", "2026-11-15",
    )  # fmt: skip
    new(reg, T("11-05 09:00"), nature="request")
    new(reg, T("11-10 09:00"), nature="request", unit="3-0202")
    new(reg, T("11-20 09:00"), nature="request", unit="3-0303", subject="quality")

    measures = {m["id"]: m for m in november(reg)["measures"]}
    assert set(measures) == {building, repair, cleaning}
    assert measures[building] == {
        "id": building,
        "title": "3号楼电梯按钮更换",
        "scope": {"category": "repair", "building": "3"},
        "owner": "李工",
        "due": "2026-10-31",
        "status": "done",
        "done_at": T("11-01 00:00"),
        "note": "全部更换",
        "window_days": 90,
        "before": 2,  # 08-03 and 09-15: 08-02 is outside the 90 days
        "before_days": 90.0,
        "after": 3,  # 11-05, 11-10, 11-20 (any subject)
        "after_days": 30.0,  # up to the report's moment
    }
    # open: the 90 days before the report's moment (09-02 to 12-01); nothing after
    assert (measures[repair]["status"], measures[repair]["before"]) == ("open", 4)
    assert (measures[repair]["after"], measures[repair]["after_days"]) == (None, None)
    assert (measures[repair]["done_at"], measures[repair]["note"]) == (None, None)
    assert (measures[cleaning]["status"], measures[cleaning]["before"]) == ("overdue", 1)
    assert measures[cleaning]["after"] is None

    # as of 10-31 12:00 the building measure was not done yet
    october = {
        m["id"]: m
        for m in report(reg, "--period", "2026-10", "--as-of", T("10-31 12:00"))["measures"]
    }
    assert october[building]["status"] == "open"
    assert (october[building]["before"], october[building]["after"]) == (3, None)

    commit_report_policy(reg, "measure_window", "30d")
    measures = {m["id"]: m for m in november(reg)["measures"]}
    assert [measures[m]["window_days"] for m in (building, repair, cleaning)] == [30, 30, 30]
    assert (measures[building]["before"], measures[building]["after"]) == (0, 3)
    assert (measures[repair]["before"], measures[cleaning]["before"]) == (2, 0)


def test_a_measure_recorded_after_the_reports_moment_is_not_in_it(reg: Reg) -> None:
    """A report of the past is read as the registry stood then (reproducible, like
    `check --as-of`): the October report run in December must not list a measure
    first recorded in November."""
    new(reg, T("10-20 09:00"), nature="request")
    _measure(
        reg, T("11-02 09:00"), "--title", "维修回访", "--category", "repair", "--due", "2026-12-31"
    )
    assert report(reg, "--period", "2026-10")["measures"] == []


def test_the_example_registrys_november_report_is_what_its_readme_says(tmp_path: Path) -> None:
    reg = example_registry(tmp_path)
    result = reg.ok(
        "report",
        "--period",
        "2026-11",
        "--as-of",
        "2026-11-28T09:00+08:00",
        "--compare",
        "previous",
        "--format",
        "json",
    )
    data = json.loads(result.out)
    # the duplicate entry (fee-question-twice) is counted nowhere, but listed apart
    assert (data["received"], data["received_previous"]) == (36, 19)
    assert [d["id"] for d in data["duplicates"]] == ["261128-BH91WD"]
    sla = data["sla"]["all"]
    assert (sum(c["inside"] for c in sla), sum(c["decided"] for c in sla)) == (101, 111)  # 91.0 %
    by_rule = {c["rule"]: (c["inside"], c["decided"]) for c in sla}
    # resolve: two overdue, and 261111-KBXJAE's extension approved after its deadline;
    # dual-callback: 261117-G4T81F overdue, and 261112-92D7G1's waived at the archive
    assert by_rule["resolve"] == (16, 19)
    assert by_rule["dual-callback"] == (6, 8)
    assert (by_rule["division-decision"], by_rule["tracker"], by_rule["promise"]) == (
        (6, 6),
        (4, 4),
        (0, 1),
    )
    assert [(w["id"], w["at"]) for w in data["waived"]] == [
        ("261112-92D7G1", "2026-11-14T09:00:00+08:00")
    ]
    happy = data["callbacks"]["satisfaction"]
    assert (happy["called_back"], happy["counts"]["satisfied"]) == (13, 11)
    assert [(d["outcome"]) for d in data["callbacks"]["dissatisfied"]] == ["open"]
    supervisor = data["callbacks"]["rates"][0]
    assert (supervisor["role"], supervisor["called_back"], supervisor["handled"]) == (
        "supervisor",
        5,
        13,
    )
    assert supervisor["required"] == 95.0
    assert [(m["status"], m["done_at"]) for m in data["measures"]] == [
        ("done", "2026-10-20T16:00:00+08:00"),
        ("open", None),
    ]
