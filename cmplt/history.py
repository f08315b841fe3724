"""A record's versions in git, and the life of one complaint as `cmplt log` tells it.

A version is one blob of a record file. Reading 100,000 of them through a YAML
parser would take minutes, so a version written the way cmplt writes records is
*scanned*: the lines above `events:` are checked to be plain `key: value` lines
(one regular expression), and the events are split into their items, of which
only the head fields (`id`, `action`, `at`, `recorded_at`, `by`) are read. When a
new version starts with the previous version's events, byte for byte, only the
events after them are scanned. A version in any other shape, or with any doubt
about a value (a number, an anchor or alias, a quote left open, a block scalar in
a head field), is read the careful way (`store.load_bytes`, the reader of every
registry file); so is any pair
of versions whose text differs where it should not (an old event, the intake),
before anything is said about the difference. `cmplt log` reads the few versions
of one record the careful way only.

No I/O here, except `record_log` at the end, which asks `gitlog` for one file's
history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cmplt import store
from cmplt.errors import InvalidFile
from cmplt.i18n import _
from cmplt.i18n import label as label_of
from cmplt.model import CLASSIFICATION_FIELDS
from cmplt.terms import AFTER_CLOSING

if TYPE_CHECKING:
    from cmplt.gitlog import HistoryCommit
    from cmplt.snapshot import Snapshot

# The top-level fields that follow from the events and so change with them; every
# other top-level field is the intake, written once by `cmplt new`.
# `concurrent`: the steps a merge set aside (merging.py), derived like the status
DERIVED_FIELDS = frozenset(
    {"status", "owner", "department", "received_at", "concurrent", *CLASSIFICATION_FIELDS}
)
HEAD_FIELDS = ("id", "action", "at", "recorded_at", "by")
_HEAD = frozenset(HEAD_FIELDS)


@dataclass(frozen=True, slots=True)
class EventText:
    """One event of a version: its head fields, and its lines when it was scanned."""

    key: str  # the event's id, or `#<n>` for an event without one
    action: str | None
    by: str | None
    at: str | None
    recorded_at: str | None
    text: bytes | None = None  # None: read the careful way


@dataclass(eq=False, slots=True)
class RecordVersion:
    """One version (blob) of a record file."""

    raw: bytes
    events: tuple[EventText, ...]
    record_id: str | None
    header: bytes | None = None  # the top-level fields' lines (scanned versions)
    tail: int = -1  # where the events block starts in `raw` (scanned versions)
    indent: int = 0  # the column of the events' `- `
    problem: str | None = None  # why it could not be read at all
    careful: dict[str, Any] | None = None  # the parsed document, once read the careful way

    @property
    def keys(self) -> list[str]:
        return [event.key for event in self.events]

    @property
    def closed(self) -> bool:
        # `close` leads to `closed`, and from there only `reopen` leads on (workflow),
        # or a step a closed record takes as it is (terms.AFTER_CLOSING)
        for event in reversed(self.events):
            if event.action not in AFTER_CLOSING:
                return event.action == "close"
        return False


# --- reading a version ------------------------------------------------------------

_EVENTS_LINE = re.compile(rb"^events:[ ]*(?:#[^\n]*)?\n", re.M)
_KEY_LINE = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*):(?:[ ]+(.*)|[ ]*)")
_ITEM = re.compile(rb"( *)- ")
# What only a YAML parser may read: anchors, aliases and tags (an alias would let
# an old event's value change without its text changing), other documents, CRs.
_INDICATOR = re.compile(rb"(?:^|[\s\[\]{},:])[&*!]")
_SINGLE = re.compile(rb"'((?:[^']|'')*)'[ ]*(?:#.*)?")
_DOUBLE = re.compile(rb'"([^"\\]*)"[ ]*(?:#.*)?')
# Plain scalars YAML reads as something other than text (1.2 core schema, and the
# 1.1 booleans to be safe): numbers, booleans, null, merge keys.
_NOT_TEXT = re.compile(
    rb"[-+]?[0-9_.]*(?:[eE][-+]?[0-9]+)?|[-+]?0[box][0-9a-fA-F_]+|[-+]?\.(?:inf|Inf|INF)"
    rb"|\.(?:nan|NaN|NAN)|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES"
    rb"|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|<<|="
)
_INDICATORS = frozenset(b"-?:,[]{}#&*!|>'\"%@`")
_OPENERS = re.compile(rb"[\"'\[{]")
# A value that opens a quote or a bracket must close it on its line: a flow scalar
# or collection running on over lines could hide what looks like a key or an event.
_CLOSED_FLOW = re.compile(
    rb"""(?:'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[\[{][^\[\]{}'"]*[\]}])[ ]*(?:\#.*)?"""
)


