"""`cmplt audit`: every change to a record in git that did not come through cmplt as it should.

cmplt makes one commit per step: it adds one event to one record (at the end, or
at its place in the history for a late entry: `late_entry_by_cmplt`), updates the
fields derived from the events, and commits that file alone with the trailers
`Complaint-Id`, `Action` and `Actor`, as the acting person, dated when the step
was recorded (README, "Git: one step, one commit"). Each check below is one small
function of one record change; a change that breaks a rule is a finding naming
the commit, its author, the file, the line and what changed.

Merges. A merge is compared with each of its parents. Events stay append-only
against every parent (none removed or edited; each parent's events keep their
order, though the two sides' new events may interleave), a closed record stays
closed unless reopened, the intake changes only as the corrections say, and the merge itself adds no
event that neither side had. A merge needs no trailers: it records no step. A
bad change brought in by a merge is reported on its own commit, and again on the
merge for the parent that did not have it.

Moves. A record removed at one path and added at another in the same commit is
one record moved; a move that changes nothing else is no finding (reshuffling
folders is housekeeping, not a step), a move with other changes is checked like
an edit.

Renames. `cmplt sync` gives a complaint this clone received a new ID when the remote
took its ID meanwhile (sync.py): one commit with the trailers `Action: rename`,
`Renamed-From: OLD` and `Complaint-Id: NEW` that moves OLD.yaml to NEW.yaml and
rewrites OLD as NEW in it and in the records naming it. Such a change is no finding
when it is exactly that: the text as it was, but for OLD written NEW.

Identities. Under policy `identity: git` or `signed` (the policy of the commit's
parent), a step's commit is bound to its actor (or the typist of a step typed on
someone's behalf) by the roster of its parent: author and committer emails, and
under `signed` the signature, which git verifies against that roster's keys
(identity_audit.py gathers what git says; identity.commit_unbound judges).

The pure part (the checks, `audit_commits`) takes the commits' data and the
blobs' bytes; `run_audit` at the end fetches them through `gitlog` and keeps
what was already audited in `.git/cmplt-audit.json`, keyed by commit id.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cmplt import __version__
from cmplt.chronology import place_in_history
from cmplt.corrections import corrected_intake
from cmplt.errors import CouldNotRun, field_ref
from cmplt.findings import Finding
from cmplt.gitlog import FileChange, HistoryCommit, parse_trailers
from cmplt.history import (
    EventText,
    RecordVersion,
    event_changes,
    event_data,
    intake_changes,
    line_of_event,
    line_of_field,
    parse_time_text,
    read_version,
)
from cmplt.i18n import _, current, label, ngettext
from cmplt.identity import CommitFacts, commit_unbound
from cmplt.shown import time_text
from cmplt.store import RECORDS_DIR
from cmplt.terms import AFTER_CLOSING

TRAILERS = ("Complaint-Id", "Action", "Actor")


def _step(action: str | None) -> str:
    """An event's action as a person reads it (the trailer keeps the key)."""
    return label("action", action) if action else "?"


def audit_finding(
    commit: str, author: str, email: str, path: str, line: int | None, what: str, message: str
) -> Finding:
    """A change found in one commit (`line` in the version the commit made, or before
    it for what it removed); `what` is the kind of finding, e.g. `event-edited`."""
    record_id = path.rpartition("/")[2].removesuffix(".yaml") or None
    extra = {"commit": commit, "author": author, "email": email}
    return Finding(what, "error", path, line, None, record_id, message, extra)


def audit_text(found: Finding) -> str:
    """`commit <id> <author>: path:line: what: message` (`提交 …` in Chinese)."""
    return _("commit {commit} {author}: {finding}").format(
        commit=found.extra["commit"][:10], author=found.extra["author"], finding=found.text()
    )


def audit_json(found: Finding) -> dict[str, Any]:
    """A finding as `audit --format json` documents it (and as the state file keeps it)."""
    return {
        "commit": found.extra["commit"],
        "author": found.extra["author"],
        "email": found.extra["email"],
        "path": found.path,
        "line": found.line,
        "what": found.rule,
        "message": found.message,
    }


def audit_from_json(data: Mapping[str, Any]) -> Finding:
    return audit_finding(
        str(data["commit"]),
        str(data["author"]),
        str(data["email"]),
        str(data["path"]),
        data["line"] if isinstance(data["line"], int) else None,
        str(data["what"]),
        str(data["message"]),
    )


@dataclass(frozen=True, slots=True)
class RecordChange:
    """What one commit did to one record file, against one of its parents."""

    commit: HistoryCommit
    trailers: Mapping[str, str]
    path: str  # relative to the registry root: where the record is after (or was, if deleted)
    before: RecordVersion | None  # this parent's version; None: the file is new
    after: RecordVersion | None  # None: the file was deleted
    parent_time: int | None  # this parent's commit time
    merge: bool = False
    first_parent: bool = True
    # a merge: every parent's version of the file (the merge's own where one had no diff)
    parents_before: tuple[RecordVersion | None, ...] = ()
    # under policy identity git or signed (its parent's): who the commit is bound to
    identity: CommitFacts | None = None

    @property
    def record_id(self) -> str:
        for version in (self.after, self.before):
            if version is not None and version.record_id:
                return version.record_id
        return self.path.rpartition("/")[2].removesuffix(".yaml")

    def added(self) -> list[EventText]:
        """The events after has and before had not, in after's order."""
        if self.after is None:
            return []
        old = set(self.before.keys) if self.before is not None else set()
        return [e for e in self.after.events if e.key not in old]

    def finding(self, what: str, message: str, line: int | None = None) -> Finding:
        return audit_finding(
            self.commit.id, self.commit.author, self.commit.email, self.path, line, what, message
        )

    @property
    def name(self) -> str:
        return f"{self.path}@{self.commit.id[:10]}"


def _readable(change: RecordChange) -> bool:
    """Both sides could be read (what cannot be read is its own finding)."""
    return all(v is None or v.problem is None for v in (change.before, change.after))


# --- the checks: one function per kind of finding -------------------------------------


def unreadable(change: RecordChange) -> list[Finding]:
    after = change.after
    if after is None or after.problem is None:
        return []
    message = _("the record cannot be read: {problem}").format(problem=after.problem)
    return [change.finding("unreadable", message)]


def record_deleted(change: RecordChange) -> list[Finding]:
    if change.after is not None or change.before is None:
        return []
    count = len(change.before.events)
    return [
        change.finding(
            "record-deleted",
            ngettext(
                "record {id} deleted with its {count} event; records are never deleted",
                "record {id} deleted with its {count} events; records are never deleted",
                count,
            ).format(id=change.record_id, count=count),
        )
    ]


def missing_trailers(change: RecordChange) -> list[Finding]:
    if change.merge or change.after is None:
        return []
    missing = [k for k in TRAILERS if not change.trailers.get(k)]
    if not missing:
        return []
    return [
        change.finding(
            "no-trailers",
            _("changed without cmplt's trailers ({missing} missing): {added}").format(
                missing=", ".join(missing), added=_describe_added(change)
            ),
        )
    ]


def trailers_disagree(change: RecordChange) -> list[Finding]:
    """The trailers must say what the commit did: this record, its one new event, by whom."""
    if change.merge or change.after is None or not all(change.trailers.get(k) for k in TRAILERS):
        return []
    said = change.trailers
    problems = []
    if said["Complaint-Id"] != change.record_id:
        problems.append(
            _("Complaint-Id {said} but the file is {id}").format(
                said=said["Complaint-Id"], id=change.record_id
            )
        )
    added = change.added()
    if len(added) != 1:
        problems.append(
            _("cmplt adds one event a step, this commit adds {count}").format(count=len(added))
        )
    else:
        event = added[0]
        if event.action != said["Action"]:
            problems.append(
                _("Action {said} but the new event is {action}").format(
                    said=said["Action"], action=event.action
                )
            )
        if event.by != said["Actor"]:
            problems.append(
                _("Actor {said} but the new event is by {name}").format(
                    said=said["Actor"], name=event.by
                )
            )
    if not problems:
        return []
    line = line_of_event(change.after.raw, added[0].key) if len(added) == 1 else None
    return [change.finding("trailer-mismatch", "; ".join(problems), line)]


def author_not_actor(change: RecordChange) -> list[Finding]:
    actor = change.trailers.get("Actor")
    if change.merge or change.after is None or not actor or change.commit.author == actor:
        return []
    return [
        change.finding(
            "author-not-actor",
            _("committed as {author} <{email}> but Actor is {actor}").format(
                author=change.commit.author, email=change.commit.email, actor=actor
            ),
        )
    ]


def identity_unbound(change: RecordChange) -> list[Finding]:
    """identity git / signed: the step's commit by (and signed by) the person the roster
    of its parent says it must be (identity.commit_unbound). One finding a commit."""
    if change.identity is None or change.after is None or not _readable(change):
        return []
    added = change.added()
    if len(added) != 1:
        return []  # trailer-mismatch says so
    event = event_data(change.after, change.name).get(added[0].key, {})
    found = commit_unbound(change.identity, event)
    if found is None:
        return []
    kind, message = found
    return [change.finding(kind, message, line_of_event(change.after.raw, added[0].key))]


def events_removed(change: RecordChange) -> list[Finding]:
    if change.before is None or change.after is None or not _readable(change):
        return []
    kept = set(change.after.keys)
    return [
        change.finding(
            "event-removed",
            _("event {key} ({action}) by {name} removed; events are only ever appended").format(
                key=e.key, action=_step(e.action), name=e.by
            ),
            line_of_event(change.before.raw, e.key),
        )
        for e in change.before.events
        if e.key not in kept
    ]


def events_edited(change: RecordChange) -> list[Finding]:
    if change.before is None or change.after is None or not _readable(change):
        return []
    actions = {e.key: e.action for e in change.after.events}
    found = []
    for key, changes in event_changes(change.before, change.after, change.name).items():
        what = "; ".join(f"{label('field', f)} {_value(a)} -> {_value(b)}" for f, a, b in changes)
        found.append(
            change.finding(
                "event-edited",
                _("event {key} ({action}) edited after it was committed: {what}").format(
                    key=key, action=_step(actions.get(key)), what=what
                ),
                line_of_event(change.after.raw, key),
            )
        )
    return found


def events_reordered(change: RecordChange) -> list[Finding]:
    """Old events keep their order; new ones go after them (a merge's may interleave),
    but for a late entry cmplt put at its place in the history."""
    if change.before is None or change.after is None or not _readable(change):
        return []
    old = change.before.keys
    old_set = set(old)
    new = change.after.keys
    kept = [k for k in new if k in old_set]
    kept_set = set(kept)
    if kept != [k for k in old if k in kept_set]:
        return [
            change.finding(
                "events-reordered",
                _("events reordered: {old} -> {new}").format(old=_keys(old), new=_keys(new)),
                line_of_event(change.after.raw, kept[0]) if kept else None,
            )
        ]
    if change.merge or not kept:
        return []
    last_old = new.index(kept[-1])
    inserted = [k for k in new[:last_old] if k not in old_set]
    if not inserted or late_entry_by_cmplt(change):
        return []
    return [
        change.finding(
            "events-reordered",
            _(
                "event {key} inserted among events already committed ({keys}); "
                "new events go at the end"
            ).format(key=inserted[0], keys=_keys(new)),
            line_of_event(change.after.raw, inserted[0]),
        )
    ]


@dataclass(frozen=True, slots=True)
class _At:
    at: datetime


def late_entry_by_cmplt(change: RecordChange) -> bool:
    """A step typed in late that cmplt put at its place in the history: one event
    added, the commit's trailers naming it, recorded when the commit was made, and
    standing where `chronology.in_history_order` puts it among the events before."""
    added = change.added()
    said = change.trailers
    if len(added) != 1 or change.before is None or change.after is None:
        return False
    event = added[0]
    if (
        said.get("Complaint-Id") != change.record_id
        or said.get("Action") != event.action
        or said.get("Actor") != event.by
    ):
        return False
    recorded, at = parse_time_text(event.recorded_at), parse_time_text(event.at)
    if recorded is None or at is None or abs(recorded.timestamp() - change.commit.authored) > 1:
        return False
    times = [parse_time_text(e.at) for e in change.before.events]
    if any(t is None for t in times):
        return False
    earlier = [_At(t) for t in times if t is not None]
    return change.after.keys.index(event.key) == place_in_history(earlier, at)


