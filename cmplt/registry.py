"""A registry: its policy, roster and records, and every change as one commit.

This is where the pieces meet: `store` reads and writes files, `workflow`
decides, `gitlog` commits, `lock` keeps writers in line. Nothing here
knows about click or reads the clock: `now` comes in as an argument.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from cmplt import faults, gitlog, ids, lock, recovery, statefiles, store
from cmplt.chronology import conflict_with_later, place_in_history
from cmplt.corrections import void_breaks
from cmplt.errors import (
    CmpltError,
    GitFailed,
    InterruptedAfterCommit,
    NotFound,
    StepRefused,
    UsageError,
    field_ref,
)
from cmplt.i18n import _
from cmplt.model import CLASSIFICATION_FIELDS, Complaint
from cmplt.policy import Policy, Roster, StaffMember
from cmplt.snapshot import Snapshot, load_roster, read_record
from cmplt.workflow import (
    Step,
    TimeWindow,
    authority_refusal,
    check_intake,
    check_staff_name,
    check_texts,
    check_time,
    check_window,
    derived_fields,
    derived_mismatches,
    fold,
    later_step_broken,
    plan_step,
    require_choice,
    require_staff,
    roles_text,
    time_window,
)

# what tells a step the time: read once the registry lock is held
Now = Callable[[], datetime]


@dataclass(frozen=True)
class Change:
    """What a command did: the commit it made and what it is about."""

    commit: str
    complaint_id: str | None
    event: Mapping[str, Any] | None = None
    status: str | None = None
    summary: str | None = None  # the record's summary, so that a wrong target is seen at once


T = TypeVar("T")
# every commit this process made: what an interruption after the last one must
# not deny (cli's Ctrl-C handler reads it)
COMMITTED: list[str] = []
# who hears of a step the moment it is committed (the CLI prints its line)
Announce = Callable[[Change], None]


def _announcing(
    announce: Announce | None,
    complaint_id: str,
    event: Mapping[str, Any],
    status: str,
    summary: str | None = None,
) -> Callable[[str], None] | None:
    if announce is None:
        return None
    return lambda commit: announce(Change(commit, complaint_id, event, status, summary))


class Registry(Snapshot):
    """A registry opened for changing: a Snapshot that also commits, one step at a time."""

    def read(self, complaint_id: str) -> tuple[Any, Complaint]:
        """The record to change: its round-trip document (comments kept) and its
        model, read and checked like every record."""
        path = self.record_path(complaint_id)
        self._refuse_links(path)
        name = self.label(path)
        raw = store.read_bytes(path, name)
        doc = store.parse_document(raw, name)
        # the round-trip document is read anyway: a sound record is checked on it;
        # anything wrong is read again by the one reader, which says where
        if ids.COMPLAINT_ID.match(path.stem):
            try:
                complaint = Complaint.model_validate(doc)
                state = fold(complaint.events, complaint.id, complaint.set_aside)
                if complaint.id == path.stem and not derived_mismatches(complaint, state):
                    return doc, complaint
            except (ValidationError, StepRefused):
                pass
        return doc, read_record(path, name, raw)

    # --- writing ---------------------------------------------------------------

    def time_window(self, now: datetime) -> TimeWindow:
        """The times a step may give as of `now` (policy `bounds`)."""
        return time_window(self.policy, now, store.first_record_year(self.root))

    def _identity(self, name: str) -> gitlog.Identity:
        member = self.roster.staff.get(name)
        return gitlog.Identity(name, (member.email if member and member.email else ""))

    def _commit(
        self,
        files: Mapping[Path, str | bytes],
        message: str,
        author: gitlog.Identity | None,
        when: datetime,
        on_committed: Callable[[str], None] | None = None,
    ) -> str:
        """Write `files` atomically and commit exactly them: all of it or none of it.

        Before the commit point (git's update-ref), any failure or signal puts the
        files back as they were; after it the step is done and nothing is put back,
        whatever follows. A kill anywhere leaves the journal, and the next command
        rolls back or finishes (recovery.py)."""
        when = when.astimezone(self.policy.tz)
        before = {path: (path.read_bytes() if path.exists() else None) for path in files}
        # text (a record) or bytes (an attachment, attachments.py)
        data = {
            path: text if isinstance(text, bytes) else text.encode("utf-8")
            for path, text in files.items()
        }
        changed = [p for p in files if data[p] != before[p]]
        if not changed:
            raise UsageError(_("nothing to commit: the files already say this"))
        worktree = self.worktree
        journal = recovery.Journal(
            gitlog.head_from_files(worktree),
            {
                self.git_path(p): (recovery.digest(before[p]), str(recovery.digest(data[p])))
                for p in changed
            },
            time.time(),
            message.splitlines()[0],
        )
        committed: list[str] = []

        def commit_point(commit: str) -> None:
            committed.append(commit)
            COMMITTED.append(commit)
            if on_committed is not None:
                on_committed(commit)

        try:
            if not recovery.begin(worktree, journal):
                raise GitFailed(
                    _("cannot write {file} (a full disk?); nothing was changed").format(
                        file=f".git/{statefiles.STEP_JOURNAL}"
                    )
                )
            faults.reached("journal")
            for path in changed:
                path.parent.mkdir(parents=True, exist_ok=True)
                store.write_bytes_atomic(path, data[path], mode=0o644, durable=True)
            faults.reached("write")
            commit = gitlog.commit_paths(
                worktree,
                [self.git_path(p) for p in changed],
                message,
                author,
                new_paths=[self.git_path(p) for p in changed if before[p] is None],
                when=when,
                on_committed=commit_point,
            )
        except KeyboardInterrupt:
            if not committed:
                self._put_back(before)
                recovery.end(worktree)
                raise
            self._finish_now(journal)
            raise InterruptedAfterCommit(
                _("interrupted; the step was committed as {commit}").format(
                    commit=committed[0][:10]
                )
            ) from None
        except BaseException:
            if not committed:
                self._put_back(before)
                recovery.end(worktree)
            raise  # committed: IndexBehind says so, and the journal finishes it next time
        recovery.end(worktree)
        faults.reached("done")
        return commit

    def _finish_now(self, journal: recovery.Journal) -> None:
        """After an interruption past the commit point: finish what is left (the index)
        now, signals held, so that the next command has nothing to settle."""
        with contextlib.suppress(CmpltError), lock.signals_deferred():
            settlement = recovery.plan(self.worktree, journal)
            if settlement.kind == "finished":
                recovery.carry_out(self.worktree, settlement)

    @staticmethod
    def _put_back(before: Mapping[Path, bytes | None]) -> None:
        for path, old in before.items():
            if old is None:
                path.unlink(missing_ok=True)
            else:
                store.write_bytes_atomic(path, old, mode=0o644, durable=True)

    def repair(self, confirm: Callable[[recovery.Settlement], bool]) -> recovery.Settlement | None:
        """What an interrupted step left (None: nothing), settled if `confirm` agrees:
        rolled back or finished when provable, otherwise only forgotten."""
        with lock.registry_lock(statefiles.required_path(self.worktree, statefiles.LOCK)):
            journal = recovery.pending(self.worktree)
            if journal is None:
                return None
            found = recovery.plan(self.worktree, journal)
            if confirm(found):
                if found.kind == "unsettled":
                    recovery.forget(self.worktree, found)
                else:
                    recovery.carry_out(self.worktree, found, asked=True)
            return found

    def locked(self, work: Callable[[], T]) -> T:
        """Run `work` holding the registry lock (every write goes through here): first
        settle what an interrupted step left, and refuse a repository in the middle
        of something a step's commit would be lost in."""
        why = gitlog.unfit_for_a_step(self.worktree)
        if why is not None:
            raise StepRefused(_("cannot record a step here now: {why}").format(why=why))
        with lock.registry_lock(statefiles.required_path(self.worktree, statefiles.LOCK)):
            self.settle_interrupted(refuse=True)
            return work()

    def _writable(self, path: Path, text: str) -> None:
        """Refuse, before anything is written, a file cmplt would not read back (larger
        than store.MAX_FILE_BYTES) or a path with a symbolic link on it: a link would
        be written through, or replaced, and may lead out of the registry."""
        size = len(text.encode("utf-8"))
        if size > store.MAX_FILE_BYTES:
            raise StepRefused(
                _(
                    "{file} would be {size} bytes, more than cmplt reads ({limit}); "
                    "nothing was written"
                ).format(file=self.label(path), size=f"{size:,}", limit=f"{store.MAX_FILE_BYTES:,}")
            )
        self._refuse_links(path)

    def _refuse_links(self, path: Path) -> None:
        link = store.symlink_on_path(self.root, path)
        if link is not None:
            raise UsageError(
                _(
                    "{path} is a symbolic link; cmplt does not write through links in a "
                    "registry (replace it with the folder or file itself)"
                ).format(path=self.label(link))
            )

    def commit_files(
        self, files: Mapping[Path, str], message: str, actor: str, when: datetime
    ) -> str:
        """Write `files` and commit exactly them as `actor`; put them back on failure."""
        for path, text in files.items():
            self._writable(path, text)
        return self._commit(files, message, self._identity(actor), when)

    def receive(
        self,
        intake: Mapping[str, Any],
        by: str,
        at: datetime | None,
        clock: Now,
        seed: str | None = None,
        announce: Announce | None = None,
    ) -> Change:
        """Register a new complaint (受理) received at `at` (default: now) by `by`.
        `announce` hears of the step the moment it is committed."""
        require_staff(self.roster, by)
        why = authority_refusal(self.policy, self.roster, by, "new", None)
        if why:
            raise StepRefused(why)
        check_texts(intake)

        def work() -> Change:
            # the clock is read once the lock is held, so that a step that waited for
            # another writer is not recorded before that writer's commit
            now = clock()
            received = at or now
            check_time(received, None, now)
            check_window(
                {
                    "at": received,
                    "happened_at": intake.get("happened_at"),
                    "requested_deadline": intake.get("requested_deadline"),
                },
                self.time_window(now),
            )
            values = {**intake, "received_at": received}
            check_intake(values, self.policy, self.roster)
            if values.get("repeat_of"):
                # the earlier record this one repeats: a prefix is enough, as everywhere
                values["repeat_of"] = self.resolve_id(values["repeat_of"])
            complaint_id, path = self._new_id(values, received, now, seed)
            event = {
                "id": ids.random_chars(ids.EVENT_ID_CHARS, seed, f"{complaint_id}:0"),
                "action": "received",
                "at": received,
                "recorded_at": now,
                "by": by,
                **{k: values.get(k) for k in _RECEIVED_FIELDS},
            }
            if not event["urgent"]:
                event.pop("urgent")
            if not event["economic_loss"]:
                event.pop("economic_loss")
            if values.get("anonymous"):
                event["anonymous"] = True
            doc = self._new_document(complaint_id, values, event)
            _refuse_bad_input(doc, 0)
            text = store.dump(doc)
            self._self_check(doc, path, text)
            commit = self._commit(
                {path: text},
                gitlog.commit_message(
                    f"{complaint_id}: received {values['unit']} {values['summary']}",
                    trailers=_trailers(complaint_id, "received", by),
                ),
                self._identity(by),
                now,
                _announcing(announce, complaint_id, event, "open"),
            )
            return Change(commit, complaint_id, event, "open")

        return self.locked(work)

    def _new_id(
        self, values: Mapping[str, Any], at: datetime, now: datetime, seed: str | None
    ) -> tuple[str, Path]:
        local = at.astimezone(self.policy.tz)
        for attempt in range(100):
            context = f"{now.isoformat()}:{values['unit']}:{values['summary']}:{attempt}"
            complaint_id = ids.complaint_id(
                local, ids.random_chars(ids.ID_RANDOM_CHARS, seed, context)
            )
            path = self.record_path(complaint_id)
            if not path.exists():
                return complaint_id, path
        raise GitFailed(_("could not find a free complaint ID"))  # pragma: no cover

    def _new_document(
        self, complaint_id: str, values: Mapping[str, Any], event: Mapping[str, Any]
    ) -> CommentedMap:
        tz = self.policy.tz
        doc = CommentedMap()
        doc.yaml_set_start_comment(
            f"投诉记录 {complaint_id}, written by cmplt. The events are the history;\n"
            "status, owner, department and the classification follow from them."
        )
        state = {
            "id": complaint_id,
            "status": "open",
            "owner": event["by"],
            "department": None,
            **values,
        }
        state["anonymous"] = True if values.get("anonymous") else None
        for key in store.FIELD_ORDER[:-1]:
            store.set_field(doc, key, state.get(key), tz)
        for flag in ("urgent", "economic_loss"):
            store.set_field(doc, flag, bool(values.get(flag)), tz)
        doc["events"] = CommentedSeq([store.event_node(event, tz)])
        return doc

    def _self_check(self, doc: Any, path: Path, text: str) -> Complaint:
        """What we are about to write must be a sound record (the round trip of text
        through YAML is the property tests' business, not every command's), one that
        cmplt will read again, written where nothing leads out of the registry."""
        self._writable(path, text)
        complaint = store.validate_document(Complaint, doc, self.label(path))
        state = fold(complaint.events, complaint.id, complaint.set_aside)
        mismatches = derived_mismatches(complaint, state)
        if mismatches:  # pragma: no cover - a bug in cmplt, not in the input
            raise AssertionError(f"derived fields disagree with events: {mismatches}")
        return complaint

    def apply(
        self,
        id_text: str,
        step: Step,
        clock: Now,
        seed: str | None = None,
        announce: Announce | None = None,
        evidence: Any = None,
    ) -> Change:
        """One lifecycle step on one complaint, committed on its own. A step without
        a time happened now, read once the lock is held. `evidence`: the file an
        `attach` step keeps (attachments.Evidence), committed with the record."""

        check_texts(step.fields)

        def work() -> Change:
            now = clock()
            step_now = step if step.at is not None else replace(step, at=now)
            complaint_id = self.resolve_id(id_text)
            path = self.record_path(complaint_id)
            self._refuse_links(path)  # before git, which cannot see through a link
            gitlog.require_committed(self.worktree, self.git_path(path), self.label(path))
            doc, complaint = self.read(complaint_id)
            fields = plan_step(complaint, step_now, self.policy, self.roster, now)
            extra: dict[Path, str | bytes] = {}
            if evidence is not None:
                from cmplt.attachments import stored_path  # only `attach` needs it

                # the file is named by the record and its content, never by its own name
                rel = stored_path(complaint_id, evidence)
                target = self.root / rel
                self._refuse_links(target)
                extra[target] = evidence.data
                fields = {
                    "kind": fields["kind"],
                    "file": rel,
                    "sha256": evidence.sha256,
                    "bytes": len(evidence.data),
                    "type": evidence.type,
                    "name": evidence.name,
                    **_rest_of(fields, "kind"),
                }
            times = {k: v for k, v in fields.items() if isinstance(v, datetime)}
            check_window({"at": step_now.at, **times}, self.time_window(now))
            used = {e.id for e in complaint.events}
            event_id = ids.random_chars(ids.EVENT_ID_CHARS, seed, f"{complaint_id}:{len(used)}")
            attempt = 0
            while event_id in used:
                attempt += 1
                event_id = ids.random_chars(
                    ids.EVENT_ID_CHARS, seed, f"{complaint_id}:{len(used)}:{attempt}"
                )
            event = {
                "id": event_id,
                "action": step.action,
                "at": step_now.at,
                "recorded_at": now,
                "by": step.by,
                **fields,
            }
            tz = self.policy.tz
            # the file keeps the history's order: a late entry goes in at its place
            # (chronology.in_history_order), anything else at the end
            at: datetime = step_now.at or now
            place = place_in_history(complaint.events, at)
            doc["events"].insert(place, store.event_node(event, tz))
            # a correction's new values are checked as the intake fields they become
            corrected = list(fields["to"]) if step.action == "correct" else []
            for name in corrected:
                store.set_field(doc, name, fields["to"][name], tz)
            _refuse_bad_input(doc, place, corrected)
            updated = store.validate_document(Complaint, doc, self.label(path))
            try:
                state = fold(updated.events, complaint_id, updated.set_aside)
            except StepRefused as exc:
                if step.action == "void":
                    raise void_breaks(exc, updated.events, fields["event"], complaint_id) from None
                raise conflict_with_later(
                    exc, place, step.action, at, updated.events, complaint_id
                ) from None
            if place < len(updated.events) - 1:  # a late entry: every later event must stand
                broken = later_step_broken(
                    updated.events, event_id, self.policy, complaint_id,
                    updated.requested_deadline, state.set_aside,
                )  # fmt: skip
                if broken is not None:
                    index = next(i for i, e in enumerate(updated.events) if e.id == broken)
                    raise conflict_with_later(
                        StepRefused("", index), place, step.action, at, updated.events,
                        complaint_id,
                    )  # fmt: skip
            for key, value in derived_fields(state).items():
                store.set_field(doc, key, value, tz)
            text = store.dump(doc)
            self._self_check(doc, path, text)
            commit = self._commit(
                {path: text, **extra},
                gitlog.commit_message(
                    f"{complaint_id}: {step.action} {_summary_of(event)}".rstrip(),
                    trailers=_trailers(complaint_id, step.action, step.by),
                ),
                self._identity(step.by),
                now,
                _announcing(announce, complaint_id, event, state.status, updated.summary),
            )
            return Change(commit, complaint_id, event, state.status, updated.summary)

        return self.locked(work)

    def _staff_authority(self, by: str | None, what: str) -> None:
        """A roster change needs `--by` someone the permissions allow (manager or above by
        default), once the roster has anyone on it; the very first person adds themself."""
        if not self.roster.staff:
            return
        if by is None:
            if "staff" in self.policy.permissions:
                raise UsageError(
                    _("{what}: {option} is needed: who changes the roster ({roles})").format(
                        what=what,
                        option=field_ref("by"),
                        roles=roles_text(self.policy.permissions["staff"], self.policy),
                    )
                )
            return
        require_staff(self.roster, by)
        why = authority_refusal(self.policy, self.roster, by, "staff", None)
        if why:
            raise StepRefused(why)

    def add_staff(self, name: str, member: StaffMember, by: str | None, clock: Now) -> Change:
        require_choice(member.role, list(self.policy.roles), "role")
        if member.department is not None:
            require_choice(member.department, self.policy.departments, "staff_department")
        check_staff_name(name)
        check_texts(
            {"staff_department": member.department, "email": member.email, "phone": member.phone}
        )
        self._staff_authority(by, "staff add")

        def change(roster: Roster, doc: Any) -> str:
            if name in roster.staff:
                raise UsageError(_("{name!r} is already on the staff roster").format(name=name))
            entry = CommentedMap(role=store.text_node(member.role))
            for key in ("department", "email", "phone"):
                value = getattr(member, key)
                if value is not None:
                    entry[key] = store.text_node(value)
            doc["staff"][store.text_node(name)] = entry
            return f"staff: add {name} ({member.role}" + (
                f", {member.department})" if member.department else ")"
            )

        return self._change_roster(change, by or name, by, clock, "staff-add")

    def set_staff(
        self, name: str, changes: Mapping[str, str | None], by: str | None, clock: Now
    ) -> Change:
        """`staff set`: a person's role or department (history is git's)."""
        if changes.get("role") is not None:
            require_choice(changes["role"], list(self.policy.roles), "role")
        if changes.get("department") is not None:
            require_choice(changes["department"], self.policy.departments, "staff_department")
        check_texts({"staff_department": changes.get("department")})
        self._staff_authority(by, "staff set")

        def change(roster: Roster, doc: Any) -> str:
            member = self._on_roster(roster, name)
            entry = doc["staff"][name]
            said = []
            for key, value in changes.items():
                if value is None or getattr(member, key) == value:
                    continue
                entry[key] = store.text_node(value)
                said.append(f"{key} {getattr(member, key)} -> {value}")
            if not said:
                raise UsageError(_("staff set {name}: nothing would change").format(name=name))
            return f"staff: set {name} " + ", ".join(said)

        return self._change_roster(change, by or name, by, clock, "staff-set")

    def remove_staff(self, name: str, by: str | None, clock: Now) -> Change:
        """`staff remove`: the person stays on the roster, marked removed, so that the
        records of their time still name someone; they can no longer act."""
        self._staff_authority(by, "staff remove")
        if by == name:
            raise StepRefused(_("staff remove: {name} cannot remove themself").format(name=name))

        def change(roster: Roster, doc: Any) -> str:
            self._on_roster(roster, name)
            entry = doc["staff"][name]
            if entry.get("removed") is True:
                raise UsageError(_("{name} was already removed").format(name=name))
            entry["removed"] = True
            return f"staff: remove {name}"

        return self._change_roster(change, by or name, by, clock, "staff-remove")

    @staticmethod
    def _on_roster(roster: Roster, name: str) -> StaffMember:
        member = roster.staff.get(name)
        if member is None:
            raise NotFound(
                _("{name!r} is not on the staff roster (cmplt staff add)").format(name=name)
            )
        return member

    def _change_roster(
        self,
        change: Callable[[Roster, Any], str],
        actor: str,
        by: str | None,
        clock: Now,
        action: str,
    ) -> Change:
        def work() -> Change:
            path = self.root / store.ROSTER_FILE
            self._refuse_links(path)
            if path.exists():
                gitlog.require_committed(self.worktree, self.git_path(path), store.ROSTER_FILE)
            roster = load_roster(self.root, self.policy)
            doc = (
                store.read_document(path, store.ROSTER_FILE)
                if path.exists()
                else CommentedMap(staff=CommentedMap())
            )
            if not doc.get("staff"):  # the template's `{}` would keep flow style
                doc["staff"] = CommentedMap()
            subject = change(roster, doc)
            store.validate_document(Roster, doc, store.ROSTER_FILE)
            text = store.dump(doc)
            self._writable(path, text)
            commit = self._commit(
                {path: text},
                gitlog.commit_message(subject, trailers={"Action": action, "Actor": actor}),
                self._identity(by) if by else None,
                clock(),
            )
            return Change(commit, None)

        return self.locked(work)


def _rest_of(fields: Mapping[str, Any], *taken: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in taken and v is not None}


def _refuse_bad_input(doc: Any, event_index: int, typed: Sequence[str] = ()) -> None:
    """A value typed on the command line that the record cannot hold is the typist's
    mistake (exit 2, naming the option), not a broken file. `typed`: the top-level
    fields the step itself sets (a correction's)."""
    try:
        Complaint.model_validate(doc)
    except ValidationError as exc:
        for error in exc.errors():
            loc = store.error_loc(error)
            if loc[:2] == ["events", event_index] and len(loc) > 2:
                field = str(loc[2])
            elif loc and loc[0] != "events" and (event_index == 0 or loc[0] in typed):
                field = str(loc[0])
            else:
                continue
            from cmplt.field_errors import message_of

            raise UsageError(f"{field_ref(field)}: {message_of(error)}") from exc


# what the `received` event records: the first classification (verification comes later)
_RECEIVED_FIELDS = tuple(f for f in CLASSIFICATION_FIELDS if f != "staff_verified")


def _trailers(complaint_id: str, action: str, actor: str) -> dict[str, str]:
    return {"Complaint-Id": complaint_id, "Action": action, "Actor": actor}


def _summary_of(event: Mapping[str, Any]) -> str:
    """A few words for the commit subject: where it went, to whom, or the text; a step
    that waits for its approval says so."""
    said = _what_it_says(event)
    if event.get("requested") and event["action"] != "extend":
        said = f"{said} (requested)".lstrip()
    return said


def _what_it_says(event: Mapping[str, Any]) -> str:
    action = event["action"]
    if action == "dispatch":
        return f"to {event['department']}"
    if action == "accept":
        return f"by {event['department']}"
    if action == "escalate":
        return f"to {event['to']}"
    if action == "extend":
        if event.get("requested"):
            return f"until {event['until'].isoformat()} requested"
        return f"until {event['until'].isoformat()} approved by {event['approved_by']}"
    if action == "approve":
        return f"{event['approves']} ({event['role']})"
    if action == "track":
        return str(event["person"])
    if action == "promise":
        return f"call by {event['call_by'].isoformat()}"
    if action == "close" and event.get("waived"):
        return f"waived: {event['waived']}".splitlines()[0]
    if action == "callback":
        return f"{event['satisfaction']} ({event['role']})"
    if action == "reclassify":
        return ", ".join(f"{k} {event['from'][k]} -> {v}" for k, v in event["to"].items())
    if action == "correct":  # the values stay out of the subject: a phone number among them
        return ", ".join(event["to"])
    if action == "void":
        return str(event["event"])
    if action == "attach":
        return f"{event['kind']} {event['name']}"
    if action == "urge":
        note = str(event.get("note") or "").splitlines()
        return f"by {event['channel']}" + (f": {note[0]}" if note else "")
    for key in ("result", "reason", "note", "text", "outcome"):
        if event.get(key):
            return str(event[key]).splitlines()[0]
    return ""


def template_text(name: str) -> str:
    """A file from templates/, from the installed wheel or the source checkout."""
    packaged = resources.files("cmplt").joinpath("templates", name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    source = Path(__file__).resolve().parent.parent / "templates" / name
    if source.is_file():
        return source.read_text(encoding="utf-8")
    raise NotFound(_("template {name} is missing from this installation").format(name=name))


TEMPLATE_FILES = {
    store.POLICY_FILE: "cmplt.yaml",
    store.ROSTER_FILE: "staff.yaml",
    "README.md": "registry-README.md",
    # routes record files to cmplt's merge driver (merging.py, gitlog.MERGE_DRIVER)
    ".gitattributes": "gitattributes.txt",
    f"{store.RECORDS_DIR}/.gitkeep": None,
}


def init_registry(folder: Path, now: datetime, nested: bool = False) -> tuple[Path, str]:
    """Write the policy, roster and folders; make a repository if there is none; commit.

    Inside another registry, or inside a git repository whose top is not `folder`
    (a checkout of cmplt itself, a home folder under git), only when `nested`: a
    registry created there by mistake would commit into someone else's history.
    """
    folder = folder.resolve()
    if (folder / store.POLICY_FILE).exists():
        raise UsageError(
            _("{folder} already holds a registry ({file})").format(
                folder=folder, file=store.POLICY_FILE
            )
        )
    if not nested:
        outer = next((f for f in folder.parents if (f / store.POLICY_FILE).is_file()), None)
        if outer is not None:
            raise UsageError(
                _(
                    "{folder} is inside the registry {outer}; give --nested to create it there"
                ).format(folder=folder, outer=outer)
            )
        worktree = gitlog.find_worktree(folder)
        if worktree is not None and worktree.resolve() != folder:
            raise UsageError(
                _(
                    "{folder} is inside the git repository {worktree}, and the registry "
                    "would commit there; give --nested to do so, or choose a folder outside it"
                ).format(folder=folder, worktree=worktree)
            )
    folder.mkdir(parents=True, exist_ok=True)
    if gitlog.find_worktree(folder) is None:
        gitlog.init_repository(folder)
    worktree = gitlog.find_worktree(folder)
    assert worktree is not None
    files = {
        folder / rel: (template_text(src) if src else "") for rel, src in TEMPLATE_FILES.items()
    }
    clashes = [str(p) for p in files if p.exists()]
    if clashes:
        raise UsageError(_("would overwrite {files}").format(files=", ".join(clashes)))

    policy = store.validate_document(
        Policy,
        store.parse_document(files[folder / store.POLICY_FILE].encode(), "cmplt.yaml"),
        "templates/cmplt.yaml",
    )
    del policy
    for path, text in files.items():
        store.write_atomic(path, text)
    rels = [p.relative_to(worktree).as_posix() for p in files]
    committed: list[str] = []
    try:
        commit = gitlog.commit_paths(
            worktree,
            rels,
            gitlog.commit_message("registry: init", trailers={"Action": "init"}),
            None,
            new_paths=rels,
            when=now,
            on_committed=committed.append,
        )
    except KeyboardInterrupt:
        if committed:
            raise InterruptedAfterCommit(
                _("interrupted; the step was committed as {commit}").format(
                    commit=committed[0][:10]
                )
            ) from None
        _remove_new(files)
        raise
    except BaseException:
        if not committed:  # once committed (exit 9: the index behind), the files stay
            _remove_new(files)
        raise
    return folder, commit


def _remove_new(files: Mapping[Path, str]) -> None:
    for path in files:
        path.unlink(missing_ok=True)
