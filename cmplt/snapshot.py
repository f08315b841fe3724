"""The registry as of a moment: what every reading command reads.

A `Snapshot` is a registry opened for reading: its policy and roster, the
versions of both that were in force at any moment (git history of
`cmplt.yaml` and `staff.yaml`), its record files, each record read and
checked, and the events of a record as they had been recorded by a moment.
`check`, `report`, `list` and `show` differ only in what they compute per
record; `validate` reads with the same reader and judges against the same
timelines, but walks every file under complaints/ (a record in the wrong
folder is one of its findings). None of them goes through the writer
(`Registry`, which is a Snapshot that can also commit).

`StampCache` keeps what a command computed per record file under `.git/`,
keyed by the file's stamp (size, mtime, ctime, inode), by the policy
versions and by a digest of cmplt's code, so a cron run reads only the files
that changed, and a changed rule never serves old results.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import marshal
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from cmplt import __version__, gitlog, ids, lock, recovery, statefiles, store
from cmplt.errors import (
    AmbiguousId,
    CmpltError,
    GitFailed,
    IndexBehind,
    InvalidFile,
    NotFound,
    StepRefused,
    UsageError,
)
from cmplt.i18n import _, ngettext
from cmplt.model import Complaint, Event
from cmplt.policy import Policy, Roster, StaffMember, policy_problems, roster_problems
from cmplt.workflow import derived_mismatches, fold

# --- the policy and the roster ------------------------------------------------------


def load_policy(root: Path, settings: SettingsCache | None = None) -> Policy:
    data = settings.data(root, store.POLICY_FILE) if settings else None
    if data is not None:
        try:
            policy = Policy.model_validate(data)
            if not policy_problems(policy):
                return policy
        except ValidationError:
            pass  # read the file again, for the line and column of what is wrong
    loaded = store.load(root / store.POLICY_FILE, store.POLICY_FILE)
    policy = store.validate_loaded(Policy, loaded)
    for loc, message in policy_problems(policy)[:1]:
        raise loaded.problem(loc, message)
    if settings:
        settings.keep(root, store.POLICY_FILE, loaded.data)
    return policy


def load_roster(root: Path, policy: Policy, settings: SettingsCache | None = None) -> Roster:
    path = root / store.ROSTER_FILE
    if not path.exists():
        return Roster()
    data = settings.data(root, store.ROSTER_FILE) if settings else None
    if data is not None:
        try:
            roster = Roster.model_validate(data)
            if not roster_problems(roster, policy):
                return roster
        except ValidationError:
            pass
    loaded = store.load(path, store.ROSTER_FILE)
    roster = store.validate_loaded(Roster, loaded)
    for loc, message in roster_problems(roster, policy)[:1]:
        raise loaded.problem(loc, message)
    if settings:
        settings.keep(root, store.ROSTER_FILE, loaded.data)
    return roster


class SettingsCache:
    """The policy's and the roster's data as last read, by the file's stamp, under
    `.git/`: a step reads two small YAML files every time, and parsing them costs
    less than loading the YAML reader at all (benchmarks/mutation.py). Keyed also
    by the reader's own code, so a change to how YAML is read reads them again."""

    def __init__(self, worktree: Path | None) -> None:
        self.file = statefiles.path(worktree, statefiles.SETTINGS_CACHE)
        self.entries: dict[str, Any] = {}
        if self.file is not None:
            self.entries = store.load_cache(self.file, _reader_digest())

    def data(self, root: Path, name: str) -> Any:
        entry = self.entries.get(name)
        if entry is None:
            return None
        try:
            st = os.stat(root / name)
        except OSError:
            return None
        return entry[1] if entry[0] == stamp_of(st) else None

    def keep(self, root: Path, name: str, data: Any) -> None:
        if self.file is None:
            return
        try:
            st = os.stat(root / name)
            marshal.dumps(data)  # plain data only
        except (OSError, ValueError):
            return
        if st.st_mtime > time.time() - RACY_SECONDS:
            return  # too fresh to tell a later edit apart by its stamp
        self.entries[name] = (stamp_of(st), data)
        store.save_cache(self.file, _reader_digest(), self.entries)


@cache
def _reader_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = sha256(__version__.encode())
    for name in ("store.py", "yaml12.py"):
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class PolicyTimeline:
    """Each committed version of cmplt.yaml and when it came into force."""

    versions: Sequence[tuple[float, Policy]]  # (POSIX time, policy), oldest first
    fingerprint: str
    # why the committed versions could not be read (git failing): the current
    # policy then applies throughout, and whoever shows the results must say so
    unread: str | None = None

    def at(self, moment: float) -> Policy:
        chosen = self.versions[0][1]
        # the last in history order whose commit time is not after `moment` (commit
        # times need not increase along history: a clock running behind, a rebase)
        for since, policy in self.versions:
            if since <= moment:
                chosen = policy
        return chosen

    @property
    def current(self) -> Policy:
        return self.versions[-1][1]


