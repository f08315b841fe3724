"""Commands that change a complaint: `new` and every lifecycle step."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cmplt.cli.context import Context, F, actor_options, collector_paused, pass_context
from cmplt.cli.options import PathType, Term
from cmplt.i18n import N_, _, label
from cmplt.terms import NATURES, SATISFACTIONS, SEVERITIES

# how much of the summary a step's line shows: enough to see a wrong target at once
SUMMARY_SHOWN = 24


def _step_line(change: Any, action: str) -> str:
    from cmplt.shown import time_text

    line = _("{id} {action} -> {status} (commit {commit})").format(
        id=change.complaint_id,
        action=label("action", action),
        status=label("status", change.status),
        commit=change.commit[:10],
    )
    summary = " ".join(str(change.summary or "").split())
    if summary:
        if len(summary) > SUMMARY_SHOWN:
            summary = summary[: SUMMARY_SHOWN - 1] + "…"
        line += f" {summary}"
    event = change.event or {}
    if event.get("requested"):
        # nothing moved: say so, and who can make it take effect
        line += "\n" + _(
            "requested, not yet in effect: an approver grants it with cmplt approve {id} --by NAME"
        ).format(id=change.complaint_id)
    if event.get("deadline_passed"):
        line += "\n" + _(
            "approved after the deadline {deadline} had passed: "
            "the clock stays missed in the report"
        ).format(deadline=time_text(event["deadline_passed"], None))
    return line


def _say(line: str) -> None:
    """A step's line, out at once (flushed): it is the clerk's receipt."""
    click.echo(line)
    sys.stdout.flush()


@click.command("new")
@click.option(
    "--channel",
    required=True,
    type=Term("channel"),
    help="How it came in (policy channels: phone 电话, visit 来访, letter 信函, …).",
)
@click.option("--customer", required=True, help="Customer's name.")
@click.option("--unit", required=True, help="Building and unit, e.g. 3-1502.")
@click.option("--phone", help="Customer's contact number (required unless --anonymous).")
@click.option(
    "--anonymous",
    is_flag=True,
    default=None,
    help="The customer gives no contact: no phone, no callback, outside the callback quotas.",
)
@click.option(
    "--severity",
    required=True,
    type=Term("severity", SEVERITIES),
    help="Severity (程度): minor 轻微, important 重要, major 重大.",
)
@click.option(
    "--nature",
    required=True,
    type=Term("nature", NATURES),
    help="Nature (性质): valid-1 有效投诉（一类）, valid-2 有效投诉（二类）, invalid 无效投诉, "
    "request 诉求或建议.",
)
@click.option(
    "--subject",
    required=True,
    type=Term("subject"),
    help="What it concerns (情况, policy subjects): facilities, quality, attitude, abnormal.",
)
@click.option(
    "--category",
    required=True,
    type=Term("category"),
    help="Business category (policy categories: repair 维修, cleaning 保洁, …).",
)
@click.option("--summary", required=True, help="What happened, briefly.")
@click.option("--request", help="What the customer asks for.")
@click.option(
    "--deadline",
    "deadline_text",
    metavar="TIME",
    help="The deadline the customer asked for (a date alone: the end of that day).",
)
@click.option(
    "--happened-at",
    "happened_text",
    metavar="TIME",
    help="When the event happened (a date alone: its start).",
)
@click.option("--location", help="Where it happened.")
@click.option("--about", help="Who or which department the complaint is about.")
@click.option(
    "--urgent", is_flag=True, help="Harm is happening now: stop it first (原则及流程 四.5)."
)
@click.option("--urgent-note", help="What was done at once to stop the harm.")
@click.option("--economic-loss", is_flag=True, help="The customer suffered a large economic loss.")
@click.option(
    "--responsible",
    "responsible_party",
    type=Term("responsible_party"),
    help="Responsible party (policy: property 物业公司, owner 业主, …).",
)
@click.option("--staff-involved", metavar="NAME", help="Staff member complained about (roster).")
@click.option(
    "--repeat-of",
    metavar="ID",
    help="The earlier complaint this one repeats (the same customer calling again).",
)
@actor_options
@pass_context
def new(
    obj: Context,
    /,
    by: str,
    at_text: str | None,
    deadline_text: str | None,
    happened_text: str | None,
    **intake: Any,
) -> None:
    """Register a complaint (受理). Prints the new ID alone on the first line."""
    with collector_paused():
        registry = obj.registry  # opened for the step at once: times are read in its zone
        at = obj.time(at_text, "--at")
        intake["requested_deadline"] = obj.time(deadline_text, "--deadline", day_end=True)
        intake["happened_at"] = obj.time(happened_text, "--happened-at")
        intake = {k: (v.strip() if isinstance(v, str) else v) for k, v in intake.items()}
        # the ID is printed the moment the complaint is committed, before anything else
        # can fail: a clerk who saw no ID would type the complaint in again
        change = registry.receive(
            intake, by, at, obj.now, obj.seed(), announce=lambda c: _say(str(c.complaint_id))
        )
    _warn_of_repeats(obj, intake, str(change.complaint_id))


_SAME = {"phone": N_("phone number"), "unit": N_("unit")}
REPEATS_SHOWN = 5  # the warning names at most this many records


def _warn_of_repeats(obj: Context, intake: dict[str, Any], complaint_id: str) -> None:
    """On stderr, after the ID: the open or recent complaints from the same phone or
    unit (repeats.py); the step stands whatever this finds (exit 0)."""
    from cmplt.errors import CmpltError
    from cmplt.repeats import similar_complaints

    registry = obj.registry
    try:
        found = similar_complaints(
            registry,
            intake["unit"],
            intake.get("phone"),
            obj.now(),
            registry.policy.desk.repeat_within,
            leave_out=complaint_id,
        )
        linked = registry.read_record(complaint_id).repeat_of
    except CmpltError:
        return
    found = [s for s in found if s.id != linked]
    shown = found[-REPEATS_SHOWN:]  # the most recent
    for similar in shown:
        same = _(" and ").join(_(_SAME[name]) for name in similar.same)
        click.echo(
            "cmplt: "
            + _("warning: same {same} as {id} ({status}, received {received}): {summary}").format(
                same=same,
                id=similar.id,
                status=label("status", similar.status),
                received=similar.received_at.astimezone(registry.policy.tz).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                summary=" ".join(similar.summary.split())[:SUMMARY_SHOWN],
            ),
            err=True,
        )
    if len(found) > len(shown):
        click.echo(
            "cmplt: "
            + _("warning: and {count} earlier ones (cmplt list --unit {unit})").format(
                count=len(found) - len(shown), unit=intake["unit"]
            ),
            err=True,
        )
    if found:
        click.echo(
            "cmplt: "
            + _(
                "if it is the same complaint entered twice: cmplt reject {new} --duplicate-of "
                "{id} --reason …; if the customer called again, it can be linked at entry "
                "(new --repeat-of {id})"
            ).format(new=complaint_id, id=found[-1].id),
            err=True,
        )


@click.command("attach")
@click.argument("complaint", metavar="ID")
@click.argument("file", metavar="FILE", type=PathType(path_type=Path, dir_okay=True))
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["opinion", "photo", "approval", "other"]),
    help="opinion: the customer's written opinion (流程及技巧 3); photo; approval; other.",
)
@click.option("--note", help="What the file shows.")
@actor_options
@pass_context
def attach(
    obj: Context,
    /,
    complaint: str,
    file: Path,
    kind: str,
    note: str | None,
    by: str,
    at_text: str | None,
) -> None:
    """Keep a file with the complaint as evidence (JPEG, PNG or PDF by its content; image
    location metadata removed), committed with the record."""
    with collector_paused():
        from cmplt.attachments import read_evidence
        from cmplt.workflow import Step

        registry = obj.registry
        at = obj.time(at_text, "--at")
        evidence = read_evidence(file, registry.policy)
        fields = {"kind": kind, "note": note.strip() if note else None}
        registry.apply(
            complaint,
            Step("attach", by, at, fields),
            obj.now,
            obj.seed(),
            announce=lambda change: _say(_step_line(change, "attach")),
            evidence=evidence,
        )


def _step_command(
    name: str,
    help_text: str,
    options: list[Callable[[F], F]],
    to_fields: Callable[[Context, dict[str, Any]], dict[str, Any]] | None = None,
    arguments: list[Callable[[F], F]] | None = None,
) -> click.Command:
    """A lifecycle step: ID, its own options, --by/--at; one commit."""

    @pass_context
    def run(obj: Context, /, complaint: str, by: str, at_text: str | None, **fields: Any) -> None:
        with collector_paused():
            from cmplt.workflow import Step

            registry = obj.registry  # opened for the step at once: times are read in its zone
            at = obj.time(at_text, "--at")
            if to_fields is not None:
                fields = to_fields(obj, fields)
            fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
            step = Step(name, by, at, fields)
            registry.apply(
                complaint,
                step,
                obj.now,
                obj.seed(),
                announce=lambda change: _say(_step_line(change, name)),
            )

    run.__doc__ = help_text
    command: Any = run
    for option in reversed(options):
        command = option(command)
    command = actor_options(command)
    for argument in reversed(arguments or []):  # after ID, in this order
        command = argument(command)
    command = click.argument("complaint", metavar="ID")(command)
    return click.command(name, help=help_text)(command)


def _text(flag: str, dest: str, help_text: str, required: bool = True) -> Callable[[F], F]:
    return click.option(flag, dest, required=required, help=help_text)


def _extend_fields(obj: Context, fields: dict[str, Any]) -> dict[str, Any]:
    fields["until"] = obj.time(fields.pop("until_text"), "--until", day_end=True)
    return fields


def _promise_fields(obj: Context, fields: dict[str, Any]) -> dict[str, Any]:
    # a time promised to the customer is a deadline: "call by the 3rd" includes the 3rd
    fields["call_by"] = obj.time(fields.pop("call_by_text"), "--call-by", day_end=True)
    return fields


def _definite() -> Callable[[F], F]:
    return click.option(
        "--definite",
        is_flag=True,
        help="A definite answer (明确答复): what a major complaint is owed within 2 days "
        "(原则及流程 五.3).",
    )


def _reclassify_fields(obj: Context, fields: dict[str, Any]) -> dict[str, Any]:
    flags = {"urgent": fields.pop("urgent"), "economic_loss": fields.pop("economic_loss")}
    verified = fields.pop("staff_verified")
    changes = {k: v for k, v in {**fields, **flags}.items() if v is not None}
    if verified is not None:
        changes["staff_verified"] = verified == "yes"
    if not {k for k in changes if k != "reason"}:
        raise click.UsageError(_("give at least one of the options to change"))
    return changes


def _correct_fields(obj: Context, fields: dict[str, Any]) -> dict[str, Any]:
    fields["happened_at"] = obj.time(fields.pop("happened_text"), "--happened-at")
    # a deadline as `new --deadline` reads it: "by the 3rd" includes the 3rd
    fields["requested_deadline"] = obj.time(fields.pop("deadline_text"), "--deadline", day_end=True)
    if not {k for k, v in fields.items() if v is not None and k != "reason"}:
        raise click.UsageError(_("give at least one field to correct"))
    return fields


def _reject_fields(obj: Context, fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("duplicate_of"):
        fields["duplicate_of"] = obj.registry.resolve_id(fields["duplicate_of"])
    return fields


def _void_fields(obj: Context, fields: dict[str, Any]) -> dict[str, Any]:
    from cmplt.ids import normalise_id_input

    return {"event": normalise_id_input(fields["event"]), "reason": fields["reason"]}


COMMANDS = [
    new,
    attach,
    _step_command(
        "respond",
        "Record a reply to the customer (答复客户).",
        [_text("--note", "note", "What the customer was told."), _definite()],
    ),
    _step_command(
        "dispatch",
        "Send a work order (工作联系单) to a department.",
        [
            _text("--to", "department", "Department (policy departments)."),
            _text("--note", "note", "Instructions for the department.", required=False),
            click.option(
                "--person",
                metavar="NAME",
                help="The person who follows it to the end (跟踪人; 投诉处理及回访制度 五).",
            ),
        ],
    ),
    _step_command("accept", "The department signs for its work order (签收).", []),
    _step_command(
        "plan",
        "Record the initial plan or definite answer given to the customer.",
        [_text("--note", "note", "The plan or answer."), _definite()],
    ),
    _step_command(
        "extend",
        "Extend the deadline, with approval (超时审批).",
        [
            click.option(
                "--until",
                "until_text",
                required=True,
                metavar="TIME",
                help="The new deadline (a date alone: the end of that day).",
            ),
            _text(
                "--approved-by",
                "approved_by",
                "Only under a policy without approvals.by_approver: the approver's name. "
                "Otherwise an approver's own extend is approved at once, anyone else's is a "
                "request that cmplt approve grants.",
                required=False,
            ),
            _text("--note", "note", "Why more time is needed.", required=False),
        ],
        _extend_fields,
    ),
    _step_command(
        "escalate",
        "Pass the complaint up to another person (升级).",
        [_text("--to", "to", "The new owner (roster)."), _text("--reason", "reason", "Why.")],
    ),
    _step_command(
        "resolve",
        "Record the result of handling (处理完毕).",
        [_text("--result", "result", "What was done.")],
    ),
    _step_command(
        "callback",
        "Record a callback to the customer (回访); the caller is --by.",
        [
            click.option(
                "--satisfaction",
                required=True,
                type=Term("satisfaction", SATISFACTIONS),
                help="What the customer said of the handling: satisfied 满意, neutral 基本满意, "
                "dissatisfied 不满意.",
            ),
            _text("--note", "note", "What the customer said.", required=False),
        ],
    ),
    _step_command(
        "reopen", "Reopen a handled or archived complaint.", [_text("--reason", "reason", "Why.")]
    ),
    _step_command(
        "reject",
        "Decline an invalid complaint politely, with the reason given; or close a duplicate "
        "entry (--duplicate-of).",
        [
            _text("--reason", "reason", "The reason told to the customer, and any other route."),
            click.option(
                "--duplicate-of",
                metavar="ID",
                help="The record this one duplicates (the same complaint entered twice): "
                "closed as a duplicate, not a declined complaint.",
            ),
        ],
        _reject_fields,
    ),
    _step_command(
        "close",
        "Archive the complaint after its callback (归档).",
        [
            _text("--note", "note", "Closing note.", required=False),
            _text(
                "--waive",
                "waived",
                "Archive although a required callback is missing, and why (a manager or above).",
                required=False,
            ),
        ],
    ),
    _step_command(
        "note",
        "Add a note to the history.",
        # --note as every other step spells it; --text, its first name, still works
        [click.option("--note", "--text", "text", required=True, help="The note.")],
    ),
    _step_command(
        "approve",
        "Approve a step that waits for it (an extension, reclassification or work order); "
        "the approver is --by.",
        [
            click.option(
                "--event",
                "approves",
                metavar="EVENT-ID",
                help="The requested step, when more than one waits.",
            ),
            _text("--note", "note", "A note with the approval.", required=False),
        ],
    ),
    _step_command(
        "decide",
        "The division manager's decision on an important or major complaint "
        "(投诉处理及回访制度 四).",
        [_text("--note", "note", "The decision.")],
    ),
    _step_command(
        "track",
        "Name the person who follows the complaint to its end (投诉处理及回访制度 五).",
        [
            click.option("--person", required=True, metavar="NAME", help="Who (roster)."),
            _text("--note", "note", "A note.", required=False),
        ],
    ),
    _step_command(
        "promise",
        "Record a time agreed with the customer for a phone reply (流程及技巧 4, 6).",
        [
            click.option(
                "--call-by",
                "call_by_text",
                required=True,
                metavar="TIME",
                help="When the customer is to be called by (a date alone: the end of that day).",
            ),
            _text("--note", "note", "What was agreed.", required=False),
        ],
        _promise_fields,
    ),
    _step_command(
        "review",
        "The reward-and-penalty outcome for a verified staff-attitude complaint "
        "(投诉处理及回访制度 七).",
        [_text("--outcome", "outcome", "The outcome.")],
    ),
    _step_command(
        "reevaluate",
        "Put the complaint's clocks under the policy in force now (they follow the "
        "policy of its receipt until then).",
        [_text("--reason", "reason", "Why.")],
    ),
    _step_command(
        "reclassify",
        "Change the classification, flags or staff verification.",
        [
            click.option("--nature", type=Term("nature", NATURES), help="The new nature (性质)."),
            click.option(
                "--severity", type=Term("severity", SEVERITIES), help="The new severity (程度)."
            ),
            click.option("--subject", type=Term("subject"), help="The new subject (情况)."),
            click.option("--category", type=Term("category"), help="The new business category."),
            click.option(
                "--urgent/--not-urgent",
                default=None,
                help="Harm is happening now: stop it first (原则及流程 四.5).",
            ),
            click.option(
                "--economic-loss/--no-economic-loss",
                default=None,
                help="The customer suffered a large economic loss.",
            ),
            click.option(
                "--staff-involved", metavar="NAME", help="Staff member complained about (roster)."
            ),
            click.option(
                "--staff-verified",
                type=Term("answer", ("yes", "no")),
                help="Whether the attitude complaint was found true (投诉处理及回访制度 七).",
            ),
            _text("--reason", "reason", "Why.", required=False),
        ],
        _reclassify_fields,
    ),
    _step_command(
        "correct",
        "Put right a mistake in the intake (customer, unit, phone, summary, …); the event "
        "keeps the old and the new values.",
        [
            click.option(
                "--channel", type=Term("channel"), help="How it came in (policy channels)."
            ),
            click.option("--customer", help="Customer's name."),
            click.option("--unit", help="Building and unit."),
            click.option("--phone", help="Customer's contact number."),
            click.option(
                "--happened-at",
                "happened_text",
                metavar="TIME",
                help="When the event happened (a date alone: its start).",
            ),
            click.option("--location", help="Where it happened."),
            click.option("--about", help="Who or which department it is about."),
            click.option("--summary", help="What happened, briefly."),
            click.option("--request", help="What the customer asks for."),
            click.option(
                "--deadline",
                "deadline_text",
                metavar="TIME",
                help="The deadline the customer asked for (a date alone: the end of that day).",
            ),
            click.option("--urgent-note", help="What was done at once to stop the harm."),
            click.option(
                "--responsible",
                "responsible_party",
                type=Term("responsible_party"),
                help="Responsible party (policy: property 物业公司, owner 业主, …).",
            ),
            _text("--reason", "reason", "What was wrong."),
        ],
        _correct_fields,
    ),
    _step_command(
        "urge",
        "The customer chased the complaint (催单): a reply is due within the first-reply clock.",
        [
            click.option(
                "--channel",
                default="phone",
                show_default=True,
                help="How the customer chased (policy channels).",
            ),
            _text("--note", "note", "What the customer said.", required=False),
        ],
    ),
    _step_command(
        "void",
        "Mark a step recorded by mistake as void: it stays in the history and counts for "
        "nothing (policy desk.void says who may, and how soon).",
        [_text("--reason", "reason", "What the mistake was.")],
        _void_fields,
        [click.argument("event", metavar="EVENT-ID")],
    ),
]
