"""Both languages in (issue 14, item 1): every enumerated option takes the stored
value or its label in either catalog, case- and width-insensitive; the files keep
the stored values; a wrong value lists the choices with their labels."""

from __future__ import annotations

import yaml

from tests.conftest import INTAKE, Reg, assert_one_line_error


def _intake(**values: str) -> list[str]:
    args = ["new", "--by", "张三"]
    for key, value in {**INTAKE, **values}.items():
        args += [f"--{key.replace('_', '-')}", value]
    return args


def test_a_complaint_typed_in_chinese_is_stored_with_its_keys(reg: Reg) -> None:
    cid = reg.ok(
        *_intake(
            severity="轻微",
            nature="无效投诉",
            channel="网上",
            subject="服务质量",
            category="ＲＥＰＡＩＲ",
            responsible="业主",
        )
    ).out.split()[0]
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    assert (data["severity"], data["nature"], data["channel"]) == ("minor", "invalid", "online")
    assert (data["subject"], data["category"]) == ("quality", "repair")
    assert data["responsible_party"] == "owner"
    reg.ok("reclassify", cid, "--by", "孙总", "--nature", "有效投诉(一类)", "--severity", "Major")
    reg.ok("resolve", cid, "--by", "张三", "--result", "修好了")
    reg.ok("callback", cid, "--by", "陈主管", "--satisfaction", "满意")
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    assert data["nature"] == "valid-1" and data["severity"] == "major"
    assert data["events"][-1]["satisfaction"] == "satisfied"
    # commit messages and trailers keep the stored values
    assert "satisfied" in reg.git("log", "-1", "--format=%B")


def test_a_role_by_its_title(reg: Reg) -> None:
    reg.ok("staff", "add", "吴敏", "--role", "客服员", "--department", "客服中心", "--by", "赵经理")
    roster = yaml.safe_load((reg.root / "staff.yaml").read_text(encoding="utf-8"))
    assert roster["staff"]["吴敏"]["role"] == "clerk"


def test_a_wrong_value_lists_the_choices_with_their_labels(reg: Reg) -> None:
    head = reg.head()
    result = reg.run("--lang", "zh-CN", *_intake(severity="严重"))
    assert_one_line_error(result)
    assert "minor (轻微), important (重要), major (重大)" in result.err
    result = reg.run("--lang", "en", "list", "--status", "opened")
    assert_one_line_error(result)
    assert "open, dispatched, in_progress" in result.err
    # a policy list: the domain names the choices the same way
    result = reg.run("--lang", "zh-CN", *_intake(channel="微信"))
    assert_one_line_error(result)
    assert "phone (电话)" in result.err and "微信" in result.err
    assert reg.head() == head
