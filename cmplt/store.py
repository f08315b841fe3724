"""Registry files on disk: finding them, reading them safely, writing them atomically.

Every file is read by one reader (`load`, libyaml through `yaml12`); a record
about to be changed is read again round-trip (ruamel.yaml, imported only then)
so that key order and a person's comments survive the update. Times are
written as quoted ISO 8601 strings with their offset, so that every YAML tool
reads them as the same text; on reading, YAML's own timestamp type is switched
off so that an unquoted time typed by hand is read as that same text, not
reinterpreted.
"""

from __future__ import annotations

import contextlib
import gc
import io
import marshal
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from cmplt.errors import InvalidFile, NoRegistry, NotFound
from cmplt.field_errors import message_of
from cmplt.i18n import N_, _
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
    "anonymous",
    "repeat_of",
    "happened_at",
    "location",
    "about",
    "summary",
    "request",
    "requested_deadline",
    "urgent_note",
    "responsible_party",
    *CLASSIFICATION_FIELDS,
    "concurrent",
    "events",
)
EVENT_HEAD = ("id", "action", "at", "recorded_at", "by")

M = TypeVar("M", bound=BaseModel)

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from cmplt import yaml12


@cache
def no_timestamp_resolver() -> Any:
    """ruamel's resolver without the timestamp type, its table built once per version
    (ruamel looks it up for every scalar). Made on first use: commands that only
    read never import ruamel (it is the writer's, for round trips)."""
    from ruamel.yaml.resolver import VersionedResolver

    tables: dict[Any, Any] = {}

    class NoTimestampResolver(VersionedResolver):
        @property
        def versioned_resolver(self) -> Any:
            version = self.processing_version
            table = tables.get(version)
            if table is None:
                table = {
                    first: [e for e in entries if not str(e[0]).endswith(":timestamp")]
                    for first, entries in super().versioned_resolver.items()
                }
                tables[version] = table
            return table

    return NoTimestampResolver


@cache
def _round_trip() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Resolver = no_timestamp_resolver()
    yaml.allow_unicode = True  # Chinese text written as itself, not \u escapes
    yaml.width = 4096  # no folding of long Chinese sentences
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    return yaml


# --- reading ------------------------------------------------------------------
#
# One reader for every registry file: `load` checks the file's kind, size and
# encoding, refuses what a hostile file uses, and parses with libyaml
# (`yaml12`); what it returns knows each key's line and column, so that every
# command describes a broken file the same way. Only a record about to be
# changed is read again round-trip (`read_document`), to keep its comments.


def read_bytes(path: Path, name: str) -> bytes:
    """A registry file's bytes; a folder, a FIFO, a device or a file far larger
    than any record is never read."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise NotFound(_("{file}: no such file").format(file=name)) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _unreadable(name, _("cannot read: {reason}").format(reason=reason)) from exc
    if not stat.S_ISREG(st.st_mode):
        raise _unreadable(name, _("not a regular file (a folder, device, FIFO or socket)"))
    if st.st_size > MAX_FILE_BYTES:
        raise _unreadable(name, _too_big(st.st_size))
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _unreadable(
            name, _("cannot read: {reason}").format(reason=exc.strerror or exc)
        ) from exc
    if len(raw) > MAX_FILE_BYTES:  # grew while we looked
        raise _unreadable(name, _too_big(len(raw)))
    return raw


def _unreadable(name: str, reason: str, line: int = 1, column: int = 1) -> InvalidFile:
    return InvalidFile(name, line, None, reason, column=column)


def _too_big(size: int) -> str:
    return _(
        "file is {size} bytes; a registry file is at most {limit} "
        "(a record is a few kilobytes), so it was not read"
    ).format(size=f"{size:,}", limit=f"{MAX_FILE_BYTES:,}")


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text, or a finding that says where it is not, and what it looks like instead."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            raise _unreadable(
                name, _("encoded as {encoding}; registry files are UTF-8").format(encoding=encoding)
            )
    if b"\0" in raw:
        line, column = _line_column(raw, raw.index(b"\0"))
        if _looks_utf16(raw):
            message = _(
                "looks like UTF-16 text without a byte order mark; registry files are UTF-8"
            )
        else:
            message = _("binary content (a NUL byte), not a text file")
        raise _unreadable(name, message, line, column)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw, exc.start)
        message = _("not UTF-8 text")
        try:
            raw.decode("gb18030")
            message = _(
                "not UTF-8 text (it reads as GBK/GB18030, a Chinese Windows encoding); "
                "save it as UTF-8"
            )
        except UnicodeDecodeError:
            pass
        raise _unreadable(name, message, line, column) from exc


def _looks_utf16(raw: bytes) -> bool:
    sample = raw[:4096]
    return len(sample) >= 4 and sample.count(b"\0") * 3 >= len(sample)


def _line_column(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    start = raw.rfind(b"\n", 0, offset) + 1
    before = raw[start:offset].decode("utf-8", errors="replace")
    return raw.count(b"\n", 0, offset) + 1, len(before) + 1


def _not_yaml(exc: yaml12.YAMLError, text: str, name: str) -> InvalidFile:
    """A parser's error as a finding: the line and column it stopped at and what it saw."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    else:
        position = getattr(exc, "position", None)  # a ReaderError: a character index
        if isinstance(position, int):
            start = text.rfind("\n", 0, position) + 1
            line, column = text.count("\n", 0, position) + 1, position - start + 1
        else:
            line, column = 1, 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "maximum nesting depth" in problem:
        # libyaml's own limit (1,000), met while it scans ahead of our event scan
        return _unreadable(name, _nested_too_deep(), line, column)
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):  # "expected …, but found …"
        problem = f"{context}, {problem}"
    return _unreadable(name, _("not valid YAML: {problem}").format(problem=problem), line, column)


