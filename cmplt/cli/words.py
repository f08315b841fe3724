"""What click says, and the help texts, in the chosen language.

click builds its own words (`Usage:`, `Missing option`, `Show this message and
exit.`) with the `gettext` module's functions, bound in each of its modules; they
are pointed at cmplt's catalogs here, once per process, so that a usage error and
a help page speak the language the rest of cmplt speaks. `scripts/catalogs.py`
extracts click's messages (from the click installed) and every help text of the
commands and options (`help=` literals and the docstrings of commands), paragraph
by paragraph; `TranslatedContext.get_help` shows each in the active language.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from cmplt import i18n

# the modules of click whose words a person reads
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types")

# what click builds on every run, not only for a help page or an error: kept as the
# msgid (a help page translates it, `help_text`; a path's name, `options.PathType`),
# so that a step reads no catalog
_BUILT_EVERY_RUN = frozenset(
    {"Show this message and exit.", "Show the version and exit.", "file", "directory", "path"}
)


def _click_gettext(message: str) -> str:
    if message in _BUILT_EVERY_RUN:
        return message
    return i18n._(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.ngettext(singular, plural, n)


_installed = False


def install() -> None:
    """Point click's `_` and `ngettext` at cmplt's catalogs (idempotent).

    Why a patch: click has no public hook for its words. Each of its modules binds
    `from gettext import gettext as _` (and `ngettext`), which reads the process-wide
    gettext domain, chosen by the environment variables LANGUAGE, LC_ALL, LC_MESSAGES
    and LANG. Using that would mean setting `LANGUAGE` in `os.environ` for `--lang` and
    the policy's `language:` (inherited by every git command cmplt runs, whose output
    gitlog reads), and taking over the default domain of the whole process. So the
    module-level names are rebound here; `tests/test_i18n.py` fails loudly if click
    stops binding them (`test_click_still_binds_gettext_where_cmplt_rebinds_it`).
    """
    global _installed
    if _installed:
        return
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]
    _installed = True


def paragraphs(text: str) -> list[str]:
    """A help text's paragraphs, each on one line: the msgids of its translation."""
    import inspect

    blocks = inspect.cleandoc(text).split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def help_text(text: str | None) -> str | None:
    """A help text in the active language, paragraph by paragraph."""
    if not text:
        return text
    return "\n\n".join(i18n._(p) for p in paragraphs(text))


@contextmanager
def translated(command: click.Command, ctx: click.Context) -> Iterator[None]:
    """The help of `command`, its options and (a group's) its commands, translated
    while a help page is built; put back after (a process may run several)."""
    saved: list[tuple[Any, str, Any]] = []

    def swap(owner: Any, attribute: str) -> None:
        value = getattr(owner, attribute, None)
        if isinstance(value, str) and value:
            saved.append((owner, attribute, value))
            setattr(owner, attribute, help_text(value))

    swap(command, "help")
    swap(command, "short_help")
    for param in command.get_params(ctx):  # the help option too
        swap(param, "help")
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            swap(sub, "help")
            swap(sub, "short_help")
    try:
        yield
    finally:
        for owner, attribute, value in reversed(saved):
            setattr(owner, attribute, value)


class TranslatedContext(click.Context):
    """A context whose help page is in the active language."""

    def get_help(self) -> str:
        with translated(self.command, self):
            return super().get_help()


def adopt(command: click.Command) -> None:
    """Give `command` (and a group's commands) the translated context, and its
    parameters the shell completion of what the registry holds (cli/completion.py)."""
    from cmplt.cli.completion import complete_for

    command.context_class = TranslatedContext
    for param in command.params:
        complete_for(param)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            adopt(sub)


def short_help(command: click.Command, limit: int) -> str:
    """A command's first sentence as a list of commands shows it, in the active
    language, cut to `limit` columns (a Chinese character takes two)."""
    text = help_text(command.short_help or command.help) or ""
    first = paragraphs(text)[0] if text else ""
    for end in ("。", ". "):
        if end in first:
            first = first.split(end)[0] + end.strip()
            break
    if columns(first) <= limit:
        return first
    out = ""
    for char in first:
        if columns(out + char + "…") > limit:
            break
        out += char
    return out + "…"


def columns(text: str) -> int:
    """The columns `text` takes on a terminal: a wide (Chinese) character two, a
    combining mark none. The standard library's tables, not wcwidth: importing it
    cost `cmplt --help` and completion about 10 ms (issue 14), for help texts that
    hold nothing but CJK and ASCII."""
    import unicodedata

    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )
