"""A report as people and spreadsheets read it: Markdown, CSV, JSON (HTML: `html`).

`sections()` turns a `Report` into titled tables with stable keys and
translated labels; every text format is drawn from them, so that Markdown,
CSV and HTML always show the same figures. JSON is written from the report
itself, with stable English keys and machine values, whatever the language.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from cmplt.i18n import N_, _, label
from cmplt.render import csv_cell, json_text
from cmplt.report.figures import (
    NONE,
    SLA_RULES,
    VOLUME_DIMENSIONS,
    Compliance,
    Count,
    Durations,
    Report,
    RoleRate,
)
from cmplt.shown import role_label

# the kinds of column that hold numbers: right-aligned
NUMERIC = frozenset({"count", "percent", "hours", "delta", "delta_percent", "rate"})


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text, count, percent, hours, time, ids, change, flag


@dataclass
class Table:
    key: str  # stable: a CSV file's name, a JSON-minded reader's handle
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str | None = None


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table] = field(default_factory=list)


# --- values as people read them -----------------------------------------------------


def human_duration(seconds: float | None) -> str:
    from cmplt.shown import duration_text

    return duration_text(seconds)


def percent_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def cell_text(value: Any, kind: str, tz: tzinfo) -> str:
    if value is None or value == "":
        return ""
    if kind == "hours":
        return human_duration(float(value) * 3600)
    if kind == "percent":
        return percent_text(float(value))
    if kind == "time":
        return datetime.fromtimestamp(float(value), tz).strftime("%Y-%m-%d %H:%M")
    if kind == "ids":
        return " ".join(value)
    if kind == "flag":
        return "✓" if value else "✗"
    if kind == "delta":
        return f"{int(value):+d}"
    if kind == "delta_percent":
        return f"{float(value):+.1f}%"
    if kind == "rate":
        return f"{float(value):.1f}"
    return str(value)


def cell_raw(value: Any, kind: str, tz: tzinfo) -> Any:
    """What a spreadsheet reads: numbers as numbers, times as ISO 8601."""
    if value is None:
        return ""
    if kind == "time":
        return datetime.fromtimestamp(float(value), tz).replace(microsecond=0).isoformat()
    if kind == "ids":
        return " ".join(value)
    if kind in {"percent", "delta_percent"}:
        return round(float(value), 1)
    if kind == "hours":
        return round(float(value), 2)
    if kind == "flag":
        return int(bool(value))
    if kind == "rate":
        return round(float(value), 2)
    return csv_cell(value)  # free text (a reason, a title) a spreadsheet must not run


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _group_label(dimension: str, value: str) -> str:
    if value == NONE:
        return _("(none)")
    if value == "all":
        return _("total")
    if dimension in {"nature", "severity", "subject", "category", "channel", "status"}:
        return label(dimension, value)
    return value


# --- the tables -------------------------------------------------------------------------

DIMENSION_TITLES = {
    "nature": N_("Nature"),
    "severity": N_("Severity"),
    "subject": N_("Subject"),
    "category": N_("Category"),
    "channel": N_("Channel"),
    "department": N_("Department"),
    "building": N_("Building"),
}


def overview_table(report: Report) -> Table:
    """The headline figures; each row has a stable key and a number (a rate in percent)."""
    sla_all = report.compliance.get("all", [])
    inside = sum(c.inside for c in sla_all)
    decided = sum(c.decided for c in sla_all)
    happy = report.satisfaction
    rows: list[dict[str, Any]] = [
        {"key": "received", "label": _("Complaints received"), "value": report.received},
    ]
    if report.received_previous is not None:
        rows.append(
            {
                "key": "received_previous",
                "label": _("Received in the previous period"),
                "value": report.received_previous,
            }
        )
    rows += [
        {
            "key": "sla_percent",
            "label": _("Clocks met in time"),
            "value": 100.0 * inside / decided if decided else None,
            "kinds": {"value": "percent"},
        },
        {"key": "called_back", "label": _("Records called back"), "value": happy.called_back},
        {
            "key": "satisfaction_percent",
            "label": _("Satisfaction rate (satisfied / called back)"),
            "value": happy.percent,
            "kinds": {"value": "percent"},
        },
        {
            "key": "dual_callback_percent",
            "label": _("Dual callbacks done in time"),
            "value": report.dual_callback.percent,
            "kinds": {"value": "percent"},
        },
        {"key": "reopened", "label": _("Reopened"), "value": len(report.reopened)},
        {"key": "urges", "label": _("Chases (催单)"), "value": sum(u.count for u in report.urged)},
        {
            "key": "declined",
            "label": _("Invalid complaints declined"),
            "value": sum(len(g.ids) for g in report.declined),
        },
    ]
    return Table(
        "overview",
        _("Overview"),
        [Column("label", _("Figure")), Column("value", _("Value"), "count")],
        rows,
    )


def kind_of(row: dict[str, Any], column: Column) -> str:
    """A column's kind, unless the row says otherwise (the overview mixes counts and rates)."""
    kinds: dict[str, str] = row.get("kinds", {})
    return kinds.get(column.key, column.kind)


