"""Registry files on disk: finding them, reading them safely, writing them atomically.

Records are read round-trip (ruamel.yaml) so that key order and a person's
comments survive an update. Times are written as quoted ISO 8601 strings
with their offset, so that every YAML tool reads them as the same text; on
reading, YAML's own timestamp type is switched off so that an unquoted time
typed by hand is read as that same text, not reinterpreted.
"""

from __future__ import annotations

import contextlib
import gc
import io
import marshal
import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from cmplt.errors import InvalidFile, NotFound
from cmplt.i18n import _
from cmplt.model import ACTIONS, CLASSIFICATION_FIELDS
from cmplt.times import format_time

POLICY_FILE = "cmplt.yaml"
ROSTER_FILE = "staff.yaml"
RECORDS_DIR = "complaints"
# A record is a few kilobytes; anything far larger is not one of ours.
MAX_FILE_BYTES = 2 * 1024 * 1024

# The order of a record's top-level keys, so that a key added later (say
# `department` at the first dispatch) lands where a reader expects it.
FIELD_ORDER = (
    "id",
    "status",
    "owner",
    "department",
    "received_at",
    "channel",
    "customer",
    "unit",
    "phone",
    "happened_at",
    "location",
    "about",
    "summary",
    "request",
    "requested_deadline",
    "urgent_note",
    "responsible_party",
    *CLASSIFICATION_FIELDS,
    "events",
)
EVENT_HEAD = ("id", "action", "at", "recorded_at", "by")

M = TypeVar("M", bound=BaseModel)


class _NoTimestampResolver(VersionedResolver):
    """YAML's resolver without the timestamp type, its table built once per version
    (ruamel looks it up for every scalar)."""

    _tables: ClassVar[dict[Any, Any]] = {}

    @property
    def versioned_resolver(self) -> Any:
        version = self.processing_version
        table = self._tables.get(version)
        if table is None:
            table = {
                first: [e for e in entries if not str(e[0]).endswith(":timestamp")]
                for first, entries in super().versioned_resolver.items()
            }
            self._tables[version] = table
        return table


@cache
def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Resolver = _NoTimestampResolver
    yaml.allow_unicode = True  # Chinese text written as itself, not \u escapes
    yaml.width = 4096  # no folding of long Chinese sentences
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


# --- reading ------------------------------------------------------------------


def read_document(path: Path, label: str | None = None) -> Any:
    """Parse one registry file; anything unreadable is an InvalidFile naming the place."""
    name = label or str(path)
    return parse_document(_read_bytes(path, name), name)


def _read_bytes(path: Path, name: str) -> bytes:
    """A registry file's bytes; a file far larger than any record is not read at all."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise NotFound(_("{file}: no such file").format(file=name)) from exc
    if size > MAX_FILE_BYTES:
        raise InvalidFile(
            name,
            None,
            None,
            _("file is {size} bytes, more than a registry file can be").format(size=size),
        )
    return path.read_bytes()


def _text(raw: bytes, name: str) -> str:
    """UTF-8 text, or a finding naming the line of the first NUL or undecodable byte."""
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise InvalidFile(name, line, None, _("binary content (NUL bytes)"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidFile(name, line, None, _("not UTF-8 text")) from exc


@cache
def _fast() -> YAML:
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = _NoTimestampResolver
    return yaml


def read_fast(path: Path, name: str) -> Any:
    """Plain data from a registry file through the C loader (no comments, no positions).

    For reading many files. Everything here runs in C or in linear time: the
    round-trip reader can take half a minute over a hostile 2 MB file, so it is
    never the fallback; an error names the line the C parser saw.
    """
    raw = _read_bytes(path, name)
    text = _text(raw, name)
    if _suspicious(raw):
        _refuse_constructs(text, name)
    try:
        data = _fast().load(text)
    except YAMLError as exc:
        raise _not_yaml(exc, name) from exc
    except (RecursionError, ValueError) as exc:
        raise InvalidFile(
            name, None, None, _("not valid YAML: {problem}").format(problem=exc)
        ) from exc
    if not isinstance(data, dict):
        raise InvalidFile(name, 1, None, _("expected a mapping of fields at the top level"))
    return data


def _not_yaml(exc: YAMLError, name: str) -> InvalidFile:
    """A parser's error as a finding: the line it stopped at and what it saw."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where: int | None = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return InvalidFile(name, where, None, _("not valid YAML: {problem}").format(problem=problem))