def _nested_too_deep() -> str:
    return _("nested more than {depth} levels").format(depth=MAX_DEPTH)


# What sends a file through the event scan before anything is built: anchors,
# aliases and tags; enough brackets to nest deeply; block collections nested on
# one line (`- - - …`) or indented deeper than cmplt ever writes (a record's
# deepest line is indented 8); a document marker (a second document).
_NESTED_ON_ONE_LINE = re.compile(rb"(?:[-?:][ \t]+){8}")
_DEEP_INDENT = re.compile(rb"(?:^|\n)[ \t]{24}")


def _suspicious(raw: bytes) -> bool:
    return (
        b"&" in raw
        or b"*" in raw
        or b"!" in raw
        or b"---" in raw
        or b"..." in raw
        or raw.count(b"[") + raw.count(b"{") > 16
        or _NESTED_ON_ONE_LINE.search(raw) is not None
        or _DEEP_INDENT.search(raw) is not None
    )


MAX_DEPTH = 32


def refuse_constructs(text: str, name: str) -> None:
    """Refuse what a registry file never needs and a hostile one uses.

    Anchors and aliases (a few lines can expand into gigabytes), explicit tags
    (`!!python/object…`: nothing is ever constructed from a file, but such a
    file is not ours), several documents, and deep nesting. This walks the
    parser's events only, in C, before anything is built.
    """
    from cmplt import yaml12  # the reader, loaded when a file is read (not from a cache)

    depth = documents = 0
    try:
        for event in yaml12.events(text):
            kind = type(event).__name__
            mark = event.start_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            if kind == "AliasEvent" or getattr(event, "anchor", None):
                raise _unreadable(
                    name, _("anchors and aliases (&, *) are not allowed"), line, column
                )
            tag = getattr(event, "tag", None)
            if tag is not None and str(tag) not in _PLAIN_TAGS:
                raise _unreadable(
                    name, _("explicit tag {tag} is not allowed").format(tag=tag), line, column
                )
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _unreadable(name, _nested_too_deep(), line, column)
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                depth -= 1
            elif kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    raise _unreadable(name, _("more than one YAML document"), line, column)
    except yaml12.YAMLError as exc:
        raise _not_yaml(exc, text, name) from exc


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "map", "seq")
)