def closed_changed(change: RecordChange) -> list[Finding]:
    """A closed (archived) record changes only by a reopen (workflow: from closed,
    only `reopen` is allowed)."""
    before, after = change.before, change.after
    if before is None or after is None or not before.closed or not _readable(change):
        return []
    if change.merge:
        # the other side's events may come before the close (a union by time); what
        # follows the close must start with a reopen
        keys = after.keys
        close_key = before.events[-1].key
        added = after.events[keys.index(close_key) + 1 :] if close_key in keys else ()
        # a step the other clone took meanwhile, set aside by the merge driver
        # (`concurrent`, merging.py), leaves the archive as it was
        kept_aside = set_aside_in(after.raw)
        added = tuple(e for e in added if e.key not in kept_aside)
        if not added:
            return []
    else:
        added = tuple(change.added())
        if not added and after.raw == before.raw:
            return []
        if _settles_concurrent(change, added):
            return []
    if added and added[0].action == "reopen":
        return []
    if added and all(e.action in AFTER_CLOSING for e in added):
        return []
    if added:
        message = _(
            "the record was closed; this commit adds {key} ({action}) without a reopen"
        ).format(key=added[0].key, action=_step(added[0].action))
    else:
        message = _("the record was closed; this commit changes the file without a reopen")
    line = line_of_event(after.raw, added[0].key) if added else None
    return [change.finding("closed-changed", message, line)]


_CONCURRENT_LINE = re.compile(rb"^concurrent:[ ]*\[([^\]\n]*)\]", re.M)


def set_aside_in(raw: bytes) -> set[str]:
    """The event IDs a version's `concurrent` field lists (merging.py)."""
    found = _CONCURRENT_LINE.search(raw)
    if found is None:
        return set()
    return {key.strip().strip("'\"") for key in found.group(1).decode().split(",") if key.strip()}


def _settles_concurrent(change: RecordChange, added: Sequence[EventText]) -> bool:
    """A `void` by cmplt of a step a merge set aside: allowed in an archived record,
    since it changes nothing the record says (workflow.plan_step)."""
    if len(added) != 1 or added[0].action != "void" or change.trailers.get("Action") != "void":
        return False
    assert change.before is not None and change.after is not None
    target = event_data(change.after, change.name).get(added[0].key, {}).get("event")
    return str(target) in set_aside_in(change.before.raw)


def backdated(change: RecordChange) -> list[Finding]:
    """A step cannot have been recorded before the commit it follows was made."""
    if change.merge or change.parent_time is None or change.after is None:
        return []
    early = []
    for event in change.added():
        recorded = parse_time_text(event.recorded_at)
        if recorded is not None and recorded.timestamp() < change.parent_time:
            early.append((event, recorded))
    if not early:
        return []
    event, recorded = early[0]
    parent = datetime.fromtimestamp(change.parent_time, UTC).astimezone(recorded.tzinfo)
    more = (
        ngettext(
            " (and {count} more event of this commit)",
            " (and {count} more events of this commit)",
            len(early) - 1,
        ).format(count=len(early) - 1)
        if len(early) > 1
        else ""
    )
    return [
        change.finding(
            "backdated",
            _(
                "event {key} ({action}) recorded_at {recorded} is before "
                "the parent commit's time {parent}"
            ).format(
                key=event.key,
                action=_step(event.action),
                recorded=time_text(recorded, None),
                parent=time_text(parent, None),
            )
            + more,
            line_of_event(change.after.raw, event.key),
        )
    ]


def intake_edited(change: RecordChange) -> list[Finding]:
    """Fields no event derives (the intake) are written once, by `cmplt new`."""
    if change.before is None or change.after is None or not _readable(change):
        return []
    changes = intake_changes(change.before, change.after, change.name)
    if changes and _corrects(change):
        # what the record's corrections decide is no hand edit (corrections.py)
        decided = _corrected(change)
        changes = [c for c in changes if c[0] not in decided or _text(decided[c[0]]) != _text(c[2])]
    if not changes:
        return []
    what = "; ".join(f"{label('field', f)} {_value(a)} -> {_value(b)}" for f, a, b in changes)
    line = line_of_field(change.after.raw, changes[0][0])
    message = _("intake changed without an event: {what}").format(what=what)
    return [change.finding("field-edited", message, line)]


def _corrects(change: RecordChange) -> bool:
    """The commit is a correction or a void made by cmplt (or a merge, which may bring
    the other side's)."""
    if change.merge:
        return True
    added = change.added()
    return (
        len(added) == 1
        and added[0].action in {"correct", "void"}
        and change.trailers.get("Action") == added[0].action
    )


