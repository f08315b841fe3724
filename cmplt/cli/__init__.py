"""The `cmplt` command line. Thin: parse, call one domain function, render.

Domain errors become one line on stderr with their own exit code; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, NoReturn

import click

from cmplt import __version__, i18n
from cmplt.cli import words
from cmplt.cli.context import Context
from cmplt.cli.options import OneFolder
from cmplt.errors import CmpltError
from cmplt.i18n import _

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BUG = 70
# the commands that read several registries at once (`--registry A --registry B`)
SEVERAL_SITES = frozenset({"check", "report"})

# Every command: the module of cmplt.cli that defines it, and its short help as
# `cmplt --help` and shell completion list it (the first paragraph of its help).
# A run imports the module of its command alone: `cmplt --help` imports none,
# a step none of the report's (benchmarks/startup.py). tests/test_imports.py
# keeps this table in step with the commands themselves.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "admin",
        "Create a registry in FOLDER: policy, roster, folders; git init if needed; commit.",
    ),
    "staff": ("admin", "The staff roster (staff.yaml): who may act, their role and department."),
    "validate": (
        "admin",
        "Check the policy, roster and every record (or PATHS). Exit 1 if anything is wrong.",
    ),
    "repair": (
        "admin",
        "Show what an interrupted step left, and settle it: roll back or finish.",
    ),
    "new": ("records", "Register a complaint (受理). Prints the new ID alone on the first line."),
    "respond": ("records", "Record a reply to the customer (答复客户)."),
    "dispatch": ("records", "Send a work order (工作联系单) to a department."),
    "accept": ("records", "The department signs for its work order (签收)."),
    "plan": ("records", "Record the initial plan or definite answer given to the customer."),
    "extend": ("records", "Extend the deadline, with approval (超时审批)."),
    "escalate": ("records", "Pass the complaint up to another person (升级)."),
    "resolve": ("records", "Record the result of handling (处理完毕)."),
    "callback": ("records", "Record a callback to the customer (回访); the caller is --by."),
    "reopen": ("records", "Reopen a handled or archived complaint."),
    "reject": (
        "records",
        "Decline an invalid complaint politely, with the reason given; or close a duplicate "
        "entry (--duplicate-of).",
    ),
    "close": ("records", "Archive the complaint after its callback (归档)."),
    "note": ("records", "Add a note to the history."),
    "approve": (
        "records",
        "Approve a step that waits for it (an extension, reclassification or work order); the "
        "approver is --by.",
    ),
    "decide": (
        "records",
        "The division manager's decision on an important or major complaint "
        "(投诉处理及回访制度 四).",
    ),
    "track": (
        "records",
        "Name the person who follows the complaint to its end (投诉处理及回访制度 五).",
    ),
    "promise": (
        "records",
        "Record a time agreed with the customer for a phone reply (流程及技巧 4, 6).",
    ),
    "review": (
        "records",
        "The reward-and-penalty outcome for a verified staff-attitude complaint "
        "(投诉处理及回访制度 七).",
    ),
    "reevaluate": (
        "records",
        "Put the complaint's clocks under the policy in force now (they follow the policy of "
        "its receipt until then).",
    ),
    "reclassify": ("records", "Change the classification, flags or staff verification."),
    "correct": (
        "records",
        "Put right a mistake in the intake (customer, unit, phone, summary, …); the event "
        "keeps the old and the new values.",
    ),
    "attach": (
        "records",
        "Keep a file with the complaint as evidence (JPEG, PNG or PDF by its content; image "
        "location metadata removed), committed with the record.",
    ),
    "urge": (
        "records",
        "The customer chased the complaint (催单): a reply is due within the first-reply clock.",
    ),
    "void": (
        "records",
        "Mark a step recorded by mistake as void: it stays in the history and counts for "
        "nothing (policy desk.void says who may, and how soon).",
    ),
    "show": ("query", "Show one complaint: its fields and its history."),
    "list": (
        "query",
        "List complaints, oldest first. Phone numbers are masked unless --show-phone.",
    ),
    "search": (
        "query",
        "Find complaints by customer, phone, unit, summary or notes, oldest first.",
    ),
    "check": ("checks", "Report overdue clocks and callback-quota shortfalls."),
    "report": (
        "report",
        "The statistics of a period (统计分析): volume, times, SLA compliance, callbacks and "
        "satisfaction, repeat complaints, declined complaints and the improvement measures, "
        "from the records as they stood at the period's end.",
    ),
    "improve": (
        "report",
        "Improvement measures (改进措施) and their periodic evaluation (定期评估).",
    ),
    "audit": (
        "trust",
        "Report every change to a record that did not come through cmplt as it should.",
    ),
    "log": (
        "trust",
        "The life of one complaint from git: each step, when it happened and was recorded, "
        "who, and what it changed. Follows the file when it was moved to another folder.",
    ),
    "merge-driver": (
        "merge",
        "Merge THEIRS into OURS (git's %O %A %B %P): a record as the union of both sides' "
        "events, an improvement measure or the roster field by field.",
    ),
    "clone": (
        "sync",
        "Clone the registry at URL into FOLDER and set the clone up to merge by itself.",
    ),
    "sync": (
        "sync",
        "Bring the other clones' steps in and send this clone's out: fetch, merge, validate, push.",
    ),
    "schema": (
        "trust_files",
        "Print the JSON Schema (draft 2020-12) of a record, the policy or the roster.",
    ),
}


# run by git, not by people: not in `cmplt --help` nor in completion
HIDDEN = frozenset({"merge-driver"})


class CommandTable(click.Group):
    """The `cmplt` group: its commands come from `COMMANDS`, imported when first asked for."""

    context_class = words.TranslatedContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            module = importlib.import_module(f"cmplt.cli.{COMMANDS[cmd_name][0]}")
            for each in module.COMMANDS:
                self.commands.setdefault(each.name or "", each)
            command = self.commands.get(cmd_name)
        if command is not None and command.context_class is not words.TranslatedContext:
            # however it came to the group (a test may add one): help in the chosen language
            words.adopt(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        known = {*self.commands, *COMMANDS}
        if args and args[0] not in known and not ctx.resilient_parsing:
            # an unknown name: click suggests the closest of the commands it has
            for name in COMMANDS:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def listed(self, cmd_name: str) -> click.Command:
        """The command as listed: itself once imported, else a stand-in with its short help."""
        command = self.commands.get(cmd_name)
        if command is None:
            command = click.Command(cmd_name, help=COMMANDS[cmd_name][1], hidden=cmd_name in HIDDEN)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click.Group's, over the commands as listed
        commands = [(name, self.listed(name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _command in commands)
            rows = [(name, words.short_help(command, limit)) for name, command in commands]
            # click's own word, translated as click translates it
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        # click.Group's, over the commands as listed
        from click.shell_completion import CompletionItem

        results = []
        for name in self.list_commands(ctx):
            command = self.listed(name)
            if name.startswith(incomplete) and not command.hidden:
                results.append(CompletionItem(name, help=words.short_help(command, 45)))
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results


def _language_first(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # eager: `cmplt --lang en --help` speaks English before the group runs
    if value is not None:
        i18n.configure(value, lambda: None)
    return value


@click.group(
    cls=CommandTable,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--registry",
    envvar="CMPLT_REGISTRY",
    metavar="DIR",
    multiple=True,
    type=OneFolder(file_okay=False, path_type=str),
    help="Registry folder (default: the nearest folder upward holding cmplt.yaml). "
    "Env: CMPLT_REGISTRY. `check` and `report` take several (one per site).",
)
@click.option(
    "--lang",
    envvar="CMPLT_LANG",
    metavar="[zh-CN|en]",
    is_eager=True,
    expose_value=True,
    callback=_language_first,
    help="Language of messages, labels and tables: zh-CN (简体中文) or en. Default: the "
    "policy's language:, then the locale, then zh-CN. Env: CMPLT_LANG.",
)
@click.version_option(__version__, prog_name="cmplt")
@click.pass_context
def cli(ctx: click.Context, registry: tuple[str, ...], lang: str | None) -> None:
    """Complaint and callback registry (物业投诉与回访) kept as YAML files in git.

    Every step is one commit; `git log -p` on a record is its whole life.
    """
    from click.core import ParameterSource

    obj = Context(registry[0] if registry else None, registry)
    obj.registry_typed = ctx.get_parameter_source("registry") is ParameterSource.COMMANDLINE
    ctx.obj = obj
    i18n.configure(lang, obj.policy_language)
    if len(registry) > 1 and ctx.invoked_subcommand not in SEVERAL_SITES:
        from cmplt.errors import UsageError

        # many sites: only the reading commands that report across them take several
        raise UsageError(
            _(
                "--registry given {count} times: only check and report read several registries"
            ).format(count=len(registry))
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every outcome to an exit status and one line on stderr."""
    # until the group's callback runs (it does not for --help or a usage error),
    # the language comes from the environment alone
    i18n.configure(None, lambda: None)
    words.install()
    registry = sys.modules.get("cmplt.registry")
    if registry is not None:  # main() run again in one process (tests): a new count
        registry.COMMITTED.clear()
    try:
        # without standalone mode, click returns the code of a click Exit instead of raising
        returned = cli.main(args=argv, prog_name="cmplt", standalone_mode=False)
    except CmpltError as exc:
        from cmplt.cli.options import as_typed

        click.echo(f"cmplt: {as_typed(exc.message)}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        # one line, like every other mistake; --help has the rest
        where = exc.ctx.command_path if exc.ctx else "cmplt"
        message = " ".join(exc.format_message().split())
        # click's own wording through our catalogs (cli/words.py); the frame is ours
        hint = _("see {command} --help").format(command=where)
        click.echo(f"cmplt: {where}: {message} ({hint})", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"cmplt: {exc.format_message()}", err=True)
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except (click.Abort, KeyboardInterrupt):
        registry = sys.modules.get("cmplt.registry")
        committed = getattr(registry, "COMMITTED", None)  # what this run committed
        if committed:
            said = _("interrupted; the step was committed as {commit}").format(
                commit=committed[-1][:10]
            )
        else:
            said = _("interrupted; nothing was committed")
        click.echo("cmplt: " + said, err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception:
        import traceback  # only a bug pays for it

        traceback.print_exc()
        click.echo(
            "cmplt: " + _("this is a bug in cmplt; please report it with the lines above"),
            err=True,
        )
        return EXIT_BUG
    return returned if isinstance(returned, int) else 0


def run() -> NoReturn:
    """The console script: main(), then exit without the interpreter's teardown.

    Tearing down pydantic's and ruamel's objects takes tens of milliseconds on
    every command, a tenth of what a whole step may cost (benchmarks/). Every
    file cmplt writes is closed (and fsynced) before main() returns; only the
    standard streams need flushing here.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)
