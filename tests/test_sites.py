"""Many sites (issue 13 item 6): `check` and `report` across several registries, each
record under its own registry's policy, with a site column and a company total.

Each site is a real registry (the template, copied into its own folder and git
repository); the clock is frozen (conftest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    Reg,
    T,
    assert_one_line_error,
    callback,
    commit_policy_lines,
    new,
    resolve,
    run_cli,
    run_process,
)
from tests.test_notify import Robot, robot  # noqa: F401 - the local robot server

LATER = {"CMPLT_NOW": "2030-01-01T00:00:00+00:00"}
AS_OF = T("11-28 09:00")


def site(tmp_path: Path, template: Path, name: str) -> Reg:
    root = tmp_path / name
    shutil.copytree(template, root, symlinks=True)
    return Reg(root)


@pytest.fixture
def east(tmp_path: Path, _registry_template: Path) -> Reg:
    return site(tmp_path, _registry_template, "east")


@pytest.fixture
def west(tmp_path: Path, _registry_template: Path) -> Reg:
    return site(tmp_path, _registry_template, "west")


def handled(reg: Reg, day: str, *callers: str) -> str:
    """A request received at 09:00 on `day`, resolved at 10:00, called back by `callers`."""
    cid = new(reg, T(f"{day} 09:00"), nature="request")
    resolve(reg, T(f"{day} 10:00"), cid)
    for n, caller in enumerate(callers, start=1):
        callback(reg, T(f"{day} {10 + n}:00"), cid, caller)
    return cid


def check(tmp: Path, sites: list[str], *args: str) -> tuple[int, dict[str, Any]]:
    """`cmplt SITES check --as-of AS_OF --format json ARGS` (SITES: the --registry options)."""
    result = run_cli(
        *sites, "check", "--as-of", AS_OF, "--format", "json", *args, cwd=tmp, env=LATER
    )
    assert result.code in (0, 1), result
    return result.code, json.loads(result.out)


def registries(*regs: Reg) -> list[str]:
    return [arg for reg in regs for arg in ("--registry", str(reg.root))]


# --- check -----------------------------------------------------------------------------


def test_findings_of_every_site_carry_their_site(tmp_path: Path, east: Reg, west: Reg) -> None:
    a = new(east, T("11-27 09:00"))  # no reply: first-reply overdue at both sites
    b = new(west, T("11-27 10:00"), summary="西区门禁坏了")
    alone = east.run("check", "--as-of", AS_OF, "--format", "json", env=LATER)
    code, data = check(tmp_path, registries(east, west))
    assert code == 1
    replies = [f for f in data["findings"] if f["rule"] == "first-reply"]
    assert [(f["site"], f["id"]) for f in replies] == [("east", a), ("west", b)]
    # every key a single registry's finding has, in its order, then `site`
    single = json.loads(alone.out)["findings"][0]
    assert list(replies[0]) == [*single, "site"]
    assert {k: v for k, v in replies[0].items() if k != "site"} == single
    assert [s["name"] for s in data["sites"]] == ["east", "west"]
    assert data["sites"][0]["registry"] == str(east.root.resolve())

    table = run_cli("--registry", str(east.root), "--registry", str(west.root), "check",
                    "--as-of", AS_OF, cwd=tmp_path, env=LATER)  # fmt: skip
    assert table.code == 1, table
    lines = table.out.splitlines()
    header = next(line for line in lines if line.startswith("site "))
    assert header.split()[:2] == ["site", "id"]
    assert any(line.startswith("east ") and a in line for line in lines)
    assert any(line.startswith("west ") and b in line and "西区门禁坏了" in line for line in lines)
    # one registry alone: no site column, as before
    assert not any(
        line.startswith("site ") for line in east.run("check", env=LATER).out.splitlines()
    )


def test_quotas_per_site_and_the_company_total(tmp_path: Path, east: Reg, west: Reg) -> None:
    handled(east, "11-10", "王主管")
    handled(east, "11-11")
    handled(west, "11-12", "王主管", "赵经理")
    code, data = check(tmp_path, registries(east, west), "--rule", "callback-quota")
    assert code == 0  # November runs: a shortfall is a warning
    rows = {(q["site"], q["role"]): q for q in data["quotas"]}
    assert (rows["east", "supervisor"]["called_back"], rows["east", "supervisor"]["handled"]) == (
        1,
        2,
    )
    assert rows["east", "supervisor"]["level"] == "warning"
    assert rows["west", "supervisor"]["rate"] == 100.0
    assert rows["west", "supervisor"]["level"] is None
    totals = {q["role"]: q for q in data["quota_totals"]}
    assert {q["site"] for q in data["quota_totals"]} == {None}
    assert (totals["supervisor"]["called_back"], totals["supervisor"]["handled"]) == (2, 3)
    assert totals["supervisor"]["rate"] == 66.7
    assert (totals["manager"]["called_back"], totals["manager"]["required"]) == (1, 25.0)
    # the findings: east's supervisor shortfall alone (west meets every quota but director)
    short = {(f["site"], f["role"]) for f in data["findings"]}
    assert ("east", "supervisor") in short and ("west", "supervisor") not in short

    text = run_cli("--lang", "zh-CN", *registries(east, west), "check", "--as-of", AS_OF,
                   cwd=tmp_path, env=LATER).out  # fmt: skip
    lines = text.splitlines()
    assert "站点" in text
    total = [line for line in lines if line.startswith("全公司合计")]
    assert len(total) == 3, text
    assert any("66.7%" in line and "2" in line.split() and "3" in line.split() for line in total)


def test_each_site_is_judged_under_its_own_policy(tmp_path: Path, east: Reg, west: Reg) -> None:
    # west: the supervisor's quota is 50 %, and a first reply is due within 4 hours
    commit_policy_lines(
        west,
        {
            r"^    supervisor: 95.*$": "    supervisor: 50",
            r"^  first_reply: 2h.*$": "  first_reply: 4h",
        },
        "2026-01-01T00:00:00+08:00",
    )
    handled(east, "11-10", "王主管")
    handled(east, "11-11")
    handled(west, "11-10", "王主管")
    handled(west, "11-11")
    late_east = new(east, T("11-28 06:00"))  # 3 h without a reply at 09:00: overdue (2 h)
    new(west, T("11-28 06:00"))  # within west's 4 h
    code, data = check(tmp_path, registries(east, west))
    assert code == 1
    replies = [(f["site"], f["id"]) for f in data["findings"] if f["rule"] == "first-reply"]
    assert replies == [("east", late_east)]
    quota = {(f["site"], f["role"]): f for f in data["findings"] if f["rule"] == "callback-quota"}
    assert quota["east", "supervisor"]["required"] == 95.0
    assert ("west", "supervisor") not in quota, "1 of 2 meets west's 50 %"
    rows = {(q["site"], q["role"]): q["required"] for q in data["quotas"]}
    assert (rows["east", "supervisor"], rows["west", "supervisor"]) == (95.0, 50.0)
    totals = {q["role"]: q for q in data["quota_totals"]}
    assert totals["supervisor"]["required"] is None, "the sites disagree: no one quota"
    assert totals["manager"]["required"] == 25.0


def test_a_sites_file_with_relative_paths(tmp_path: Path, east: Reg, west: Reg) -> None:
    a = new(east, T("11-27 09:00"))
    b = new(west, T("11-27 09:00"))
    folder = tmp_path / "company"
    folder.mkdir()
    (folder / "sites.yaml").write_text(
        "sites:\n  - name: 东区\n    registry: ../east\n  - registry: ../west\n", encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("check", "--sites", "../company/sites.yaml", "--as-of", AS_OF,
                     "--format", "json", cwd=elsewhere, env=LATER)  # fmt: skip
    assert result.code == 1, result
    data = json.loads(result.out)
    assert [s["name"] for s in data["sites"]] == ["东区", "west"]
    found = {(f["site"], f["id"]) for f in data["findings"] if f["rule"] == "first-reply"}
    assert found == {("东区", a), ("west", b)}


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("sites:\n  - registry: east\n    colour: red\n", 2, "sites.yaml:3: sites.0.colour"),
        ("sites: [east\n", 2, "sites.yaml:2"),
        ("sites: &a\n  - registry: *a\n", 2, "sites.yaml:1: anchors and aliases"),
        ("sites: []\n", 2, "sites.yaml:1: sites"),
        ("- east\n", 2, "sites.yaml:1: expected a mapping"),
        ("sites:\n  - name: \"a\\x1b[31m\"\n    registry: east\n", 2, "sites.yaml:2: sites.0.name"),
        ("sites:\n  - name: A\n    registry: east\n  - name: A\n    registry: west\n", 2,
         "sites.yaml:4: site 'A' is named twice"),
        ("sites:\n  - registry: east\n  - name: B\n    registry: ./east/\n", 2,
         "sites.yaml:3: sites 'east' and 'B' are the same registry"),
    ],
)  # fmt: skip
def test_a_bad_sites_file_is_one_line(tmp_path: Path, text: str, code: int, says: str) -> None:
    # the file is judged before any site is opened: plain folders are enough
    (tmp_path / "east").mkdir()
    (tmp_path / "west").mkdir()
    (tmp_path / "sites.yaml").write_text(text, encoding="utf-8")
    for command in ("check", "report"):
        result = run_cli(command, "--sites", "sites.yaml", cwd=tmp_path, env=LATER)
        assert_one_line_error(result, code)
        assert says in result.err, result


def test_a_missing_sites_file(tmp_path: Path) -> None:
    result = run_cli("check", "--sites", "nowhere.yaml", cwd=tmp_path)
    assert_one_line_error(result, 3)
    assert "nowhere.yaml: no such file" in result.err


def test_a_site_that_cannot_be_read_stops_the_run(tmp_path: Path, east: Reg, west: Reg) -> None:
    new(east, T("11-27 09:00"))
    (tmp_path / "not-a-registry").mkdir()
    broken = tmp_path / "broken"
    shutil.copytree(west.root, broken, symlinks=True)
    (broken / "cmplt.yaml").write_text("clocks: [\n", encoding="utf-8")
    for missing, says in (
        (tmp_path / "gone", "site gone ("),
        (tmp_path / "not-a-registry", "site not-a-registry ("),
        (broken, "site broken ("),
    ):
        for command in ("check", "report"):
            result = run_cli(*registries(east, west), "--registry", str(missing), command,
                             cwd=tmp_path, env=LATER)  # fmt: skip
            assert_one_line_error(result, 2)  # nothing of east or west printed half-way
            assert says in result.err, result


def test_several_registries_only_for_check_and_report(tmp_path: Path, east: Reg, west: Reg) -> None:
    for args in (("list",), ("validate",), ("new", "--by", "张三")):
        result = run_cli(*registries(east, west), *args, cwd=tmp_path)
        assert_one_line_error(result, 2)
        assert "--registry given 2 times" in result.err
    both = run_cli(
        "--registry", str(east.root), "check", "--sites", "x.yaml", cwd=tmp_path, env=LATER
    )
    assert_one_line_error(both, 2)
    # CMPLT_REGISTRY names one folder, whatever it holds (a ':' is part of the name)
    odd = tmp_path / "a:b"
    shutil.copytree(east.root, odd, symlinks=True)
    alone = run_cli("list", "--format", "json", cwd=tmp_path, env={"CMPLT_REGISTRY": str(odd)})
    assert alone.code == 0, alone


def test_new_remembers_per_site(tmp_path: Path, east: Reg, west: Reg) -> None:
    new(east, T("11-27 09:00"))
    args = (*registries(east, west), "check", "--new", "--format", "json")
    first = run_cli(*args, cwd=tmp_path)
    assert first.code == 1, first
    assert {f["site"] for f in json.loads(first.out)["findings"]} == {"east"}
    assert (east.root / ".git" / "cmplt-check-seen.json").is_file()
    assert (west.root / ".git" / "cmplt-check-seen.json").is_file()
    b = new(west, T("11-28 06:00"))
    second = run_cli(*args, cwd=tmp_path)
    data = json.loads(second.out)
    assert [(f["site"], f["id"]) for f in data["findings"]] == [("west", b)]
    # east checked alone next: nothing new there either (its own state file)
    alone = east.run("check", "--new", "--format", "json")
    assert json.loads(alone.out)["findings"] == []


# --- report ----------------------------------------------------------------------------


def report(tmp: Path, sites: list[str], *args: str) -> Any:
    result = run_cli(*sites, "report", "--period", "2026-11", *args, cwd=tmp,
                     env={"CMPLT_NOW": T("12-10 09:00")})  # fmt: skip
    wrote = "cmplt: wrote r.xlsx\n" if "-o" in args else ""
    assert (result.code, result.err) == (0, wrote), result
    return result


def test_report_per_site_and_the_company_totals(tmp_path: Path, east: Reg, west: Reg) -> None:
    # west: the supervisor's quota is 50 %; each site's rate is read against its own
    commit_policy_lines(
        west, {r"^    supervisor: 95.*$": "    supervisor: 50"}, "2026-01-01T00:00:00+08:00"
    )
    handled(east, "11-10", "王主管")
    handled(east, "11-11")
    handled(west, "11-12", "王主管", "赵经理")
    new(west, T("11-13 09:00"), nature="request", unit="5-101")
    data = json.loads(report(tmp_path, registries(east, west), "--format", "json").out)
    assert [(s["site"], s["received"]) for s in data["sites"]] == [("east", 2), ("west", 2)]
    alone = json.loads(report(tmp_path, ["--registry", str(east.root)], "--format", "json").out)
    assert {k: v for k, v in data["sites"][0].items() if k not in ("site", "registry")} == alone
    company = data["company"]
    assert company["received"] == 4
    rates = {r["role"]: r for r in company["callbacks"]["rates"]}
    assert (rates["supervisor"]["called_back"], rates["supervisor"]["handled"]) == (2, 3)
    assert rates["supervisor"]["required"] is None, "95 % at east, 50 % at west"
    assert (rates["manager"]["called_back"], rates["manager"]["required"]) == (1, 25.0)
    site_rates = [
        {r["role"]: r["required"] for r in s["callbacks"]["rates"]}["supervisor"]
        for s in data["sites"]
    ]
    assert site_rates == [95.0, 50.0]
    assert company["reply_times"]["all"][0]["count"] == 3  # resolved ones replied; one pending
    assert "repeats" not in company and "dissatisfied" not in company["callbacks"]

    text = report(tmp_path, registries(east, west)).out
    overview = text.split("## Overview", 1)[1].split("##", 1)[0]
    assert "| Site | Figure | Value |" in overview
    received = [line for line in overview.splitlines() if "Complaints received" in line]
    assert received == [
        "| east | Complaints received | 2 |",
        "| west | Complaints received | 2 |",
        "| company total | Complaints received | 4 |",
    ]
    assert "Sites: east, west." in text


def test_report_html_and_workbook_have_a_site_column(tmp_path: Path, east: Reg, west: Reg) -> None:
    from openpyxl import load_workbook

    handled(east, "11-10", "王主管")
    handled(west, "11-12")
    report(tmp_path, registries(east, west), "--format", "xlsx", "-o", "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    overview = book.worksheets[1]
    assert [c.value for c in overview[1]] == ["Site", "Figure", "Value"]
    sites = [row[0] for row in overview.iter_rows(min_row=2, values_only=True)]
    assert sites[0] == "east" and "west" in sites and sites[-1] == "company total"
    html = report(tmp_path, registries(east, west), "--format", "html").out
    assert '<th scope="col">Site</th>' in html and "<td>company total</td>" in html
    assert html.count("<html") == 1


def test_a_sites_file_of_one_site_reads_as_that_site(tmp_path: Path, east: Reg) -> None:
    new(east, T("11-27 09:00"))
    (tmp_path / "sites.yaml").write_text("sites:\n  - registry: east\n", encoding="utf-8")
    env = {"CMPLT_NOW": T("12-10 09:00")}
    args = ("report", "--period", "2026-11", "--as-of", "2026-11-30 18:00")
    alone = run_cli("--registry", str(east.root), *args, cwd=tmp_path, env=env)
    listed = run_cli(*args, "--sites", "sites.yaml", cwd=tmp_path, env=env)
    assert alone.code == listed.code == 0, listed
    assert listed.out == alone.out
    table = run_cli("check", "--sites", "sites.yaml", cwd=tmp_path)
    assert table.out == east.run("check").out


def test_notify_posts_every_site_once_and_forgets_on_failure(
    tmp_path: Path,
    east: Reg,
    west: Reg,
    robot: tuple[Robot, str],  # noqa: F811
) -> None:
    state, base = robot
    a = new(east, T("11-27 08:00"))
    b = new(west, T("11-27 08:00"))
    target = f"wecom+{base}/cgi-bin/webhook/send?key=K1"
    state.answers = [(500, {})] * 3  # the service down: nothing is remembered as said
    failed = run_cli(*registries(east, west), "check", "--notify", target, cwd=tmp_path)
    assert_one_line_error(failed, 2)
    posted = run_cli(*registries(east, west), "check", "--notify", target, cwd=tmp_path)
    assert posted.code == 1, posted
    content = state.received[-1][2]["markdown"]["content"]
    assert f"[east] **{a}**" in content and f"[west] **{b}**" in content
    assert len(state.received) == 4
    again = run_cli(*registries(east, west), "check", "--notify", target, cwd=tmp_path)
    assert again.code == 1 and len(state.received) == 4  # nothing new anywhere


def test_the_sites_file_has_a_schema(tmp_path: Path) -> None:
    import jsonschema
    import yaml

    result = run_cli("schema", "sites", cwd=tmp_path)
    assert result.code == 0, result
    schema = json.loads(result.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    check_file = jsonschema.Draft202012Validator(schema).is_valid
    assert check_file(yaml.safe_load("sites:\n  - name: 东区\n    registry: ../east\n"))
    assert not check_file(yaml.safe_load("sites:\n  - registry: east\n    colour: red\n"))
    assert not check_file(yaml.safe_load("sites: []\n"))


def test_completion_reads_the_first_registry_given(tmp_path: Path, east: Reg) -> None:
    cid = new(east, T("11-27 09:00"))
    words = f"cmplt --registry {east.root} show "
    env = {"_CMPLT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": "4"}
    done = run_process(cwd=tmp_path, env=env)
    assert done.code == 0, done
    assert done.out.splitlines() == [f"plain,{cid}"]
