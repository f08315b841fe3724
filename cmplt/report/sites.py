"""`cmplt report` across many sites: each site's report, and the company's totals.

Each site's report is built from its own registry under its own policy, exactly
as `report` of that registry alone builds it. The company's figures are the
sums of the sites' (volumes, clocks met, callbacks, satisfaction, the trend),
a callback rate over every site's handled records, and the times to reply and
to resolve read over every site's records together (a median does not add up).
What lists records (dissatisfied customers, repeats, reopenings, measures …)
is each site's own and is listed per site only.

Every table of the report is one table across the sites: a site column first,
each site's rows, then the company's (only in the tables that have totals).
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cmplt.i18n import _
from cmplt.render import csv_cell
from cmplt.report.figures import (
    NONE,
    SLA_RULES,
    VOLUME_DIMENSIONS,
    Compliance,
    Count,
    Facts,
    MonthFigures,
    Report,
    RoleRate,
    Satisfaction,
    group_order,
    time_table,
)
from cmplt.report.formats import Column, Section, Table, csv_long, heading, report_data, sections

# the tables whose figures add up to a company total (the others list records)
TOTALLED = frozenset(
    {
        "overview",
        "satisfaction",
        "callback_rates",
        "trend",
        *(f"volume_by_{d}" for d in VOLUME_DIMENSIONS if d != "building"),
        *(
            f"{k}_by_{d}"
            for k in ("reply_times", "result_times")
            for d in ("severity", "department")
        ),
        *(f"sla_by_{d}" for d in ("severity", "department")),
    }
)


@dataclass(frozen=True)
class SiteReport:
    name: str
    registry: str
    report: Report
    received: Sequence[Facts]  # the records received in the period (for the company's times)


def company_report(parts: Sequence[SiteReport]) -> Report:
    """The company's figures from its sites' (see the module's note)."""
    reports = [p.report for p in parts]
    first = reports[0]
    as_of = first.as_of.timestamp()
    received = [f for p in parts for f in p.received]
    previous = [r.received_previous for r in reports]
    return Report(
        period=first.period,
        as_of=first.as_of,
        previous=first.previous,
        received=sum(r.received for r in reports),
        received_previous=None if None in previous else sum(p or 0 for p in previous),
        volume=_volume(reports, first.previous is not None),
        reply_times=time_table(received, "first_reply", as_of),
        result_times=time_table(received, "first_result", as_of),
        compliance=_compliance(reports),
        callback_rates=merged_rates([r.callback_rates for r in reports]),
        dual_callback=Compliance(
            "all",
            "dual-callback",
            sum(r.dual_callback.inside for r in reports),
            sum(r.dual_callback.decided for r in reports),
        ),
        satisfaction=Satisfaction(
            dict(sum((Counter(r.satisfaction.counts) for r in reports), Counter())),
            sum(r.satisfaction.called_back for r in reports),
        ),
        # the lists stay each site's; the company's overview counts them
        dissatisfied=[d for r in reports for d in r.dissatisfied],
        repeat_units=[],
        repeat_buildings=[],
        reopened=[x for r in reports for x in r.reopened],
        urged=[x for r in reports for x in r.urged],
        duplicates=[],
        staff=None,
        declined=[g for r in reports for g in r.declined],
        waived=[x for r in reports for x in r.waived],
        measures=[],
        trend=_trend(reports),
        roles={k: v for r in reversed(reports) for k, v in r.roles.items()},
        reviews=None,
    )


def _volume(reports: Sequence[Report], compare: bool) -> dict[str, list[Count]]:
    table: dict[str, list[Count]] = {}
    for dimension in VOLUME_DIMENSIONS:
        if dimension == "building":
            table[dimension] = []  # a building is one site's: listed per site only
            continue
        now: Counter[str] = Counter()
        before: Counter[str] = Counter()
        for report in reports:
            for count in report.volume[dimension]:
                now[count.key] += count.count
                before[count.key] += count.previous or 0
        keys = sorted(
            set(now) | set(before),
            key=lambda k: (k == NONE, -now[k], group_order(dimension, k)),
        )
        table[dimension] = [Count(k, now[k], before[k] if compare else None) for k in keys]
    return table


def _compliance(reports: Sequence[Report]) -> dict[str, list[Compliance]]:
    order = {rule: i for i, rule in enumerate(SLA_RULES)}
    table: dict[str, list[Compliance]] = {}
    for dimension in ("all", "severity", "department"):
        tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for report in reports:
            for c in report.compliance.get(dimension, []):
                tally[c.group, c.rule][0] += c.inside
                tally[c.group, c.rule][1] += c.decided
        table[dimension] = [
            Compliance(group, rule, inside, decided)
            for (group, rule), (inside, decided) in sorted(
                tally.items(),
                key=lambda item: (group_order(dimension, item[0][0]), order[item[0][1]]),
            )
        ]
    return table


def merged_rates(per_site: Sequence[Sequence[RoleRate]]) -> list[RoleRate]:
    """Each role's callbacks over every site's handled records; the quota shown when
    every site that lists the role holds it to the same (else none: sites differ)."""
    handled = sum(max((r.handled for r in rates), default=0) for rates in per_site)
    called: dict[str, int] = {}
    required: dict[str, set[float | None]] = defaultdict(set)
    for rates in per_site:
        for rate in rates:
            called[rate.role] = called.get(rate.role, 0) + rate.called
            required[rate.role].add(rate.required)
    return [
        RoleRate(role, n, handled, next(iter(required[role])) if len(required[role]) == 1 else None)
        for role, n in called.items()
    ]


def _trend(reports: Sequence[Report]) -> list[MonthFigures]:
    months = []
    for i, month in enumerate(reports[0].trend):
        same = [r.trend[i] for r in reports if i < len(r.trend)]
        months.append(
            MonthFigures(
                month.month,
                sum(m.received for m in same),
                sum(m.sla_inside for m in same),
                sum(m.sla_decided for m in same),
                sum(m.satisfied for m in same),
                sum(m.called_back for m in same),
                tuple(merged_rates([m.callback_rates for m in same])),
            )
        )
    return months


# --- one table across the sites -----------------------------------------------------------


def site_sections(parts: Sequence[SiteReport], company: Report) -> list[Section]:
    """Every section of every site's report, each table once with a site column: each
    site's rows, then the company's where the table has totals."""
    merged: dict[str, Section] = {}
    tables: dict[tuple[str, str], Table] = {}
    everyone = [(p.name, p.report) for p in parts] + [(company_name(), company)]
    for name, report in everyone:
        is_company = report is company
        for section in sections(report):
            into = merged.setdefault(section.key, Section(section.key, section.title))
            for table in section.tables:
                if is_company and table.key not in TOTALLED:
                    continue
                found = tables.get((section.key, table.key))
                if found is None:
                    found = Table(table.key, table.title, [_site_column()], [], table.note)
                    tables[section.key, table.key] = found
                    into.tables.append(found)
                known = {c.key for c in found.columns}
                found.columns += [c for c in table.columns if c.key not in known]
                found.rows += [{**row, "site": name} for row in table.rows]
    return [replace(s, tables=list(s.tables)) for s in merged.values()]


def _site_column() -> Column:
    return Column("site", _("Site"))


def company_name() -> str:
    """The company total's row in the site column (as `check` says it)."""
    from cmplt.sites import company_label

    return company_label()


def sites_heading(parts: Sequence[SiteReport]) -> tuple[str, str]:
    title, sub = heading(parts[0].report)
    names = _(", ").join(p.name for p in parts)
    return title, sub + " " + _("Sites: {names}.").format(names=names)


# --- JSON and CSV --------------------------------------------------------------------------

# what a company total leaves out: the records listed, which are each site's own
_LISTS = ("repeats", "duplicates", "declined", "waived", "measures", "unreadable")


def sites_data(parts: Sequence[SiteReport], company: Report) -> dict[str, Any]:
    """`report --format json` across sites: the period, each site's whole report (its
    own keys, with `site` and `registry`), and the company's totals."""
    data = report_data(company)
    for key in _LISTS:
        data.pop(key, None)
    data["callbacks"].pop("dissatisfied", None)
    data["urges"] = {"total": data["urges"]["total"]}
    data["volume"].pop("building", None)
    return {
        "period": data["period"],
        "as_of": data["as_of"],
        "sites": [{"site": p.name, "registry": p.registry, **report_data(p.report)} for p in parts],
        "company": data,
    }


def sites_csv_long(parts: Sequence[SiteReport], company: Report) -> str:
    """`csv_long` with a first column `site`: each site's rows, then the company's
    totals (site: the company total's name)."""
    stream = io.StringIO()
    writer = csv.writer(stream)
    header_written = False
    for name, report, only in [(p.name, p.report, None) for p in parts] + [
        (company_name(), company, TOTALLED)
    ]:
        rows = list(csv.reader(io.StringIO(csv_long(report))))
        if not header_written:
            writer.writerow(["site", *rows[0]])
            header_written = True
        writer.writerows(
            [csv_cell(name), *row] for row in rows[1:] if only is None or row[1] in only
        )
    return stream.getvalue()