def _one_line(value: bytes | None) -> bool:
    """False for a value that opens a flow scalar or collection and does not close it."""
    if not value or value[0] not in b"'\"[{":
        return True
    return _CLOSED_FLOW.fullmatch(value) is not None


def _unusual(raw: bytes) -> bool:
    if b"\r" in raw or raw.startswith((b"---", b"%")) or b"\n---" in raw or b"\n..." in raw:
        return True
    # `in` is a memchr; the pattern runs only on the few files with one of these
    if b"&" in raw or b"*" in raw or b"!" in raw:
        return _INDICATOR.search(raw) is not None
    return False


def scalar_text(raw: bytes) -> str | None:
    """The text of a one-line scalar as YAML reads it, or None when unsure."""
    value = raw.strip(b" ")
    if not value or b"\t" in value:  # a tab may end a key or start a comment: let YAML say
        return None
    if value[0] == ord("'"):
        single = _SINGLE.fullmatch(value)
        return _decode(single.group(1).replace(b"''", b"'")) if single else None
    if value[0] == ord('"'):
        double = _DOUBLE.fullmatch(value)
        return _decode(double.group(1)) if double else None
    if value[0] in _INDICATORS:
        return None
    comment = value.find(b" #")
    if comment != -1:
        value = value[:comment].rstrip()
    if b": " in value or value.endswith(b":") or _NOT_TEXT.fullmatch(value):
        return None
    return _decode(value)


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_version(raw: bytes, name: str, previous: RecordVersion | None = None) -> RecordVersion:
    """Read one version of a record file; `previous` (the version it replaced) lets
    the events it already had go unread."""
    if _unusual(raw) or _decode(raw) is None:
        return read_carefully(raw, name)
    found = _EVENTS_LINE.search(raw)
    if found is None:
        return read_carefully(raw, name)
    header = raw[: found.start()]
    if not _HEADER_SHAPE.fullmatch(header):
        return read_carefully(raw, name)
    if previous is not None and previous.header == header:
        record_id = previous.record_id
    else:
        found_id = _ID_FIELD.search(header)
        record_id = scalar_text(found_id.group(1)) if found_id else None
    block = raw[found.end() :]
    if previous is not None and previous.tail >= 0:
        old_block = previous.raw[previous.tail :]
        if block.startswith(old_block) and (not old_block or old_block.endswith(b"\n")):
            rest = block[len(old_block) :]
            item = b" " * previous.indent + b"- "
            if previous.events and (not rest or rest.startswith(item)):
                added = _scan_events(rest, previous.indent) if rest else []
                if added is not None:
                    events = previous.events + tuple(added)
                    return RecordVersion(
                        raw, events, record_id, header, found.end(), previous.indent
                    )
    first = _ITEM.search(block)
    if first is None or (first.start() and block[first.start() - 1] != ord("\n")):
        return read_carefully(raw, name)
    indent = len(first.group(1))
    scanned = _scan_events(block, indent)
    if scanned is None or not scanned:
        return read_carefully(raw, name)
    return RecordVersion(raw, tuple(scanned), record_id, header, found.end(), indent)


