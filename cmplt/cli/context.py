"""What every command shares: the registry (opened on first use) and the clock."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmplt.errors import UsageError
from cmplt.i18n import _

if TYPE_CHECKING:
    from datetime import date, datetime

    from cmplt.registry import Registry
    from cmplt.sites import Site
    from cmplt.snapshot import Snapshot

F = Callable[..., Any]


def _notify(message: str) -> None:
    """What the domain says on the side (an interrupted step settled): one line."""
    from cmplt.cli.options import as_typed

    click.echo(f"cmplt: {as_typed(message)}", err=True)


class Context:
    def __init__(self, registry: str | None, registries: tuple[str, ...] = ()) -> None:
        self.registry_option = registry
        # every --registry given (many sites: `check` and `report` read them all)
        self.registry_options = registries or ((registry,) if registry else ())
        # --registry typed on the command line (not from CMPLT_REGISTRY)
        self.registry_typed = False
        self._snapshot: Snapshot | None = None
        self._registry: Registry | None = None

    def _root(self) -> Path:
        from cmplt import store

        start = Path(self.registry_option) if self.registry_option else Path.cwd()
        if self.registry_option and not (start / store.POLICY_FILE).is_file():
            raise UsageError(
                _("--registry {folder}: no {file} there").format(
                    folder=self.registry_option, file=store.POLICY_FILE
                )
            )
        return start if self.registry_option else store.find_registry(start)

    @property
    def snapshot(self) -> Snapshot:
        """The registry for reading (commands that change nothing use this)."""
        if self._registry is not None:
            return self._registry
        if self._snapshot is None:
            from cmplt.snapshot import Snapshot

            self._snapshot = Snapshot(self._root(), notify=_notify)
            merge_driver_ready(self._snapshot.root)
        return self._snapshot

    @property
    def registry(self) -> Registry:
        """The registry for changing (commands that commit a step use this)."""
        if self._registry is None:
            from cmplt.registry import Registry

            self._registry = Registry(self._root(), notify=_notify)
            merge_driver_ready(self._registry.root)
        return self._registry

    def sites(self, sites_file: Path | None) -> list[tuple[Site, Snapshot]]:
        """Many sites (`check`, `report`): those of `--sites FILE`, or of `--registry`
        given several times, each opened for reading; one line naming a site that
        cannot be read, before anything is printed."""
        from cmplt import sites

        if sites_file is not None and self.registry_typed:
            raise UsageError(_("give --registry or --sites, not both"))
        chosen = (
            sites.read_sites_file(sites_file)
            if sites_file is not None
            else sites.named_sites(self.registry_options)
        )
        opened = sites.open_sites(chosen, notify=_notify)
        for _site, snapshot in opened:
            merge_driver_ready(snapshot.root)
        return opened

    def policy_language(self) -> str | None:
        """The `language:` the registry's cmplt.yaml sets, or None (never raises).

        Read through the fast loader, without validating the policy: a command
        that fails because the policy is broken still speaks the policy's language
        when it can, and the normal read that follows is not slowed by this one.
        """
        import sys

        if "pydantic" not in sys.modules:
            # a help page or a usage error, before any registry was read: not worth
            # importing the models for (tests/test_imports.py); one line of the file
            return _language_line(self.registry_option)
        from cmplt import gitlog, store
        from cmplt.snapshot import SettingsCache

        try:
            if self.registry_option:
                root = Path(self.registry_option)
            else:
                root = store.find_registry(Path.cwd())
            # as last read (by the file's stamp), else read now
            data = SettingsCache(gitlog.find_worktree(root.resolve())).data(root, store.POLICY_FILE)
            if data is None:
                data = store.read_data(root / store.POLICY_FILE, store.POLICY_FILE)
            value = data.get("language")
        except Exception:
            return None
        return value if isinstance(value, str) else None

    def now(self) -> datetime:
        """The clock. CMPLT_NOW freezes it (tests, replaying a day's paper log)."""
        from cmplt.times import parse_stored_time, utc_now

        frozen = os.environ.get("CMPLT_NOW")
        if frozen:
            try:
                return parse_stored_time(frozen)
            except ValueError as exc:
                raise UsageError(f"CMPLT_NOW: {exc}") from exc
        return utc_now()

    def seed(self) -> str | None:
        """CMPLT_SEED makes new IDs reproducible (the example registry's script)."""
        return os.environ.get("CMPLT_SEED") or None

    def day(self, text: str | None, option: str) -> date | None:
        """A day typed after `option`, in any of the forms a time takes (cmplt.times)."""
        from cmplt.times import parse_date

        if text is None:
            return None
        try:
            return parse_date(text, self.snapshot.policy.tz, now=self.now())
        except UsageError as exc:
            raise UsageError(
                _("{option}: {message}").format(option=option, message=exc.message)
            ) from exc

    def time(self, text: str | None, option: str, *, day_end: bool = False) -> datetime | None:
        """A time typed after `option`; `day_end`: a date alone means the end of that
        day (a deadline), else its start (cmplt.times.parse_time)."""
        from cmplt.times import parse_time

        if text is None:
            return None
        try:
            return parse_time(text, self.snapshot.policy.tz, now=self.now(), day_end=day_end)
        except UsageError as exc:
            raise UsageError(
                _("{option}: {message}").format(option=option, message=exc.message)
            ) from exc


def _language_line(registry_option: str | None) -> str | None:
    """The policy's top-level `language:` as one line of cmplt.yaml says it, or None."""
    import re

    start = Path(registry_option) if registry_option else Path.cwd()
    try:
        here = start.resolve()
        for folder in (here, *here.parents):
            policy = folder / "cmplt.yaml"
            if policy.is_file():
                text = policy.read_text(encoding="utf-8", errors="replace")
                found = re.search(r"^language:[ \t]*[\"']?([A-Za-z_.-]+)", text, re.MULTILINE)
                return found.group(1) if found else None
            if registry_option:
                return None
    except OSError:
        return None
    return None


pass_context = click.make_pass_decorator(Context)


def merge_driver_ready(root: Path, quiet: bool = False) -> None:
    """A clone whose registry routes records to cmplt's merge driver (its
    `.gitattributes`, written by `cmplt init`) but whose own git config does not
    name the driver yet (a fresh `git clone`, a moved venv) gets it, with one line
    saying so. Git never takes a driver's command from the repository's files, so
    each clone needs it in its .git/config (README: Teams and sites)."""
    import shlex
    import sys

    from cmplt import gitlog
    from cmplt.errors import CmpltError

    try:
        text = (root / ".gitattributes").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    if f"merge={gitlog.MERGE_DRIVER}" not in text:
        return
    worktree = gitlog.find_worktree(root.resolve())
    if worktree is None:
        return
    configured = gitlog.configured_merge_driver(worktree)
    driver_ready = False
    if configured is not None:
        try:
            program = shlex.split(configured)[0]
        except (ValueError, IndexError):
            program = ""
        driver_ready = Path(program).is_file() or bool(program and "/" not in program)
    # `git pull` merges (through the driver) rather than rebasing one clone's steps
    pull_ready = gitlog.pull_mode_configured(worktree)
    if driver_ready and pull_ready:
        return
    try:
        if not pull_ready:
            gitlog.configure_pull_merges(worktree)
        if not driver_ready:
            gitlog.configure_merge_driver(worktree, sys.executable)
    except (CmpltError, OSError):
        return  # a read-only clone: it merges nothing, and git would say so at a merge
    if not quiet and not driver_ready:
        click.echo(
            "cmplt: "
            + _("set up git's merge driver for records in this clone ({file})").format(
                file=".git/config"
            ),
            err=True,
        )


def warn_history(snapshot: Snapshot, site: str | None = None) -> None:
    """One line on stderr when the results were computed without the policy's history
    (many sites: naming the site)."""
    warning = snapshot.history_warning()
    if warning:
        click.echo(f"cmplt: {site}: {warning}" if site else f"cmplt: {warning}", err=True)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a command that changes one record.

    Its imports (pydantic, building the models, ruamel) allocate objects that all
    live until the process ends, and the collector would walk them again and
    again: about a tenth of an import's time (benchmarks/startup.py). One record
    leaves little cyclic garbage; a command that reads every record keeps the
    collector on (with it off, `validate` holds 200 MB more at 10,000 records).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def actor_options(func: F) -> F:
    """--by and --at, which every changing command takes."""
    func = click.option(
        "--at",
        "at_text",
        metavar="TIME",
        help="When it happened. Default: now. TIME: 2026-11-30 09:30, 2026/11/30, "
        "11-30 9:30, 9:30 (today), 明天 9:00, 2026年11月30日 9点半 or ISO 8601; a date "
        "alone is its start; without an offset, the policy timezone.",
    )(func)
    func = click.option(
        "--by",
        envvar="CMPLT_ACTOR",
        required=True,
        metavar="NAME",
        help="Who did it: a name on the staff roster. Env: CMPLT_ACTOR.",
    )(func)
    return func


def format_option(*choices: str) -> Callable[[F], F]:
    """`--format` as every command spells it: the first choice is the default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="How to print it: a table or page for people, json or csv for tools.",
    )


def output_option(func: F) -> F:
    """-o FILE: write there instead of stdout (a workbook needs it)."""
    from cmplt.cli.options import PathType

    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        type=PathType(dir_okay=False, path_type=Path),
        help="Write here instead of stdout (needed by --format xlsx).",
    )(func)
