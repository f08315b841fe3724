"""The report as one self-contained HTML file: inline CSS, charts as inline SVG.

No script, no font, style sheet or image from elsewhere: the file is mailed,
archived and printed as it is. The heading and every table come from
`formats` (the same figures as Markdown and CSV); the four charts
(`charts`) are drawn from the same `Report` and placed under the overview.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import tzinfo
from html import escape

from cmplt.i18n import _, current
from cmplt.report import charts
from cmplt.report.figures import Report
from cmplt.report.formats import (
    NUMERIC,
    Section,
    Table,
    cell_text,
    heading,
    kind_of,
    sections,
)
from cmplt.shown import role_label

# Print on A4: rows and charts are never cut across a page, tables and charts
# fit the page's width, colours print as they show.
STYLE = """
body { font-family: FONT; font-size: 14px; line-height: 1.45; color: #222;
  max-width: 72rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.55rem; margin: 0 0 .25rem; }
.sub { color: #555; margin: 0 0 1.25rem; }
h2 { font-size: 1.2rem; border-bottom: 2px solid #8a8a8a; padding-bottom: .15rem;
  margin: 2rem 0 .75rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
table { border-collapse: collapse; margin: 0 0 .4rem; max-width: 100%; }
th, td { border: 1px solid #b8b8b8; padding: .2rem .55rem; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
th { background: #e9edf4; word-break: keep-all; }
.short { white-space: nowrap; }
/* a table wider than the page scrolls on its own, the page does not */
.wide { overflow-x: auto; max-width: 100%; }
td:not(.num):not(.short) { min-width: 8em; }
tbody tr:nth-child(even) { background: #f6f6f6; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: .9em; margin: .2rem 0 1rem; }
.empty { color: #555; font-style: italic; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr));
  gap: 1.25rem 1.5rem; }
figure.chart { margin: 0; break-inside: avoid; page-break-inside: avoid; }
svg.chart { display: block; width: 100%; max-width: 100%; height: auto; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .charts { display: block; }
  figure.chart { margin: 0 0 6mm; }
  svg.chart { max-height: 95mm; }
  thead { display: table-header-group; }
  tr, td, th { break-inside: avoid; page-break-inside: avoid; }
  .wide { overflow: visible; }
  table { font-size: 8.5pt; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
""".replace("FONT", charts.FONT_FAMILY)


def to_html(
    report: Report,
    titles: tuple[str, str] | None = None,
    tables: list[Section] | None = None,
) -> str:
    """The report as one page; many sites give their own `titles` and `tables` (each
    with a site column), and the company's report for the charts."""
    tz = report.period.start.tzinfo
    assert tz is not None
    title, sub = titles or heading(report)
    found = tables if tables is not None else sections(report)
    body = [f"<h1>{escape(title)}</h1>", f'<p class="sub">{escape(sub)}</p>']
    for section in found:
        if section.key == "overview":
            body.append(_section(section, tz))
            body.append(_charts(report))
    if not any(s.key == "overview" for s in found):
        body.append(_charts(report))
    body += [_section(s, tz) for s in found if s.key != "overview"]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(current())}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --- tables ---------------------------------------------------------------------------------


def _section(section: Section, tz: tzinfo) -> str:
    out = [f'<section id="{escape(section.key)}">', f"<h2>{escape(section.title)}</h2>"]
    for table in section.tables:
        if len(section.tables) > 1:
            out.append(f'<h3 id="{escape(table.key)}">{escape(table.title)}</h3>')
        out.append(_table(table, tz))
    out.append("</section>")
    return "\n".join(out)


def _table(table: Table, tz: tzinfo) -> str:
    if not table.rows:
        out = [f'<p class="empty" data-table="{escape(table.key)}">{escape(_("None."))}</p>']
    else:
        head = "".join(
            f'<th{_num(c.kind)} scope="col">{escape(c.title)}</th>' for c in table.columns
        )
        rows = [
            "<tr>"
            + "".join(
                f"<td{_num(c.kind, c.key)}>"
                f"{escape(cell_text(row.get(c.key), kind_of(row, c), tz))}</td>"
                for c in table.columns
            )
            + "</tr>"
            for row in table.rows
        ]
        out = [
            '<div class="wide">',
            f'<table data-table="{escape(table.key)}">',
            f"<thead><tr>{head}</tr></thead>",
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            "</div>",
        ]
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(out)


# columns of names, IDs, statuses and times: a manager reads them whole, never
# broken across lines ("王建/国", "Sta/tus"); long text (titles, reasons) wraps
SHORT = frozenset(
    {"id", "owner", "status", "due", "month", "role", "by", "answer", "outcome"}
    | {"rule", "done_at", "at", "outcome_at", "recorded_late", "line"}
)


def _num(kind: str, key: str = "") -> str:
    if kind in NUMERIC:
        return ' class="num"'
    return ' class="short"' if key in SHORT or kind == "time" else ""


# --- charts ---------------------------------------------------------------------------------


def _month_names() -> tuple[str, ...]:
    # literal calls, so that the catalog script finds each month
    return (
        _("Jan"),
        _("Feb"),
        _("Mar"),
        _("Apr"),
        _("May"),
        _("Jun"),
        _("Jul"),
        _("Aug"),
        _("Sep"),
        _("Oct"),
        _("Nov"),
        _("Dec"),
    )


def month_ticks(labels: Sequence[str]) -> list[tuple[str, str]]:
    """A month's name under its bar, and the year under the first month and each January."""
    names = _month_names()
    ticks = []
    for i, label in enumerate(labels):
        match = re.fullmatch(r"(\d{4})-(\d{2})", label)
        if match is None:
            ticks.append((label, ""))
            continue
        year, month = match[1], int(match[2])
        ticks.append((names[month - 1], year if i == 0 or month == 1 else ""))
    return ticks


def _charts(report: Report) -> str:
    months = [m.month for m in report.trend]
    ticks = month_ticks(months)
    no_data = _("No data")
    month = _("Month")
    gap = _("No point: no data that month")
    drawn = [
        charts.bar_chart(
            "volume",
            charts.Texts(_("Complaints received per month"), month, _("Complaints"), no_data),
            ticks,
            months,
            [m.received for m in report.trend],
        ),
        charts.percent_line_chart(
            "sla",
            charts.Texts(
                _("Clocks met in time per month (SLA)"), month, _("Met in time (%)"), no_data, gap
            ),
            ticks,
            months,
            [m.sla_percent for m in report.trend],
            charts.SLA,
        ),
        charts.percent_line_chart(
            "satisfaction",
            charts.Texts(
                _("Satisfaction rate per month"),
                month,
                _("Satisfied of called back (%)"),
                no_data,
                gap,
            ),
            ticks,
            months,
            [m.satisfaction_percent for m in report.trend],
            charts.SATISFACTION,
        ),
        charts.quota_chart(
            "callbacks",
            charts.Texts(
                _("Callback rate by role against its quota, {period}").format(
                    period=report.period.label
                ),
                _("Role (called back / handled)"),
                _("Called back of handled (%)"),
                no_data,
            ),
            [
                charts.QuotaBar(
                    role_label(r.role, report.roles),
                    f"{r.called}/{r.handled}",
                    r.percent,
                    r.required,
                    r.meets,
                    _("quota {percent}").format(percent=charts.quota_percent(r.required))
                    if r.required is not None
                    else "",
                )
                for r in report.callback_rates
            ],
            charts.QuotaLegend(
                meets=_("meets the quota"),
                below=_("below the quota"),
                no_quota=_("no quota set"),
                quota=_("quota"),
            ),
        ),
    ]
    figures = "\n".join(f'<figure class="chart">{svg}</figure>' for svg in drawn)
    return (
        f'<section id="charts">\n<h2>{escape(_("Charts"))}</h2>\n'
        f'<div class="charts">\n{figures}\n</div>\n</section>'
    )
