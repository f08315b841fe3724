"""Commands that read the registry's history in git: `audit` and `log`."""

from __future__ import annotations

import click

from cmplt.cli.context import Context, format_option, pass_context
from cmplt.i18n import _, label


@click.command("audit")
@click.option(
    "--since",
    metavar="REV",
    help="Only the commits after REV (a commit, tag or branch). Default: all of HEAD's history.",
)
@format_option("text", "json")
@pass_context
def audit(obj: Context, since: str | None, fmt: str) -> None:
    """Report every change to a record that did not come through cmplt as it should.

    A commit touching a record without matching Complaint-Id/Action/Actor trailers;
    an event edited, reordered or removed after it was committed; a closed record
    changed other than by a reopen; an event recorded before its parent commit was
    made; a record deleted; an author who is not the Actor; intake fields edited.
    Commits already audited are remembered in .git/cmplt-audit.json.

    Exit 0: nothing found; 1: something found; 2: the audit could not run.
    """
    from cmplt import render, statefiles
    from cmplt.audit import audit_json, audit_text, run_audit
    from cmplt.errors import CmpltError, CouldNotRun

    try:
        registry = obj.snapshot
        worktree = registry.worktree
        state = statefiles.path(worktree, statefiles.AUDIT_STATE)
        result = run_audit(worktree, registry.root, since, state)
    except CouldNotRun:
        raise
    except CmpltError as exc:
        # no registry, no repository, git failing: exit 2, not the error's usual code,
        # so that CI can tell "could not run" from "found something" (1)
        raise CouldNotRun(exc.message) from exc
    if fmt == "json":
        data = {
            "commits": result.commits,
            "audited": result.audited,
            "findings": [audit_json(f) for f in result.findings],
        }
        click.echo(render.json_text(data), nl=False)
    else:
        for finding in result.findings:
            click.echo(audit_text(finding))
    if result.findings:
        raise click.exceptions.Exit(1)


@click.command("log")
@click.argument("complaint", metavar="ID")
@format_option("text", "json")
@pass_context
def log(obj: Context, complaint: str, fmt: str) -> None:
    """The life of one complaint from git: each step, when it happened and was recorded,
    who, and what it changed. Follows the file when it was moved to another folder."""
    from datetime import UTC, datetime

    from cmplt import render
    from cmplt.history import describe, parse_time_text, record_log

    registry = obj.snapshot
    complaint_id = registry.resolve_id(complaint)
    found = record_log(registry, complaint_id)
    steps = found.steps
    tz = registry.policy.tz

    def committed(seconds: int) -> datetime:
        return datetime.fromtimestamp(seconds, UTC).astimezone(tz)

    if fmt == "json":
        data = {
            "id": complaint_id,
            "path": found.path,
            "summary": found.summary,
            "steps": [s.as_json(committed(s.committed).isoformat()) for s in steps],
        }
        click.echo(render.json_text(data), nl=False)
        return
    # "what" last and whole: it is what a supervisor reads the log for
    headers = [
        _("happened"),
        _("recorded"),
        _("who"),
        _("action"),
        _("commit"),
        _("what"),
    ]
    rows = [
        dict(
            zip(
                headers,
                [
                    parse_time_text(s.at) or s.at,
                    parse_time_text(s.recorded_at) or committed(s.committed),
                    s.by or s.author,
                    label("action", s.action) if s.action else s.action,
                    s.commit[:10],
                    describe(s),
                ],
                strict=True,
            )
        )
        for s in steps
    ]
    click.echo(f"{complaint_id}  {found.summary or ''}  ({found.path})")
    click.echo(render.rows_out(rows, headers, "table", tz), nl=False)


COMMANDS = [audit, log]