def volume_tables(report: Report) -> list[Table]:
    compare = report.previous is not None
    tables = []
    for dimension in VOLUME_DIMENSIONS:
        counts: list[Count] = report.volume[dimension]
        columns = [
            Column("group", _(DIMENSION_TITLES[dimension])),
            Column("count", _("Count"), "count"),
        ]
        if compare:
            columns += [
                Column("previous", _("Previous period"), "count"),
                Column("change", _("Change"), "delta"),
                Column("change_percent", _("Change (%)"), "delta_percent"),
            ]
        rows = [
            {
                "key": c.key,
                "group": _group_label(dimension, c.key),
                "count": c.count,
                "previous": c.previous,
                "change": None if c.previous is None else c.count - c.previous,
                "change_percent": 100.0 * (c.count - c.previous) / c.previous
                if c.previous
                else None,
            }
            for c in counts
        ]
        tables.append(
            Table(
                f"volume_by_{dimension}",
                _("Complaints by {dimension}").format(dimension=_(DIMENSION_TITLES[dimension])),
                columns,
                rows,
            )
        )
    return tables


def time_tables(report: Report) -> list[Table]:
    tables = []
    for key, title, data in (
        ("reply_times", N_("Time to first reply"), report.reply_times),
        ("result_times", N_("Time to resolution"), report.result_times),
    ):
        for dimension in ("severity", "department"):
            rows_in: list[Durations] = [*data[dimension], *data["all"]]
            rows = [
                {
                    "key": d.group,
                    "group": _group_label(dimension, d.group),
                    "count": d.count,
                    "pending": d.pending,
                    "median": _hours(d.median),
                    "p90": _hours(d.p90),
                    "longest": _hours(d.longest),
                }
                for d in rows_in
            ]
            tables.append(
                Table(
                    f"{key}_by_{dimension}",
                    _("{what}, by {dimension}").format(
                        what=_(title), dimension=_(DIMENSION_TITLES[dimension])
                    ),
                    [
                        Column("group", _(DIMENSION_TITLES[dimension])),
                        Column("count", _("Records"), "count"),
                        Column("pending", _("Not yet"), "count"),
                        Column("median", _("Median"), "hours"),
                        Column("p90", _("90th percentile"), "hours"),
                        Column("longest", _("Longest"), "hours"),
                    ],
                    rows,
                    note=_("Records received in the period; times from receipt."),
                )
            )
    return tables


def compliance_tables(report: Report) -> list[Table]:
    tables = []
    for dimension in ("severity", "department"):
        entries: list[Compliance] = [*report.compliance[dimension], *report.compliance["all"]]
        rows = [
            {
                "key": f"{c.group}|{c.rule}",
                "group": _group_label(dimension, c.group),
                "rule": label("rule", c.rule),
                "inside": c.inside,
                "decided": c.decided,
                "percent": c.percent,
            }
            for c in entries
        ]
        tables.append(
            Table(
                f"sla_by_{dimension}",
                _("Clocks met in time, by {dimension}").format(
                    dimension=_(DIMENSION_TITLES[dimension])
                ),
                [
                    Column("group", _(DIMENSION_TITLES[dimension])),
                    Column("rule", _("Clock")),
                    Column("inside", _("In time"), "count"),
                    Column("decided", _("Decided"), "count"),
                    Column("percent", _("Rate"), "percent"),
                ],
                rows,
                note=_("A clock counts in the period in which it was met or ran out."),
            )
        )
    return tables


