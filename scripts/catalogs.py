"""Keep the message catalogs (cmplt/locale/*/LC_MESSAGES/cmplt.po) in step with the code.

    python scripts/catalogs.py          # add new messages, drop obsolete ones, compile
    python scripts/catalogs.py --check  # exit 1 if a catalog or its .mo is not up to date

Each `.po` is compiled to the `cmplt.mo` beside it (`cmplt.catalogs.compile_mo`,
byte for byte reproducible), which the package ships and reads at run time.

Every message is found with the `ast` module: calls to `_()`, `N_()`,
`ngettext()` and `label(kind, value)` with literal arguments anywhere under
cmplt/, and every value that can be labelled (statuses, actions, severities,
natures, satisfactions, the default policy's lists and roles, rule ids,
finding levels, event fields). Existing translations are kept; a new message
gets an empty msgstr in the Chinese catalog, and in the English one its msgid
(the source language) unless it is a label (msgctxt), which a person writes.
`tests/test_i18n.py` fails until every msgstr is filled.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cmplt"
LOCALE = PACKAGE / "locale"
sys.path.insert(0, str(ROOT))

from cmplt.catalogs import Entry, compile_mo, format_po, parse_po  # noqa: E402

LANGUAGES = {
    "zh_CN": ("zh_CN", "nplurals=1; plural=0;"),
    "en": ("en", "nplurals=2; plural=(n != 1);"),
}
SOURCE_LANGUAGE = "en"


@dataclass
class Message:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    references: set[str] = field(default_factory=set)


Key = tuple[str | None, str]


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            if name in ("_", "N_", "ngettext", "label"):
                yield name, node


def from_code(messages: dict[Key, Message], package: Path = PACKAGE) -> list[str]:
    """Add the messages of every module under `package`; returns complaints about calls
    that cannot be extracted (`N_` or `ngettext` of a non-literal). `_(name)` of a
    variable is fine: it translates a constant marked with `N_` where it is defined."""
    problems: list[str] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        for name, call in _calls(tree):
            # the file only, as `xgettext --add-location=file`: a line moving in the code
            # must not make the catalogs stale
            where = rel
            line = f"{rel}:{call.lineno}"
            args = [_literal(a) for a in call.args]
            if name in ("_", "N_"):
                if len(args) != 1 or args[0] is None:
                    if name == "N_":
                        problems.append(f"{line}: N_() of a non-literal")
                    continue
                add(messages, args[0], where=where)
            elif name == "ngettext":
                if len(args) != 3 or args[0] is None or args[1] is None:
                    # their own definitions pass names on
                    if rel not in ("cmplt/i18n.py", "cmplt/cli/words.py"):
                        problems.append(f"{line}: ngettext() of non-literals")
                    continue
                add(messages, args[0], plural=args[1], where=where)
            elif name == "label" and len(args) == 2 and args[0] is not None and args[1] is not None:
                add(messages, args[1], context=args[0], where=where)

    return problems


def _decorated_as_command(node: ast.FunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in ("command", "group"):
            return True
    return False


# functions of cmplt/cli whose argument at this position is a help text
_HELP_ARGUMENT = {"_step_command": 1, "_text": 2, "_by_option": 0}


def from_help(messages: dict[Key, Message], package: Path = PACKAGE) -> None:
    """Every help text of the command line (cli/words.py shows them translated): the
    `help=` and `short_help=` literals and the docstrings of commands, paragraph by
    paragraph."""
    from cmplt.cli.words import paragraphs

    for path in sorted((package / "cli").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        for node in ast.walk(tree):
            texts: list[str] = []
            if isinstance(node, ast.Call):
                # cli/records.py's helpers take the help text as a plain argument
                at = _HELP_ARGUMENT.get(getattr(node.func, "id", ""))
                if at is not None and len(node.args) > at:
                    text = _literal(node.args[at])
                    if text is not None:
                        texts.append(text)
                for keyword in node.keywords:
                    if keyword.arg in ("help", "short_help"):
                        text = _literal(keyword.value)
                        if text is not None:
                            texts.append(text)
            elif isinstance(node, ast.FunctionDef) and _decorated_as_command(node):
                doc = ast.get_docstring(node, clean=False)
                if doc:
                    texts.append(doc)
            for text in texts:
                for paragraph in paragraphs(text):
                    add(messages, paragraph, where=rel)


def from_click(messages: dict[Key, Message]) -> None:
    """click's own words (usage errors, help headings), from the click installed."""
    import click

    from cmplt.cli.words import CLICK_MODULES

    folder = Path(click.__file__).parent
    for name in CLICK_MODULES:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        for kind, call in _calls(tree):
            args = [_literal(a) for a in call.args]
            if kind == "_" and len(args) == 1 and args[0] is not None:
                add(messages, args[0], where=f"click/{name}.py")
            elif kind == "ngettext" and len(args) == 3 and args[0] and args[1]:
                add(messages, args[0], plural=args[1], where=f"click/{name}.py")
    # translated by click through a variable: `_(extra["required"])` of an option's help
    add(messages, "required", where="click/core.py")


