"""`cmplt report` and `cmplt improve`: the monthly statistics and the measures they lead to."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmplt.cli.context import Context, actor_options, format_option, pass_context, warn_history
from cmplt.cli.options import PathType, Term, several
from cmplt.i18n import N_

if TYPE_CHECKING:
    from datetime import tzinfo

    from cmplt.errors import InvalidFile
    from cmplt.measures import Measure
    from cmplt.periods import Window
    from cmplt.report.figures import Facts, Report
    from cmplt.report.sites import SiteReport
    from cmplt.snapshot import Snapshot


@click.command("report")
@click.option(
    "--period",
    metavar="YYYY-MM|this|last",
    help="The calendar month to report on (policy timezone). Default: this month.",
)
@click.option("--from", "first_text", metavar="DATE", help="First day of the period (a date).")
@click.option("--to", "last_text", metavar="DATE", help="Last day of the period, included.")
@click.option(
    "--as-of",
    "as_of_text",
    metavar="TIME",
    help="Read the records as they stood then (a date alone: its start, 00:00). "
    "Default: the period's end, or now while the period runs.",
)
@click.option(
    "--compare",
    type=click.Choice(["previous"]),
    help="Show the change in volume against the previous period.",
)
@click.option(
    "--include-staff",
    is_flag=True,
    help="Add the verified complaints about staff, by person (it names people).",
)
@format_option("md", "html", "csv", "json", "xlsx")
@click.option(
    "--csv-layout",
    type=click.Choice(["long", "tables"]),
    default="long",
    show_default=True,
    help="csv: one long table to pivot, or one file per table (needs -o DIR).",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=PathType(path_type=Path),
    help="Write here instead of stdout (a folder for --csv-layout tables).",
)
@click.option(
    "--sites",
    "sites_file",
    metavar="FILE",
    type=PathType(dir_okay=False, path_type=Path),
    help="Report on every site a sites file lists, each under its own policy, with the "
    "company's totals; or give --registry several times.",
)
@pass_context
def report(
    obj: Context,
    period: str | None,
    first_text: str | None,
    last_text: str | None,
    as_of_text: str | None,
    compare: str | None,
    include_staff: bool,
    fmt: str,
    csv_layout: str,
    output: Path | None,
    sites_file: Path | None,
) -> None:
    """The statistics of a period (统计分析): volume, times, SLA compliance,
    callbacks and satisfaction, repeat complaints, declined complaints and the
    improvement measures, from the records as they stood at the period's end."""
    from cmplt import render
    from cmplt.errors import UsageError
    from cmplt.i18n import _
    from cmplt.periods import parse_period, refuse_future
    from cmplt.report import formats as report_render
    from cmplt.report.figures import default_as_of, span_window
    from cmplt.shown import time_text

    opened = None
    from_sites = sites_file is not None or len(obj.registry_options) > 1
    if from_sites:
        opened = obj.sites(sites_file)
        registry = opened[0][1]  # its timezone reads the times typed
        if len(opened) == 1:
            opened = None  # a sites file of one site: that registry's own report
    else:
        registry = obj.snapshot
    tz = registry.policy.tz
    now = obj.now()
    first, last = obj.day(first_text, "--from"), obj.day(last_text, "--to")
    if period is not None and (first or last):
        raise UsageError(_("give --period or --from/--to, not both"))
    if (first is None) != (last is None):
        raise UsageError(_("--from and --to go together"))
    if fmt != "csv" and csv_layout != "long":
        raise UsageError(_("--csv-layout is for --format csv"))
    if fmt == "xlsx" and output is None:
        raise UsageError(_("--format xlsx writes a workbook: give -o FILE"))
    if csv_layout == "tables" and output is None:
        raise UsageError(_("--csv-layout tables writes one file per table: give -o FOLDER"))

    def window_in(zone: tzinfo) -> Window:
        if first is not None and last is not None:
            return span_window(first, last, zone)
        return parse_period(period or "this", now, zone)

    window = window_in(tz)
    if not from_sites:
        typed = obj.time(as_of_text, "--as-of")
    else:
        typed = _typed_time(as_of_text, "--as-of", tz, now)
    as_of: datetime = typed or default_as_of(window, now)
    if as_of_text is None and as_of <= window.start:
        raise UsageError(_("the period {period} has not begun yet").format(period=window.label))
    refuse_future(as_of, now, tz)
    if as_of <= window.start:
        raise UsageError(
            _("--as-of {as_of} is before the period {period} begins").format(
                as_of=time_text(as_of, tz), period=window.label
            )
        )
    if opened is not None:
        from cmplt.report.sites import SiteReport

        parts = []
        for site, snapshot in opened:
            received: list[Facts] = []
            built = _built(snapshot, window_in(snapshot.policy.tz), as_of, compare is not None,
                           include_staff, received, site.name)  # fmt: skip
            parts.append(SiteReport(site.name, str(snapshot.root), built, received))
        _write_sites(parts, fmt, csv_layout, output, tz)
        return
    result = _built(registry, window, as_of, compare is not None, include_staff)
    if fmt == "csv" and csv_layout == "tables":
        assert output is not None
        tables = report_render.csv_tables(result)
        render.write_outputs(output, tables)
        # on stderr: stdout is for the report itself
        click.echo(
            "cmplt: " + _("wrote {count} files to {path}").format(count=len(tables), path=output),
            err=True,
        )
        return
    if fmt == "xlsx":
        assert output is not None
        from cmplt import xlsx

        render.write_output_bytes(output, xlsx.workbook(report_render.sheets(result), tz))
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)
        return
    if fmt == "md":
        text = report_render.to_markdown(result)
    elif fmt == "json":
        text = report_render.to_json(result)
    elif fmt == "csv":
        text = report_render.csv_long(result)
    else:
        from cmplt.report.html import to_html

        text = to_html(result)
    if output is None:
        click.echo(text, nl=False)
    else:
        render.write_output(output, text, bom=fmt == "csv")
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)