# The lines above `events:` as cmplt writes them, checked in one match (in C, not
# a loop over the lines in Python): comments, and `key: value` entries, each
# followed by the indented lines of its value. A quoted value must close on its
# line, and an indented line that is not a block scalar's (`|`, `>`) must open no
# quote or bracket: YAML lets a quoted scalar run on over lines, even at column 0,
# and so hide what looks like the `events:` line.
_KEY = rb"[A-Za-z_][A-Za-z0-9_]*:"
_BLOCK_ENTRY = _KEY + rb"[ ]+[|>][^\n]*\n(?:(?:[ ][^\n]*)?\n)*"
_VALUE = rb"""(?:'(?:[^'\n]|'')*'|"(?:[^"\\\n]|\\.)*"|[^'"\[{|>\s#][^\n]*)"""
_OTHER_ENTRY = _KEY + rb"(?:[ ]+" + _VALUE + rb")?[ ]*(?:\#[^\n]*)?\n(?:[ ][^\n\"'\[{]*\n|\n)*"
_HEADER_SHAPE = re.compile(rb"(?:" + _BLOCK_ENTRY + b"|" + _OTHER_ENTRY + rb"|\#[^\n]*\n|\n)*")
_ID_FIELD = re.compile(rb"^id:[ ]+([^\n]*)$", re.M)
# The lines of the fields that follow from the events (they change with every step).
_DERIVED_LINE = re.compile(
    rb"^(?:" + b"|".join(sorted(k.encode() for k in DERIVED_FIELDS)) + rb"):[^\n]*\n", re.M
)


def _scan_events(block: bytes, indent: int) -> list[EventText] | None:
    """The items of a block sequence of mappings at column `indent`; None when unsure."""
    item = b" " * indent + b"- "
    inner = b" " * (indent + 2)
    events: list[EventText] = []
    head: dict[str, str] = {}
    start = -1
    pos = 0
    last_was_head = False
    block_scalar = False  # the last key's value is a block scalar (`|`, `>`)

    def close(end: int) -> bool:
        if start < 0:
            return True
        if "id" not in head:
            return False
        events.append(
            EventText(
                head["id"],
                head.get("action"),
                head.get("by"),
                head.get("at"),
                head.get("recorded_at"),
                block[start:end],
            )
        )
        return True

    for line in block.split(b"\n"):
        line_start = pos
        pos += len(line) + 1
        stripped = line.strip()
        if not stripped or stripped[0] == ord("#"):
            continue
        if line.startswith(item):
            if not close(line_start):
                return None
            head, start = {}, line_start
            content = line[len(item) :]
        elif line.startswith(inner) and start >= 0:
            content = line[len(inner) :]
            if content[:1] == b" ":  # a nested value or a block scalar's line
                if last_was_head or (not block_scalar and _OPENERS.search(content)):
                    return None  # a head field running on; a quote that may run on
                continue
        else:
            return None
        key_line = _KEY_LINE.fullmatch(content)
        if key_line is None or not _one_line(key_line.group(2)):
            return None
        key = key_line.group(1).decode()
        block_scalar = (key_line.group(2) or b"")[:1] in (b"|", b">")
        last_was_head = key in _HEAD
        if last_was_head:
            value = scalar_text(key_line.group(2) or b"")
            if value is None or key in head:
                return None
            head[key] = value
    if not close(min(pos, len(block))):
        return None
    return events


def read_carefully(raw: bytes, name: str) -> RecordVersion:
    """Read a version with the full YAML parser (the way cmplt reads a record)."""
    try:
        doc = _plain(store.load_bytes(raw, name).data)
    except InvalidFile as exc:
        where = _("line {line}: ").format(line=exc.line) if exc.line else ""
        return RecordVersion(raw, (), None, problem=f"{where}{exc.reason}")
    items = doc.get("events")
    events: list[EventText] = []
    for index, event in enumerate(items if isinstance(items, list) else []):
        data = event if isinstance(event, dict) else {}
        key = data.get("id")
        events.append(
            EventText(
                str(key) if key not in (None, "") else f"#{index}",
                _text_or_none(data.get("action")),
                _text_or_none(data.get("by")),
                _text_or_none(data.get("at")),
                _text_or_none(data.get("recorded_at")),
            )
        )
    record_id = doc.get("id")
    return RecordVersion(
        raw, tuple(events), str(record_id) if record_id is not None else None, careful=doc
    )


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _plain(value: Any) -> Any:
    """Data with text keys (a hand-written `1: x` has a number for a key)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def document(version: RecordVersion, name: str) -> dict[str, Any] | None:
    """The version's parsed document (read the careful way once, then kept)."""
    if version.careful is None and version.problem is None:
        version.careful = read_carefully(version.raw, name).careful
    return version.careful


