"""One renderer: rows in, table, JSON or CSV out. Data goes to stdout only."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from cmplt.findings import Finding
from cmplt.i18n import N_, _, label
from cmplt.model import Complaint
from cmplt.plaintext import escaped
from cmplt.shown import time_text, time_text_of

FORMATS = ("table", "json", "csv")


def json_text(data: Any) -> str:
    """JSON as every command prints it: UTF-8 text as itself, indented, one final newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def list_rows(
    complaints: Sequence[Complaint], columns: Sequence[str], show_phone: bool, short: bool
) -> list[dict[str, Any]]:
    """`list`'s rows: phone numbers masked unless asked for, summaries cut for a table."""
    rows = []
    for c in complaints:
        row = {k: getattr(c, k) for k in columns}
        if not show_phone and c.phone is not None:
            row["phone"] = mask_phone(c.phone)
        if short:
            row["summary"] = shorten(c.summary, 30)
        rows.append(row)
    return rows


def fit_column(
    rows: Sequence[Mapping[str, Any]], headers: Sequence[str], key: str, width: int, wrap: bool
) -> list[dict[str, Any]]:
    """Rows whose `key` column (the last, long text) leaves the table within `width`
    columns: cut with `…`, or wrapped into lines (`wrap`), never lost."""
    from wcwidth import wcswidth

    others = [h for h in headers if h != key]
    # tabulate's columns: as wide as the widest cell, or the header and 2 (its padding)
    used = sum(
        max(
            [wcswidth(_(HEADERS.get(h, h))) + 2]
            + [wcswidth(_shown(h, r.get(h), None)) for r in rows]
        )
        for h in others
    )
    room = max(12, width - used - 2 * len(others))
    fitted = []
    for row in rows:
        text = str(row.get(key) or "")
        if wcswidth(text) > room:
            text = _Lines("\n".join(_wrap_text(text, room))) if wrap else shorten(text, room)
        fitted.append({**row, key: text})
    return fitted


# what a line does not start with (the punctuation that closes what comes before)
_NO_LINE_START = frozenset("，。、；：！？）》」』】〉”’,.;:!?)")


def _wrap_text(text: str, width: int) -> list[str]:
    """Lines of at most `width` display columns (Chinese has no spaces to break at);
    a comma or a closing bracket takes the character before it to the next line
    rather than start one."""
    from wcwidth import wcswidth

    lines = [""]
    for char in text:
        if wcswidth(lines[-1] + char) > width:
            carried = ""
            if char in _NO_LINE_START and len(lines[-1]) > 1:
                carried, lines[-1] = lines[-1][-1], lines[-1][:-1]
            lines.append(carried)
        lines[-1] += char
    return lines


def mask_phone(phone: str) -> str:
    """138****8000: enough to confirm with the caller, not enough to copy."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    # a mobile number (11 digits) keeps its network prefix; shorter ones only the last four
    keep_head = 3 if len(digits) >= 11 else 0
    return digits[:keep_head] + "*" * (len(digits) - keep_head - 4) + digits[-4:]


def yaml_phone_masked(text: str, phones: Sequence[str]) -> str:
    """A record file's text with the numbers masked on its top-level `phone:` line and
    in the corrections' `from:` and `to:` (`phones`: the numbers the record holds)."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if not line.lstrip().startswith(("phone:", "'phone':", '"phone":', "from:", "to:")):
            continue
        for phone in sorted(set(phones), key=len, reverse=True):
            if phone in line:
                lines[i] = lines[i].replace(phone, mask_phone(phone))
    return "".join(lines)


def _plain(value: Any, tz: tzinfo | None) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz else value).replace(microsecond=0).isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, tz) for v in value]
    return value