def policy_timeline(root: Path, worktree: Path | None, current: Policy) -> PolicyTimeline:
    """Policies from git history; the working tree's file is the newest version
    (so an uncommitted edit is seen at once, from the time of its last commit)."""
    versions: list[tuple[float, Policy]] = []
    texts: list[str] = []
    unread: str | None = None
    if worktree is not None:
        relpath = (root / store.POLICY_FILE).relative_to(worktree).as_posix()
        state_file = statefiles.path(worktree, statefiles.POLICY_VERSIONS)
        known = _read_known(state_file, relpath)
        try:
            head, found = gitlog.file_versions(worktree, relpath, known)
        except GitFailed as exc:
            head, found, unread = "", [], exc.message
            known, state_file = None, None  # remember nothing from a failing git
        if (head, found) != known and state_file is not None:
            payload = {"path": relpath, "head": head, "versions": found}
            statefiles.write(state_file, json.dumps(payload).encode("utf-8"))
        contents = gitlog.blob_contents(worktree, [blob for _, blob in found]) if found else []
        for (when, blob), raw in zip(found, contents, strict=True):
            if raw is None:
                continue
            try:
                policy = store.validate_loaded(Policy, store.load_bytes(raw, store.POLICY_FILE))
            except InvalidFile:
                continue  # a broken old version: the versions around it apply
            if policy_problems(policy):
                continue
            versions.append((when, policy))
            texts.append(f"{when!r} {blob}")  # a re-dated commit moves the goalposts too
    since = versions[-1][0] if versions else float("-inf")
    if versions:
        versions[-1] = (since, current)
    else:
        versions.append((since, current))
    texts.append(current.model_dump_json())
    digest = sha256("\0".join([__version__, *texts]).encode()).hexdigest()
    return PolicyTimeline(versions, digest, unread)


