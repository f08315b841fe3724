"""Commands that read: `show` and `list`."""

from __future__ import annotations

import click

from cmplt.cli.context import Context, format_option, pass_context
from cmplt.cli.options import Term, several
from cmplt.errors import InvalidFile
from cmplt.i18n import _
from cmplt.terms import NATURES, SEVERITIES, STATUSES


@click.command("show")
@click.argument("complaint", metavar="ID")
@format_option("text", "json", "yaml")
@click.option("--show-phone", is_flag=True, help="Print the phone number unmasked.")
@pass_context
def show(obj: Context, complaint: str, fmt: str, show_phone: bool) -> None:
    """Show one complaint: its fields and its history."""
    from cmplt import render
    from cmplt.workflow import resolve_deadline

    registry = obj.snapshot
    complaint_id = registry.resolve_id(complaint)
    if fmt == "yaml":
        # the file as it is, its phone number masked like every other format's
        record = registry.read_record(complaint_id)
        text = registry.record_path(record.id).read_text(encoding="utf-8")
        if not show_phone:
            text = render.yaml_phone_masked(text, record.phone)
        click.echo(text, nl=False)
        return
    record = registry.read_record(complaint_id)
    tz = registry.policy.tz
    if fmt == "json":
        data = render.complaint_json(record, tz, show_phone)
        click.echo(render.json_text(data), nl=False)
        return
    deadline = resolve_deadline(record, registry.policy)
    click.echo(render.complaint_text(record, tz, show_phone, deadline), nl=False)


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
@click.option("--unit", help="Only this unit (or units starting with this, e.g. a building '3-').")
@click.option("--owner", help="Only complaints held by this person.")
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
@format_option("table", "json", "csv")
@click.option("--show-phone", is_flag=True, help="Print phone numbers unmasked.")
@pass_context
def list_(
    obj: Context,
    statuses: tuple[tuple[str, ...], ...],
    severities: tuple[tuple[str, ...], ...],
    natures: tuple[tuple[str, ...], ...],
    categories: tuple[tuple[str, ...], ...],
    unit: str | None,
    owner: str | None,
    department: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    show_phone: bool,
) -> None:
    """List complaints, oldest first. Phone numbers are masked unless --show-phone."""
    from cmplt import render
    from cmplt.snapshot import Selection

    registry = obj.snapshot
    selection = Selection(
        several(statuses),
        several(severities),
        several(natures),
        several(categories),
        unit,
        owner,
        department,
        obj.time(since, "--since"),
        obj.time(until, "--until", day_end=True),
    )
    complaints, broken = registry.select(selection)
    rows = render.list_rows(complaints, LIST_COLUMNS, show_phone, short=fmt == "table")
    click.echo(render.rows_out(rows, LIST_COLUMNS, fmt, registry.policy.tz, labels=True), nl=False)
    for problem in broken:
        click.echo("cmplt: " + _("skipped {problem}").format(problem=problem.message), err=True)
    if broken:
        raise click.exceptions.Exit(InvalidFile.exit_code)


COMMANDS = [show, list_]