# what a spreadsheet (Excel, LibreOffice) takes for the start of a formula
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as written: text it would run as a formula
    (a customer named `=HYPERLINK(…)`, a reason starting with `-`) gets a leading `'`;
    numbers, times and other values are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def rows_out(
    rows: Sequence[Mapping[str, Any]],
    headers: Sequence[str],
    fmt: str,
    tz: tzinfo | None = None,
    *,
    labels: bool = False,
) -> str:
    """`labels`: a table for people, its headers (keys of HEADERS) translated and its
    enum values (keys of LABELLED) labelled; JSON and CSV keep keys and values as stored."""
    if fmt == "json":
        return json.dumps([_plain(dict(r), tz) for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=list(headers), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(csv_cell(row.get(k)), tz) for k in headers})
        return stream.getvalue()
    # tabulate (with wcwidth) is imported only here: it is slow to import and only
    # tables need it; it lines up Chinese text by display width.
    from tabulate import tabulate

    if not labels:
        body = [[escaped(_cell(row.get(k), tz)) for k in headers] for row in rows]
        return (
            tabulate(body, headers=list(headers), tablefmt="simple", disable_numparse=True) + "\n"
        )
    body = [[_shown(k, row.get(k), tz) for k in headers] for row in rows]
    titles = [_(HEADERS[k]) if k in HEADERS else k for k in headers]
    return tabulate(body, headers=titles, tablefmt="simple", disable_numparse=True) + "\n"


def _shown(key: str, value: Any, tz: tzinfo | None) -> str:
    """A table cell for people: enum values labelled, the rest as `_cell`."""
    if isinstance(value, str) and key in LABELLED:
        return escaped(label(LABELLED[key], value))
    return escaped(_cell(value, tz), keep_newlines=isinstance(value, _Lines))


