"""`cmplt validate`: is this registry sound? Every problem, not only the first.

Each check is a small function from (record, where it lives, what it is checked
against) to findings `(location in the file, message)`; the runner turns them
into findings (`cmplt.findings.Finding`) with the file, line and column of the offending key or
item, printed as `path:line:column: field: message`.

Reading is built for a registry of 100,000 records and for hostile files. A
record is loaded with the C-based safe loader; only a file with a finding is
composed again (in C) to locate it. Nothing in a file is ever constructed as
an object or executed: anchors, aliases and tags are refused by a scan of the
parser's events before anything is built, and the file's size, encoding and
kind (a FIFO or a device never is read) are looked at before its bytes.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cmplt import gitlog, store
from cmplt.attachments import attachment_problem
from cmplt.errors import (
    CmpltError,
    CouldNotRun,
    GitFailed,
    InvalidFile,
    NoRegistry,
    NotFound,
    StepRefused,
)
from cmplt.findings import Finding
from cmplt.i18n import _, label
from cmplt.ids import COMPLAINT_ID
from cmplt.model import (
    CLASSIFICATION_FIELDS,
    Approve,
    Complaint,
    Dispatch,
    Event,
    Extend,
    Reclassify,
)
from cmplt.policy import (
    NATURES,
    SEVERITIES,
    Policy,
    Roster,
    StaffMember,
    policy_problems,
    roster_problems,
)
from cmplt.snapshot import PolicyTimeline, RosterTimeline, policy_timeline
from cmplt.workflow import (
    State,
    approvers_of,
    derived_mismatches,
    fold,
    may_approve_extension,
    needs_approval,
    signs_for,
    state_refusal,
)

Loc = tuple[str | int, ...]
Found = tuple[Loc, str]  # what a check reports: where in the file, and what is wrong

# A file that is not ours can hold any number of errors; past this many, one line says so.
MAX_PROBLEMS_PER_FILE = 100


def problem(path: str, line: int, column: int, field: str, message: str) -> Finding:
    """A finding of `validate`: the field that is wrong stands where a check's rule does,
    so that it prints as `path:line:column: field: message`."""
    return Finding(field, "error", path, line, column, None, message)


def problem_json(found: Finding) -> dict[str, Any]:
    """A finding as `validate --format json` documents it."""
    return {
        "path": found.path,
        "line": found.line,
        "column": found.column,
        "field": found.rule,
        "message": found.message,
    }


@dataclass(frozen=True)
class Outcome:
    """What a run found, and the paths given that are not files of a registry."""

    problems: list[Finding]
    skipped: list[str] = field(default_factory=list)
    checked: int = 0  # files read: the policy, the roster, records and measures


# --- reading one file: store's reader, its InvalidFile as a finding -----------------------


def _problem(exc: InvalidFile) -> Finding:
    return problem(exc.path, exc.line or 1, exc.column or 1, exc.field or "(file)", exc.reason)


def read_file(path: Path, label: str) -> store.Loaded | Finding:
    """The file's data, or the one problem that keeps it from being read."""
    try:
        return store.load(path, label)
    except InvalidFile as exc:
        return _problem(exc)
    except NotFound:  # removed while we were reading
        return problem(
            label,
            1,
            1,
            "(file)",
            _("cannot read: {reason}").format(reason=os.strerror(errno.ENOENT)),
        )


def _at(loaded: store.Loaded, loc: Sequence[str | int], message: str) -> Finding:
    """A problem at the key or item `loc` of a file that was read."""
    line, column = loaded.position(loc)
    return problem(loaded.label, line, column, ".".join(map(str, loc)) or "(file)", message)


def _schema(loaded: store.Loaded, model: type[Any]) -> tuple[Any, list[Finding]]:
    try:
        return model.model_validate(loaded.data), []
    except ValidationError as exc:
        return None, [_at(loaded, loc, message) for loc, message in store.schema_problems(exc)]


# --- what records are checked against ---------------------------------------------------