def event_data(version: RecordVersion, name: str) -> dict[str, dict[str, Any]]:
    """The version's events as parsed, by key."""
    doc = document(version, name) or {}
    items = doc.get("events")
    found: dict[str, dict[str, Any]] = {}
    for index, event in enumerate(items if isinstance(items, list) else []):
        data = event if isinstance(event, dict) else {"(value)": event}
        key = data.get("id")
        found[str(key) if key not in (None, "") else f"#{index}"] = data
    return found


def field_values(version: RecordVersion, name: str) -> dict[str, Any]:
    """The version's top-level fields (but the events), as parsed."""
    doc = document(version, name) or {}
    return {k: v for k, v in doc.items() if k != "events"}


# --- comparing two versions ---------------------------------------------------------


Change = tuple[str, Any, Any]  # (field, before, after); a missing field is None


def dict_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """The fields that differ, in the order they appear (before's first)."""
    keys = list(before) + [k for k in after if k not in before]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def event_changes(
    before: RecordVersion, after: RecordVersion, name: str
) -> dict[str, list[Change]]:
    """{key: the fields that changed} for every event both versions have and that differs."""
    old_events = {e.key: e for e in before.events}
    suspects = [
        e.key
        for e in after.events
        if e.key in old_events and (e.text is None or e.text != old_events[e.key].text)
    ]
    if not suspects:
        return {}
    old_data, new_data = event_data(before, name), event_data(after, name)
    found: dict[str, list[Change]] = {}
    for key in suspects:
        changes = dict_changes(old_data.get(key, {}), new_data.get(key, {}))
        if changes:
            found[key] = changes
    return found


def field_changes(before: RecordVersion, after: RecordVersion, name: str) -> list[Change]:
    """The top-level fields (but the events) that differ between two versions."""
    if before.header is not None and before.header == after.header:
        return []
    return dict_changes(field_values(before, name), field_values(after, name))


def intake_changes(before: RecordVersion, after: RecordVersion, name: str) -> list[Change]:
    """Changed top-level fields that no event derives: the intake, written once."""
    # what is left of the lines once the derived fields' are taken out: when it is
    # the same, no intake field changed; when not, the parser says what did
    if (
        before.header is not None
        and after.header is not None
        and _DERIVED_LINE.sub(b"", before.header) == _DERIVED_LINE.sub(b"", after.header)
    ):
        return []
    return [c for c in field_changes(before, after, name) if c[0] not in DERIVED_FIELDS]


def line_of_event(raw: bytes, key: str) -> int | None:
    """The line of an event's `id:` in a version, for a finding."""
    for found in _ID_LINE.finditer(raw):
        if found.group(2) == key.encode():
            return raw.count(b"\n", 0, found.start()) + 1
    return None


_ID_LINE = re.compile(rb"^[ ]*(?:- )?id:[ ]*(['\"]?)([^'\"\s#]+)\1[ ]*(?:#.*)?$", re.M)


def line_of_field(raw: bytes, key: str) -> int | None:
    found = re.search(rb"^" + re.escape(key.encode()) + rb":", raw, re.M)
    return raw.count(b"\n", 0, found.start()) + 1 if found else None


# --- `cmplt log`: the steps of one complaint ------------------------------------------