def callback_tables(report: Report) -> list[Table]:
    rates: list[RoleRate] = report.callback_rates
    rate_rows = [
        {
            "key": r.role,
            "role": role_label(r.role, report.roles),
            "called": r.called,
            "handled": r.handled,
            "percent": r.percent,
            "required": r.required,
            "meets": r.meets,
        }
        for r in rates
    ]
    happy = report.satisfaction
    satisfaction_rows = [
        {
            "key": answer,
            "answer": label("satisfaction", answer),
            "count": count,
            "percent": 100.0 * count / happy.called_back if happy.called_back else None,
        }
        for answer, count in happy.counts.items()
    ]
    dissatisfied_rows = [
        {
            "key": d.id,
            "id": d.id,
            "at": d.at,
            "by": d.by,
            "role": role_label(d.role, report.roles),
            "outcome": _(OUTCOMES[d.outcome]),
            "outcome_at": d.outcome_at,
            "status": label("status", d.status),
            "recorded_late": d.recorded_late,
        }
        for d in report.dissatisfied
    ]
    return [
        Table(
            "callback_rates",
            _("Callback rate by role, against its quota"),
            [
                Column("role", _("Role")),
                Column("called", _("Called back"), "count"),
                Column("handled", _("Handled"), "count"),
                Column("percent", _("Rate"), "percent"),
                Column("required", _("Quota"), "percent"),
                Column("meets", _("Meets the quota"), "flag"),
            ],
            rate_rows,
            note=_(
                "Handled: resolved in the period, with the callback window closed or a "
                "callback made."
            ),
        ),
        Table(
            "satisfaction",
            _("Satisfaction (each record's last callback in the period)"),
            [
                Column("answer", _("Answer")),
                Column("count", _("Records"), "count"),
                Column("percent", _("Share"), "percent"),
            ],
            satisfaction_rows,
        ),
        Table(
            "dissatisfied",
            _("Dissatisfied customers and what followed"),
            [
                Column("id", _("ID")),
                Column("at", _("Callback"), "time"),
                Column("by", _("By")),
                Column("role", _("Role")),
                Column("outcome", _("Outcome")),
                Column("outcome_at", _("When"), "time"),
                Column("status", _("Status now")),
                Column("recorded_late", _("Typed in late"), "time"),
            ],
            dissatisfied_rows,
            note=_(
                "A callback of an earlier period typed in during this one is listed here, "
                "with when it was typed in."
            ),
        ),
        Table(
            "waived",
            _("Archived with a required callback waived"),
            [
                Column("id", _("ID")),
                Column("at", _("Archived"), "time"),
                Column("reason", _("Reason")),
            ],
            [{"key": r.id, "id": r.id, "at": r.at, "reason": r.reason} for r in report.waived],
        ),
    ]


OUTCOMES = {
    "reopened": N_("reopened for handling"),
    "escalated": N_("passed up a level"),
    "closed": N_("closed without further handling"),
    "open": N_("nothing done yet"),
}


def repeat_tables(report: Report) -> list[Table]:
    return [
        grouped_table(
            "repeat_units",
            _("Units with two or more complaints"),
            _("Unit"),
            report.repeat_units,
        ),
        grouped_table(
            "repeat_buildings",
            _("Buildings with two or more complaints"),
            _("Building"),
            report.repeat_buildings,
        ),
        Table(
            "reopened",
            _("Records reopened"),
            [
                Column("id", _("ID")),
                Column("at", _("Reopened"), "time"),
                Column("reason", _("Reason")),
            ],
            [{"key": r.id, "id": r.id, "at": r.at, "reason": r.reason} for r in report.reopened],
        ),
        Table(
            "chased",
            _("Records the customer chased twice or more (催单)"),
            [
                Column("id", _("ID")),
                Column("count", _("Chases"), "count"),
                Column("last", _("Last chased"), "time"),
            ],
            [
                {"key": u.id, "id": u.id, "count": u.count, "last": u.last}
                for u in report.urged
                if u.count >= 2
            ],
        ),
        Table(
            "duplicates",
            _("Duplicate entries (not counted above)"),
            [Column("id", _("ID")), Column("of", _("Duplicate of"))],
            [{"key": d.id, "id": d.id, "of": d.of} for d in report.duplicates],
        ),
    ]