class InForce:
    """The policy and the roster as they stood at a moment (their committed versions,
    read on first use), for judging what was recorded then."""

    def __init__(self, root: Path, policy: Policy | None, roster: Roster | None) -> None:
        self.root = root
        self.policy = policy
        self._worktree = gitlog.find_worktree(root)
        self._rosters = RosterTimeline(root, self._worktree, roster)
        self._policies: PolicyTimeline | None = None
        self._policies_read = False
        self._at: dict[float, Policy | None] = {}

    def member(self, name: str, moment: datetime) -> StaffMember | None:
        """`name` on the roster in force at `moment`, else on the current roster."""
        return self._rosters.member(name, moment.timestamp())

    def on_roster(self, name: str, moment: datetime) -> bool:
        current = self._rosters.current
        if current is not None and name in current.staff:
            return True
        return self.member(name, moment) is not None

    def known(self, listing: str, value: Any, moment: datetime) -> bool:
        """`value` is on the policy's `listing` (channels, roles, …) now, or was on it
        in the policy in force at `moment`."""
        if self.policy is None or value in getattr(self.policy, listing):
            return True
        then = self.policy_at(moment)
        return then is not None and value in getattr(then, listing)

    def policy_at(self, moment: datetime) -> Policy | None:
        if self.policy is None:
            return None
        key = moment.timestamp()
        if key not in self._at:  # asked for every event of every record
            self._at[key] = self._policy_at(moment)
        return self._at[key]

    def _policy_at(self, moment: datetime) -> Policy | None:
        assert self.policy is not None
        if not self._policies_read:
            self._policies_read = True
            try:
                self._policies = policy_timeline(self.root, self._worktree, self.policy)
            except (CmpltError, OSError):
                self._policies = None  # no history to be had: the current policy
        if self._policies is None:
            return self.policy
        return self._policies.at(moment.timestamp())


@dataclass(frozen=True)
class Settings:
    """The policy and roster records are checked against (None: unreadable, so the
    checks that need it are skipped rather than run against a guess)."""

    policy: Policy | None
    roster: Roster | None
    history: InForce


# --- the checks on one record -----------------------------------------------------------

RecordCheck = Callable[[Complaint, str, Settings], Iterator[Found]]


