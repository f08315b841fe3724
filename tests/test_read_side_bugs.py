"""What `check`, `report` and `list` read out of the registry, and how they print it:
one rule for when a clock ran out, text from the records escaped for Markdown and
spreadsheets, and each round of a reopened record judged as `check` judged it.

Every step is recorded when it happened (CMPLT_NOW = --at, see tests/test_check.py).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.conftest import (
    LATER,
    Reg,
    T,
    callback,
    commit_policy_lines,
    keys,
    new,
    november,
    reply,
    report,
    resolve,
    run_check,
    sla,
    step,
)

JANUARY = "2027-01-10T09:00:00+08:00"  # December has ended: its report stands as of its end


def second_after(moment: str) -> str:
    """`2026-11-20T11:00:00+08:00` -> `2026-11-20T11:00:01+08:00`."""
    assert moment[17:19] == "00", moment
    return moment[:17] + "01" + moment[19:]


def first_reply_sla(reg: Reg, as_of: str) -> dict[str, tuple[int, int]]:
    """The report's November first-reply compliance as of `as_of`, with the trend's
    November figures beside it: {"sla": (inside, decided), "trend": (inside, decided)}."""
    data = november(reg, "--as-of", as_of)
    rows = [c for c in data["sla"]["all"] if c["rule"] == "first-reply"]
    [month] = [t for t in data["trend"] if t["month"] == "2026-11"]
    return {
        "sla": (rows[0]["inside"], rows[0]["decided"]) if rows else (0, 0),
        "trend": (month["sla_inside"], month["sla_decided"]),
    }


# --- 1. one rule for "ran out" ----------------------------------------------------------


def test_a_clock_is_overdue_only_after_its_due_instant(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")  # first reply due 11:00
    due = T("11-20 11:00")
    # at the due instant itself the clock has not run out: a reply then is in time
    assert run_check(reg, due) == (0, [])
    code, findings = run_check(reg, second_after(due))
    assert code == 1
    assert [(f["id"], f["rule"], f["level"], f["due"]) for f in findings] == [
        (cid, "first-reply", "overdue", due)
    ]
    assert findings[0]["overdue_seconds"] == 1


def test_warn_within_warns_of_what_will_be_overdue_by_then(reg: Reg) -> None:
    """--warn-within 1h at 10:00 asks what is overdue at 11:00: the 11:00 clock is not."""
    new(reg, T("11-20 09:00"), nature="request")
    assert run_check(reg, T("11-20 10:00"), "--warn-within", "1h") == (0, [])
    code, findings = run_check(reg, second_after(T("11-20 10:00")), "--warn-within", "1h")
    assert code == 0
    assert [(f["rule"], f["level"]) for f in findings] == [("first-reply", "warning")]
    # at the due instant: a warning still, not overdue
    code, findings = run_check(reg, T("11-20 11:00"), "--warn-within", "1h")
    assert code == 0
    assert [(f["rule"], f["level"]) for f in findings] == [("first-reply", "warning")]


def test_report_and_check_agree_at_the_due_instant(reg: Reg) -> None:
    on_time = new(reg, T("11-20 09:00"), nature="request")
    reply(reg, T("11-20 11:00"), on_time)  # at the due instant: met in time
    silent = new(reg, T("11-20 09:00"), nature="request")  # never answered
    due = T("11-20 11:00")

    # at the due instant: the check reports nothing, the report counts only the reply
    assert run_check(reg, due, "--rule", "first-reply") == (0, [])
    assert first_reply_sla(reg, due) == {"sla": (1, 1), "trend": (1, 1)}

    # a second later the silent one ran out: overdue in the check, outside in the report
    code, findings = run_check(reg, second_after(due), "--rule", "first-reply")
    assert (code, keys(findings)) == (1, {(silent, "first-reply")})
    assert first_reply_sla(reg, second_after(due)) == {"sla": (1, 2), "trend": (1, 2)}


def test_a_callback_at_the_end_of_its_window_is_in_time_in_both(reg: Reg) -> None:
    cid = new(reg, T("11-10 09:00"), nature="request")
    reply(reg, T("11-10 10:00"), cid)
    resolve(reg, T("11-10 12:00"), cid)
    callback(reg, T("11-13 12:00"), cid, "王主管")  # the window closes at 11-13 12:00
    assert run_check(reg, T("11-13 12:00"), "--rule", "callback") == (0, [])
    rows = {c["rule"]: (c["inside"], c["decided"]) for c in november(reg)["sla"]["all"]}
    assert rows["callback"] == (1, 1)


# --- 2. the Markdown report escapes HTML in the records' text -------------------------


def test_markdown_report_shows_html_in_the_records_as_text(reg: Reg) -> None:
    declined = new(reg, T("11-02 09:00"), nature="invalid")
    reason = "<b>x</b> <script>alert(1)</script> & co"
    step(reg, T("11-02 10:00"), "reject", declined, "陈主管", "--reason", reason)
    handled = new(reg, T("11-03 09:00"), nature="request")
    resolve(reg, T("11-03 10:00"), handled)
    step(reg, T("11-04 09:00"), "reopen", handled, "陈主管", "--reason", "<img src=x onerror=y>")

    out = reg.ok("report", "--period", "2026-11", "--format", "md", env={"CMPLT_NOW": LATER}).out
    for tag in ("<b>", "</b>", "<script>", "<img"):
        assert tag not in out
    assert "| &lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co |" in out
    assert "| &lt;img src=x onerror=y&gt; |" in out

    # the JSON keeps the text as it was written
    data = november(reg)
    assert [group["reason"] for group in data["declined"]] == [reason]
    assert [r["reason"] for r in data["repeats"]["reopened"]] == ["<img src=x onerror=y>"]


# --- 3. `list --format csv` keeps formulas out of spreadsheets --------------------------


def test_list_csv_quotes_a_customer_name_a_spreadsheet_would_run(reg: Reg) -> None:
    formula = '=HYPERLINK("http://x","y")'
    reg.new(customer=formula, summary="@SUM(A1)")
    reg.new(customer="王先生", summary="-2 楼电梯")

    rows = list(csv.DictReader(io.StringIO(reg.ok("list", "--format", "csv").out)))
    assert sorted((r["customer"], r["summary"]) for r in rows) == [
        ("'" + formula, "'@SUM(A1)"),
        ("王先生", "'-2 楼电梯"),
    ]
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")], cells

    # JSON and the table keep the text as it was written
    listed: list[dict[str, Any]] = json.loads(reg.ok("list", "--format", "json").out)
    assert sorted((r["customer"], r["summary"]) for r in listed) == [
        (formula, "@SUM(A1)"),
        ("王先生", "-2 楼电梯"),
    ]
    assert "'=" not in reg.ok("list").out


# --- 4. each round of a reopened record judged as `check` judged it -------------------


def test_a_round_before_a_reclassification_keeps_its_own_severity(reg: Reg) -> None:
    cid = new(reg, T("11-20 09:00"), nature="request")  # minor: resolve within 2 days
    reply(reg, T("11-20 10:00"), cid)
    resolve(reg, T("11-22 12:00"), cid)  # three hours late for minor, in time for important
    # what the check said during the first round: the minor clock ran out at 11-22 09:00
    assert run_check(reg, T("11-22 08:59"), "--rule", "resolve") == (0, [])
    code, findings = run_check(reg, T("11-22 10:00"), "--rule", "resolve")
    assert code == 1
    assert [(f["id"], f["severity"], f["due"]) for f in findings] == [
        (cid, "minor", T("11-22 09:00"))
    ]

    step(reg, T("11-24 09:00"), "reopen", cid, "陈主管", "--reason", "又坏了")
    # by the manager, who approves the longer clock (a clerk's would only be a request)
    step(reg, T("11-24 09:30"), "reclassify", cid, "赵经理", "--severity", "important")
    resolve(reg, T("11-25 09:00"), cid)  # the second round, important: in time

    # the first round late, as the check said then; the second in time
    assert sla(november(reg)["sla"]["all"])["all", "resolve"] == (1, 2)


def test_a_round_before_a_reevaluation_keeps_the_policy_it_ran_under(reg: Reg) -> None:
    cid = new(reg, T("12-01 09:00"), nature="request")  # resolve within 2 days: 12-03 09:00
    reply(reg, T("12-01 10:00"), cid)
    # from 12-02 a minor complaint is to be resolved within a day
    commit_policy_lines(reg, {r"^    minor: 2d.*$": "    minor: 1d"}, T("12-02 00:00"))
    # what the check said during the first round: due 12-03 09:00, under the policy
    # the record was received under
    code, findings = run_check(reg, T("12-02 11:00"), "--rule", "resolve", "--warn-within", "1d")
    assert code == 0
    assert [(f["id"], f["level"], f["due"]) for f in findings] == [
        (cid, "warning", T("12-03 09:00"))
    ]
    resolve(reg, T("12-02 12:00"), cid)  # in time

    step(reg, T("12-04 09:00"), "reopen", cid, "陈主管", "--reason", "又坏了")
    # a manager re-evaluates (policy permissions: reevaluate)
    step(reg, T("12-04 09:30"), "reevaluate", cid, "赵经理", "--reason", "按新规定")
    resolve(reg, T("12-04 10:00"), cid)  # the second round, under the one-day policy

    # both rounds in time: the first under the two-day policy it ran under
    data = report(reg, "--period", "2026-12", now=JANUARY)
    assert sla(data["sla"]["all"])["all", "resolve"] == (2, 2)