@dataclass(frozen=True)
class LogStep:
    """One thing that happened to a record, as its history in git tells it."""

    commit: str
    author: str
    email: str
    committed: int  # the commit's time, seconds since the epoch
    path: str  # where the file was after this commit, relative to the registry
    action: str  # the event's action; `moved` or `edited` for a change without an event
    event: str | None = None
    at: str | None = None  # when it happened
    recorded_at: str | None = None  # when it was typed in
    by: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # the event's own fields
    changes: list[Change] = field(default_factory=list)  # top-level fields, before -> after
    note: str | None = None  # what else changed: a move, an event edited or removed

    def as_json(self, committed_at: str) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "author": self.author,
            "email": self.email,
            "committed_at": committed_at,
            "path": self.path,
            "action": self.action,
            "event": self.event,
            "at": self.at,
            "recorded_at": self.recorded_at,
            "by": self.by,
            "fields": self.fields,
            "changes": [{"field": f, "from": a, "to": b} for f, a, b in self.changes],
            "note": self.note,
        }


def record_steps(
    commits: Sequence[HistoryCommit],
    contents: Mapping[str, bytes | None],
    label: Mapping[str, str],
    complaint_id: str,
) -> list[LogStep]:
    """The steps of one record, oldest first, from the commits that changed its file.

    `contents` maps blob ids to their bytes; `label` maps a path in the work tree
    to the path a person sees. Each commit is compared with its own parent's
    version, so a step made on another clone and merged shows once, where it was
    made. The history stops (going back) at a version of another record: git's
    rename detection may pair files that merely look alike.
    """
    steps: list[LogStep] = []
    for commit in reversed(commits):  # newest first, to stop where the record began
        found = _commit_steps(commit, contents, label, complaint_id)
        if found is None:
            break
        steps[:0] = found
    return steps


def _commit_steps(
    commit: HistoryCommit,
    contents: Mapping[str, bytes | None],
    label: Mapping[str, str],
    complaint_id: str,
) -> list[LogStep] | None:
    steps: list[LogStep] = []
    for change in commit.changes:
        path = label.get(change.path, change.path)
        name = f"{path}@{commit.id[:10]}"
        after = _version(contents, change.new, name)
        if after is not None and after.record_id not in (None, complaint_id):
            return None
        before = _version(contents, change.old, name)
        if before is not None and before.record_id not in (None, complaint_id):
            before = None  # it began here, copied from another record's file
        base = {
            "commit": commit.id,
            "author": commit.author,
            "email": commit.email,
            "committed": commit.committed,
            "path": path,
        }
        steps.extend(_steps_between(before, after, name, base, change.old_path, label))
    return steps


def _version(
    contents: Mapping[str, bytes | None], blob: str | None, name: str
) -> RecordVersion | None:
    if blob is None:
        return None
    raw = contents.get(blob)
    if raw is None:
        return RecordVersion(b"", (), None, problem="missing from the repository")
    return read_carefully(raw, name)


def _steps_between(
    before: RecordVersion | None,
    after: RecordVersion | None,
    name: str,
    base: Mapping[str, Any],
    old_path: str | None,
    label: Mapping[str, str],
) -> list[LogStep]:
    if after is None:
        return [LogStep(**base, action="deleted", note=_("the file was deleted"))]
    if after.problem is not None:
        note = _("unreadable: {problem}").format(problem=after.problem)
        return [LogStep(**base, action="edited", note=note)]
    new_data = event_data(after, name)
    old_keys = set(before.keys) if before is not None else set()
    added = [e for e in after.events if e.key not in old_keys]
    changes = field_changes(before, after, name) if before is not None else []
    notes = []
    if old_path is not None:
        notes.append(_("moved from {path}").format(path=label.get(old_path, old_path)))
    if before is not None:
        notes.extend(_event_notes(before, after, name))
    steps = []
    for index, event in enumerate(added):
        data = new_data.get(event.key, {})
        last = index == len(added) - 1
        steps.append(
            LogStep(
                **base,
                action=event.action or "?",
                event=event.key,
                at=event.at,
                recorded_at=event.recorded_at,
                by=event.by,
                fields={k: v for k, v in data.items() if k not in _HEAD},
                changes=changes if last else [],
                note="; ".join(notes) if last and notes else None,
            )
        )
    if not steps and (changes or notes or before is None):
        action = "moved" if old_path is not None and not changes else "edited"
        steps.append(LogStep(**base, action=action, changes=changes, note="; ".join(notes) or None))
    return steps