def _suspicious(raw: bytes) -> bool:
    # anchors, aliases and tags, or enough brackets to nest deeply: let the event scan look
    return b"&" in raw or b"*" in raw or b"!" in raw or raw.count(b"[") + raw.count(b"{") > 16


def read_model(model: type[M], path: Path, name: str) -> M:
    """Validate a file fast; when it does not validate, re-read it to name the line."""
    data = read_fast(path, name)
    try:
        return model.model_validate(data)
    except ValidationError:
        return validate_document(model, read_document(path, name), name)


def parse_document(raw: bytes, name: str) -> Any:
    text = _text(raw, name)
    _refuse_constructs(text, name)
    try:
        doc = _round_trip().load(text)
    except YAMLError as exc:
        raise _not_yaml(exc, name) from exc
    except RecursionError as exc:
        raise InvalidFile(name, None, None, _("nested too deeply")) from exc
    if not isinstance(doc, CommentedMap):
        raise InvalidFile(name, 1, None, _("expected a mapping of fields at the top level"))
    return doc


MAX_DEPTH = 32
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "map", "seq")
)


@cache
def _event_parser() -> YAML:
    return YAML(typ="safe", pure=False)


def _refuse_constructs(text: str, name: str) -> None:
    """Refuse what a registry file never needs and a hostile one uses.

    Anchors and aliases (a few lines can expand into gigabytes), explicit tags
    (`!!python/object…`: nothing is ever constructed from a file, but such a
    file is not ours), several documents, and deep nesting (ruamel's
    round-trip scanner slows down badly on it). This walks the parser's events
    only, in C, before the round-trip load builds anything.
    """
    depth = documents = 0
    try:
        for event in _event_parser().parse(text):
            kind = type(event).__name__
            line = event.start_mark.line + 1 if event.start_mark else None
            if kind == "AliasEvent" or getattr(event, "anchor", None):
                raise InvalidFile(name, line, None, _("anchors and aliases (&, *) are not allowed"))
            tag = getattr(event, "tag", None)
            if tag is not None and str(tag) not in _PLAIN_TAGS:
                raise InvalidFile(
                    name, line, None, _("explicit tag {tag} is not allowed").format(tag=tag)
                )
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InvalidFile(
                        name,
                        line,
                        None,
                        _("nested more than {depth} levels").format(depth=MAX_DEPTH),
                    )
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
            elif kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    raise InvalidFile(name, line, None, _("more than one YAML document"))
    except YAMLError as exc:
        raise _not_yaml(exc, name) from exc


def position_of(doc: Any, loc: Sequence[str | int]) -> tuple[int, int] | None:
    """1-based (line, column) of the deepest key or item of `loc` that the document has."""
    position: tuple[int, int] | None = None
    node = doc
    for key in loc:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line, column = node.lc.key(key)
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line, column = node.lc.item(key)
            else:
                break
        except (KeyError, IndexError, AttributeError, TypeError):
            break
        position = (line + 1, column + 1)
        node = node[key]
    if position is None and isinstance(doc, CommentedMap):
        position = (doc.lc.line + 1, doc.lc.col + 1)
    return position


def line_of(doc: Any, loc: Sequence[str | int]) -> int | None:
    position = position_of(doc, loc)
    return position[0] if position else None


def error_loc(error: Mapping[str, Any]) -> list[str | int]:
    """An error's location in the file: pydantic adds the event's action ("resolve")
    after `events.<n>` as the union's tag; that is not a key in the file."""
    loc = list(error["loc"])
    for i in range(len(loc) - 2, 0, -1):
        after_event = loc[i - 1] == "events" and isinstance(loc[i], int) and i + 1 < len(loc)
        if after_event and loc[i + 1] in _EVENT_ACTIONS:
            del loc[i + 1]
    return loc


def validation_problems(exc: ValidationError, doc: Any) -> list[tuple[int | None, str, str]]:
    """(line, field path, message) for each error pydantic found."""
    found = []
    for error in exc.errors():
        loc = error_loc(error)
        field = ".".join(str(part) for part in loc) or "(file)"
        found.append((line_of(doc, loc), field, error["msg"]))
    return found


# the discriminator values pydantic puts into an event error's location
_EVENT_ACTIONS = frozenset(ACTIONS)


def validate_document(model: type[M], doc: Any, name: str) -> M:
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        line, field, message = validation_problems(exc, doc)[0]
        raise InvalidFile(name, line, field, message) from exc


# --- writing ------------------------------------------------------------------


