"""`cmplt validate`: is this registry sound? Every problem, not only the first.

Each check is a small function from (record, document, policy, roster) to
problems; a problem is a value with a file, line, column, field and message,
printed as `path:line:column: field: message`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cmplt import store
from cmplt.errors import InvalidFile, StepRefused
from cmplt.model import Complaint
from cmplt.policy import Policy, Roster, policy_problems, roster_problems
from cmplt.workflow import derived_mismatches, fold


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.field}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
        }


def _at(path: str, doc: Any, loc: list[str | int], message: str) -> Problem:
    line, column = store.position_of(doc, loc) or (1, 1)
    field = ".".join(str(p) for p in loc) or "(file)"
    return Problem(path, line, column, field, message)


def _unreadable(exc: InvalidFile) -> Problem:
    return Problem(exc.path, exc.line or 1, 1, exc.field or "(file)", exc.reason)


def _schema(path: str, doc: Any, model: type[Any]) -> tuple[Any, list[Problem]]:
    try:
        return model.model_validate(doc), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = store.error_loc(error)
            problems.append(_at(path, doc, loc, error["msg"]))
        return None, problems


# --- the checks on one record ---------------------------------------------------

RecordCheck = Callable[[str, Path, Any, Complaint, Policy, Roster], Iterator[Problem]]


def id_matches_file(
    label: str, path: Path, doc: Any, c: Complaint, p: Policy, r: Roster
) -> Iterator[Problem]:
    expected = store.record_relpath(c.id)
    if not path.as_posix().endswith(expected):
        yield _at(label, doc, ["id"], f"ID {c.id} belongs in {expected}")


def events_in_order(
    label: str, path: Path, doc: Any, c: Complaint, p: Policy, r: Roster
) -> Iterator[Problem]:
    try:
        state = fold(c.events, c.id)
    except StepRefused as exc:
        index = exc.event_index
        yield _at(label, doc, ["events", index] if index is not None else ["events"], exc.message)
        return
    for field, written, derived in derived_mismatches(c, state):
        yield _at(label, doc, [field], f"says {written!r} but the events say {derived!r}")


def event_ids_unique(
    label: str, path: Path, doc: Any, c: Complaint, p: Policy, r: Roster
) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, event in enumerate(c.events):
        if event.id in seen:
            yield _at(label, doc, ["events", index, "id"], f"event ID {event.id} is used twice")
        seen.add(event.id)


def values_known_to_policy(
    label: str, path: Path, doc: Any, c: Complaint, p: Policy, r: Roster
) -> Iterator[Problem]:
    lists = {
        "channel": p.channels,
        "category": p.categories,
        "subject": p.subjects,
        "responsible_party": p.responsible_parties,
    }
    for field, allowed in lists.items():
        value = getattr(c, field)
        if value is not None and value not in allowed:
            yield _at(label, doc, [field], f"{value!r} is not in the policy's {field} list")
    for index, event in enumerate(c.events):
        values = {
            "received": {
                "category": getattr(event, "category", None),
                "subject": getattr(event, "subject", None),
            },
            "reclassify": getattr(event, "to", {}),
        }.get(event.action, {})
        for field in ("category", "subject"):
            value = values.get(field)
            if value is not None and value not in lists[field]:
                yield _at(
                    label,
                    doc,
                    ["events", index, field if event.action == "received" else "to"],
                    f"{value!r} is not in the policy's {field} list",
                )
        department = getattr(event, "department", None)
        if department is not None and department not in p.departments:
            yield _at(
                label, doc, ["events", index, "department"], f"unknown department {department!r}"
            )


def people_on_roster(
    label: str, path: Path, doc: Any, c: Complaint, p: Policy, r: Roster
) -> Iterator[Problem]:
    for index, event in enumerate(c.events):
        for field in ("by", "to", "approved_by", "staff_involved"):
            name = getattr(event, field, None)
            if isinstance(name, str) and name not in r.staff:
                yield _at(label, doc, ["events", index, field], f"{name!r} is not on the roster")


def roles_as_recorded(
    label: str, path: Path, doc: Any, c: Complaint, p: Policy, r: Roster
) -> Iterator[Problem]:
    """A callback's role and an extension's approver must be what the rules say."""
    severity = c.events[0].severity if c.events[0].action == "received" else c.severity
    for index, event in enumerate(c.events):
        if event.action == "reclassify" and "severity" in event.to:
            severity = event.to["severity"]
        if event.action == "callback":
            member = r.staff.get(event.by)
            if member is not None and member.role != event.role:
                yield _at(
                    label,
                    doc,
                    ["events", index, "role"],
                    f"{event.by} is {member.role} on the roster, not {event.role}",
                )
        if event.action == "extend":
            needed = p.extension_approvers[severity]
            if event.approver_role != needed:
                yield _at(
                    label,
                    doc,
                    ["events", index, "approver_role"],
                    f"a {severity} complaint's extension needs a {needed}",
                )


RECORD_CHECKS: list[RecordCheck] = [
    id_matches_file,
    events_in_order,
    event_ids_unique,
    values_known_to_policy,
    people_on_roster,
    roles_as_recorded,
]


# --- the registry ---------------------------------------------------------------


def validate_registry(root: Path, only: Iterable[Path] = ()) -> list[Problem]:
    """Problems of the policy, the roster and the records (or only the paths given)."""
    problems: list[Problem] = []
    policy, roster = _settings(root, problems)
    paths = list(only) or list(store.iter_record_files(root))
    for path in paths:
        problems.extend(validate_record(root, path, policy, roster))
    return sorted(problems)


def _settings(root: Path, problems: list[Problem]) -> tuple[Policy, Roster]:
    policy = Policy()
    try:
        doc = store.read_document(root / store.POLICY_FILE, store.POLICY_FILE)
        found, found_problems = _schema(store.POLICY_FILE, doc, Policy)
        problems.extend(found_problems)
        if found is not None:
            policy = found
            for loc, message in policy_problems(policy):
                problems.append(_at(store.POLICY_FILE, doc, list(loc), message))
    except InvalidFile as exc:
        problems.append(_unreadable(exc))
    roster = Roster()
    if (root / store.ROSTER_FILE).exists():
        try:
            doc = store.read_document(root / store.ROSTER_FILE, store.ROSTER_FILE)
            found, found_problems = _schema(store.ROSTER_FILE, doc, Roster)
            problems.extend(found_problems)
            if found is not None:
                roster = found
                for loc, message in roster_problems(roster, policy):
                    problems.append(_at(store.ROSTER_FILE, doc, list(loc), message))
        except InvalidFile as exc:
            problems.append(_unreadable(exc))
    return policy, roster


def validate_record(root: Path, path: Path, policy: Policy, roster: Roster) -> list[Problem]:
    try:
        label = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        label = str(path)
    try:
        doc = store.read_document(path, label)
    except InvalidFile as exc:
        return [_unreadable(exc)]
    complaint, problems = _schema(label, doc, Complaint)
    if complaint is None:
        return problems
    for check in RECORD_CHECKS:
        problems.extend(check(label, path, doc, complaint, policy, roster))
    return problems