def id_matches_file(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """The ID says where the file lives: complaints/<year>/<month>/<id>.yaml."""
    expected = store.record_relpath(c.id)
    if relpath != expected:
        yield (
            ("id",),
            _("ID {id} belongs in {expected}, not {path}").format(
                id=c.id, expected=expected, path=relpath
            ),
        )


def events_in_order(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """Every step allowed when it was taken, in time order; the fields above the
    events agree with them (workflow.fold is the state machine)."""
    state, refused = replay(c)
    for index, message in refused:
        yield ("events", index), message
    if state is None:
        return
    for name, written, derived in derived_mismatches(c, state):
        yield (
            (name,),
            _("says {written!r} but the events say {derived!r}").format(
                written=written, derived=derived
            ),
        )


def replay(c: Complaint) -> tuple[State | None, list[tuple[int, str]]]:
    """(the state the events lead to, or None when some step was refused;
    (index, why) of every refused step, each judged after the steps allowed before it)."""
    events = list(c.events)
    try:
        return fold(events, c.id, c.set_aside), []
    except StepRefused as exc:
        if not exc.event_index:
            return None, [(0, exc.message)]
    kept: list[Event] = [events[0]]
    state = fold(kept, c.id)
    refused: list[tuple[int, str]] = []
    for index, event in enumerate(events[1:], start=1):
        why = _why_refused(event, state, c.id)
        if why is None:
            try:
                state = fold([*kept, event], c.id)
                kept.append(event)
                continue
            except StepRefused as exc:
                why = exc.message
        if event.id in c.set_aside:
            continue  # a merge's contradiction: `check` reports it (concurrent-steps)
        refused.append(
            (
                index,
                _("event {index} ({event}): {why}").format(index=index, event=event.id, why=why),
            )
        )
    return None, refused


def _why_refused(event: Event, state: State, complaint_id: str) -> str | None:
    if event.action == "received":
        return _("repeats 'received'")
    why = state_refusal(event.action, complaint_id, state)
    if why is not None:
        return why
    if event.at < state.last_at:
        return _("happened at {at}, before the event it follows").format(at=event.at.isoformat())
    return None


def event_ids_unique(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    seen: set[str] = set()
    for index, event in enumerate(c.events):
        if event.id in seen:
            yield (
                ("events", index, "id"),
                _("event ID {id} is used twice").format(id=event.id),
            )
        seen.add(event.id)


def times_make_sense(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """A step is typed in when or after it happened, never before (a night shift's
    entries come the next morning); the intake's own times as `cmplt new` checks them."""
    for index, event in enumerate(c.events):
        if event.at > event.recorded_at:
            yield (
                ("events", index, "at"),
                _("happened at {at}, after it was recorded ({recorded})").format(
                    at=event.at.isoformat(), recorded=event.recorded_at.isoformat()
                ),
            )
    if c.happened_at is not None and c.happened_at > c.received_at:
        yield ("happened_at",), _("is after the complaint was received")
    if c.requested_deadline is not None and c.requested_deadline <= c.received_at:
        yield ("requested_deadline",), _("is not after the complaint was received")


# a record's field, and the policy's list its value must be on
_POLICY_LISTS = {
    "channel": "channels",
    "category": "categories",
    "subject": "subjects",
    "responsible_party": "responsible_parties",
}


def values_known_to_policy(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """Channels, categories, subjects, parties, departments and roles from the policy,
    as it stands or as it stood when the step was recorded (a category or department
    retired since stays valid in the records made under it)."""
    if s.policy is None:
        return
    known = s.history.known
    received = c.events[0].recorded_at
    for name, listing in _POLICY_LISTS.items():
        value = getattr(c, name)
        if value is not None and not known(listing, value, received):
            yield (
                (name,),
                _("{value!r} is not in the policy's {listing}").format(
                    value=value, listing=listing.replace("_", " ")
                ),
            )
    for index, event in enumerate(c.events):
        here: Loc = ("events", index)
        moment = event.recorded_at
        if event.action == "received":
            for name in ("category", "subject"):
                value = getattr(event, name)
                if not known(_POLICY_LISTS[name], value, moment):
                    yield (
                        (*here, name),
                        _("{value!r} is not in the policy's {listing}").format(
                            value=value, listing=_POLICY_LISTS[name]
                        ),
                    )
        elif event.action == "reclassify":
            for side, values in (("from", event.from_), ("to", event.to)):
                for name, value in values.items():
                    why = _classification_problem(name, value, s, moment)
                    if why:
                        yield (*here, side, name), why
        elif event.action in {"dispatch", "accept"}:
            if not known("departments", event.department, moment):
                yield (
                    (*here, "department"),
                    _("unknown department {name!r}").format(name=event.department),
                )
        elif event.action in {"callback", "approve"} and not known("roles", event.role, moment):
            yield (
                (*here, "role"),
                _("unknown role {name!r} (not under the policy's roles)").format(name=event.role),
            )
        elif (
            event.action in {"extend", "dispatch", "reclassify"}
            and event.approver_role is not None
            and not known("roles", event.approver_role, moment)
        ):
            yield (
                (*here, "approver_role"),
                _("unknown role {name!r} (not under the policy's roles)").format(
                    name=event.approver_role
                ),
            )


def _classification_problem(name: str, value: Any, s: Settings, moment: datetime) -> str | None:
    if name not in CLASSIFICATION_FIELDS:
        return _("{name} is not part of the classification").format(name=name)
    if name in ("nature", "severity"):
        if value not in (NATURES if name == "nature" else SEVERITIES):
            return _("{value!r} is not a known {name}").format(value=value, name=name)
    elif name in _POLICY_LISTS:
        if not s.history.known(_POLICY_LISTS[name], value, moment):
            return _("{value!r} is not a known {name}").format(value=value, name=name)
    elif name in {"urgent", "economic_loss"}:
        if not isinstance(value, bool):
            return _("expected true or false, got {value!r}").format(value=value)
    elif name == "staff_verified":
        if value is not None and not isinstance(value, bool):
            return _("expected true, false or nothing, got {value!r}").format(value=value)
    elif value is not None and not isinstance(value, str):  # staff_involved
        return _("expected a name, got {value!r}").format(value=value)

    return None


def people_on_roster(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """Everyone named was on the roster, now or when the step was recorded (a person
    who has left stays valid in the records of their time)."""
    if s.roster is None:
        return
    for index, event in enumerate(c.events):
        named = [(name, getattr(event, name, None)) for name in _PEOPLE]
        if event.action == "reclassify":
            named.append(("to.staff_involved", event.to.get("staff_involved")))
        for name, person in named:
            if isinstance(person, str) and not s.history.on_roster(person, event.recorded_at):
                where: Loc = ("events", index, *name.split("."))
                yield where, _("{name!r} is not on the roster").format(name=person)


_PEOPLE = ("by", "to", "approved_by", "staff_involved", "person")


def roles_as_recorded(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """The roles the rules depend on, as the policy and the roster stood when each step
    was recorded: a callback's caller held the role written down (the quotas count by
    it, 回访制度 1-3); an extension was approved by the role the policy names for the
    severity (原则及流程 五); a work order was signed for by its own department."""
    severity: Any = getattr(c.events[0], "severity", c.severity)
    department: str | None = None
    for index, event in enumerate(c.events):
        here: Loc = ("events", index)
        if event.action == "reclassify" and "severity" in event.to:
            severity = event.to["severity"]
        elif event.action == "dispatch":
            department = event.department
        elif event.action == "accept":
            if department is not None and event.department != department:
                yield (
                    (*here, "department"),
                    _("the work order is for {target}, not {department}").format(
                        target=department, department=event.department
                    ),
                )
            member = _member(s, event.by, event.recorded_at)
            then = s.history.policy_at(event.recorded_at)
            strict = then is not None and bool(then.permissions)
            if member is not None and not signs_for(member.department, event.department, strict):
                yield (
                    (*here, "by"),
                    _("{name} was in {department}; the work order is for {target}").format(
                        name=event.by, department=member.department, target=event.department
                    ),
                )
        elif event.action == "callback":
            member = _member(s, event.by, event.recorded_at)
            if member is not None and member.role != event.role:
                yield (
                    (*here, "role"),
                    _("{name} was {held} on the roster then, not {role}").format(
                        name=event.by,
                        held=label("role", member.role),
                        role=label("role", event.role),
                    ),
                )
        elif event.action == "extend" and event.approved_by is not None:
            policy = s.history.policy_at(event.recorded_at)
            needed = policy.extension_approvers.get(severity) if policy else None
            if (
                policy is not None
                and needed is not None
                and not may_approve_extension(policy, severity, event.approver_role)
            ):
                yield (
                    (*here, "approver_role"),
                    _("a {severity} complaint's extension needs a {needed}, not a {role}").format(
                        severity=label("severity", severity),
                        needed=label("role", needed),
                        role=label("role", event.approver_role or ""),
                    ),
                )
            member = _member(s, event.approved_by, event.recorded_at)
            if member is not None and member.role != event.approver_role:
                yield (
                    (*here, "approved_by"),
                    _("{name} was {held} on the roster then, not {role}").format(
                        name=event.approved_by,
                        held=label("role", member.role),
                        role=label("role", event.approver_role or ""),
                    ),
                )


def acts_allowed(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """Each step taken by someone the policy in force when it was recorded let take it
    (its permissions), and each approval given by its approver: an approval carried by
    a step is its own author's, an `approve` by a role that approves what it grants."""
    events = list(c.events)
    for index, event in enumerate(events):
        policy = s.history.policy_at(event.recorded_at) if s.roster is not None else None
        member = _member(s, event.by, event.recorded_at)
        if policy is None or member is None:
            continue
        here: Loc = ("events", index)
        step = "new" if event.action == "received" else event.action
        if not policy.may_take(step, member.role):
            yield (
                (*here, "by"),
                _("{name} was {role} then; {step} was for {roles} (policy permissions)").format(
                    name=event.by,
                    role=member.role,
                    step=step,
                    roles=", ".join(policy.permissions[step]),
                ),
            )
        if event.action == "close" and event.waived and not policy.may_take("waive", member.role):
            yield (
                (*here, "waived"),
                _("{name} was {role} then; a waiver was for {roles} (policy permissions)").format(
                    name=event.by, role=member.role, roles=", ".join(policy.permissions["waive"])
                ),
            )
        if not isinstance(event, Approve | Dispatch | Extend | Reclassify):
            continue
        try:
            state = fold(events[:index], c.id, c.set_aside)
        except StepRefused:
            continue  # the order of the steps is reported on its own
        severity = str(state.classification["severity"])
        if isinstance(event, Approve):
            target = state.pending.get(event.approves)
            if target is None:
                continue
            needed = approvers_of(policy, target.action, severity)
            if not needed:
                continue  # the policy then named no approver for it: nothing to judge by
            if member.role != event.role or not policy.may_approve(event.role, needed):
                yield (*here, "role"), _wrong_approver(event.by, member.role, target.action, needed)
            continue
        if event.requested or not needs_approval(policy, event, state):
            continue
        needed = approvers_of(policy, event.action, severity)
        approver = event.approved_by
        if approver is None or approver != event.by:
            yield (
                (*here, "approved_by"),
                _("an approval is its approver's own act; {name} did not take this step").format(
                    name=approver
                )
                if approver is not None
                else _("this {action} needed an approval ({roles}) and has none").format(
                    action=label("action", event.action),
                    roles=_(", ").join(label("role", r) for r in needed),
                ),
            )
        elif member.role != event.approver_role or not policy.may_approve(member.role, needed):
            yield (
                (*here, "approver_role"),
                _wrong_approver(event.by, member.role, event.action, needed),
            )


def _wrong_approver(name: str, role: str, action: str, needed: Sequence[str]) -> str:
    return _("{name} was {role} then; the {action} needed {roles}").format(
        name=name,
        role=label("role", role),
        action=label("action", action),
        roles=_(", ").join(label("role", r) for r in needed),
    )


def attachments_kept(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """Each file an `attach` event names is in the registry where cmplt put it, a
    regular file, with the SHA-256 recorded (attachments.py)."""
    for index, event in enumerate(c.events):
        if event.action == "attach":
            why = attachment_problem(s.history.root, c.id, event.file, event.sha256)
            if why is not None:
                yield ("events", index, "file"), why


def links_resolve(c: Complaint, relpath: str, s: Settings) -> Iterator[Found]:
    """A repeat (`repeat_of`) and a duplicate entry (`duplicate_of`) name a record of
    this registry, and not the record itself (repeats.py)."""
    named: list[tuple[Loc, str]] = [(("repeat_of",), c.repeat_of)] if c.repeat_of else []
    named += [
        (("events", i, "duplicate_of"), e.duplicate_of)
        for i, e in enumerate(c.events)
        if e.action == "reject" and e.duplicate_of is not None
    ]
    for loc, other in named:
        if other == c.id:
            yield loc, _("names the record itself")
        elif not (s.history.root / store.record_relpath(other)).is_file():
            yield loc, _("no record {id} in this registry").format(id=other)


def _member(s: Settings, name: str, moment: datetime) -> StaffMember | None:
    if s.roster is None:
        return None
    return s.history.member(name, moment)


RECORD_CHECKS: list[RecordCheck] = [
    id_matches_file,
    events_in_order,
    event_ids_unique,
    times_make_sense,
    values_known_to_policy,
    people_on_roster,
    roles_as_recorded,
    acts_allowed,
    attachments_kept,
    links_resolve,
]


# --- the registry -----------------------------------------------------------------------


def validate_registry(
    root: Path, only: Iterable[Path] = (), base: Path | None = None
) -> tuple[list[Finding], int]:
    """Problems of the policy, the roster and the records (or only the records given),
    and how many files were checked.

    Paths are shown relative to `base` when the registry lies inside it (a pre-commit
    hook's repository root, the folder a person ran the command in), otherwise
    relative to the registry root.
    """
    root = root.resolve()
    _require_readable_history(root)
    label = _labeller(root, base)
    problems: list[Finding] = []
    settings = _settings(root, label, problems)
    given = list({_relpath(root, p) or str(p): p for p in only}.values())
    ids: dict[str, list[tuple[Path, str]]] = {}
    checked = 2  # the policy and the roster
    for path in given or store.any_record_files(root):
        checked += 1
        relpath = _relpath(root, path)
        if relpath is None:
            outside = _("not inside the registry {root}").format(root=root)
            problems.append(problem(str(path), 1, 1, "(file)", outside))
            continue
        if relpath in (store.POLICY_FILE, store.ROSTER_FILE) or relpath.startswith("improvements/"):
            checked -= 1
            continue  # checked above, or below
        link = store.symlink_on_path(root, root / relpath)
        if link is not None:
            linked = _("{path} is a symbolic link; cmplt does not follow links in a registry")
            problems.append(
                problem(
                    label(relpath),
                    1,
                    1,
                    "(file)",
                    linked.format(path=link.relative_to(root).as_posix()),
                )
            )
            continue
        found, complaint_id = _validate_record(path, relpath, label(relpath), settings)
        problems.extend(found)
        if complaint_id is not None:
            ids.setdefault(complaint_id, []).append((path, relpath))
    problems.extend(_duplicate_ids(root, ids, label, whole=not given))
    for path in _measure_files(root, given):
        checked += 1
        relpath = _relpath(root, path) or str(path)
        problems.extend(_validate_measure(path, relpath, label(relpath), settings))
    return sorted(problems, key=Finding.sort_key), checked


def _require_readable_history(root: Path) -> None:
    """Roles and policies are judged as they stood when each step was recorded, from
    git's history of the roster and the policy: where git cannot read the repository
    (owned by another user and not in `safe.directory`, a broken .git) that judgement
    cannot be made, so validate could not run (exit 2), rather than pass or fail
    records against a guess. A registry outside git, or with no commit yet, has no
    history to read and is judged by the files alone."""
    worktree = gitlog.find_worktree(root)
    if worktree is None:
        return
    try:
        gitlog.head_commit(worktree)
    except GitFailed as exc:
        raise CouldNotRun(
            _("cannot read the history of {policy} and {roster} from git: {reason}").format(
                policy=store.POLICY_FILE, roster=store.ROSTER_FILE, reason=exc.message
            )
        ) from exc


def _measure_files(root: Path, given: Sequence[Path]) -> list[Path]:
    """The improvement measures: all of them, or those among the paths given."""
    from cmplt.measures import MEASURES_DIR

    if given:
        return [p for p in given if (_relpath(root, p) or "").startswith(f"{MEASURES_DIR}/")]
    folder = root / MEASURES_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _validate_measure(path: Path, relpath: str, label: str, settings: Settings) -> list[Finding]:
    """An improvement measure: its schema, and the names and values it uses."""
    from cmplt.measures import Measure, measure_problems

    loaded = read_file(path, label)
    if isinstance(loaded, Finding):
        return [loaded]
    measure, problems = _schema(loaded, Measure)
    if measure is None:
        return problems
    found = measure_problems(measure, path.stem, settings.policy, settings.roster)
    return [_at(loaded, loc, message) for loc, message in found]


def run_validate(paths: Sequence[Path], registry: Path | None, cwd: Path) -> Outcome:
    """The command: the whole registry, or the paths given (as a pre-commit hook passes
    them, relative to the repository root, for a registry that may be a sub-folder).

    Of the paths, the policy, the roster and files under complaints/ are checked, in
    the registry each belongs to; any other file (a CI workflow, the pre-commit
    config) is skipped, so that a hook may pass every YAML file of a commit.
    """
    if registry is not None and not (registry / store.POLICY_FILE).is_file():
        raise CouldNotRun(
            _("{folder}: no {file} there, so no registry").format(
                folder=registry, file=store.POLICY_FILE
            )
        )
    if not paths:
        if registry is None:
            registry = store.find_registry(cwd)  # NoRegistry: exit 2, could not run
        found, checked = validate_registry(registry, (), cwd)
        return Outcome(found, checked=checked)
    groups: dict[Path, list[Path]] = {}
    skipped: list[str] = []
    found_roots: dict[Path, Path | None] = {}
    for path in paths:
        absolute = path if path.is_absolute() else cwd / path
        root = registry.resolve() if registry is not None else _registry_of(absolute, found_roots)
        relpath = _relpath(root, absolute) if root is not None else None
        if root is None or relpath is None or not _is_registry_file(relpath):
            skipped.append(str(path))
            continue
        groups.setdefault(root, []).append(absolute)
    problems: list[Finding] = []
    checked = 0
    for root, given in groups.items():
        found, count = validate_registry(root, given, cwd)
        problems.extend(found)
        checked += count
    return Outcome(sorted(problems, key=Finding.sort_key), skipped, checked)


def _is_registry_file(relpath: str) -> bool:
    folders = (f"{store.RECORDS_DIR}/", "improvements/")
    return relpath in (store.POLICY_FILE, store.ROSTER_FILE) or (
        relpath.startswith(folders) and relpath.endswith((".yaml", ".yml"))
    )


def _registry_of(path: Path, cache: dict[Path, Path | None]) -> Path | None:
    folder = path.parent
    if folder not in cache:
        try:
            cache[folder] = store.find_registry(folder)
        except NoRegistry:
            cache[folder] = None
    return cache[folder]


def _labeller(root: Path, base: Path | None) -> Callable[[str], str]:
    prefix = ""
    if base is not None:
        try:
            prefix = root.relative_to(base.resolve()).as_posix()
        except ValueError:
            prefix = ""
    if prefix in ("", "."):
        return lambda relpath: relpath
    return lambda relpath: f"{prefix}/{relpath}"


def _relpath(root: Path, path: Path) -> str | None:
    try:
        return path.absolute().relative_to(root).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            return None


def _settings(root: Path, label: Callable[[str], str], problems: list[Finding]) -> Settings:
    policy: Policy | None = None
    loaded = read_file(root / store.POLICY_FILE, label(store.POLICY_FILE))
    if isinstance(loaded, Finding):
        problems.append(loaded)
    else:
        policy, found = _schema(loaded, Policy)
        problems.extend(found)
        if policy is not None:
            for loc, message in policy_problems(policy):
                problems.append(_at(loaded, loc, message))
    roster: Roster | None = Roster()
    if (root / store.ROSTER_FILE).exists():
        loaded = read_file(root / store.ROSTER_FILE, label(store.ROSTER_FILE))
        if isinstance(loaded, Finding):
            problems.append(loaded)
            roster = None
        else:
            roster, found = _schema(loaded, Roster)
            problems.extend(found)
            if roster is not None and policy is not None:
                for loc, message in roster_problems(roster, policy):
                    problems.append(_at(loaded, loc, message))
    return Settings(policy, roster, InForce(root, policy, roster))


def _validate_record(
    path: Path, relpath: str, label: str, settings: Settings
) -> tuple[list[Finding], str | None]:
    """The record's problems, and its ID (for the registry-wide uniqueness check)."""
    loaded = read_file(path, label)
    if isinstance(loaded, Finding):
        return [loaded], None
    raw_id = loaded.data.get("id")
    complaint_id = raw_id if isinstance(raw_id, str) and COMPLAINT_ID.match(raw_id) else None
    complaint, problems = _schema(loaded, Complaint)
    if complaint is not None:
        found = [f for check in RECORD_CHECKS for f in check(complaint, relpath, settings)]
        problems = [_at(loaded, loc, message) for loc, message in found]
    if len(problems) > MAX_PROBLEMS_PER_FILE:
        problems.sort(key=Finding.sort_key)
        more = len(problems) - MAX_PROBLEMS_PER_FILE
        first_hidden = problems[MAX_PROBLEMS_PER_FILE]
        problems = [
            *problems[:MAX_PROBLEMS_PER_FILE],
            replace(first_hidden, rule="(file)", message=f"{more} more problems not shown"),
        ]
    return problems, complaint_id


def _duplicate_ids(
    root: Path,
    ids: dict[str, list[tuple[Path, str]]],
    label: Callable[[str], str],
    whole: bool,
) -> list[Finding]:
    """IDs unique across the registry. Checking only some files, the other holder of an
    ID can only be looked for at that ID's own place (a copy elsewhere is misplaced,
    and is found when it is checked itself)."""
    problems: list[Finding] = []
    for complaint_id, holders in ids.items():
        everyone = sorted({relpath for _, relpath in holders})
        home = store.record_relpath(complaint_id)
        if not whole and home not in everyone and (root / home).is_file():
            everyone.append(home)
        if len(everyone) < 2:
            continue
        for path, relpath in holders:
            rest = ", ".join(label(r) for r in everyone if r != relpath)
            message = f"ID {complaint_id} is also used by {rest}"
            loaded = read_file(path, label(relpath))
            if isinstance(loaded, Finding):
                problems.append(problem(label(relpath), 1, 1, "id", message))
            else:
                problems.append(_at(loaded, ("id",), message))
    return problems
