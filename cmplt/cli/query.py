"""Commands that read: `show` and `list`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cmplt.cli.context import Context, format_option, output_option, pass_context
from cmplt.cli.options import Term, several
from cmplt.errors import InvalidFile, UsageError
from cmplt.i18n import _, label
from cmplt.terms import NATURES, SEVERITIES, STATUSES


@click.command("show")
@click.argument("complaint", metavar="ID")
@format_option("text", "json", "yaml")
@click.option("--show-phone", is_flag=True, help="Print the phone number unmasked.")
@pass_context
def show(obj: Context, complaint: str, fmt: str, show_phone: bool) -> None:
    """Show one complaint: its fields and its history."""
    from cmplt import render
    from cmplt.workflow import fold, resolve_deadline

    registry = obj.snapshot
    complaint_id = registry.resolve_id(complaint)
    if fmt == "yaml":
        # the file as it is, its phone number masked like every other format's
        record = registry.read_record(complaint_id)
        text = registry.record_path(record.id).read_text(encoding="utf-8")
        if not show_phone:
            text = render.yaml_phone_masked(text, render.phones_of(record))
        click.echo(text, nl=False)
        return
    record = registry.read_record(complaint_id)
    tz = registry.policy.tz
    if fmt == "json":
        data = render.complaint_json(record, tz, show_phone)
        click.echo(render.json_text(data), nl=False)
        return
    deadline = resolve_deadline(record, registry.policy)
    waiting = [
        f"{label('action', event.action)} {key}"
        for key, event in fold(record.events, record.id, record.set_aside).pending.items()
    ]
    click.echo(render.complaint_text(record, tz, show_phone, deadline, waiting), nl=False)


LIST_COLUMNS = (
    "id",
    "received_at",
    "status",
    "severity",
    "nature",
    "category",
    "unit",
    "customer",
    "phone",
    "owner",
    "department",
    "summary",
)


@click.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=Term("status", STATUSES, several=True),
    help="Only these statuses (repeatable, or several at once: open,in_progress).",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=Term("severity", SEVERITIES, several=True),
    help="Only these severities (repeatable, or a,b).",
)
@click.option(
    "--nature",
    "natures",
    multiple=True,
    type=Term("nature", NATURES, several=True),
    help="Only these natures (repeatable, or a,b).",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=Term("category", several=True),
    help="Only these categories (repeatable, or a,b).",
)
@click.option(
    "--unit",
    help="Only this unit, or the units starting with this (a building: 3-, 3栋); 3栋1502, "
    "３－１５０２ and 3-1502 are the same unit.",
)
@click.option("--customer", help="Only customers whose name holds this.")
@click.option("--phone", help="Only phone numbers holding these digits (138****8000 too).")
@click.option("--owner", help="Only complaints held by this person.")
@click.option(
    "--mine",
    is_flag=True,
    help="Only complaints held by the acting person (env CMPLT_ACTOR).",
)
@click.option("--overdue", is_flag=True, help="Only complaints with a clock overdue now.")
@click.option("--department", help="Only complaints dispatched to this department.")
@click.option(
    "--since",
    metavar="TIME",
    help="Only complaints received at or after this time (a date alone: its start).",
)
@click.option(
    "--until",
    metavar="TIME",
    help="Only complaints received before this time (a date alone: the end of that day, included).",
)
@format_option("table", "json", "csv", "xlsx")
@output_option
@click.option("--show-phone", is_flag=True, help="Print phone numbers unmasked.")
@pass_context
def list_(
    obj: Context,
    statuses: tuple[tuple[str, ...], ...],
    severities: tuple[tuple[str, ...], ...],
    natures: tuple[tuple[str, ...], ...],
    categories: tuple[tuple[str, ...], ...],
    unit: str | None,
    customer: str | None,
    phone: str | None,
    owner: str | None,
    mine: bool,
    overdue: bool,
    department: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    output: Path | None,
    show_phone: bool,
) -> None:
    """List complaints, oldest first. Phone numbers are masked unless --show-phone."""
    import os

    from cmplt.search import Query
    from cmplt.snapshot import Selection

    if mine:
        actor = os.environ.get("CMPLT_ACTOR", "").strip()
        if not actor:
            raise UsageError(_("--mine: who is acting? set CMPLT_ACTOR to your name"))
        if owner and owner != actor:
            raise UsageError(
                _("--mine is {name}; --owner says {owner}").format(name=actor, owner=owner)
            )
        owner = actor
    selection = Selection(
        several(statuses),
        several(severities),
        several(natures),
        several(categories),
        None,
        owner,
        department,
        obj.time(since, "--since"),
        obj.time(until, "--until", day_end=True),
    )
    query = Query(None, customer, phone, unit)
    _list(obj, selection, query, overdue, fmt, output, show_phone)


def _list(
    obj: Context,
    selection: Any,
    query: Any,
    overdue: bool,
    fmt: str,
    output: Path | None,
    show_phone: bool,
) -> None:
    """`list` and `search`: the records chosen, as a table for people or rows for tools."""
    import shutil
    import sys

    from cmplt import render
    from cmplt.search import search

    registry = obj.snapshot
    complaints, broken = registry.select(selection)
    complaints = search(complaints, query, registry.policy)
    if overdue:
        from cmplt.check import run_check

        late = {
            f.record_id for f in run_check(registry, obj.now()).findings if f.level == "overdue"
        }
        complaints = [c for c in complaints if c.id in late]
    if fmt == "xlsx" and output is None:
        raise UsageError(_("--format xlsx writes a workbook: give -o FILE"))
    rows = render.list_rows(complaints, LIST_COLUMNS, show_phone, short=False)
    if fmt == "xlsx":
        assert output is not None
        from cmplt import xlsx

        sheet = render.rows_sheet(rows, LIST_COLUMNS, _("Complaints"))
        render.write_output_bytes(output, xlsx.workbook([sheet], registry.policy.tz))
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)
        _skipped(broken)
        return
    if fmt == "table" and output is None:
        # the table fits the terminal (COLUMNS); the summary is cut on a terminal,
        # wrapped into lines where the output is kept (a file, a pipe, mail)
        width = shutil.get_terminal_size((120, 24)).columns
        rows = render.fit_column(rows, LIST_COLUMNS, "summary", width, wrap=not sys.stdout.isatty())
    text = render.rows_out(rows, LIST_COLUMNS, fmt, registry.policy.tz, labels=True)
    if output is None:
        click.echo(text, nl=False)
    else:
        render.write_output(output, text, bom=fmt == "csv")
        click.echo("cmplt: " + _("wrote {path}").format(path=output), err=True)
    _skipped(broken)


def _skipped(broken: list[InvalidFile]) -> None:
    for problem in broken:
        click.echo("cmplt: " + _("skipped {problem}").format(problem=problem.message), err=True)
    if broken:
        raise click.exceptions.Exit(InvalidFile.exit_code)


@click.command("search")
@click.argument("text")
@format_option("table", "json", "csv", "xlsx")
@output_option
@click.option("--show-phone", is_flag=True, help="Print phone numbers unmasked.")
@pass_context
def search_(obj: Context, text: str, fmt: str, output: Path | None, show_phone: bool) -> None:
    """Find complaints by customer, phone, unit, summary or notes, oldest first.

    A phone is found by its digits (a masked 138****8000 too), a unit in any of its
    forms (3栋1502, ３－１５０２, 3-1502); text is compared case- and width-insensitive.
    """
    from cmplt.search import Query
    from cmplt.snapshot import Selection

    if not text.strip():
        raise UsageError(_("search: give the text to look for"))
    _list(obj, Selection(), Query(text=text), False, fmt, output, show_phone)


COMMANDS = [show, list_, search_]