def grouped_table(key: str, title: str, head: str, groups: Sequence[Any]) -> Table:
    return Table(
        key,
        title,
        [
            Column("group", head),
            Column("count", _("Count"), "count"),
            Column("ids", _("Records"), "ids"),
        ],
        [{"key": g.key, "group": g.key, "count": len(g.ids), "ids": g.ids} for g in groups],
    )


def measure_table(report: Report) -> Table:
    rows = []
    for m in report.measures:
        scope = scope_text(m.scope)
        rows.append(
            {
                "key": m.id,
                "id": m.id,
                "title": m.title,
                "scope": scope,
                "owner": m.owner,
                "due": m.due.isoformat(),
                "status": _(MEASURE_STATUSES[m.status]),
                "done_at": m.done_at,
                "before": m.before,
                "before_days": round(m.before_days),
                "before_rate": _per_30_days(m.before, m.before_days),
                "after": m.after,
                "after_days": None if m.after_days is None else round(m.after_days),
                "after_rate": _per_30_days(m.after, m.after_days),
            }
        )
    window = report.measures[0].window_days if report.measures else None
    return Table(
        "measures",
        _("Improvement measures and their evaluation"),
        [
            Column("id", _("ID")),
            Column("title", _("Measure")),
            Column("scope", _("Scope")),
            Column("owner", _("Owner")),
            Column("due", _("Due date")),
            Column("status", _("Status")),
            Column("done_at", _("Done at"), "time"),
            Column("before", _("Complaints before"), "count"),
            Column("before_days", _("Days before"), "count"),
            Column("before_rate", _("Per 30 days before"), "rate"),
            Column("after", _("Complaints after"), "count"),
            Column("after_days", _("Days after"), "count"),
            Column("after_rate", _("Per 30 days after"), "rate"),
        ],
        rows,
        note=None
        if window is None
        else _(
            "Complaints in the measure's scope received in the {days} days before it was "
            "done (before the report's moment while it is open; fewer when the registry "
            "is younger) and since it was done, also as a rate per 30 days."
        ).format(days=window),
    )


def scope_text(scope: dict[str, str]) -> str:
    """A measure's scope as people read it: 维修、公共设施设备、楼号 3."""
    return _(", ").join(
        _group_label(k, v) if k != "building" else _("building {name}").format(name=v)
        for k, v in scope.items()
    )


def _per_30_days(count: int | None, days: float | None) -> float | None:
    """A count over a window of `days` as a monthly rate: windows of unequal length
    (a young registry, a measure done last week) compare only as rates."""
    if count is None or not days or days < 1:
        return None
    return 30.0 * count / days


MEASURE_STATUSES = {"open": N_("open"), "overdue": N_("overdue"), "done": N_("done")}


def trend_table(report: Report) -> Table:
    # every role that had a rate in any of the months, quota roles first
    roles = list(dict.fromkeys(r.role for m in report.trend for r in m.callback_rates))
    columns = [
        Column("month", _("Month")),
        Column("received", _("Complaints received"), "count"),
        Column("sla_percent", _("Clocks met in time"), "percent"),
        Column("satisfaction_percent", _("Satisfaction rate"), "percent"),
    ]
    columns += [
        Column(
            f"callback_{role}",
            _("Callback rate: {role}").format(role=role_label(role, report.roles)),
            "percent",
        )
        for role in roles
    ]
    rows = []
    for month in report.trend:
        row: dict[str, Any] = {
            "key": month.month,
            "month": month.month,
            "received": month.received,
            "sla_percent": month.sla_percent,
            "satisfaction_percent": month.satisfaction_percent,
        }
        handled = max((rate.handled for rate in month.callback_rates), default=0)
        for role in roles:
            # a role that called nobody back in a month with handled records: 0 %, not blank
            row[f"callback_{role}"] = 0.0 if handled else None
        for rate in month.callback_rates:
            row[f"callback_{rate.role}"] = rate.percent
        rows.append(row)
    return Table("trend", _("The last twelve months"), columns, rows)