def from_values(messages: dict[Key, Message]) -> None:
    """Every value a `label(kind, value)` may be asked about, from the code's own lists."""
    import typing

    from cmplt import attachments, model, policy, rules

    defaults = policy.Policy()
    lists: dict[str, tuple[str, ...] | list[str]] = {
        "status": model.STATUSES,
        # `cmplt log` also shows steps without an event (history.py)
        "action": (*model.ACTIONS, "moved", "edited", "deleted"),
        "severity": policy.SEVERITIES,
        "nature": policy.NATURES,
        "satisfaction": policy.SATISFACTIONS,
        "channel": defaults.channels,
        "category": defaults.categories,
        "subject": defaults.subjects,
        "role": list(defaults.roles),
        "responsible_party": defaults.responsible_parties,
        "rule": rules.ALL_RULES,
        "level": ("overdue", "warning", "error"),
        "attachment": attachments.KINDS,
        # reclassify --staff-verified yes|no
        "answer": ("yes", "no"),
        # an improvement measure's status (improve list)
        "measure_status": ("open", "overdue", "done"),
    }
    fields: set[str] = set()
    for member in typing.get_args(typing.get_args(model.Event)[0]):
        # as written in the files ("from", not the attribute from_)
        fields.update(info.alias or name for name, info in member.model_fields.items())

    # and the record's own fields, which `log` shows changing
    fields.update(info.alias or name for name, info in model.Complaint.model_fields.items())
    lists["field"] = sorted(fields - {"id", "action", "at", "recorded_at", "by", "events"})
    for kind, values in lists.items():
        for value in values:
            add(messages, value, context=kind, where=None)


def add(
    messages: dict[Key, Message],
    msgid: str,
    *,
    context: str | None = None,
    plural: str | None = None,
    where: str | None,
) -> None:
    item = messages.setdefault((context, msgid), Message(msgid, context, plural))
    if plural is not None:
        item.msgid_plural = plural
    if where is not None:
        item.references.add(where)


def extract() -> tuple[dict[Key, Message], list[str]]:
    messages: dict[Key, Message] = {}
    problems = from_code(messages)
    from_help(messages)
    from_click(messages)
    from_values(messages)
    return messages, problems


def header(language: str, plural_forms: str) -> Entry:
    text = (
        "Project-Id-Version: cmplt\n"
        f"Language: {language}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {plural_forms}\n"
    )
    return Entry(
        msgid="",
        msgstr=[text],
        comments=[f"cmplt messages ({language}). Refresh with: python scripts/catalogs.py"],
    )


def updated(folder: str, existing: list[Entry], messages: dict[Key, Message]) -> list[Entry]:
    """The catalog's entries for `messages`, keeping the translations it has."""
    language, plural_forms = LANGUAGES[folder]
    nplurals = int(plural_forms.split("nplurals=")[1].split(";")[0])
    known = {e.key: e for e in existing if e.key != (None, "")}
    entries = [header(language, plural_forms)]

    def order(item: Message) -> tuple[str, str]:
        # labels by kind, then messages; each alphabetically
        return (item.msgctxt or "~", item.msgid)

    for item in sorted(messages.values(), key=order):
        old = known.get((item.msgctxt, item.msgid))
        if item.msgid_plural is not None:
            width = nplurals
            fresh = [item.msgid, item.msgid_plural] if folder == SOURCE_LANGUAGE else [""] * width
        else:
            width = 1
            fresh = [item.msgid if folder == SOURCE_LANGUAGE and item.msgctxt is None else ""]
        if old is not None and len(old.msgstr) == width and old.msgid_plural == item.msgid_plural:
            msgstr, flags, comments = old.msgstr, old.flags, old.comments
        else:
            msgstr, flags, comments = fresh[:width] + [""] * (width - len(fresh)), [], []
        entries.append(
            Entry(
                msgid=item.msgid,
                msgctxt=item.msgctxt,
                msgid_plural=item.msgid_plural,
                msgstr=list(msgstr),
                flags=list(flags),
                comments=list(comments),
                references=sorted(item.references),
            )
        )
    return entries


def catalog_path(folder: str) -> Path:
    return LOCALE / folder / "LC_MESSAGES" / "cmplt.po"


def compiled_path(folder: str) -> Path:
    return catalog_path(folder).with_suffix(".mo")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a catalog is not up to date"
    )
    args = parser.parse_args(argv)
    messages, problems = extract()
    for problem in problems:
        print(f"catalogs: {problem}", file=sys.stderr)
    stale = []
    for folder in LANGUAGES:
        path = catalog_path(folder)
        existing = parse_po(path.read_text(encoding="utf-8"), str(path)) if path.exists() else []
        text = format_po(updated(folder, existing, messages))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if text == current:
            continue
        stale.append(path.relative_to(ROOT).as_posix())
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    untranslated = 0
    for folder in LANGUAGES:
        path = catalog_path(folder)
        if path.exists():
            entries = parse_po(path.read_text(encoding="utf-8"), str(path))
            untranslated += sum(1 for e in entries if e.msgid and not e.translated)
            # what the package reads at run time: the .po as it now stands, compiled
            mo = compiled_path(folder)
            data = compile_mo(entries)
            if not mo.exists() or mo.read_bytes() != data:
                stale.append(mo.relative_to(ROOT).as_posix())
                if not args.check:
                    mo.write_bytes(data)
    if args.check:
        for path_text in stale:
            print(
                f"catalogs: {path_text} is not up to date; run python scripts/catalogs.py",
                file=sys.stderr,
            )
        return 1 if stale or problems else 0
    for path_text in stale:
        print(f"updated {path_text}")
    if untranslated:
        print(f"{untranslated} message(s) still to translate (empty msgstr)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