def _cell(value: Any, tz: tzinfo | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return time_text(value, tz)
    if isinstance(value, bool):
        return _("yes") if value else ""
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
        if complaint.phone is not None:
            data["phone"] = mask_phone(complaint.phone)
        # a corrected number is as private as the number itself
        for event in data["events"]:
            if event["action"] == "correct":
                for side in ("from", "to"):
                    if event[side].get("phone"):
                        event[side]["phone"] = mask_phone(event[side]["phone"])
    result: dict[str, Any] = _plain(data, tz)
    return result


def phones_of(complaint: Complaint) -> list[str]:
    """Every phone number the record holds: its own, and those its corrections name."""
    found = [complaint.phone] if complaint.phone else []
    for event in complaint.events:
        if event.action == "correct":
            found += [str(v["phone"]) for v in (event.from_, event.to) if v.get("phone")]
    return found


# the fields `show` prints, in order, with their labels (translated when shown)
_LABELS = (
    ("status", N_("Status")),
    ("owner", N_("Owner")),
    ("department", N_("Department")),
    ("received_at", N_("Received")),
    ("channel", N_("Channel")),
    ("customer", N_("Customer")),
    ("unit", N_("Unit")),
    ("phone", N_("Phone")),
    ("anonymous", N_("Anonymous")),
    ("repeat_of", N_("Repeat of")),
    ("happened_at", N_("Happened")),
    ("location", N_("Where")),
    ("about", N_("About")),
    ("summary", N_("Summary")),
    ("request", N_("Request")),
    ("requested_deadline", N_("Asked by")),
    ("urgent_note", N_("Urgent note")),
    ("responsible_party", N_("Responsible")),
    ("nature", N_("Nature")),
    ("severity", N_("Severity")),
    ("subject", N_("Subject")),
    ("category", N_("Category")),
    ("urgent", N_("Urgent")),
    ("economic_loss", N_("Economic loss")),
    ("staff_involved", N_("Staff involved")),
    ("staff_verified", N_("Verified")),
)

# record fields whose values are labelled (`label(kind, value)`) when shown to people
LABELLED = {
    "status": "status",
    "channel": "channel",
    "nature": "nature",
    "severity": "severity",
    "subject": "subject",
    "category": "category",
    "responsible_party": "responsible_party",
    "satisfaction": "satisfaction",
}
# in an event's details also the roles; a table's `role` column (staff list) keeps the
# key people type after --role, beside the policy's own title for it
_LABELLED_DETAILS = {**LABELLED, "role": "role", "approver_role": "role", "kind": "attachment"}

# column headers of the tables (`list`, `staff list`); JSON and CSV keep the keys
HEADERS = {
    "id": N_("ID"),
    "received_at": N_("Received"),
    "status": N_("Status"),
    "severity": N_("Severity"),
    "nature": N_("Nature"),
    "category": N_("Category"),
    "unit": N_("Unit"),
    "customer": N_("Customer"),
    "phone": N_("Phone"),
    "owner": N_("Owner"),
    "department": N_("Department"),
    "summary": N_("Summary"),
    "name": N_("Name"),
    "role": N_("Role"),
    "role_label": N_("Role title"),
    "email": N_("Email"),
    "signing_key": N_("Signing key"),
    "removed": N_("Removed"),
}


def complaint_text(
    complaint: Complaint,
    tz: tzinfo,
    show_phone: bool,
    deadline: datetime | None,
    waiting: Sequence[str] = (),
) -> str:
    """The record as a supervisor reads it: fields, then the history line by line."""
    from wcwidth import wcswidth

    data = complaint_json(complaint, tz, show_phone)
    lines = [f"{complaint.id}  {escaped(complaint.summary)}"]
    titles = {key: _(title) for key, title in _LABELS}
    due_title = _("Due")
    width = max(wcswidth(title) for title in [*titles.values(), due_title])
    for key, title in titles.items():
        value = data.get(key)
        if value is None or value is False:
            continue
        if value is True:
            value = _("yes")
        elif isinstance(getattr(complaint, key, None), datetime):
            value = time_text(getattr(complaint, key), tz)
        elif key in LABELLED and isinstance(value, str):
            value = label(LABELLED[key], value)
        pad = " " * (width - wcswidth(title))
        lines.append(f"  {title}{pad}  {escaped(str(value))}")
    if deadline is not None and complaint.status in {"open", "dispatched", "in_progress"}:
        pad = " " * (width - wcswidth(due_title))
        lines.append(f"  {due_title}{pad}  {time_text(deadline, tz)}")
    if waiting:
        title = _("Awaiting approval")
        pad = " " * max(0, width - wcswidth(title))
        shown = _(", ").join(waiting)  # each labelled by the caller
        lines.append(f"  {title}{pad}  {shown} (cmplt approve)")
    lines.append("")
    lines.append("  " + _("History"))
    voided = {e["event"] for e in data["events"] if e["action"] == "void"}
    for event in data["events"]:
        details = {
            k: v
            for k, v in event.items()
            if k not in {"id", "action", "at", "recorded_at", "by"} and v is not False
        }
        late = (
            ""
            if event["recorded_at"][:16] == event["at"][:16]
            else " (" + _("recorded {at}").format(at=time_text_of(event["recorded_at"])) + ")"
        )
        text = _("; ").join(
            _("{field}: {value}").format(field=label("field", k), value=_detail(k, v))
            for k, v in details.items()
        )
        action = label("action", event["action"])
        pad = " " * max(0, 10 - wcswidth(action))
        by = escaped(event["by"])
        if event["id"] in voided:
            late += " [" + _("void") + "]"
        elif event["id"] in complaint.set_aside:
            # a merge of two clones' steps that contradict (merging.py): counts for nothing
            late += " [" + _("set aside: recorded on another clone at the same time") + "]"
        lines.append(f"  {time_text_of(event['at'])}  {action}{pad} {by}{late}")
        if text:
            lines.append(f"      {escaped(text, keep_newlines=True)}")
    kept = [e for e in data["events"] if e["action"] == "attach" and e["id"] not in voided]
    if kept:
        lines.append("")
        lines.append("  " + _("Attachments"))
        for event in kept:
            kind = label("attachment", event["kind"])
            lines.append(f"  {kind}  {escaped(event['name'])}  {event['file']}")
    return "\n".join(lines) + "\n"


def _detail(key: str, value: Any) -> str:
    """An event's detail as a person reads it: labels, yes/no, times in the one style."""
    if isinstance(value, Mapping):
        # reclassify's `from` / `to`: each field by its label
        return _(", ").join(
            _("{field} {value}").format(field=label("field", str(k)), value=_detail(str(k), v))
            for k, v in value.items()
        )
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return _("(none)")
    if isinstance(value, str) and key in _LABELLED_DETAILS:
        return label(_LABELLED_DETAILS[key], value)
    if isinstance(value, str) and _ISO_TIME.match(value):
        return time_text_of(value)
    return str(value)


# a time as the files write it, shown in the one style people read
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)$")