def sections(report: Report) -> list[Section]:
    found = [
        Section("overview", _("Overview"), [overview_table(report)]),
        Section("volume", _("Complaint volume"), volume_tables(report)),
        Section("times", _("Time to reply and to resolve"), time_tables(report)),
        Section("sla", _("Clocks met in time (SLA)"), compliance_tables(report)),
        Section("callbacks", _("Callbacks and satisfaction"), callback_tables(report)),
        Section("repeats", _("Repeat complaints"), repeat_tables(report)),
    ]
    if report.staff is not None:
        found.append(
            Section(
                "staff",
                _("Verified complaints about staff"),
                [
                    grouped_table(
                        "staff",
                        _("Verified complaints about staff, by person"),
                        _("Staff member"),
                        report.staff,
                    ),
                    Table(
                        "reviews",
                        _("Reward-and-penalty review"),
                        [
                            Column("id", _("ID")),
                            Column("person", _("Staff member")),
                            Column("outcome", _("Outcome")),
                        ],
                        [
                            {
                                "key": r.id,
                                "id": r.id,
                                "person": r.person,
                                "outcome": r.outcome if r.outcome is not None else _("awaiting"),
                            }
                            for r in report.reviews or []
                        ],
                    ),
                ],
            )
        )
    found += [
        Section(
            "declined",
            _("Invalid complaints declined"),
            [grouped_table("declined", _("Declined, by reason"), _("Reason"), report.declined)],
        ),
        Section("measures", _("Improvement measures"), [measure_table(report)]),
        Section("trend", _("Trend"), [trend_table(report)]),
    ]
    if report.unreadable:
        found.append(
            Section(
                "unreadable",
                _("Records that could not be read"),
                [
                    Table(
                        "unreadable",
                        _("Records that could not be read (not counted above)"),
                        [
                            Column("path", _("File")),
                            Column("line", _("Line")),
                            Column("message", _("Problem")),
                        ],
                        [
                            {"key": u.path, "path": u.path, "line": u.line, "message": u.message}
                            for u in report.unreadable
                        ],
                    )
                ],
            )
        )
    return found


def heading(report: Report) -> tuple[str, str]:
    """The report's title and the line under it (period, as of, timezone)."""
    tz = report.period.start.tzinfo
    as_of = report.as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    title = _("Complaints and callbacks report {period}").format(period=report.period.label)
    if report.previous is None:
        sub = _("Records as they stood at {as_of} ({tz}).").format(as_of=as_of, tz=tz)
    else:
        sub = _("Records as they stood at {as_of} ({tz}). Compared with {period}.").format(
            as_of=as_of, tz=tz, period=report.previous.label
        )
    return title, sub


# --- Markdown -------------------------------------------------------------------------------


def _md_escape(text: str) -> str:
    # text from the records (a reason, a unit, a measure's title) is shown, never run:
    # Markdown viewers render inline HTML, so `<script>` in a reason must stay text
    text = html.escape(text, quote=False)
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    tz = report.period.start.tzinfo
    assert tz is not None
    return markdown_of(heading(report), sections(report), tz)


def markdown_of(titles: tuple[str, str], found: Sequence[Section], tz: tzinfo) -> str:
    """Markdown of a title, the line under it and the sections (one site or many)."""
    title, sub = titles
    out = [f"# {_md_escape(title)}", "", _md_escape(sub), ""]
    for section in found:
        out += [f"## {_md_escape(section.title)}", ""]
        for table in section.tables:
            if len(section.tables) > 1:
                out += [f"### {_md_escape(table.title)}", ""]
            if not table.rows:
                out += [f"_{_('None.')}_", ""]
                continue
            out.append("| " + " | ".join(_md_escape(c.title) for c in table.columns) + " |")
            out.append(
                "|" + "|".join("---:" if c.kind in NUMERIC else "---" for c in table.columns) + "|"
            )
            for row in table.rows:
                cells = [
                    _md_escape(cell_text(row.get(c.key), kind_of(row, c), tz))
                    for c in table.columns
                ]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
            if table.note:
                out += [f"_{_md_escape(table.note)}_", ""]
    return "\n".join(out)