def _event_notes(before: RecordVersion, after: RecordVersion, name: str) -> list[str]:
    """What happened to events already committed (they should never change)."""
    notes: list[str] = []
    new_keys = set(after.keys)
    notes.extend(
        _("event {key} removed").format(key=key) for key in before.keys if key not in new_keys
    )
    for key, changes in event_changes(before, after, name).items():
        what = _(", ").join(
            _("{field} {old} -> {new}").format(
                field=label_of("field", f), old=_short(f, a), new=_short(f, b)
            )
            for f, a, b in changes
        )
        notes.append(_("event {key} edited: {what}").format(key=key, what=what))
    return notes


def _short(key: str, value: Any) -> str:
    text = _("(none)") if value is None else _field_text(key, value)

    return text if len(text) <= 40 else text[:39] + "…"


# --- running it -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordLog:
    complaint_id: str
    path: str  # where the record is now, relative to the registry
    summary: str | None  # the record's summary in its newest version
    steps: list[LogStep]


def record_log(registry: Snapshot, complaint_id: str) -> RecordLog:
    """One complaint's steps, from the history of its file in git."""
    from cmplt import gitlog

    worktree = registry.worktree
    path = registry.record_path(complaint_id)
    commits = gitlog.file_history(worktree, registry.git_path(path))
    blobs = sorted({b for c in commits for ch in c.changes for b in (ch.old, ch.new) if b})
    contents = dict(zip(blobs, gitlog.blob_contents(worktree, blobs), strict=True))
    label: dict[str, str] = {}
    for commit in commits:
        for change in commit.changes:
            for git_path in (change.path, change.old_path):
                if git_path is not None:
                    label[git_path] = registry.label(worktree / git_path)
    steps = record_steps(commits, contents, label, complaint_id)
    newest = commits[-1].changes[-1].new if commits and commits[-1].changes else None
    summary = None
    if newest is not None and contents.get(newest):
        doc = read_carefully(contents[newest] or b"", registry.label(path)).careful or {}
        summary = str(doc["summary"]) if doc.get("summary") is not None else None
    return RecordLog(complaint_id, registry.label(path), summary, steps)


def describe(step: LogStep) -> str:
    """What a step changed, in one line: the event's fields, then derived changes."""
    parts = [
        _("{field}: {value}").format(field=label_of("field", k), value=_field_text(k, v))
        for k, v in step.fields.items()
        if v is not False
    ]
    parts.extend(
        _("{field} {old} -> {new}").format(
            field=label_of("field", f), old=_short(f, a), new=_short(f, b)
        )
        for f, a, b in step.changes
    )
    if step.note:
        parts.append(step.note)
    return _("; ").join(parts)


# event fields whose values are shown by their labels (kind of label by field)
_LABELLED = {
    "status": "status",
    "channel": "channel",
    "responsible_party": "responsible_party",
    "nature": "nature",
    "severity": "severity",
    "subject": "subject",
    "category": "category",
    "satisfaction": "satisfaction",
    "role": "role",
    "approver_role": "role",
}


def _field_text(key: str, value: Any) -> str:
    if value is True:
        return _("yes")
    if isinstance(value, Mapping):
        return _(", ").join(
            _("{field} {value}").format(
                field=label_of("field", str(k)), value=_field_text(str(k), v)
            )
            for k, v in value.items()
        )
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and key in _LABELLED:
        return label_of(_LABELLED[key], value)
    if isinstance(value, str) and parse_time_text(value) is not None:
        return value[:16].replace("T", " ")  # the one style of cmplt.shown
    return " ".join(str(value).split())


def parse_time_text(text: str | None) -> datetime | None:
    """An event's time as written (ISO 8601 with offset), or None when it is not one."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None
