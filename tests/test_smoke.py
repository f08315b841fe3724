from __future__ import annotations

from tests.conftest import Reg


def test_a_complaint_lives_from_intake_to_archive(reg: Reg) -> None:
    cid = reg.new()
    for args in (
        ("respond", cid, "--by", "张三", "--note", "工程部今天上门"),
        ("dispatch", cid, "--by", "陈主管", "--to", "工程部"),  # approved at once (规程 4.3.1)
        ("accept", cid, "--by", "李工"),
        ("resolve", cid, "--by", "李工", "--result", "更换按钮"),
        ("callback", cid, "--by", "王主管", "--satisfaction", "satisfied"),
        # a valid complaint: the director and the manager call back too (回访制度 4)
        ("callback", cid, "--by", "钱主任", "--satisfaction", "satisfied"),
        ("callback", cid, "--by", "赵经理", "--satisfaction", "satisfied"),
        ("close", cid, "--by", "张三"),
    ):
        reg.ok(*args)
    shown = reg.ok("show", cid, "--format", "json").out
    assert '"status": "closed"' in shown