# --- CSV ---------------------------------------------------------------------------------------


def csv_long(report: Report) -> str:
    """One row per figure: a spreadsheet pivots it by table, group and measure."""
    tz = report.period.start.tzinfo
    assert tz is not None
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(
        [
            "period",
            "table",
            "table_title",
            "group",
            "group_label",
            "measure",
            "measure_label",
            "value",
        ]
    )
    for section in sections(report):
        for table in section.tables:
            label_column = table.columns[0]
            for row in table.rows:
                for column in table.columns[1:]:
                    writer.writerow(
                        [
                            report.period.label,
                            table.key,
                            table.title,
                            cell_raw(row.get("key", ""), "text", tz),
                            cell_raw(cell_text(row.get(label_column.key), "text", tz), "text", tz),
                            column.key,
                            column.title,
                            cell_raw(row.get(column.key), kind_of(row, column), tz),
                        ]
                    )
    return stream.getvalue()


def sheets(report: Report) -> list[Any]:
    """One sheet per table (`--format xlsx`): typed cells, titles in the report's
    language; the first sheet says what the report is."""
    tz = report.period.start.tzinfo
    assert tz is not None
    return sheets_of(heading(report), sections(report), tz)


def sheets_of(titles: tuple[str, str], tables: Sequence[Section], tz: tzinfo) -> list[Any]:
    """`sheets` of a title, the line under it and the sections (one site or many)."""
    from cmplt.xlsx import Sheet

    title, sub = titles
    found = [Sheet(_("Report"), [title], [[sub]])]
    for section in tables:
        for table in section.tables:
            name = table.title if len(section.tables) > 1 else section.title
            sheet = Sheet(name, [c.title for c in table.columns])
            for n, column in enumerate(table.columns):
                if column.kind in {"percent", "delta_percent", "rate"}:
                    sheet.formats[n] = "0.0"
                elif column.kind == "hours":
                    sheet.formats[n] = "0.00"
            for row in table.rows:
                sheet.rows.append(
                    [_typed(row.get(c.key), kind_of(row, c), tz) for c in table.columns]
                )
            found.append(sheet)
    return found


def _typed(value: Any, kind: str, tz: tzinfo) -> Any:
    """A cell for a workbook: numbers and times typed, the rest as people read it."""
    if value is None or value == "":
        return None
    if kind == "time":
        return datetime.fromtimestamp(float(value), tz)
    if kind in {"count", "delta"}:
        return int(value)
    if kind in {"percent", "delta_percent", "rate", "hours"}:
        return round(float(value), 2)
    if kind == "flag":
        return bool(value)
    if kind == "ids":
        return " ".join(value)
    return cell_text(value, kind, tz)


def csv_tables(report: Report) -> dict[str, str]:
    """One CSV text per table, by file name; headers in the report's language."""
    tz = report.period.start.tzinfo
    assert tz is not None
    return csv_tables_of(sections(report), tz)


def csv_tables_of(found: Sequence[Section], tz: tzinfo) -> dict[str, str]:
    """`csv_tables` of the sections (one site or many)."""
    files = {}
    for section in found:
        for table in section.tables:
            stream = io.StringIO()
            writer = csv.writer(stream)
            writer.writerow([c.title for c in table.columns])
            for row in table.rows:
                writer.writerow(
                    [cell_raw(row.get(c.key), kind_of(row, c), tz) for c in table.columns]
                )
            files[f"{table.key}.csv"] = stream.getvalue()
    return files


# --- JSON ---------------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    return json_text(report_data(report))


