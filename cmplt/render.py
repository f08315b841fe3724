"""One renderer: rows in, table, JSON or CSV out. Data goes to stdout only."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from cmplt.model import Complaint

FORMATS = ("table", "json", "csv")


def mask_phone(phone: str) -> str:
    """138****8000: enough to confirm with the caller, not enough to copy."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    # a mobile number (11 digits) keeps its network prefix; shorter ones only the last four
    keep_head = 3 if len(digits) >= 11 else 0
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def _plain(value: Any, tz: tzinfo | None) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).replace(microsecond=0).isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, tz) for v in value]
    return value


def rows_out(
    rows: Sequence[Mapping[str, Any]], headers: Sequence[str], fmt: str, tz: tzinfo | None = None
) -> str:
    if fmt == "json":
        return json.dumps([_plain(dict(r), tz) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=list(headers), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k), tz) for k in headers})
        return stream.getvalue()
    # tabulate (with wcwidth) is imported only here: it is slow to import and only
    # tables need it; it lines up Chinese text by display width.
    from tabulate import tabulate

    body = [[_cell(row.get(k), tz) for k in headers] for row in rows]
    return tabulate(body, headers=list(headers), tablefmt="simple", disable_numparse=True) + "\n"


def _cell(value: Any, tz: tzinfo | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def shorten(text: str, width: int) -> str:
    """Cut to a display width (a Chinese character is two columns wide)."""
    from wcwidth import wcswidth

    if wcswidth(text) <= width:
        return text
    out = ""
    for char in text:
        if wcswidth(out + char + "…") > width:
            break
        out += char
    return out + "…"


def complaint_json(complaint: Complaint, tz: tzinfo, show_phone: bool) -> dict[str, Any]:
    data = complaint.model_dump(mode="python", by_alias=True, exclude_none=True)
    if not show_phone:
        data["phone"] = mask_phone(complaint.phone)
    result: dict[str, Any] = _plain(data, tz)
    return result


_LABELS = (
    ("status", "Status 状态"),
    ("owner", "Owner 负责人"),
    ("department", "Department 部门"),
    ("received_at", "Received 受理"),
    ("channel", "Channel 渠道"),
    ("customer", "Customer 客户"),
    ("unit", "Unit 房号"),
    ("phone", "Phone 电话"),
    ("happened_at", "Happened 发生时间"),
    ("location", "Where 地点"),
    ("about", "About 被投诉对象"),
    ("summary", "Summary 摘要"),
    ("request", "Request 客户要求"),
    ("requested_deadline", "Asked by 要求期限"),
    ("urgent_note", "Urgent note 紧急处置"),
    ("responsible_party", "Responsible 责任方"),
    ("nature", "Nature 性质"),
    ("severity", "Severity 程度"),
    ("subject", "Subject 情况"),
    ("category", "Category 类别"),
    ("urgent", "Urgent 紧急"),
    ("economic_loss", "Economic loss 经济损失"),
    ("staff_involved", "Staff involved 被投诉员工"),
    ("staff_verified", "Verified 属实"),
)


def complaint_text(
    complaint: Complaint, tz: tzinfo, show_phone: bool, deadline: datetime | None
) -> str:
    """The record as a supervisor reads it: fields, then the history line by line."""
    from wcwidth import wcswidth

    data = complaint_json(complaint, tz, show_phone)
    lines = [f"{complaint.id}  {complaint.summary}"]
    width = max(wcswidth(label) for _, label in _LABELS)
    for key, label in _LABELS:
        value = data.get(key)
        if value is None or value is False:
            continue
        if value is True:
            value = "yes"
        pad = " " * (width - wcswidth(label))
        lines.append(f"  {label}{pad}  {value}")
    if deadline is not None and complaint.status in {"open", "dispatched", "in_progress"}:
        pad = " " * (width - wcswidth("Due 处理期限"))
        lines.append(f"  Due 处理期限{pad}  {_plain(deadline, tz)}")
    lines.append("")
    lines.append("  History 处理经过")
    for event in data["events"]:
        details = {
            k: v
            for k, v in event.items()
            if k not in {"id", "action", "at", "recorded_at", "by"} and v is not False
        }
        late = (
            ""
            if event["recorded_at"][:16] == event["at"][:16]
            else f" (recorded {event['recorded_at'][:16]})"
        )
        text = "; ".join(f"{k}: {_detail(v)}" for k, v in details.items())
        lines.append(
            f"  {event['at'][:16].replace('T', ' ')}  {event['action']:<10} {event['by']}{late}"
        )
        if text:
            lines.append(f"      {text}")
    return "\n".join(lines) + "\n"


def _detail(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def findings_table(findings: Sequence[Any], tz: tzinfo, as_of: datetime, period: str) -> str:
    """Findings grouped by rule, most overdue first, Chinese text aligned."""
    from tabulate import tabulate

    from cmplt.times import format_duration

    when = as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if not findings:
        return f"nothing overdue as of {when}\n"
    out = [f"as of {when} ({tz}), quotas for {period}: {len(findings)} finding(s)"]
    groups: dict[str, list[Any]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    for rule, group in groups.items():
        out.append("")
        out.append(f"== {rule} ({len(group)})")
        if rule == "callback-quota":
            rows = [
                [
                    f.extra["role"],
                    f"{f.extra['rate']:.1f}%",
                    f"{f.extra['required']:g}%",
                    f.extra["called_back"],
                    f.extra["handled"],
                    shorten(" ".join(f.extra["missing"]), 60),
                ]
                for f in group
            ]
            headers = ["role", "rate", "required", "called back", "handled", "missing"]
        elif rule == "invalid-record":
            rows = [[f.path, f.line or "", f.message] for f in group]
            headers = ["file", "line", "problem"]
        else:
            rows = [
                [
                    f.id,
                    f.level,
                    _cell(f.due, tz),
                    format_duration(f.overdue_by)
                    if f.level == "overdue"
                    else "in " + format_duration(-f.overdue_by),
                    f.severity,
                    f.owner,
                    f.department or "",
                    shorten(f.summary or "", 24),
                    f.message,
                ]
                for f in group
            ]
            headers = [
                "id",
                "level",
                "due",
                "overdue",
                "severity",
                "owner",
                "department",
                "summary",
                "what is missing",
            ]
        out.append(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    return "\n".join(out) + "\n"
