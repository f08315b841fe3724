"""New findings to the team's group chat: a WeCom (企业微信), DingTalk (钉钉) or
Feishu (飞书) group robot, in that service's own message format.

The service is known by the URL's host (qyapi.weixin.qq.com, oapi.dingtalk.com,
open.feishu.cn / open.larksuite.com), or named before it (`wecom+URL`,
`dingtalk+URL`, `feishu+URL`) for a proxy or a test server. A robot's URL is a
credential: it comes from the environment or from a file outside the registry,
never from cmplt.yaml (which is committed). A robot with "signed requests"
(加签) takes its secret the same way: DingTalk gets `timestamp` and `sign` in
the URL, Feishu in the body. A failed post is retried (three attempts, a short
pause between).

What is posted is a Markdown card: how many new findings, then one line each:
the record's ID, what is missing and for how long; a quota with the IDs that
still need a callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from cmplt.errors import CouldNotRun, UsageError
from cmplt.findings import Finding
from cmplt.i18n import _, label

SERVICES = ("wecom", "dingtalk", "feishu")
_HOSTS = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
}
ATTEMPTS = 3


@dataclass(frozen=True)
class Robot:
    service: str
    url: str
    secret: str | None = None


def robot(target: str, secret: str | None) -> Robot:
    """`URL`, `wecom+URL`, `dingtalk+URL` or `feishu+URL` as a robot to post to."""
    service = None
    text = target.strip()
    for name in SERVICES:
        if text.startswith(name + "+"):
            service, text = name, text[len(name) + 1 :]
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(_("--notify: not a web address: {url!r}").format(url=_shown(text)))
    service = service or _HOSTS.get(parts.hostname or "")
    if service is None:
        raise UsageError(
            _(
                "--notify: {host} is not a WeCom, DingTalk or Feishu robot; name the service: "
                "wecom+URL, dingtalk+URL or feishu+URL"
            ).format(host=parts.hostname)
        )
    return Robot(service, text, secret or None)


def robot_from_file(path: Path, registry_root: Path) -> Robot:
    """A file of `key=value` lines (`url=…`, `secret=…`), kept outside the registry."""
    resolved = path.expanduser().resolve()
    root = registry_root.resolve()
    if resolved == root or root in resolved.parents:
        raise UsageError(
            _(
                "--notify @{path}: the robot's address is a secret; keep it outside the registry"
            ).format(path=path)
        )
    try:
        lines = resolved.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(_("--notify @{path}: cannot read it").format(path=path)) from exc
    values = dict(
        (key.strip().lower(), value.strip())
        for key, sep, value in (line.partition("=") for line in lines)
        if sep and not key.strip().startswith("#")
    )
    if "url" not in values:
        raise UsageError(_("--notify @{path}: no url= line").format(path=path))
    return robot(values["url"], values.get("secret"))


def _shown(url: str) -> str:
    # a robot's URL carries its token: show the host, not the key
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else url[:20]


# --- the message ------------------------------------------------------------------------


def card(findings: Sequence[Finding], tz: tzinfo, title: str) -> str:
    """The findings as Markdown lines (the same for every service)."""
    from cmplt.shown import duration_text, time_text

    lines = [f"### {title}", ""]
    for f in findings:
        # many sites: each line says which site it is about
        site = f"[{f.extra['site']}] " if f.extra.get("site") else ""
        if f.rule == "callback-quota":
            e = f.extra
            lines.append(
                "- "
                + site
                + _("{rule} {period}: {role} {called} of {handled}, missing: {ids}").format(
                    rule=label("rule", f.rule),
                    period=e["period"],
                    role=label("role", e["role"]),
                    called=e["called_back"],
                    handled=e["handled"],
                    ids=", ".join(e["missing"]),
                )
            )
            continue
        e = f.extra
        late = e["as_of"] - e["due"]
        lines.append(
            "- "
            + site
            + _("**{id}** {rule}: {level} {late} (due {due}) · {owner} · {what}").format(
                id=f.record_id,
                rule=label("rule", f.rule),
                level=label("level", f.level),
                late=duration_text(late) if f.level == "overdue" else "",
                due=time_text(e["due"], tz),
                owner=e.get("owner") or "",
                what=f.message,
            )
        )
    return "\n".join(lines) + "\n"


def payload(service: str, title: str, text: str) -> dict[str, Any]:
    """The body each service documents for a Markdown message from a group robot."""
    if service == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if service == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "markdown", "content": text}],
        },
    }


def signed(target: Robot, body: dict[str, Any], now: float) -> tuple[str, dict[str, Any]]:
    """The URL and body with the service's signature, when the robot has a secret."""
    if not target.secret:
        return target.url, body
    secret = target.secret.encode("utf-8")
    if target.service == "dingtalk":
        # DingTalk: milliseconds; HMAC-SHA256 of "timestamp\nsecret" keyed by the secret
        stamp = str(int(now * 1000))
        digest = hmac.new(secret, f"{stamp}\n{target.secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
        joiner = "&" if "?" in target.url else "?"
        return f"{target.url}{joiner}timestamp={stamp}&sign={sign}", body
    if target.service == "feishu":
        # Feishu: seconds; HMAC-SHA256 of nothing keyed by "timestamp\nsecret"
        stamp = str(int(now))
        key = f"{stamp}\n{target.secret}".encode()
        sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")
        return target.url, {"timestamp": stamp, "sign": sign, **body}
    return target.url, body  # WeCom's robots have no signature


def post(
    target: Robot,
    findings: Sequence[Finding],
    tz: tzinfo,
    clock: Callable[[], float] = time.time,
    pause: Callable[[float], None] = time.sleep,
) -> None:
    """Post the card; CouldNotRun (exit 2) when the service refuses it after the retries."""
    from cmplt.i18n import ngettext

    title = ngettext(
        "cmplt: {count} new finding", "cmplt: {count} new findings", len(findings)
    ).format(count=len(findings))
    body = payload(target.service, title, card(findings, tz, title))
    problem = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            pause(0.5 * 2 ** (attempt - 1))
        url, signed_body = signed(target, body, clock())
        request = urllib.request.Request(
            url,
            data=json.dumps(signed_body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = json.loads(response.read().decode("utf-8") or "{}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            problem = str(getattr(exc, "reason", exc))
            continue
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if code in (0, None):
            return
        problem = str(answer.get("errmsg") or answer.get("msg") or code)
    raise CouldNotRun(
        _(
            "--notify: {service} did not take the message after {attempts} attempts: {problem}"
        ).format(service=target.service, attempts=ATTEMPTS, problem=problem)
    )