def report_data(report: Report) -> dict[str, Any]:
    """Everything, with stable English keys and machine values (documented in the README)."""
    tz = report.period.start.tzinfo
    assert tz is not None

    def when(value: float | None) -> str | None:
        return cell_raw(value, "time", tz) if value is not None else None

    def window(w: Any) -> dict[str, str] | None:
        if w is None:
            return None
        return {"label": w.label, "start": w.start.isoformat(), "end": w.end.isoformat()}

    def rate(r: RoleRate) -> dict[str, Any]:
        return {
            "role": r.role,
            "called_back": r.called,
            "handled": r.handled,
            "percent": _round(r.percent),
            "required": r.required,
            "meets": r.meets,
        }

    def durations(d: Durations) -> dict[str, Any]:
        return {
            "group": d.group,
            "count": d.count,
            "pending": d.pending,
            "median_seconds": _int(d.median),
            "p90_seconds": _int(d.p90),
            "max_seconds": _int(d.longest),
        }

    def compliance(c: Compliance) -> dict[str, Any]:
        return {
            "group": c.group,
            "rule": c.rule,
            "inside": c.inside,
            "decided": c.decided,
            "percent": _round(c.percent),
        }

    data: dict[str, Any] = {
        "period": window(report.period),
        "as_of": report.as_of.astimezone(tz).replace(microsecond=0).isoformat(),
        "previous": window(report.previous),
        "received": report.received,
        "received_previous": report.received_previous,
        "volume": {
            dim: [{"key": c.key, "count": c.count, "previous": c.previous} for c in counts]
            for dim, counts in report.volume.items()
        },
        "reply_times": {k: [durations(d) for d in v] for k, v in report.reply_times.items()},
        "result_times": {k: [durations(d) for d in v] for k, v in report.result_times.items()},
        "sla": {k: [compliance(c) for c in v] for k, v in report.compliance.items()},
        "sla_rules": list(SLA_RULES),
        "callbacks": {
            "rates": [rate(r) for r in report.callback_rates],
            "dual": compliance(report.dual_callback),
            "satisfaction": {
                "counts": report.satisfaction.counts,
                "called_back": report.satisfaction.called_back,
                "percent": _round(report.satisfaction.percent),
            },
            "dissatisfied": [
                {
                    "id": d.id,
                    "at": when(d.at),
                    "by": d.by,
                    "role": d.role,
                    "outcome": d.outcome,
                    "outcome_at": when(d.outcome_at),
                    "status": d.status,
                    "recorded_late": when(d.recorded_late),
                }
                for d in report.dissatisfied
            ],
        },
        "repeats": {
            "units": [{"unit": r.key, "ids": list(r.ids)} for r in report.repeat_units],
            "buildings": [{"building": r.key, "ids": list(r.ids)} for r in report.repeat_buildings],
            "reopened": [
                {"id": r.id, "at": when(r.at), "reason": r.reason} for r in report.reopened
            ],
        },
        "urges": {
            "total": sum(u.count for u in report.urged),
            "records": [{"id": u.id, "count": u.count, "last": when(u.last)} for u in report.urged],
            "twice_or_more": [u.id for u in report.urged if u.count >= 2],
        },
        "duplicates": [{"id": d.id, "duplicate_of": d.of} for d in report.duplicates],
        "declined": [{"reason": g.key, "ids": list(g.ids)} for g in report.declined],
        "waived": [{"id": r.id, "at": when(r.at), "reason": r.reason} for r in report.waived],
        "measures": [
            {
                "id": m.id,
                "title": m.title,
                "scope": m.scope,
                "owner": m.owner,
                "due": m.due.isoformat(),
                "status": m.status,
                "done_at": when(m.done_at),
                "note": m.note,
                "window_days": m.window_days,
                "before": m.before,
                "before_days": round(m.before_days, 1),
                "after": m.after,
                "after_days": None if m.after_days is None else round(m.after_days, 1),
            }
            for m in report.measures
        ],
        "trend": [
            {
                "month": t.month,
                "received": t.received,
                "sla_inside": t.sla_inside,
                "sla_decided": t.sla_decided,
                "sla_percent": _round(t.sla_percent),
                "satisfied": t.satisfied,
                "called_back": t.called_back,
                "satisfaction_percent": _round(t.satisfaction_percent),
                "callback_rates": [rate(r) for r in t.callback_rates],
            }
            for t in report.trend
        ],
        "unreadable": [
            {"path": u.path, "line": u.line, "message": u.message} for u in report.unreadable
        ],
    }
    if report.staff is not None:
        data["staff"] = [{"person": g.key, "ids": list(g.ids)} for g in report.staff]
        data["staff_reviews"] = [
            {"id": r.id, "person": r.person, "outcome": r.outcome} for r in report.reviews or []
        ]
    return data


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _int(value: float | None) -> int | None:
    return None if value is None else round(value)
