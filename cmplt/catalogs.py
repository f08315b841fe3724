"""A small msgfmt: read a gettext `.po` catalog and compile it to GNU `.mo` bytes.

The catalogs are written and reviewed as `.po`; `scripts/catalogs.py` compiles
each to the `.mo` beside it (committed and shipped, `--check` holds it to the
`.po`), which `gettext.GNUTranslations` reads in about a millisecond where
parsing the `.po` took 35 (issue 14: `cmplt --help` reads a catalog). Only the
standard library is used.
"""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass, field

MO_MAGIC = 0x950412DE
CONTEXT_SEPARATOR = "\x04"


class CatalogError(ValueError):
    """A `.po` file that cannot be parsed (a bug in the package, not a user mistake)."""


@dataclass
class Entry:
    msgid: str
    msgstr: list[str] = field(default_factory=lambda: [""])
    msgctxt: str | None = None
    msgid_plural: str | None = None
    flags: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # "# " translator comments
    extracted: list[str] = field(default_factory=list)  # "#." comments
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def _unquote(text: str, path: str, line: int) -> str:
    text = text.strip()
    if len(text) < 2 or not text.startswith('"') or not text.endswith('"'):
        raise CatalogError(f"{path}:{line}: expected a quoted string, got {text!r}")
    try:
        # a .po string uses C escapes, which Python's string literal syntax covers
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError) as exc:
        raise CatalogError(f"{path}:{line}: bad string {text!r}") from exc
    if not isinstance(value, str):  # pragma: no cover - literal_eval of "..." is a str
        raise CatalogError(f"{path}:{line}: bad string {text!r}")
    return value


def parse_po(text: str, path: str = "<po>") -> list[Entry]:
    """The entries of a `.po` file (the header, msgid "", included; obsolete `#~` skipped)."""
    entries: list[Entry] = []
    current: Entry | None = None
    # which string continuation lines append to: ("msgid"|"msgctxt"|"msgid_plural"|"msgstr", n)
    target: tuple[str, int] | None = None
    seen_msgid = False

    def finish() -> None:
        nonlocal current, target, seen_msgid
        if current is not None:
            if not seen_msgid:
                raise CatalogError(f"{path}:{current.line}: entry without msgid")
            entries.append(current)
        current, target, seen_msgid = None, None, False

    def entry(number: int) -> Entry:
        nonlocal current
        if current is None:
            current = Entry(msgid="", msgstr=[], line=number)
        return current

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            # a comment after the strings of an entry starts the next entry
            if current is not None and target is not None and target[0] == "msgstr":
                finish()
            item = entry(number)
            if line.startswith("#,"):
                item.flags += [f.strip() for f in line[2:].split(",") if f.strip()]
            elif line.startswith("#:"):
                item.references += line[2:].split()
            elif line.startswith("#."):
                item.extracted.append(line[2:].strip())
            elif line.startswith("#|"):
                pass
            else:
                item.comments.append(line[1:].strip())
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise CatalogError(f"{path}:{number}: string outside an entry")
            value = _unquote(line, path, number)
            name, index = target
            if name == "msgid":
                current.msgid += value
            elif name == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            elif name == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgstr[index] += value
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
            finish()  # a new entry without a blank line between
        item = entry(number)
        value = _unquote(rest, path, number)
        if keyword == "msgctxt":
            item.msgctxt = value
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            item.msgid = value
            seen_msgid = True
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            item.msgid_plural = value
            target = ("msgid_plural", 0)
        elif keyword == "msgstr":
            item.msgstr = [value]
            target = ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            try:
                index = int(keyword[7:-1])
            except ValueError as exc:
                raise CatalogError(f"{path}:{number}: bad keyword {keyword!r}") from exc
            if index != len(item.msgstr):
                raise CatalogError(f"{path}:{number}: {keyword} out of order")
            item.msgstr.append(value)
            target = ("msgstr", index)
        else:
            raise CatalogError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()
    return entries


def header_fields(entries: list[Entry]) -> dict[str, str]:
    """The `Name: value` lines of the header entry (msgid "")."""
    for item in entries:
        if item.msgid == "" and item.msgctxt is None:
            fields: dict[str, str] = {}
            for row in item.msgstr[0].splitlines() if item.msgstr else []:
                name, sep, value = row.partition(":")
                if sep:
                    fields[name.strip()] = value.strip()
            return fields
    return {}


def compile_mo(entries: list[Entry]) -> bytes:
    """GNU `.mo` bytes for the translated, non-fuzzy entries (and the header).

    The layout is the one `gettext.GNUTranslations` reads: magic, revision 0,
    the count, the offsets of the two (length, offset) tables, no hash table,
    then the NUL-terminated strings. Keys are sorted, as the format asks.
    """
    pairs: dict[bytes, bytes] = {}
    for item in entries:
        is_header = item.msgid == "" and item.msgctxt is None
        if item.fuzzy and not is_header:
            continue
        if not item.translated and not is_header:
            continue
        key = item.msgid
        if item.msgid_plural is not None:
            key += "\0" + item.msgid_plural
        if item.msgctxt is not None:
            key = item.msgctxt + CONTEXT_SEPARATOR + key
        pairs[key.encode("utf-8")] = "\0".join(item.msgstr).encode("utf-8")
    keys = sorted(pairs)
    count = len(keys)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    strings_at = translations_at + count * 8
    originals = b""
    translations = b""
    table_o: list[int] = []
    table_t: list[int] = []
    for original in keys:
        table_o += [len(original), strings_at + len(originals)]
        originals += original + b"\0"
    translations_start = strings_at + len(originals)
    for original in keys:
        value = pairs[original]

        table_t += [len(value), translations_start + len(translations)]
        translations += value + b"\0"
    head = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, strings_at)
    return (
        head
        + struct.pack(f"<{2 * count}I", *table_o)
        + struct.pack(f"<{2 * count}I", *table_t)
        + originals
        + translations
    )


def _quote(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\r", "\\r")
    )
    return '"' + escaped.replace("\n", "\\n") + '"'


def _field(keyword: str, value: str) -> list[str]:
    """`keyword "value"`, split after each \\n into continuation lines, as msgmerge does."""
    if "\n" not in value.rstrip("\n"):
        return [f"{keyword} {_quote(value)}"]
    parts = value.splitlines(keepends=True)
    return [f'{keyword} ""', *(_quote(part) for part in parts)]


def format_po(entries: list[Entry]) -> str:
    """The text of a `.po` file for `entries`, in the given order."""
    blocks: list[str] = []
    for item in entries:
        lines = [f"# {c}".rstrip() for c in item.comments]
        lines += [f"#. {c}" for c in item.extracted]
        lines += [f"#: {ref}" for ref in item.references]
        if item.flags:
            lines.append("#, " + ", ".join(item.flags))
        if item.msgctxt is not None:
            lines += _field("msgctxt", item.msgctxt)
        lines += _field("msgid", item.msgid)
        if item.msgid_plural is not None:
            lines += _field("msgid_plural", item.msgid_plural)
            for index, value in enumerate(item.msgstr):
                lines += _field(f"msgstr[{index}]", value)
        else:
            lines += _field("msgstr", item.msgstr[0] if item.msgstr else "")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