def findings_table(
    findings: Sequence[Finding],
    tz: tzinfo,
    as_of: datetime,
    period: str,
    only_new: bool = False,
    site_of: Callable[[Finding], str] | None = None,
) -> str:
    """Findings grouped by rule, most overdue first, Chinese text aligned; with
    `site_of` (many sites) each table's first column is the finding's site."""
    from tabulate import tabulate

    from cmplt.i18n import ngettext
    from cmplt.shown import duration_text as format_duration

    when = time_text(as_of, tz)
    if not findings and only_new:
        # --new: what was reported before may still be overdue; say only that nothing is new
        return _("nothing newly overdue as of {when}").format(when=when) + "\n"
    if not findings:
        return _("nothing overdue as of {when}").format(when=when) + "\n"
    count = ngettext(
        "as of {when} ({zone}), quotas for {period}: {count} finding",
        "as of {when} ({zone}), quotas for {period}: {count} findings",
        len(findings),
    )
    out = [count.format(when=when, zone=tz, period=period, count=len(findings))]
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    for rule, group in groups.items():
        out.append("")
        # the rule's id stays beside its label: it is what --rule takes
        title = label("rule", rule)
        out.append(
            f"== {title} [{rule}] ({len(group)})" if title != rule else f"== {rule} ({len(group)})"
        )
        if rule == "callback-quota":
            rows = [
                [
                    f.extra["period"],
                    label("level", f.level),
                    label("role", f.extra["role"]),
                    f"{f.extra['rate']:.1f}%",
                    f"{f.extra['required']:g}%",
                    f.extra["called_back"],
                    f.extra["handled"],
                    # every ID the supervisor must call, wrapped, none cut
                    _Lines("\n".join(_wrapped(f.extra["missing"], 45))),
                ]
                for f in group
            ]
            headers = [
                N_("period"),
                N_("level"),
                N_("role"),
                N_("rate"),
                N_("required rate"),
                N_("called back"),
                N_("handled"),
                N_("missing"),
            ]
        elif rule == "invalid-record":
            rows = [[f.path, f.line or "", f.message] for f in group]
            headers = [N_("file"), N_("line"), N_("problem")]
        else:
            rows = []
            for f in group:
                late = f.extra["as_of"] - f.extra["due"]
                rows.append(
                    [
                        f.record_id,
                        label("level", f.level),
                        _cell(f.extra["due"], tz),
                        format_duration(late)
                        if f.level == "overdue"
                        else _("in {duration}").format(duration=format_duration(-late)),
                        label("severity", f.extra["severity"]) if f.extra["severity"] else "",
                        f.extra["owner"],
                        f.extra["department"] or "",
                        shorten(f.extra["summary"] or "", 24),
                        f.message,
                    ]
                )
            headers = [
                N_("id"),
                N_("level"),
                N_("due"),
                N_("overdue"),
                N_("severity"),
                N_("owner"),
                N_("department"),
                N_("summary"),
                N_("what is missing"),
            ]
        if site_of is not None:
            rows = [[site_of(f), *row] for f, row in zip(group, rows, strict=True)]
            headers = [N_("site"), *headers]
        titles = [_(header) for header in headers]
        rows = [
            [
                escaped(c, keep_newlines=isinstance(c, _Lines)) if isinstance(c, str) else c
                for c in row
            ]
            for row in rows
        ]
        out.append(tabulate(rows, headers=titles, tablefmt="simple", disable_numparse=True))
    return "\n".join(out) + "\n"


class _Lines(str):
    """A cell of several lines we made ourselves (its line breaks are kept)."""


