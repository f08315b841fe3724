"""Shell completion of what a registry holds: complaint IDs, staff names, departments,
and the values of the policy's lists in both languages.

Read straight from the files (file names under complaints/, staff.yaml and
cmplt.yaml through PyYAML), without the models: a completion must answer at
once. Anything unreadable completes nothing. `words.adopt` gives each command's
parameters these by name (`complete_for`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


def _root(ctx: click.Context) -> Path | None:
    given = ctx.find_root().params.get("registry")
    if isinstance(given, tuple):  # --registry may be given several times (many sites)
        given = given[0] if given else None
    option = given or os.environ.get("CMPLT_REGISTRY")
    start = Path(option) if option else Path.cwd()
    try:
        here = start.resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        if (folder / "cmplt.yaml").is_file():
            return folder
        if option:
            return None
    return None


def _data(root: Path, name: str) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load((root / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _items(words: Iterable[str], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(w) for w in dict.fromkeys(words) if w.startswith(incomplete)]


def complaint_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    root = _root(ctx)
    if root is None:
        return []
    ids = sorted(p.stem for p in (root / "complaints").glob("*/*/*.yaml"))
    return _items(reversed(ids), incomplete)  # the newest first


def staff_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    root = _root(ctx)
    staff = _data(root, "staff.yaml").get("staff") if root else None
    return _items((str(n) for n in staff), incomplete) if isinstance(staff, dict) else []


def departments(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    root = _root(ctx)
    found = _data(root, "cmplt.yaml").get("departments") if root else None
    return _items((str(d) for d in found), incomplete) if isinstance(found, list) else []


# the policy's list each kind of Term completes from (beside the catalogs' labels)
POLICY_LISTS = {
    "channel": "channels",
    "subject": "subjects",
    "category": "categories",
    "responsible_party": "responsible_parties",
    "role": "roles",
}


def policy_values(ctx: click.Context, kind: str) -> list[str]:
    root = _root(ctx)
    found = _data(root, "cmplt.yaml").get(POLICY_LISTS.get(kind, "")) if root else None
    return [str(v) for v in found] if isinstance(found, list | dict) else []


Completer = Callable[[click.Context, click.Parameter, str], list[Any]]

# a parameter's name (its destination) -> what completes it
BY_NAME: dict[str, Completer] = {
    "complaint": complaint_ids,
    "by": staff_names,
    "owner": staff_names,
    "approved_by": staff_names,
    "staff_involved": staff_names,
    "person": staff_names,
    "to": staff_names,  # escalate --to NAME (dispatch's --to is `department`)
    "name": staff_names,  # staff set/remove NAME
    "department": departments,
}


class Completing(click.types.StringParamType):
    """Text taken as typed, like click's STRING, that completes by `completer`:
    click's documented way for a value to complete is its type's `shell_complete`
    (a parameter asks its type when no `shell_complete=` was given where it was
    declared), so completion by name needs no private attribute of click."""

    def __init__(self, completer: Completer) -> None:
        self.completer = completer

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return self.completer(ctx, param, incomplete)


def complete_for(param: click.Parameter) -> None:
    """Give `param` its completion by name, in one place rather than at each of the
    commands' declarations. Only a plain text parameter: a Term completes its own
    values, and a `shell_complete=` given at a declaration is asked before the type."""
    completer = BY_NAME.get(param.name or "")
    if completer is not None and type(param.type) is click.types.StringParamType:
        param.type = Completing(completer)
