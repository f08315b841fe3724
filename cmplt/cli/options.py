"""Which command-line option each field of the domain is typed in, and how the
enumerated values are typed.

Domain errors name fields (`errors.field_ref`); this one table says them as
the options a person typed. A field typed as `--<field-with-dashes>` needs no
entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from cmplt.errors import name_fields

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

OPTION_OF = {
    "department": "--to",  # dispatch --to DEPARTMENT
    "staff_department": "--department",  # staff add --department
    "requested_deadline": "--deadline",  # new --deadline
    "responsible_party": "--responsible",  # new --responsible
    "received_at": "--at",  # new --at
    "first_day": "--from",  # report --from
    "last_day": "--to",  # report --to
    "approves": "--event",  # approve --event EVENT-ID
    "waived": "--waive",  # close --waive REASON
}


def option_for(field: str) -> str:
    return OPTION_OF.get(field, "--" + field.replace("_", "-"))


def as_typed(message: str) -> str:
    """A domain message with every field said as the option it is typed in."""
    return name_fields(message, option_for)


class PathType(click.Path):
    """click's Path, whose name ("file", "directory", "path", which its errors show)
    is translated when it is read, not when it is built: `--registry`'s type is
    built on every run, and click translates the name in `__init__`, which made
    `cmplt --version` and every step read a catalog (cli/words.py keeps these
    words as msgids while the types are built)."""

    @property
    def name(self) -> str:
        from cmplt.i18n import _

        return _(self._name)

    @name.setter
    def name(self, value: str) -> None:
        self._name = value


# a value as a policy list writes it (`phone`, `valid-1`, `cs_supervisor`)
_STORED = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class OneFolder(PathType):
    """A folder option that may be given several times (`--registry A --registry B`),
    whose environment variable still names one folder: a path with a `:` or a space
    in it stays one path, as it was before several were allowed."""

    def split_envvar_value(self, rv: str) -> Sequence[str]:
        return [rv] if rv else []


class Term(click.ParamType[Any, Any]):
    """An enumerated value (`kind`: "severity", "status", "channel", …) typed as its
    stored value or its label in either catalog, case- and width-insensitive:
    `--severity 重要`, `--severity Important` and `--severity important` all give
    `important`; `--status open,in_progress` gives both when `several`.

    With `values` (the fixed terms of the procedures) anything else is refused,
    listing the choices as `important (重要)`. Without (a list the policy keeps:
    channels, subjects, categories, roles), a label is turned into its value and
    anything else is passed on as typed, for the policy to judge.
    """

    name = "term"

    def __init__(self, kind: str, values: Sequence[str] | None = None, several: bool = False):
        self.kind = kind
        self.values = tuple(values) if values is not None else None
        self.several = several

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        if self.values is None:
            return self.kind.upper()
        return "[" + "|".join(self.values) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        if self.several:
            parts = [p for p in value.replace("，", ",").split(",") if p.strip()]
            return tuple(self._one(p, param, ctx) for p in parts)
        return self._one(value, param, ctx)

    def _one(self, text: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from cmplt.i18n import _, choices_text, value_of

        if self.values is None and _STORED.match(text):
            # how the policy's own values are written: as typed, without reading a catalog
            return text
        found = value_of(self.kind, text, self.values)
        if found is not None:
            return found
        if self.values is None:
            return text
        self.fail(
            _("{value!r} is not one of: {choices}").format(
                value=text, choices=choices_text(self.kind, self.values)
            ),
            param,
            ctx,
        )

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        """The values and their labels in both languages (a value a team added to its
        policy too), each offered with what it means."""
        from click.shell_completion import CompletionItem

        from cmplt import i18n
        from cmplt.cli.completion import policy_values

        values = list(self.values) if self.values is not None else policy_values(ctx, self.kind)
        found: dict[str, str] = {}
        for value in values:
            found.setdefault(value, i18n.label(self.kind, value))
        for language in i18n.LANGUAGES:
            for kind, value, shown in i18n.labels_of(language):
                if kind == self.kind and value in values:
                    found.setdefault(shown, value)
        return [CompletionItem(w, help=h) for w, h in found.items() if w.startswith(incomplete)]


def several(values: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    """The values of a repeatable option whose each use may list several (`a,b`)."""
    return frozenset(value for group in values for value in group)