def _typed_time(text: str | None, option: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A time typed after `option`, read in `tz` (many sites: the first site's)."""
    from cmplt.errors import UsageError
    from cmplt.times import parse_time

    if text is None:
        return None
    try:
        return parse_time(text, tz, now=now)
    except UsageError as exc:
        raise UsageError(f"{option}: {exc.message}") from exc


def _built(
    registry: Snapshot,
    window: Window,
    as_of: datetime,
    compare: bool,
    include_staff: bool,
    received: list[Facts] | None = None,
    site: str | None = None,
) -> Report:
    """One registry's report, its unreadable measures listed with its records (`site`:
    the site's name, many sites)."""
    from cmplt.errors import InvalidFile
    from cmplt.measures import all_measures
    from cmplt.report.figures import Unreadable, build_report

    measures, broken = [], []
    for measure in all_measures(registry):
        if isinstance(measure, InvalidFile):
            broken.append(Unreadable(measure.path, measure.line, measure.reason))
        else:
            measures.append(measure)
    result = build_report(
        registry, window, as_of, compare, include_staff, measures, received_out=received
    )
    warn_history(registry, site)
    result.unreadable.extend(broken)
    return result


def _write_sites(
    parts: list[SiteReport], fmt: str, csv_layout: str, output: Path | None, tz: tzinfo
) -> None:
    """The report of many sites: every table once, with a site column and the company's
    totals; JSON each site's report and the company's (README, Many sites)."""
    from cmplt import render
    from cmplt.i18n import _
    from cmplt.report import formats as report_render
    from cmplt.report import sites

    company = sites.company_report(parts)
    titles = sites.sites_heading(parts)
    tables = sites.site_sections(parts, company)
    if fmt == "csv" and csv_layout == "tables":
        assert output is not None
        files = report_render.csv_tables_of(tables, tz)
        render.write_outputs(output, files)
        click.echo(
            "cmplt: " + _("wrote {count} files to {path}").format(count=len(files), path=output),
            err=True,
        )
        return
    if fmt == "xlsx":
        assert output is not None
        from cmplt import xlsx

        book = xlsx.workbook(report_render.sheets_of(titles, tables, tz), tz)
        render.write_output_bytes(output, book)
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)
        return
    if fmt == "md":
        text = report_render.markdown_of(titles, tables, tz)
    elif fmt == "json":
        text = render.json_text(sites.sites_data(parts, company))
    elif fmt == "csv":
        text = sites.sites_csv_long(parts, company)
    else:
        from cmplt.report.html import to_html

        text = to_html(company, titles, tables)  # the charts: the company's
    if output is None:
        click.echo(text, nl=False)
    else:
        render.write_output(output, text, bom=fmt == "csv")
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)


@click.group("improve")
def improve() -> None:
    """Improvement measures (改进措施) and their periodic evaluation (定期评估)."""


@improve.command("add")
@click.option("--title", required=True, help="What will be done.")
@click.option(
    "--category",
    required=True,
    type=Term("category"),
    help="The complaint category it addresses (policy).",
)
@click.option("--subject", type=Term("subject"), help="Narrow the scope to one subject (policy).")
@click.option("--building", help="Narrow the scope to one building (楼号), e.g. 3.")
@click.option("--owner", required=True, metavar="NAME", help="Who carries it out (roster).")
@click.option(
    "--due",
    "due_text",
    required=True,
    metavar="DATE",
    help="Due date (a date: 2026-12-31, 12/31, 2026年12月31日).",
)
@click.option(
    "--by",
    envvar="CMPLT_ACTOR",
    required=True,
    metavar="NAME",
    help="Who records it: a name on the staff roster. Env: CMPLT_ACTOR.",
)
@pass_context
def improve_add(
    obj: Context,
    title: str,
    category: str,
    subject: str | None,
    building: str | None,
    owner: str,
    due_text: str,
    by: str,
) -> None:
    """Record an improvement measure; prints its ID alone on the first line."""
    from cmplt.measures import add_measure

    scope = {"category": category}
    if subject is not None:
        scope["subject"] = subject
    if building is not None:
        scope["building"] = building
    due = obj.day(due_text, "--due")
    assert due is not None
    change = add_measure(obj.registry, title, scope, owner, due, by, obj.now, obj.seed())
    click.echo(change.measure.id)
    from cmplt.i18n import _

    click.echo(_("(commit {commit})").format(commit=change.commit[:10]))


@improve.command("done")
@click.argument("measure", metavar="ID")
@click.option("--note", required=True, help="What was done.")
@actor_options
@pass_context
def improve_done(obj: Context, measure: str, note: str, by: str, at_text: str | None) -> None:
    """Record that a measure was carried out."""
    from cmplt.measures import finish_measure

    change = finish_measure(obj.registry, measure, note, by, obj.time(at_text, "--at"), obj.now)
    from cmplt.i18n import _

    click.echo(
        _("{id} done (commit {commit})").format(id=change.measure.id, commit=change.commit[:10])
    )


@improve.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=Term("measure_status", ("open", "overdue", "done"), several=True),
    help="Only these (repeatable, or a,b). Overdue: open past its due date.",
)
@format_option("table", "json", "csv")
@pass_context
def improve_list(obj: Context, statuses: tuple[tuple[str, ...], ...], fmt: str) -> None:
    """The measures, oldest first; an unreadable file is one line on stderr and exit 1."""
    from cmplt import render
    from cmplt.errors import InvalidFile
    from cmplt.i18n import _, label
    from cmplt.measures import measure_status
    from cmplt.report.formats import scope_text

    registry = obj.snapshot
    tz = registry.policy.tz
    today = obj.now().astimezone(tz).date()
    rows, broken = [], False
    for measure in _measures(registry):
        if isinstance(measure, InvalidFile):
            click.echo(f"cmplt: {measure.message}", err=True)
            broken = True
            continue
        status = measure_status(measure.due, measure.status == "done", today)
        if statuses and status not in several(statuses):
            continue
        rows.append(
            {
                "id": measure.id,
                "status": status if fmt != "table" else label("measure_status", status),
                "due": measure.due.isoformat(),
                "owner": measure.owner,
                # an object in JSON, words in a table, `category=repair, building=3` in CSV
                "scope": measure.scope
                if fmt == "json"
                else scope_text(measure.scope)
                if fmt == "table"
                else ", ".join(f"{k}={v}" for k, v in measure.scope.items()),
                "title": measure.title,
                "created_at": measure.created_at,
                "done_at": measure.done_at,
                "note": measure.note,
            }
        )
    keys = ["id", "status", "due", "owner", "scope", "title", "done_at"]
    if fmt == "table":
        headers = {k: _(_HEADERS[k]) for k in keys}
        shown = [{headers[k]: row[k] for k in keys} for row in rows]
        click.echo(render.rows_out(shown, list(headers.values()), "table", tz), nl=False)
    else:
        click.echo(render.rows_out(rows, [*keys, "created_at", "note"], fmt, tz), nl=False)
    if broken:
        raise click.exceptions.Exit(1)


def _measures(registry: Snapshot) -> list[Measure | InvalidFile]:
    from cmplt.errors import InvalidFile
    from cmplt.measures import all_measures

    found = list(all_measures(registry))
    # an ID begins with the day it was recorded: by ID is oldest first
    return sorted(found, key=lambda m: m.id if not isinstance(m, InvalidFile) else "")


_HEADERS = {
    "id": N_("ID"),
    "status": N_("Status"),
    "due": N_("Due date"),
    "owner": N_("Owner"),
    "scope": N_("Scope"),
    "title": N_("Measure"),
    "done_at": N_("Done at"),
}

COMMANDS = [report, improve]