def _corrected(change: RecordChange) -> dict[str, Any]:
    """The intake fields the after version's corrections decide, as text."""
    assert change.after is not None
    items = list(event_data(change.after, change.name).values())
    voided = {str(d.get("event")) for d in items if d.get("action") == "void"}
    corrections = [
        (str(d.get("id")), d["from"], d["to"])
        for d in items
        if d.get("action") == "correct"
        and isinstance(d.get("from"), dict)
        and isinstance(d.get("to"), dict)
    ]
    return corrected_intake(corrections, voided)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def merge_adds_events(change: RecordChange) -> list[Finding]:
    """A merge joins what its parents recorded; it records nothing of its own."""
    if not change.merge or not change.first_parent or change.after is None:
        return []
    known: set[str] = set()
    for version in change.parents_before:
        if version is change.after:
            return []
        known.update(version.keys if version is not None else [])
    return [
        change.finding(
            "merge-adds-event",
            _("the merge adds event {key} ({action}) that neither side committed").format(
                key=e.key, action=_step(e.action)
            ),
            line_of_event(change.after.raw, e.key),
        )
        for e in change.after.events
        if e.key not in known
    ]


CHECKS: tuple[Callable[[RecordChange], list[Finding]], ...] = (
    unreadable,
    record_deleted,
    missing_trailers,
    trailers_disagree,
    author_not_actor,
    identity_unbound,
    events_removed,
    events_edited,
    events_reordered,
    closed_changed,
    backdated,
    intake_edited,
    merge_adds_events,
)


def check_change(change: RecordChange) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(change)]


def _describe_added(change: RecordChange) -> str:
    added = change.added()
    if not added:
        return _("no event added")
    shown = ", ".join(
        _("{key} ({action} by {name})").format(key=e.key, action=_step(e.action), name=e.by)
        for e in added[:5]
    )
    more = _(" and {count} more").format(count=len(added) - 5) if len(added) > 5 else ""
    return shown + more


def _value(value: Any) -> str:
    text = _("(none)") if value is None else repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _keys(keys: Sequence[str]) -> str:
    return ", ".join(keys) if len(keys) <= 8 else ", ".join(keys[:8]) + ", …"


# --- walking the commits ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FileStep:
    parent_index: int
    path: str  # in the work tree
    old: str | None
    new: str | None


def _record_steps(commit: HistoryCommit, prefix: str) -> list[_FileStep]:
    """The commit's changes to record files (`<prefix>complaints/….yaml`), a move (a
    deletion and an addition of the same file name, against the same parent) joined
    into one change."""
    records = prefix + RECORDS_DIR + "/"
    moved_from = _renamed_from(commit)
    parents = {p: i for i, p in enumerate(commit.parents)}
    by_parent: dict[int, list[FileChange]] = {}
    for change in commit.changes:
        if change.path.startswith(records) and change.path.endswith(".yaml"):
            by_parent.setdefault(parents.get(change.parent or "", 0), []).append(change)
    steps = []
    for index, changes in by_parent.items():
        added = {
            moved_from.get(_file_name(c.path), _file_name(c.path)): c
            for c in changes
            if c.old is None
        }
        for change in changes:
            if change.old == change.new:
                continue  # a change of mode alone
            name = _file_name(change.path)
            if change.new is None and name in added:
                continue  # moved: reported at the new path
            if change.old is None:
                original = moved_from.get(name, name)
                gone = next(
                    (c for c in changes if c.new is None and _file_name(c.path) == original),
                    None,
                )
                old = gone.old if gone is not None else None
                if old == change.new:
                    continue  # moved and nothing else changed
                steps.append(_FileStep(index, change.path, old, change.new))
            else:
                steps.append(_FileStep(index, change.path, change.old, change.new))
    return steps


def _file_name(path: str) -> str:
    return path.rpartition("/")[2]


def _renamed_from(commit: HistoryCommit) -> dict[str, str]:
    """{NEW.yaml: OLD.yaml} of a rename made by `cmplt sync` (its trailers say so)."""
    if len(commit.parents) > 1:
        return {}
    said = parse_trailers(commit.message)
    old, new = said.get("Renamed-From"), said.get("Complaint-Id")
    if said.get("Action") != "rename" or not old or not new:
        return {}
    return {f"{new}.yaml": f"{old}.yaml"}


