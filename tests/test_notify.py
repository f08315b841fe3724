"""`check --notify` (issue 14, item 5): the new findings posted to a WeCom, DingTalk
or Feishu group robot, each in its service's documented request shape, checked by a
local HTTP server standing in for the service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Reg, T, new


class Robot:
    """What the service received, and what it answers next (HTTP status, JSON)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, list[str]], dict[str, Any]]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.default = (200, {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def robot() -> Iterator[tuple[Robot, str]]:
    state = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            parts = urllib.parse.urlsplit(self.path)
            assert self.headers["Content-Type"].startswith("application/json")
            state.received.append((parts.path, urllib.parse.parse_qs(parts.query), body))
            status, answer = state.answers.pop(0) if state.answers else state.default
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def overdue(reg: Reg) -> str:
    return new(reg, T("11-27 08:00"))  # no reply for a day: first-reply overdue at 09:00 today


def test_wecom_gets_a_markdown_message_of_the_new_findings(
    reg: Reg, robot: tuple[Robot, str]
) -> None:
    state, base = robot
    cid = overdue(reg)
    target = f"wecom+{base}/cgi-bin/webhook/send?key=K1"
    result = reg.run("--lang", "zh-CN", "check", "--notify", target)
    assert result.code == 1, result  # overdue, as without --notify
    assert cid in result.out
    [(path, query, body)] = state.received
    assert (path, query) == ("/cgi-bin/webhook/send", {"key": ["K1"]})
    assert body["msgtype"] == "markdown" and set(body) == {"msgtype", "markdown"}
    assert cid in body["markdown"]["content"] and "首次答复" in body["markdown"]["content"]
    # the next run has nothing new: nothing posted
    assert reg.run("check", "--notify", target).code == 1
    assert len(state.received) == 1


def test_dingtalk_signs_and_feishu_signs_its_own_way(reg: Reg, robot: tuple[Robot, str]) -> None:
    state, base = robot
    cid = overdue(reg)
    env = {
        "CMPLT_NOTIFY_SECRET": "SEC-xyz",
        "CMPLT_NOTIFY": f"dingtalk+{base}/robot/send?access_token=T",
    }
    assert reg.run("check", env=env).code == 1
    [(path, query, body)] = state.received
    assert path == "/robot/send" and query["access_token"] == ["T"]
    stamp = query["timestamp"][0]
    digest = hmac.new(b"SEC-xyz", f"{stamp}\nSEC-xyz".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]
    assert body["msgtype"] == "markdown"
    assert re.fullmatch(r"cmplt: \d+ new findings?", body["markdown"]["title"])
    assert cid in body["markdown"]["text"]

    other = new(reg, T("11-27 08:30"))
    state.default = (200, {"code": 0, "msg": "success"})
    env["CMPLT_NOTIFY"] = f"feishu+{base}/open-apis/bot/v2/hook/H"
    assert reg.run("check", env=env).code == 1
    path, query, body = state.received[-1]
    assert path == "/open-apis/bot/v2/hook/H" and query == {}
    key = f"{body['timestamp']}\nSEC-xyz".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "interactive"
    [element] = body["card"]["elements"]
    assert (
        element["tag"] == "markdown"
        and other in element["content"]
        and cid not in element["content"]
    )


def test_a_refused_post_is_retried_then_said_and_tried_again_next_time(
    reg: Reg, robot: tuple[Robot, str]
) -> None:
    state, base = robot
    cid = overdue(reg)
    target = f"wecom+{base}/send"
    state.answers = [(500, {}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    assert reg.run("check", "--notify", target).code == 1  # the third attempt goes through
    assert len(state.received) == 3
    state.received.clear()
    other = new(reg, T("11-27 08:30"))
    state.answers = [(500, {})] * 3
    failed = reg.run("check", "--notify", target)
    assert failed.code == 2 and failed.err.count("\n") == 1 and "3 attempts" in failed.err, failed
    assert len(state.received) == 3
    # not remembered as said: the next run posts it
    state.received.clear()
    assert reg.run("check", "--notify", target).code == 1
    [(_path, _query, body)] = state.received
    assert other in body["markdown"]["content"] and cid not in body["markdown"]["content"]


def test_the_robot_address_is_kept_outside_the_registry(reg: Reg, tmp_path: Path) -> None:
    inside = reg.root / "robot.txt"
    inside.write_text("url=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K\n")
    result = reg.run("check", "--notify", f"@{inside}")
    assert result.code == 2 and "outside the registry" in result.err, result
    unknown = reg.run("check", "--notify", "https://example.invalid/hook")
    assert unknown.code == 2 and "wecom+URL" in unknown.err, unknown
    outside = tmp_path / "robot.txt"
    outside.write_text("# the group robot of 客服中心\nurl=ftp://x\n")
    assert reg.run("check", "--notify", f"@{outside}").code == 2