@dataclass
class Loaded:
    """A file's plain data, and its text for locating findings (composed on demand)."""

    label: str
    data: dict[Any, Any]
    text: str
    _root: Any = None

    def position(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, column) of the deepest key or item of `loc` the file has."""
        from cmplt import yaml12

        if self._root is None:
            self._root = yaml12.compose(self.text)
        node = self._root
        line, column = node.start_mark.line, node.start_mark.column
        for part in loc:
            if isinstance(node, yaml12.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml12.ScalarNode) and key.value == str(part):
                        line, column = key.start_mark.line, key.start_mark.column
                        node = value
                        break
                else:
                    break
            elif isinstance(node, yaml12.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
                line, column = node.start_mark.line, node.start_mark.column
            else:
                break
        return line + 1, column + 1

    def problem(self, loc: Sequence[str | int], message: str) -> InvalidFile:
        line, column = self.position(loc)
        field = ".".join(map(str, loc)) or None
        return InvalidFile(self.label, line, field, message, column=column)


def load_bytes(raw: bytes, name: str) -> Loaded:
    """Parse one registry file's bytes: its data, or an InvalidFile naming the place."""
    from cmplt import yaml12

    text = decode(raw, name)
    if _suspicious(raw):
        refuse_constructs(text, name)
    try:
        data = yaml12.load(text)
    except yaml12.YAMLError as exc:
        raise _not_yaml(exc, text, name) from exc
    except RecursionError as exc:
        raise _unreadable(name, _("nested too deeply")) from exc
    except ValueError as exc:  # a number the loader cannot represent
        raise _unreadable(name, _("not valid YAML: {problem}").format(problem=exc)) from exc
    if not isinstance(data, dict):
        if data is None:
            raise _unreadable(
                name, _("expected a mapping of fields at the top level, found nothing")
            )
        raise _unreadable(
            name,
            _("expected a mapping of fields at the top level, found a {kind}").format(
                kind=_(_yaml_kind(data))
            ),
        )
    return Loaded(name, data, text)


def _yaml_kind(data: object) -> str:
    if isinstance(data, list):
        return N_("list")
    if isinstance(data, str):
        return N_("single text")
    if isinstance(data, bool):
        return N_("single true/false value")
    return N_("single number")


def load(path: Path, name: str) -> Loaded:
    """Read and parse one registry file (see `load_bytes`)."""
    return load_bytes(read_bytes(path, name), name)


def read_data(path: Path, name: str) -> dict[Any, Any]:
    """A registry file's plain data (no positions kept)."""
    return load(path, name).data


# errors whose message already shows the value, or where there is none to show
_SAYS_NO_VALUE = frozenset(
    {"missing", "extra_forbidden", "model_type", "dict_type", "value_error", "assertion_error"}
)


def schema_problems(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Each pydantic error as a location in the file and a message saying what was there."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for error in exc.errors():
        loc = error_loc(error)
        if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc.append("action")  # an event's unknown or missing action: point at it
        message = message_of(error)
        value = error.get("input")
        if error["type"] not in _SAYS_NO_VALUE and (
            value is None or isinstance(value, str | int | float | bool)
        ):
            shown = repr(value)
            got = shown if len(shown) <= 80 else shown[:77] + "…"
            message += _(", got {value}").format(value=got)
        found.append((tuple(loc), message))
    return found


def validate_loaded(model: type[M], loaded: Loaded) -> M:
    """The file's data as `model`, or an InvalidFile at the first key that is wrong."""
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        loc, message = schema_problems(exc)[0]
        raise loaded.problem(loc, message) from exc


def read_document(path: Path, label: str | None = None) -> Any:
    """A file read round-trip (comments and key order kept), to be changed and written."""
    name = label or str(path)
    return parse_document(read_bytes(path, name), name)


def parse_document(raw: bytes, name: str) -> Any:
    text = decode(raw, name)
    # the round-trip scanner is slow on hostile input: what could be hostile is
    # scanned first, in C, by the same rule as every read (`_suspicious`)
    if _suspicious(raw):
        refuse_constructs(text, name)
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    try:
        doc = _round_trip().load(text)
    except YAMLError as exc:
        raise InvalidFile(name, *_ruamel_mark(exc), None, _ruamel_problem(exc)) from exc
    except RecursionError as exc:
        raise InvalidFile(name, None, None, _("nested too deeply")) from exc
    if not isinstance(doc, CommentedMap):
        raise InvalidFile(name, 1, None, _("expected a mapping of fields at the top level"))
    return doc


def _ruamel_mark(exc: Exception) -> tuple[int | None]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1 if mark is not None else None,)


def _ruamel_problem(exc: Exception) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return _("not valid YAML: {problem}").format(problem=problem)


