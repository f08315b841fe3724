"""Repeat calls and duplicate entries: a warning at `new` (stderr, exit 0) naming the
open or recent complaints from the same phone or unit, `new --repeat-of ID` to link a
repeat, `reject --duplicate-of ID` to close a duplicate entry apart from the figures."""

from __future__ import annotations

import pytest

from cmplt.units import normalise_phone, normalise_unit
from tests.conftest import INTAKE, Reg, T, new, november, step
from tests.test_late_entries import bad


def typed(reg: Reg, at: str, *extra: str, **fields: str) -> tuple[str, str]:
    """`new` at `at`: (the new ID, what it said on stderr)."""
    args = ["new", "--by", "张三", "--at", at, *extra]
    for key, value in {**INTAKE, **fields}.items():
        args += [f"--{key.replace('_', '-')}", value]
    result = reg.ok(*args, env={"CMPLT_NOW": at})
    assert len(result.out.splitlines()) == 1, result  # the ID alone on stdout
    return result.out.strip(), result.err


@pytest.mark.parametrize(
    ("typed_unit", "unit"),
    [
        ("3-1502", "3-1502"),
        ("３－１５０２", "3-1502"),
        (" 3 — 1502 ", "3-1502"),
        ("Ｂ－1a", "B-1a"),
    ],
)
def test_units_are_compared_normalised(typed_unit: str, unit: str) -> None:
    assert normalise_unit(typed_unit) == unit
    assert normalise_phone("１３８ 0013-8000") == "13800138000"


def test_new_warns_of_open_or_recent_complaints_from_the_same_phone_or_unit(reg: Reg) -> None:
    # received on 11-01 (typed in now, from the paper log) and declined the same day
    now = T("11-28 09:00")
    old = new(
        reg, T("11-01 09:00"), recorded=now, unit="3-1502", phone="13700137000", nature="invalid"
    )
    step(reg, T("11-01 09:30"), "reject", old, "张三", "--reason", "不属物业", recorded=now)
    first, said = typed(reg, T("11-28 09:00"))
    assert said == ""
    again, said = typed(reg, T("11-28 09:05"), unit="３－１５０２", phone="13700137000")
    lines = said.splitlines()
    assert lines[0].startswith(f"cmplt: warning: same unit as {first} (open, received "), said
    assert f"cmplt reject {again} --duplicate-of {first}" in lines[1]
    # the same phone, another unit; the record of 11-01 is neither open nor recent
    _third, said = typed(reg, T("11-28 09:10"), unit="7-0707", phone="13700137000")
    assert said.splitlines()[0].startswith(f"cmplt: warning: same phone number as {again} ")
    assert first not in said and old not in said
    # a repeat linked at entry is not warned of again
    linked, said = typed(reg, T("11-28 09:20"), "--repeat-of", first[:9], unit="8-0808")
    assert said == ""
    assert f"\nrepeat_of: {first}\n" in reg.record(linked).read_text(encoding="utf-8")
    assert reg.run("validate").code == 0
    assert reg.run("audit").code == 0


def test_repeat_of_an_unknown_record_is_refused(reg: Reg) -> None:
    args = ["new", "--by", "张三", "--repeat-of", "261128-ZZZZZZ"]
    for key, value in INTAKE.items():
        args += [f"--{key.replace('_', '-')}", value]
    bad(reg, *args, code=3)


def test_a_duplicate_entry_is_closed_apart_from_the_figures(reg: Reg) -> None:
    first = new(reg, T("11-20 09:00"))
    twice = new(reg, T("11-20 09:01"))  # the same call typed in twice, valid-1
    declined = new(reg, T("11-20 09:02"), nature="invalid", unit="9-0909")
    out = step(
        reg, T("11-20 09:10"), "reject", twice, "张三", "--duplicate-of", first,
        "--reason", "重复录入",
    ).out  # fmt: skip
    assert out.startswith(f"{twice} reject -> rejected (commit "), out
    step(reg, T("11-20 09:20"), "reject", declined, "张三", "--reason", "不属物业管理范围")
    bad(reg, "reject", first, "--by", "张三", "--duplicate-of", first, "--reason", "x", code=4)
    data = november(reg)
    assert data["received"] == 2  # the duplicate is not counted
    assert data["duplicates"] == [{"id": twice, "duplicate_of": first}]
    assert [g["ids"] for g in data["declined"]] == [[declined]]
    assert data["repeats"]["units"] == []  # 3-1502 once: the duplicate is no repeat
    assert reg.run("validate").code == 0


def test_validate_finds_a_link_to_no_record(reg: Reg) -> None:
    first = new(reg, T("11-28 09:00"))
    linked, _said = typed(reg, T("11-28 09:20"), "--repeat-of", first, unit="8-0808")
    path = reg.record(linked)
    path.write_text(
        path.read_text(encoding="utf-8").replace(f"repeat_of: {first}", "repeat_of: 261128-ZZZZZZ"),
        encoding="utf-8",
    )
    result = reg.run("validate")
    assert result.code == 1 and "no record 261128-ZZZZZZ in this registry" in result.out, result