def renamed_by_sync(change: RecordChange) -> bool:
    """The change is `cmplt sync`'s rename of a complaint (see the module's docstring):
    the text as it was but for the old ID written as the new one, nothing else."""
    said = change.trailers
    old, new = said.get("Renamed-From"), said.get("Complaint-Id")
    if change.merge or said.get("Action") != "rename" or not old or not new:
        return False
    if change.before is None or change.after is None or old == new:
        return False
    return change.after.raw.replace(new.encode(), old.encode()) == change.before.raw


def blob_order(commits: Sequence[HistoryCommit], prefix: str) -> list[str]:
    """The blob ids `audit_commits` will read, in the order it reads them, each once."""
    seen: set[str] = set()
    order = []
    for commit in commits:
        for step in _record_steps(commit, prefix):
            for blob in (step.old, step.new):
                if blob is not None and blob not in seen:
                    seen.add(blob)
                    order.append(blob)
    return order


class _Versions:
    """Versions read from the blob stream, each kept only while a later change uses it."""

    def __init__(
        self, commits: Sequence[HistoryCommit], prefix: str, contents: Iterator[bytes | None]
    ) -> None:
        self.uses: Counter[str] = Counter(
            blob
            for commit in commits
            for step in _record_steps(commit, prefix)
            for blob in (step.old, step.new)
            if blob is not None
        )
        self.kept: dict[str, RecordVersion] = {}
        self.contents = contents

    def get(
        self, blob: str | None, name: str, previous: RecordVersion | None
    ) -> RecordVersion | None:
        if blob is None:
            return None
        version = self.kept.get(blob)
        if version is None:
            raw = next(self.contents)
            if raw is None:
                version = RecordVersion(b"", (), None, problem=_("missing from the repository"))

            else:
                version = read_version(raw, name, previous)
        self.uses[blob] -= 1
        if self.uses[blob] > 0:
            self.kept[blob] = version
        else:
            self.kept.pop(blob, None)
        return version


def audit_commits(
    commits: Sequence[HistoryCommit],
    contents: Iterator[bytes | None],
    prefix: str,
    times: Mapping[str, int],
    identities: Mapping[str, CommitFacts] | None = None,
) -> dict[str, list[Finding]]:
    """{commit id: findings} for every commit that changed a record.

    `commits` oldest first, as `gitlog.history_commits` gives them; `contents` the
    bytes of the blobs `blob_order` lists, in that order; `prefix` the registry's
    folder in the work tree (`""` or `"sub/dir/"`); `times` commit times by id
    (for the parents); `identities` what policy `identity` binds each step commit to
    (identity_audit.commit_facts).
    """
    versions = _Versions(commits, prefix, contents)
    found: dict[str, list[Finding]] = {}
    for commit in commits:
        steps = _record_steps(commit, prefix)
        if not steps:
            continue
        trailers = parse_trailers(commit.message)
        read: list[tuple[_FileStep, RecordVersion | None, RecordVersion | None]] = []
        for step in steps:
            name = f"{step.path[len(prefix) :]}@{commit.id[:10]}"
            before = versions.get(step.old, name, None)
            read.append((step, before, versions.get(step.new, name, before)))
        findings: list[Finding] = []
        merge = len(commit.parents) > 1
        for step, before, after in read:
            parent = commit.parents[step.parent_index] if commit.parents else None
            change = RecordChange(
                commit,
                trailers,
                step.path[len(prefix) :],
                before,
                after,
                times.get(parent) if parent else None,
                merge=merge,
                first_parent=step.parent_index == 0,
                parents_before=_parents_before(commit, step, read) if merge else (),
                identity=(identities or {}).get(commit.id),
            )
            if not renamed_by_sync(change):
                findings.extend(check_change(change))
        if findings:
            found[commit.id] = findings
    return found


def _parents_before(
    commit: HistoryCommit,
    step: _FileStep,
    read: Sequence[tuple[_FileStep, RecordVersion | None, RecordVersion | None]],
) -> tuple[RecordVersion | None, ...]:
    """Each parent's version of this file; a parent without a diff had the merge's own."""
    after = next(a for s, _, a in read if s is step)
    versions: list[RecordVersion | None] = []
    for index in range(len(commit.parents)):
        match = next(
            (b for s, b, _ in read if s.parent_index == index and s.path == step.path), after
        )
        versions.append(match)
    return tuple(versions)


