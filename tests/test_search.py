"""Finding things at the desk (issue 14, item 3): `cmplt search`, list filters, units
in any of their forms, tables that fit the terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

from wcwidth import wcswidth

from tests.conftest import Reg, T, new, step


def _ids(reg: Reg, *args: str) -> list[str]:
    return [row["id"] for row in json.loads(reg.ok(*args, "--format", "json").out)]


def desk(reg: Reg) -> dict[str, str]:
    a = new(reg, T("11-26 09:00"), customer="王先生", unit="3栋1502", phone="13800138000")
    b = new(
        reg,
        T("11-27 09:00"),
        customer="李女士",
        unit="５－０１０１",
        phone="13900139000",
        summary="楼道灯不亮",
    )
    c = new(reg, T("11-27 10:00"), customer="王太太", unit="3-0801", phone="0571-88881234")
    step(reg, T("11-27 11:00"), "note", c, "张三", "--note", "业主说电梯有异响")
    return {"a": a, "b": b, "c": c}


def test_search_by_customer_phone_unit_summary_and_notes(reg: Reg) -> None:
    ids = desk(reg)
    a, b, c = ids["a"], ids["b"], ids["c"]
    assert _ids(reg, "search", "王") == [a, c]
    assert _ids(reg, "search", "138****8000") == [a]  # a masked number from a table
    assert _ids(reg, "search", "8888") == [c]
    assert _ids(reg, "search", "3-1502") == [a]  # typed 3栋1502
    assert _ids(reg, "search", "5栋0101") == [b]  # typed ５－０１０１
    assert _ids(reg, "search", "灯不亮") == [b]
    assert _ids(reg, "search", "异响") == [c]  # in a note
    assert _ids(reg, "search", "没有这个词") == []


def test_list_filters_for_the_desk(reg: Reg) -> None:
    ids = desk(reg)
    a, b, c = ids["a"], ids["b"], ids["c"]
    assert _ids(reg, "list", "--customer", "王") == [a, c]
    assert _ids(reg, "list", "--phone", "139") == [b]
    assert _ids(reg, "list", "--unit", "3栋") == [a, c]  # the building, in its other form
    assert _ids(reg, "list", "--unit", "３－１５０２") == [a]
    assert _ids(reg, "list", "--status", "open,dispatched") == [a, b, c]
    step(reg, T("11-27 12:00"), "escalate", b, "张三", "--to", "王主管", "--reason", "反复")
    mine = reg.run("list", "--mine", "--format", "json", env={"CMPLT_ACTOR": "王主管"})
    assert [row["id"] for row in json.loads(mine.out)] == [b]
    nobody = reg.run("list", "--mine", env={"CMPLT_ACTOR": ""})
    assert nobody.code == 2 and "CMPLT_ACTOR" in nobody.err
    # now (11-28 09:00) the first replies of the older ones are overdue
    fresh = new(reg, T("11-28 08:50"))
    overdue = _ids(reg, "list", "--overdue")
    assert fresh not in overdue and {a, b, c} <= set(overdue)


def test_the_table_fits_the_terminal_and_wraps_in_a_file(reg: Reg) -> None:
    long = "三号楼一单元电梯按钮失灵，业主多次来电要求尽快修复并说明原因和处理时限" * 2
    cid = new(reg, T("11-27 09:00"), summary=long)
    narrow = reg.ok("list", env={"COLUMNS": "150"}).out
    # not a terminal here: the summary is wrapped onto lines, nothing cut
    assert "…" not in narrow
    assert "".join(line.split()[-1] for line in narrow.splitlines()[2:]).endswith(long[-10:])
    assert all(wcswidth(line) <= 150 for line in narrow.splitlines()), narrow
    assert len(narrow.splitlines()) > 3
    # on a terminal it is cut to fit (a pseudo-terminal stands in for one)
    main, secondary = pty.openpty()
    env = {**os.environ, "COLUMNS": "150", "CMPLT_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "cmplt", "list"],
        cwd=reg.root,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    text = shown.decode("utf-8")
    assert done.returncode == 0, done.stderr
    assert cid in text and "…" in text
    assert all(wcswidth(line) <= 150 for line in text.splitlines()), text