def _read_known(
    state_file: Path | None, relpath: str
) -> tuple[str, list[tuple[float, str]]] | None:
    if state_file is None:
        return None
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
        if data["path"] != relpath:
            return None
        return str(data["head"]), [(float(t), str(b)) for t, b in data["versions"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


class RosterTimeline:
    """The roster as it stood at a moment: its committed versions, read on first use.
    An uncommitted edit of staff.yaml is never "in force" for what was recorded
    before it; the current roster answers for names the history does not know."""

    def __init__(self, root: Path, worktree: Path | None, current: Roster | None) -> None:
        self.root = root
        self.worktree = worktree
        self.current = current
        self._versions: list[tuple[float, str]] | None = None
        self._times: list[float] = []
        self._parsed: dict[str, Roster | None] = {}
        self._in_force: dict[int, Roster | None] = {}  # by version index: asked per event

    def member(self, name: str, moment: float) -> StaffMember | None:
        roster = self.at(moment)
        if roster is not None and name in roster.staff:
            return roster.staff[name]
        return self.current.staff.get(name) if self.current is not None else None

    def at(self, moment: float) -> Roster | None:
        if self._versions is None:
            self._versions = self._read_versions()
            self._times = [since for since, _blob in self._versions]
        if not self._versions:
            return self.current
        index = max(bisect.bisect_right(self._times, moment) - 1, 0)
        if index not in self._in_force:
            self._in_force[index] = self._readable_from(index)
        return self._in_force[index]

    def _readable_from(self, index: int) -> Roster | None:
        assert self._versions is not None
        # a broken version: the one before it (or after it, for the first) applies
        older = [blob for _since, blob in self._versions[index::-1]]
        newer = [blob for _since, blob in self._versions[index + 1 :]]
        for blob in older + newer:
            roster = self._parse(blob)
            if roster is not None:
                return roster
        return self.current

    def _read_versions(self) -> list[tuple[float, str]]:
        if self.worktree is None:
            return []
        try:
            relpath = (self.root / store.ROSTER_FILE).resolve().relative_to(self.worktree.resolve())
            return gitlog.file_versions(self.worktree, relpath.as_posix())[1]
        except (CmpltError, OSError, ValueError):
            return []

    def _parse(self, blob: str) -> Roster | None:
        if blob not in self._parsed:
            roster: Roster | None = None
            try:
                raw = gitlog.blob_contents(self.worktree or self.root, [blob])[0]
                if raw is not None:
                    loaded = store.load_bytes(raw, store.ROSTER_FILE)
                    roster = Roster.model_validate(loaded.data)
            except (CmpltError, ValidationError, OSError):
                roster = None
            self._parsed[blob] = roster
        return self._parsed[blob]


# --- a record as of a moment ----------------------------------------------------------


def events_as_of(events: Sequence[Event], as_of: float | None) -> list[Event]:
    """The events as the file stood at `as_of`: those recorded by then, in the
    history's order (a late entry typed in after `as_of` is left out wherever it
    stands in the history; chronology.in_history_order)."""
    if as_of is None:
        return list(events)
    return [e for e in events if e.recorded_at.timestamp() <= as_of]


def policy_pivot(events: Sequence[Event]) -> float:
    """When the record's policy was fixed: its receipt, or its latest
    reclassification or re-evaluation (an explicit, committed step)."""
    moment = events[0].recorded_at
    for event in events:
        # the latest recorded, wherever a late entry stands in the history
        if event.action in {"reclassify", "reevaluate"} and event.recorded_at > moment:
            moment = event.recorded_at
    return moment.timestamp()


def read_record(path: Path, name: str, raw: bytes | None = None) -> Complaint:
    """One record file, read and checked: named by its ID, valid against the model,
    its events a history the workflow allows, its derived fields what they say."""
    if not ids.COMPLAINT_ID.match(path.stem):
        raise InvalidFile(name, None, None, _("file name is not a complaint ID (YYMMDD-XXXXXX)"))
    loaded = store.load_bytes(raw, name) if raw is not None else store.load(path, name)
    complaint = store.validate_loaded(Complaint, loaded)
    return check_record(complaint, loaded, path.stem)


def check_record(complaint: Complaint, loaded: store.Loaded, stem: str) -> Complaint:
    if complaint.id != stem:
        raise loaded.problem(
            ["id"], _("says {id}, but the file is named {name}").format(id=complaint.id, name=stem)
        )
    try:
        state = fold(complaint.events, complaint.id, complaint.set_aside)
    except StepRefused as exc:
        index = exc.event_index
        where: list[str | int] = ["events", index] if index is not None else ["events"]
        raise loaded.problem(where, exc.message) from exc
    for field, written, derived in derived_mismatches(complaint, state):
        raise loaded.problem(
            [field],
            _("says {written!r} but the events say {derived!r}").format(
                written=written, derived=derived
            ),
        )
    return complaint


# --- which records a person asks for -----------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What `list` asks for: every condition given must hold (none given: all)."""

    statuses: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    natures: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    unit: str | None = None  # a unit, or the start of one (a building: "3-")
    owner: str | None = None
    department: str | None = None
    since: datetime | None = None  # received at or after
    until: datetime | None = None  # received before

    def holds(self, c: Complaint) -> bool:
        return (
            (not self.statuses or c.status in self.statuses)
            and (not self.severities or c.severity in self.severities)
            and (not self.natures or c.nature in self.natures)
            and (not self.categories or c.category in self.categories)
            and (not self.unit or c.unit.startswith(self.unit))
            and (not self.owner or c.owner == self.owner)
            and (not self.department or c.department == self.department)
            and (self.since is None or c.received_at >= self.since)
            and (self.until is None or c.received_at < self.until)
        )


# --- the registry for reading ---------------------------------------------------------


class Snapshot:
    """A registry opened for reading: no lock, no git needed, nothing written but
    caches (and those only where it may)."""

    def __init__(self, root: Path, notify: Callable[[str], None] | None = None) -> None:
        self.root = root.resolve()
        self._worktree = gitlog.find_worktree(self.root)
        # what a person should hear of on the side (an interrupted step settled)
        self.notify: Callable[[str], None] = notify or (lambda message: None)
        settings = SettingsCache(self._worktree)
        self.policy = load_policy(self.root, settings)
        self.roster = load_roster(self.root, self.policy, settings)
        self._policies: PolicyTimeline | None = None
        if type(self) is Snapshot:  # a step settles under its own lock (Registry.locked)
            self._settle_if_free()

    # --- an interrupted step ---------------------------------------------------

    def _settle_if_free(self) -> None:
        if self._worktree is None or recovery.pending(self._worktree) is None:
            return  # one stat: what almost every command pays
        lock_file = statefiles.path(self._worktree, statefiles.LOCK)
        if lock_file is None:
            return
        with lock.held_if_free(lock_file) as state:
            if state == "held":
                self.settle_interrupted(refuse=False)
            elif state == "closed":
                self.notify(
                    _(
                        "an interrupted step waits to be settled by someone who may write "
                        "the registry (cmplt repair)"
                    )
                )
            # "busy": a step is running; its journal is not a leftover

    def settle_interrupted(self, refuse: bool) -> None:
        """Roll back or finish what an interrupted step left, when it can be proved
        to be cmplt's own (recovery.py); otherwise say so (a step: refuse)."""
        worktree = self._worktree
        journal = recovery.pending(worktree)
        if worktree is None or journal is None:
            return
        settlement = recovery.plan(worktree, journal)
        if settlement.kind == "unsettled":
            message = _("an interrupted step needs a look: {why} (cmplt repair)").format(
                why=settlement.why
            )
            if refuse:
                raise StepRefused(message)
            self.notify(message)
            return
        try:
            recovery.carry_out(worktree, settlement)
        except IndexBehind as exc:
            # the interrupted step's index entry must wait for git's index: say so
            # as this command's own failure, never as "committed" (nothing of it is)
            why = _("an earlier step, committed, still waits for git's index: {why}").format(
                why=exc.message
            )
            if refuse:
                raise GitFailed(_("{why}; nothing of this step was done").format(why=why)) from exc
            self.notify(why)
            return
        done = _("rolled back") if settlement.kind == "rolled back" else _("finished")
        self.notify(
            _("an interrupted step was {done}: {why}").format(done=done, why=settlement.why)
        )

    @property
    def worktree(self) -> Path:
        """The git work tree, for what needs git (a step, the audit, a record's log)."""
        if self._worktree is None:
            raise NotFound(
                _(
                    "{root} is not inside a git repository, so cmplt cannot record a "
                    "change there (git init, or cmplt init for a new registry)"
                ).format(root=self.root)
            )
        return self._worktree

    @property
    def policies(self) -> PolicyTimeline:
        if self._policies is None:
            self._policies = policy_timeline(self.root, self._worktree, self.policy)
        return self._policies

    def history_warning(self) -> str | None:
        """What a person must hear when the policy's history was wanted but git could
        not give it (the current policy was applied to every record instead)."""
        if self._policies is None or self._policies.unread is None:
            return None
        return _(
            "warning: cannot read the history of {file} from git ({reason}); "
            "the current policy was applied to every record"
        ).format(file=store.POLICY_FILE, reason=self._policies.unread)

    def git_path(self, path: Path) -> str:
        """A path as git names it: relative to the work tree."""
        return path.relative_to(self.worktree).as_posix()

    def state_file(self, name: str) -> Path | None:
        """A file of cmplt's own under `.git/` (None outside git)."""
        return statefiles.path(self._worktree, name)

    def label(self, path: Path) -> str:
        """A path as a person sees it: relative to the registry root."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def record_path(self, complaint_id: str) -> Path:
        return self.root / store.record_relpath(complaint_id)

    def files(self) -> Iterator[tuple[str, str, Any]]:
        """(path relative to the root, full path, stat) of every record file."""
        return store.record_files(self.root)

    def read_path(self, path: Path) -> Complaint:
        link = store.symlink_on_path(self.root, path)
        if link is not None:
            # a link may lead out of the registry, or make one record look like two
            raise InvalidFile(
                self.label(path),
                None,
                None,
                _("{path} is a symbolic link; cmplt does not follow links in a registry").format(
                    path=self.label(link)
                ),
            )
        return read_record(path, self.label(path))

    def read_record(self, complaint_id: str) -> Complaint:
        return self.read_path(self.record_path(complaint_id))

    def resolve_id(self, text: str) -> str:
        """A full ID or a unique prefix of one, as typed or read over the phone."""
        wanted = ids.normalise_id_input(text)
        if len(wanted) > 6 and wanted[:6].isdigit() and wanted[6] != "-":
            wanted = f"{wanted[:6]}-{wanted[6:]}"
        if not wanted:
            raise UsageError(_("an empty complaint ID"))
        if ids.COMPLAINT_ID.match(wanted) and self.record_path(wanted).is_file():
            return wanted
        shard = ids.shard_of(wanted)
        matches = [
            Path(rel).stem
            for rel, _full, _st in store.record_files(self.root, shard)
            if Path(rel).stem.startswith(wanted)
        ]
        if not matches:
            raise NotFound(_("no complaint {id!r} in {root}").format(id=text, root=self.root))
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (" …" if len(matches) > 10 else "")
            raise AmbiguousId(
                ngettext(
                    "{id!r} matches {count} complaint: {shown}",
                    "{id!r} matches {count} complaints: {shown}",
                    len(matches),
                ).format(id=text, count=len(matches), shown=shown)
            )
        return matches[0]

    def select(self, selection: Selection) -> tuple[list[Complaint], list[InvalidFile]]:
        """The records that hold to `selection`, oldest first, and the files that
        could not be read (which a person must hear of, not miss)."""
        chosen: list[Complaint] = []
        broken: list[InvalidFile] = []
        for _path, item in self.complaints():
            if isinstance(item, InvalidFile):
                broken.append(item)
            elif selection.holds(item):
                chosen.append(item)
        chosen.sort(key=lambda c: (c.received_at, c.id))
        return chosen, broken

    def complaints(self) -> Iterator[tuple[Path, Complaint | InvalidFile]]:
        """Every record in ID order, or the reason it could not be read."""
        for _rel, full, _st in store.record_files(self.root):
            path = Path(full)
            try:
                complaint = self.read_path(path)
            except InvalidFile as exc:
                yield path, exc
            except NotFound as exc:  # removed while we were listing
                yield path, InvalidFile(self.label(path), None, None, exc.message)
            else:
                yield path, complaint


# --- what a command keeps per record file ----------------------------------------------

V = TypeVar("V")

# a file changed within this many seconds is never cached: its time stamp
# cannot yet tell a later edit apart
RACY_SECONDS = 2.0

Stamp = tuple[int, int, int, int]


def stamp_of(st: Any) -> Stamp:
    # ctime too: `cp -p`, `rsync -t` or `tar x` can put an old mtime back, not a ctime
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


@cache
def code_digest() -> str:
    """A digest of cmplt's own code: a cached value is computed by the rules, the
    reader, the models and their helpers, so any change to any of them (a rule, a
    time parser, a default) makes every cache start again, and a changed rule can
    never serve what the old one computed. About 2 ms for the whole package."""
    package = Path(__file__).resolve().parent
    digest = sha256(__version__.encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        with contextlib.suppress(OSError):
            digest.update(source.read_bytes())
    return digest.hexdigest()


class StampCache(Generic[V]):
    """Per-file values under `.git/`, each valid while the file's stamp is unchanged.

    Values are marshalled (plain tuples, lists, dicts, numbers and strings); the
    whole cache is one file, loaded at once and written only when it changed."""

    def __init__(self, file: Path | None, fingerprint: str, kind: str) -> None:
        self.file = file
        # `kind` keeps two commands' caches apart should they share a file
        self.fingerprint = sha256(f"{fingerprint}\0{kind}\0{code_digest()}".encode()).hexdigest()
        self.entries: dict[str, tuple[Stamp, V]] = (
            store.load_cache(file, self.fingerprint) if file is not None else {}
        )
        self.seen: set[str] = set()
        self.changed = False
        self.racy_after = time.time() - RACY_SECONDS

    def get(self, rel: str, stamp: Stamp) -> V | None:
        self.seen.add(rel)
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        self.changed = True  # what is saved no longer describes the files
        return None

    def put(self, rel: str, st: Any, value: V, keep: bool = True) -> None:
        """Remember `value` for the file (unless it changed too recently to tell, or
        `keep` is false: a value that must not outlive this run)."""
        self.seen.add(rel)
        # mtime alone decides: a later edit also moves the ctime in the stamp
        if keep and st.st_mtime <= self.racy_after:
            self.entries[rel] = (stamp_of(st), value)
            self.changed = True
        elif rel in self.entries:
            del self.entries[rel]
            self.changed = True

    def replace(self, rel: str, value: V) -> None:
        """A new value for a file whose stamp did not change (more of it computed)."""
        entry = self.entries.get(rel)
        if entry is not None:
            self.entries[rel] = (entry[0], value)
            self.changed = True

    def save(self) -> None:
        """Write the cache back, without the files that are gone."""
        if self.file is None:
            return
        stale = self.entries.keys() - self.seen
        if not self.changed and not stale:
            return
        for rel in stale:
            del self.entries[rel]
        store.save_cache(self.file, self.fingerprint, self.entries)


def cached(
    cache_: StampCache[V],
    files: Iterator[tuple[str, str, Any]],
    compute: Callable[[str, str], tuple[V, bool]],
) -> Iterator[tuple[str, str, V]]:
    """(rel, full, value) for every file: from the cache, or computed and kept.
    `compute(rel, full)` returns the value and whether it may be cached."""
    for rel, full, st in files:
        value = cache_.get(rel, stamp_of(st))
        if value is None:
            value, keep = compute(rel, full)
            cache_.put(rel, st, value, keep)
        yield rel, full, value