def dump(doc: Any) -> str:
    stream = io.StringIO()
    _round_trip().dump(doc, stream)
    return stream.getvalue()


def yaml_value(value: Any, tz: tzinfo) -> Any:
    """A Python value as it is written in a registry file."""
    if isinstance(value, datetime):
        return SingleQuotedScalarString(format_time(value, tz))
    if isinstance(value, Mapping):
        node = CommentedMap((k, yaml_value(v, tz)) for k, v in value.items())
        node.fa.set_flow_style()
        return node
    if isinstance(value, str):
        if any(ch in value for ch in _ODD_BREAKS):
            # a literal block would normalise these to \n; double quotes keep them as typed
            return DoubleQuotedScalarString(value)
        if "\n" in value:
            return LiteralScalarString(value)
        if _TIMESTAMP.match(value):
            # we read times as text, but other YAML tools would read a date: quote it
            return SingleQuotedScalarString(value)
    return value


_ODD_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
# YAML 1.1/1.2's implicit timestamp (ruamel.yaml.resolver), which our reader switches off
_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)


def set_field(
    doc: CommentedMap, key: str, value: Any, tz: tzinfo, order: Sequence[str] = FIELD_ORDER
) -> None:
    """Set a top-level field in place, dropping it when None, inserting it in `order`."""
    if value is None:
        doc.pop(key, None)
        return
    written = yaml_value(value, tz)
    if key in doc:
        if doc[key] != written or type(doc[key]) is not type(written):
            doc[key] = written
        return
    rank = order.index(key) if key in order else len(order)
    position = sum(1 for k in doc if k in order and order.index(k) < rank)
    doc.insert(position, key, written)


def event_node(event: Mapping[str, Any], tz: tzinfo) -> CommentedMap:
    node = CommentedMap()
    for key in EVENT_HEAD:
        node[key] = yaml_value(event[key], tz)
    for key, value in event.items():
        if key not in EVENT_HEAD and value is not None:
            node[key] = yaml_value(value, tz)
    return node


def write_bytes_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace a file in one step (a crash leaves the old one or the new one).

    Without `mode` the file is private to its owner (caches, state under .git/)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_cache(file: Path, fmt: int, fingerprint: str) -> dict[str, Any]:
    """The entries of a marshalled cache under .git/ (check's, report's), or {} when
    it is missing, unreadable, of another format or made for other policies."""
    try:
        raw = file.read_bytes()
        # the cyclic collector would walk every tuple as it is built: at 100,000
        # records it triples the load; nothing loaded here is a cycle
        gc.disable()
        try:
            data = marshal.loads(raw)
        finally:
            gc.enable()
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if (
        isinstance(data, dict)
        and data.get("format") == fmt
        and data.get("fingerprint") == fingerprint
        and isinstance(data.get("entries"), dict)
    ):
        return data["entries"]  # type: ignore[no-any-return]
    return {}


def save_cache(file: Path, fmt: int, fingerprint: str, entries: dict[str, Any]) -> None:
    data = {"format": fmt, "fingerprint": fingerprint, "entries": entries}
    # a read-only checkout: a cache only saves time, what it served for stands
    with contextlib.suppress(OSError):
        write_bytes_atomic(file, marshal.dumps(data))


def write_atomic(path: Path, text: str) -> bool:
    """Replace the file in one step; returns False (and writes nothing) if unchanged."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# --- finding files ---------------------------------------------------------------


def find_registry(start: Path) -> Path:
    """The nearest folder upward from `start` that holds cmplt.yaml."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / POLICY_FILE).is_file():
            return folder
    raise NotFound(
        _(
            "no registry here: no {file} in {folder} or above "
            "(use --registry DIR, set CMPLT_REGISTRY, or run cmplt init)"
        ).format(file=POLICY_FILE, folder=here)
    )


def record_relpath(complaint_id: str) -> str:
    return f"{RECORDS_DIR}/20{complaint_id[:2]}/{complaint_id[2:4]}/{complaint_id}.yaml"


def iter_record_files(root: Path, shard: tuple[str, str] | None = None) -> Iterator[Path]:
    """Record files in ID order, optionally only one year/month folder."""
    base = root / RECORDS_DIR
    if shard is not None:
        folders = [base / shard[0] / shard[1]]
    else:
        folders = [m for y in _sorted_dirs(base) for m in _sorted_dirs(y)]
    for folder in folders:
        if folder.is_dir():
            yield from sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("."))


def _sorted_dirs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.isdigit())
