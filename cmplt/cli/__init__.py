"""The `cmplt` command line. Thin: parse, call one domain function, render.

Domain errors become one line on stderr with their own exit code; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import NoReturn

import click

from cmplt import __version__, i18n
from cmplt.cli.context import Context
from cmplt.errors import CmpltError
from cmplt.i18n import _

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BUG = 70


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--registry",
    envvar="CMPLT_REGISTRY",
    type=click.Path(file_okay=False, path_type=str),
    help="Registry folder (default: the nearest folder upward holding cmplt.yaml). "
    "Env: CMPLT_REGISTRY.",
)
@click.option(
    "--lang",
    envvar="CMPLT_LANG",
    metavar="[zh-CN|en]",
    help="Language of messages, labels and tables: zh-CN (简体中文) or en. Default: the "
    "policy's language:, then the locale, then zh-CN. Env: CMPLT_LANG.",
)
@click.version_option(__version__, prog_name="cmplt")
@click.pass_context
def cli(ctx: click.Context, registry: str | None, lang: str | None) -> None:
    """Complaint and callback registry (物业投诉与回访) kept as YAML files in git.

    Every step is one commit; `git log -p` on a record is its whole life.
    """
    obj = Context(registry)
    ctx.obj = obj
    i18n.configure(lang, obj.policy_language)


def _register() -> None:
    from cmplt.cli import admin, checks, query, records, report, trust, trust_files

    for module in (admin, records, query, checks, report, trust, trust_files):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point: maps every outcome to an exit status and one line on stderr."""
    # until the group's callback runs (it does not for --help or a usage error),
    # the language comes from the environment alone
    i18n.configure(None, lambda: None)
    try:
        # without standalone mode, click returns the code of a click Exit instead of raising
        returned = cli.main(args=argv, prog_name="cmplt", standalone_mode=False)
    except CmpltError as exc:
        click.echo(f"cmplt: {exc.message}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        # one line, like every other mistake; --help has the rest
        where = exc.ctx.command_path if exc.ctx else "cmplt"
        message = " ".join(exc.format_message().split())
        # click's own wording stays English; the frame around it is ours
        hint = _("see {command} --help").format(command=where)
        click.echo(f"cmplt: {where}: {message} ({hint})", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"cmplt: {exc.format_message()}", err=True)
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except (click.Abort, KeyboardInterrupt):
        click.echo("cmplt: " + _("interrupted; nothing was committed"), err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception:
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