# --- running it over a repository: git through gitlog, and the state file -------------------


@dataclass(frozen=True)
class AuditResult:
    findings: list[Finding]  # oldest commit first
    commits: int  # commits in the range
    audited: int  # of which read this time (the rest were remembered)


STATE_FORMAT = 1


def run_audit(
    worktree: Path, root: Path, since: str | None, state_file: Path | None
) -> AuditResult:
    """Audit the commits of HEAD (after `since`, when given) that touch the registry's records.

    What each commit gave is remembered in `state_file`, keyed by commit id: a commit
    never changes, so a repeated audit reads only commits it has not seen.
    """
    from cmplt import gitlog, statefiles

    prefix = root.relative_to(worktree).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    if not gitlog.has_commits(worktree):
        return AuditResult([], 0, 0)
    revs = ["HEAD"]
    if since is not None:
        base = gitlog.resolve_commit(worktree, since)
        if base is None:
            raise CouldNotRun(
                _("{option} {rev}: no such commit").format(option=field_ref("since"), rev=since)
            )

        revs = [f"^{base}", "HEAD"]
    ids = gitlog.commit_ids(worktree, revs)
    known = load_state(state_file, prefix)
    todo = [c for c in ids if c not in known]
    if todo:
        only = None if len(todo) == len(ids) else todo
        commits = gitlog.history_commits(worktree, f"{prefix}{RECORDS_DIR}/", revs, only)
        # the parents' commit times, for `backdated`: most parents are audited too
        times = {c.id: c.committed for c in commits}
        parents = {c.parents[0] for c in commits if c.parents} - times.keys()
        times.update(gitlog.commit_times(worktree, sorted(parents)))
        order = blob_order(commits, prefix)
        from cmplt.identity_audit import commit_facts

        identities = commit_facts(worktree, prefix, commits)
        with gitlog.BlobStream(worktree, order) as blobs:
            found = audit_commits(commits, blobs, prefix, times, identities)
        found = _with_roster_changes(found, worktree, prefix, revs, set(todo))
        for commit in todo:
            known[commit] = found.get(commit, [])
        if since is None:  # forget commits no longer in HEAD's history (a rewritten branch)
            known = {commit: known[commit] for commit in ids}
        if state_file is not None:
            statefiles.write(state_file, dump_state(known, prefix))
    findings = [f for commit in reversed(ids) for f in known[commit]]
    return AuditResult(findings, len(ids), len(todo))


def _with_roster_changes(
    found: dict[str, list[Finding]], worktree: Path, prefix: str, revs: list[str], todo: set[str]
) -> dict[str, list[Finding]]:
    """Roster changes under policy identity git or signed, bound to their actor like a
    step (identity_audit.roster_changes_unbound): one finding a commit, on staff.yaml."""
    from cmplt.identity_audit import roster_changes_unbound
    from cmplt.store import ROSTER_FILE

    for commit, kind, message in roster_changes_unbound(worktree, prefix, revs, todo):
        found.setdefault(commit.id, []).append(
            audit_finding(commit.id, commit.author, commit.email, ROSTER_FILE, None, kind, message)
        )
    return found


def load_state(state_file: Path | None, prefix: str) -> dict[str, list[Finding]]:
    """What earlier audits found, by commit id; nothing when the file is missing, from
    another version of cmplt or for another registry folder."""
    if state_file is None:
        return {}
    try:
        data = json.loads(state_file.read_bytes())
        if data.get("format") != STATE_FORMAT or data.get("cmplt") != __version__:
            return {}
        if data.get("prefix") != prefix:
            return {}
        known: dict[str, list[Finding]] = {commit: [] for commit in data["clean"]}
        if data.get("language") != current():
            # findings' messages are in the language of the audit that found them:
            # commits with findings are audited again, clean ones stay clean
            return known
        for commit, items in data["findings"].items():
            known[commit] = [audit_from_json(item) for item in items]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return known


def dump_state(known: Mapping[str, list[Finding]], prefix: str) -> bytes:
    data = {
        "format": STATE_FORMAT,
        "cmplt": __version__,
        "prefix": prefix,
        "language": current(),
        "clean": [commit for commit, found in known.items() if not found],
        "findings": {
            commit: [audit_json(f) for f in found] for commit, found in known.items() if found
        },
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