def error_loc(error: Mapping[str, Any]) -> list[str | int]:
    """An error's location in the file: pydantic adds the event's action ("resolve")
    after `events.<n>` as the union's tag; that is not a key in the file."""
    loc = list(error["loc"])
    for i in range(len(loc) - 2, 0, -1):
        after_event = loc[i - 1] == "events" and isinstance(loc[i], int) and i + 1 < len(loc)
        if after_event and loc[i + 1] in _EVENT_ACTIONS:
            del loc[i + 1]
    return loc


# the discriminator values pydantic puts into an event error's location
_EVENT_ACTIONS = frozenset(ACTIONS)


def validate_document(model: type[M], doc: Any, name: str) -> M:
    """A document about to be written, as `model`. Its lines are not yet in any file
    a person can open, so the error names the field alone (what a person typed is
    checked before, by the step, and named by its option)."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        loc, message = schema_problems(exc)[0]
        raise InvalidFile(name, None, ".".join(map(str, loc)) or None, message) from exc


# --- writing ------------------------------------------------------------------


def dump(doc: Any) -> str:
    stream = io.StringIO()
    _round_trip().dump(doc, stream)
    return stream.getvalue()


def yaml_value(value: Any, tz: tzinfo) -> Any:
    """A Python value as it is written in a registry file."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        LiteralScalarString,
        SingleQuotedScalarString,
    )

    if isinstance(value, datetime):
        return SingleQuotedScalarString(format_time(value, tz))
    if isinstance(value, Mapping):
        node = CommentedMap((k, _in_flow(yaml_value(v, tz))) for k, v in value.items())
        node.fa.set_flow_style()
        return node
    if isinstance(value, list | tuple):
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq(_in_flow(yaml_value(v, tz)) for v in value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        if any(ch in value for ch in _ODD_BREAKS):
            # a literal block would normalise these to \n; double quotes keep them as typed
            return DoubleQuotedScalarString(value)
        if "\n" in value:
            return LiteralScalarString(value)
        if _TIMESTAMP.match(value) or misread_plain(value):
            # we read times as text, but other YAML tools would read a date: quote it;
            # and what a YAML 1.1 reader takes for a boolean, number or null
            return SingleQuotedScalarString(value)
    return value


def text_node(value: str) -> Any:
    """A string (a roster name, a value without a time zone) as it is written."""
    from datetime import UTC

    return yaml_value(value, UTC)


# YAML 1.1 forms PyYAML's resolver leaves as text but the 1.1 specification does
# not (`y`, `n` are booleans there) and YAML 1.2's octal, which ruamel quotes
# only when it writes 1.2
_MISREAD_TOO = re.compile(r"^(?:[yYnN]|[-+]?0o[0-7_]+)$")


def misread_plain(value: str) -> bool:
    """Whether a YAML 1.1 reader (PyYAML's safe_load, many other tools) would read
    `value`, written plain, as anything but this text: `yes`, `off`, `~`, `null`,
    `12:30` (a sexagesimal number), `0x1F`, `.inf`, `<<`, `=`."""
    if _MISREAD_TOO.match(value):
        return True
    return _yaml11_tag(value) != "tag:yaml.org,2002:str"


@cache
def _yaml11_resolver() -> Any:
    import yaml

    return yaml.resolver.Resolver()


def _yaml11_tag(value: str) -> str:
    import yaml

    tag: str = _yaml11_resolver().resolve(yaml.ScalarNode, value, (True, False))
    return tag


_ODD_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
# Text that ruamel leaves plain inside a flow mapping (`{to: :0}`, `{to: 0?}`)
# but that some YAML readers (older libyaml among them) do not take back: a
# flow indicator, `:`, `?` or `#` anywhere, or `-` first. Quoted, every reader agrees.
_FLOW_UNSAFE = re.compile(r"^-|[?:,\[\]{}#]")


def _in_flow(value: Any) -> Any:
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    if type(value) is str and _FLOW_UNSAFE.search(value):
        return SingleQuotedScalarString(value)
    return value


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
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap()
    for key in EVENT_HEAD:
        node[key] = yaml_value(event[key], tz)
    for key, value in event.items():
        if key not in EVENT_HEAD and value is not None:
            node[key] = yaml_value(value, tz)
    return node


def write_bytes_atomic(
    path: Path, data: bytes, mode: int | None = None, durable: bool = False
) -> None:
    """Replace a file in one step (a crash leaves the old one or the new one);
    `durable`: on disk before it replaces the old one (a power cut too).

    Without `mode` the file is private to its owner (caches, state under .git/)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CACHE_FORMAT = 6  # the layout of a cache file (each entry: stamp, value)


def load_cache(file: Path, fingerprint: str) -> dict[str, Any]:
    """The entries of a marshalled cache under .git/ (check's, report's), or {} when
    it is missing, unreadable, of another format or made for other policies or code."""
    try:
        raw = file.read_bytes()
        # the cyclic collector would walk every tuple as it is built: at 100,000
        # records it triples the load; nothing loaded here is a cycle
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            data = marshal.loads(raw)
        finally:
            if was_enabled:
                gc.enable()
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if (
        isinstance(data, dict)
        and data.get("format") == CACHE_FORMAT
        and data.get("fingerprint") == fingerprint
        and isinstance(data.get("entries"), dict)
    ):
        return data["entries"]  # type: ignore[no-any-return]
    return {}


def save_cache(file: Path, fingerprint: str, entries: dict[str, Any]) -> None:
    data = {"format": CACHE_FORMAT, "fingerprint": fingerprint, "entries": entries}
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
    raise NoRegistry(
        _(
            "no registry here: no {file} in {folder} or above "
            "(use --registry DIR, set CMPLT_REGISTRY, or run cmplt init)"
        ).format(file=POLICY_FILE, folder=here)
    )


def symlink_on_path(root: Path, path: Path) -> Path | None:
    """The first symbolic link on the way from `root` down to `path` (the folders
    and the file itself, as far as they exist), or None."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return None
    here = root
    for part in parts:
        here = here / part
        try:
            if stat.S_ISLNK(os.lstat(here).st_mode):
                return here
        except (FileNotFoundError, NotADirectoryError):
            return None
    return None


def record_relpath(complaint_id: str) -> str:
    return f"{RECORDS_DIR}/20{complaint_id[:2]}/{complaint_id[2:4]}/{complaint_id}.yaml"


def record_files(
    root: Path, shard: tuple[str, str] | None = None
) -> Iterator[tuple[str, str, os.stat_result]]:
    """(path relative to the root, full path, stat) of every record file, in ID
    order: `complaints/YYYY/MM/<id>.yaml`, dot-files aside; or only one year/month.

    Plain strings: at 100,000 files, making and relating Path objects costs
    more than the rest of a cached check's loop."""
    base = os.path.join(root, RECORDS_DIR)
    if shard is not None:
        months = [(shard[0], shard[1])]
    else:
        months = [
            (year, month) for year in _digit_dirs(base) for month in _digit_dirs(f"{base}/{year}")
        ]
    for year, month in months:
        prefix = f"{RECORDS_DIR}/{year}/{month}/"
        try:
            with os.scandir(f"{base}/{year}/{month}") as scan:
                entries = sorted(
                    (e for e in scan if e.name.endswith(".yaml") and not e.name.startswith(".")),
                    key=lambda e: e.name,
                )
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            # anything but a folder is listed, so that reading it says what is wrong
            # with it (a dangling link, a FIFO) instead of passing over it in silence
            if entry.is_dir():
                continue
            try:
                st = entry.stat()
            except OSError:
                st = entry.stat(follow_symlinks=False)
            yield prefix + entry.name, entry.path, st


def first_record_year(root: Path) -> int | None:
    """The earliest year folder under complaints/ (`complaints/2026/`), if any."""
    years = [int(y) for y in _digit_dirs(os.path.join(root, RECORDS_DIR)) if len(y) == 4]
    return min(years) if years else None


def _digit_dirs(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.isdigit() and e.is_dir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def any_record_files(root: Path) -> Iterator[Path]:
    """Every file under complaints/ that could be a record, at any depth (a record
    in the wrong folder is a finding for `validate`, not something to overlook),
    and every symbolic link there, to a file or a folder, which is not followed."""
    pending = [root / RECORDS_DIR]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                yield Path(entry.path)  # never followed; `validate` reports it
            elif entry.is_dir(follow_symlinks=False):
                pending.append(Path(entry.path))
            elif entry.name.endswith((".yaml", ".yml")):
                yield Path(entry.path)