def _wrapped(words: Sequence[str], width: int) -> list[str]:
    """Words in lines of at most `width` columns (a word longer stands alone)."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


# --- files a person asked for (-o) -----------------------------------------------------


def write_output(path: Path, text: str, bom: bool) -> None:
    """Atomically into a regular file (a symlink is followed, its target replaced);
    into anything else (a FIFO, /dev/stdout) as a stream. CSV gets a byte-order
    mark, so that Excel reads it as UTF-8."""
    write_output_bytes(path, text.encode("utf-8-sig" if bom else "utf-8"))


def write_output_bytes(path: Path, data: bytes) -> None:
    """`write_output` of bytes (a workbook)."""
    from cmplt import store
    from cmplt.errors import UsageError

    target = path.resolve()
    try:
        if target.is_dir():
            raise UsageError(_("-o {path}: is a folder").format(path=path))
        if target.exists() and not target.is_file():
            with target.open("wb") as stream:
                stream.write(data)
            return
        # a report is for reading: keep the mode of the file it replaces, else rw-r--r--
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        store.write_bytes_atomic(target, data, mode)
    except OSError as exc:
        raise UsageError(
            _("-o {path}: {reason}").format(path=path, reason=exc.strerror or exc)
        ) from exc


def write_outputs(folder: Path, files: dict[str, str]) -> None:
    from cmplt.errors import UsageError

    if folder.exists() and not folder.is_dir():
        raise UsageError(_("-o {path}: is not a folder").format(path=folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(_("-o {path}: {reason}").format(path=folder, reason=exc.strerror)) from exc
    for name, text in files.items():
        write_output(folder / name, text, bom=True)


# --- workbooks (--format xlsx) -----------------------------------------------------------


def rows_sheet(rows: Sequence[Mapping[str, Any]], headers: Sequence[str], title: str) -> Any:
    """`rows_out`'s table for people as a sheet: headers translated, enum values
    labelled, times and numbers kept as they are (typed cells)."""
    from cmplt.xlsx import Sheet

    titles = [_(HEADERS[k]) if k in HEADERS else k for k in headers]
    body = [
        [
            label(LABELLED[k], row[k])
            if isinstance(row.get(k), str) and k in LABELLED
            else row.get(k)
            for k in headers
        ]
        for row in rows
    ]
    return Sheet(title, titles, body)


def findings_sheets(
    findings: Sequence[Finding], site_of: Callable[[Finding], str] | None = None
) -> list[Any]:
    """`check`'s findings as a workbook: the clocks, and the callback quotas; with
    `site_of` (many sites) each sheet's first column is the finding's site."""
    from cmplt.xlsx import Sheet

    clocks = Sheet(
        _("Clocks"),
        [_(h) for h in (N_("rule"), N_("id"), N_("level"), N_("due"), N_("overdue hours"),
                        N_("severity"), N_("owner"), N_("department"), N_("summary"),
                        N_("what is missing"), N_("file"), N_("line"))],
    )  # fmt: skip
    quotas = Sheet(
        _("Callback quotas"),
        [_(h) for h in (N_("period"), N_("level"), N_("role"), N_("rate"), N_("required rate"),
                        N_("called back"), N_("handled"), N_("missing"))],
        formats={3: "0.0", 4: "0"},
    )  # fmt: skip
    for f in findings:
        site = [site_of(f)] if site_of is not None else []
        if f.rule == "callback-quota":
            e = f.extra
            quotas.rows.append(
                [*site, e["period"], label("level", f.level), label("role", e["role"]),
                 e["rate"], e["required"], e["called_back"], e["handled"],
                 "\n".join(e["missing"])]
            )  # fmt: skip
            continue
        e = f.extra
        late = e["as_of"] - e["due"] if e.get("due") and e.get("as_of") else None
        clocks.rows.append(
            [*site, label("rule", f.rule), f.record_id, label("level", f.level), e.get("due"),
             round(late.total_seconds() / 3600, 2) if late is not None else None,
             label("severity", e["severity"]) if e.get("severity") else None,
             e.get("owner"), e.get("department"), e.get("summary"), f.message, f.path, f.line]
        )  # fmt: skip
    if site_of is not None:
        for sheet in (clocks, quotas):
            sheet.headers.insert(0, _("site"))
            sheet.formats = {column + 1: shown for column, shown in sheet.formats.items()}
    return [clocks, quotas]
