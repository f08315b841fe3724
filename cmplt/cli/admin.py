"""Commands that set a registry up: `init` and `staff`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from cmplt.cli.context import Context, F, format_option, merge_driver_ready, pass_context
from cmplt.cli.options import Term
from cmplt.i18n import _, ngettext


@click.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--nested",
    is_flag=True,
    help="Create it inside another git repository (committing there) or registry, on purpose.",
)
@pass_context
def init(obj: Context, folder: Path, nested: bool) -> None:
    """Create a registry in FOLDER: policy, roster, folders; git init if needed; commit."""
    from cmplt.registry import init_registry

    root, commit = init_registry(folder, obj.now(), nested=nested)
    merge_driver_ready(root, quiet=True)  # this clone merges records by their events
    click.echo(
        _("registry ready in {root} (commit {commit})").format(root=root, commit=commit[:10])
    )
    click.echo(_("next: cmplt staff add NAME --role clerk --department 客服中心"))


@click.group("staff")
def staff() -> None:
    """The staff roster (staff.yaml): who may act, their role and department."""


@staff.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=Term("role"),
    help="A role from the policy: its key or its title (clerk 客服员, supervisor 物业主管, …).",
)
@click.option("--department", help="A department from the policy.")
@click.option("--email", help="Used as the git author email of this person's steps.")
@click.option(
    "--by",
    envvar="CMPLT_ACTOR",
    metavar="NAME",
    help="Who adds them (once the roster has anyone: someone the policy's permissions allow "
    "to change the roster, a manager or above). Env: CMPLT_ACTOR.",
)
@pass_context
def staff_add(
    obj: Context, name: str, role: str, department: str | None, email: str | None, by: str | None
) -> None:
    """Add NAME to the roster with a role (and department)."""
    from cmplt.policy import StaffMember
    from cmplt.shown import role_label

    member = StaffMember(role=role, department=department, email=email)
    registry = obj.registry
    change = registry.add_staff(name.strip() if name.strip() else name, member, by, obj.now)
    click.echo(
        _("{name} added as {role} (commit {commit})").format(
            name=name, role=role_label(role, registry.policy.roles), commit=change.commit[:10]
        )
    )


def _by_option(help_text: str) -> Callable[[F], F]:
    return click.option("--by", envvar="CMPLT_ACTOR", metavar="NAME", help=help_text)


@staff.command("set")
@click.argument("name")
@click.option("--role", type=Term("role"), help="A role from the policy: its key or its title.")
@click.option("--department", help="A department from the policy.")
@_by_option("Who changes it (policy permissions: staff, a manager or above). Env: CMPLT_ACTOR.")
@pass_context
def staff_set(
    obj: Context, name: str, role: str | None, department: str | None, by: str | None
) -> None:
    """Change NAME's role or department (git keeps what it was)."""
    if role is None and department is None:
        raise click.UsageError(_("staff set: give --role or --department"))
    change = obj.registry.set_staff(name, {"role": role, "department": department}, by, obj.now)
    click.echo(_("{name} changed (commit {commit})").format(name=name, commit=change.commit[:10]))


@staff.command("remove")
@click.argument("name")
@_by_option("Who removes them (policy permissions: staff, a manager or above). Env: CMPLT_ACTOR.")
@pass_context
def staff_remove(obj: Context, name: str, by: str | None) -> None:
    """Mark NAME removed: the records of their time keep the name; they can no longer act."""
    change = obj.registry.remove_staff(name, by, obj.now)
    click.echo(_("{name} removed (commit {commit})").format(name=name, commit=change.commit[:10]))


@staff.command("list")
@format_option("table", "json", "csv")
@pass_context
def staff_list(obj: Context, fmt: str) -> None:
    """List the roster."""
    from cmplt import render

    registry = obj.snapshot
    rows = [
        {
            "name": name,
            "role": m.role,
            "role_label": registry.policy.roles.get(m.role, ""),
            "department": m.department,
            "email": m.email,
            "removed": m.removed,
        }
        for name, m in registry.roster.staff.items()
    ]
    click.echo(
        render.rows_out(
            rows, ("name", "role", "role_label", "department", "email", "removed"), fmt, labels=True
        ),
        nl=False,
    )


COMMANDS = [init, staff]


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option("text", "json")
@click.option(
    "-q", "--quiet", is_flag=True, help="Print nothing when there is no problem (for scripts)."
)
@pass_context
def validate(obj: Context, paths: tuple[Path, ...], fmt: str, quiet: bool) -> None:
    """Check the policy, roster and every record (or PATHS). Exit 1 if anything is wrong.

    Of PATHS, the policy, the roster and files under complaints/ are checked, each in
    its own registry; other files are skipped (a pre-commit hook may pass them all).
    Exit 2 when there is no registry to check.
    """
    from cmplt import render
    from cmplt.validate import problem_json, run_validate

    registry = Path(obj.registry_option) if obj.registry_option else None
    outcome = run_validate(paths, registry, Path.cwd())
    if outcome.skipped:
        shown = ", ".join(outcome.skipped[:5]) + (" …" if len(outcome.skipped) > 5 else "")
        click.echo(
            "cmplt: " + _("not registry files, skipped: {files}").format(files=shown), err=True
        )

    problems = outcome.problems
    if fmt == "json":
        click.echo(render.json_text([problem_json(p) for p in problems]), nl=False)
    else:
        for problem in problems:
            click.echo(problem.text())
        if not problems and not quiet:
            # one line, so that a person sees it ran (a hook or a script passes -q)
            click.echo(
                ngettext(
                    "checked {count} file, no problems",
                    "checked {count} files, no problems",
                    outcome.checked,
                ).format(count=outcome.checked)
            )
    if problems:
        raise click.exceptions.Exit(1)


COMMANDS.append(validate)


@click.command("repair")
@click.option("--yes", is_flag=True, help="Settle without asking (for scripts).")
@pass_context
def repair(obj: Context, yes: bool) -> None:
    """Show what an interrupted step left, and settle it: roll back or finish.

    A step stopped part-way (killed, the power cut) is settled by the next cmplt
    command when it can be proved to be cmplt's own; what cannot (a file edited
    since) is shown here, and settling it then only forgets the interrupted step:
    the files stay as they are, for a person to look at with git. Exit 0 when
    nothing is left or it was settled, 1 when it was left as it is.
    """
    from cmplt.recovery import Settlement

    def confirm(found: Settlement) -> bool:
        click.echo(_("an interrupted step: {why}").format(why=found.why))
        for path, data in found.restore.items():
            click.echo(
                "  " + _("put back as HEAD has it: {path}").format(path=path)
                if data is not None
                else "  " + _("remove (a complaint never committed): {path}").format(path=path)
            )
        for path in found.index:
            click.echo("  " + _("bring git's index up to date: {path}").format(path=path))
        for litter in found.litter:
            click.echo("  " + _("remove a leftover file: {path}").format(path=litter))
        for suspect in found.suspects:
            click.echo(
                "  "
                + _("remove git's {path} (say no if a git command of yours is running)").format(
                    path=suspect
                )
            )
        if found.kind == "unsettled":
            click.echo("  " + _("the files stay as they are; look at them with git status"))
            question = _("Forget the interrupted step?")
        else:
            question = _("Settle it?")
        return yes or click.confirm(question, default=False)

    found = obj.registry.repair(confirm)
    if found is None:
        click.echo(_("nothing to repair"))
    elif not found.applied:
        raise click.exceptions.Exit(1)


COMMANDS.append(repair)
