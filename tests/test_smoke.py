from __future__ import annotations

from tests.conftest import Reg


def test_a_complaint_lives_from_intake_to_archive(reg: Reg) -> None:
    cid = reg.new()
    for args in (
        ("respond", cid, "--by", "张三", "--note", "工程部今天上门"),
        ("dispatch", cid, "--by", "张三", "--to", "工程部"),
        ("accept", cid, "--by", "李工"),
        ("resolve", cid, "--by", "李工", "--result", "更换按钮"),
        ("callback", cid, "--by", "王主管", "--satisfaction", "satisfied"),
        ("close", cid, "--by", "张三"),
    ):
        reg.ok(*args)
    shown = reg.ok("show", cid, "--format", "json").out
    assert '"status": "closed"' in shown
