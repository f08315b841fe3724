"""Putting mistakes right without rewriting history: `correct` and `void`.

A desk makes ordinary mistakes: a mistyped phone number or unit, a reply
recorded on the wrong complaint (a prefix one character off). Nothing is
edited or removed: a `correct` event holds a field's old and new values, and
the intake field above the events follows it; a `void` event marks an earlier
event as void, and from then on the fold, every clock and the report pass over
the voided event as if it had not been recorded (it stays in the file, and in
`show` and `log`). Who may void, and how soon, is policy (`desk.void`, and the role ranks).

No I/O here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from cmplt.errors import NotFound, StepRefused
from cmplt.i18n import _, label
from cmplt.model import CORRECTABLE_TIMES, Event
from cmplt.policy import Policy, Roster
from cmplt.times import format_duration, parse_stored_time

# what may never be voided: the receipt (a complaint entered by mistake is
# rejected as a duplicate, not made to vanish) and a void itself
NOT_VOIDABLE = frozenset({"received", "void"})


def voided_ids(
    events: Sequence[Event],
    complaint_id: str = "",
    set_aside: Collection[str] = (),
    skipped: list[str] | None = None,
) -> set[str]:
    """The IDs of the events a `void` marks void; a void that names no earlier
    voidable event raises StepRefused at its index, unless a merge may set it aside
    (`set_aside`: two clones voided the same step, the later void counts for
    nothing); such a void's ID is added to `skipped`."""
    seen: dict[str, str] = {}
    voided: set[str] = set()
    for index, event in enumerate(events):
        if event.action == "void":
            target = event.event
            why = None
            if target not in seen:
                why = _("it voids {target}, which is not an earlier event of {id}").format(
                    target=target, id=complaint_id
                )
            elif seen[target] in NOT_VOIDABLE:
                why = _("a {action} event cannot be voided").format(action=seen[target])
            elif target in voided:
                why = _("{target} is already void").format(target=target)
            if why is not None and event.id in set_aside:
                if skipped is not None:
                    skipped.append(event.id)
                seen[event.id] = event.action
                continue
            if why is not None:
                raise StepRefused(
                    _("event {index} ({event}): {why}").format(
                        index=index, event=event.id, why=why
                    ),
                    index,
                )
            voided.add(target)
        seen[event.id] = event.action
    return voided


def effective(events: Sequence[Event], set_aside: Collection[str] = ()) -> list[Event]:
    """The history the clocks and the report read: without the voided events,
    the voids themselves, and the steps a merge set aside (`Complaint.set_aside`)."""
    if set_aside:
        events = [e for e in events if e.id not in set_aside]
    if not any(e.action == "void" for e in events):
        return list(events)
    voided = voided_ids(events)
    return [e for e in events if e.action != "void" and e.id not in voided]


Correction = tuple[str, Mapping[str, Any], Mapping[str, Any]]  # (event id, from, to)


def corrected_intake(corrections: Iterable[Correction], voided: set[str]) -> dict[str, Any]:
    """The intake fields the corrections decide, as text: each field's value after
    its last correction still in force; a field whose every correction was voided
    goes back to its value before the first one (None: it was not given)."""
    values: dict[str, Any] = {}
    original: dict[str, Any] = {}
    for event_id, before, after in corrections:
        for name, value in after.items():
            original.setdefault(name, before.get(name))
            if event_id not in voided:
                values[name] = value
    return {name: values.get(name, original[name]) for name in original}


def intake_of(events: Sequence[Event], voided: set[str]) -> dict[str, Any]:
    """`corrected_intake` of a record's events, each time read as a time."""
    found = corrected_intake(
        ((e.id, e.from_, e.to) for e in events if e.action == "correct"),
        voided,
    )
    return {
        name: parse_stored_time(value) if name in CORRECTABLE_TIMES and value is not None else value
        for name, value in found.items()
    }


def plan_correction(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The event's `from` and `to` for the fields that change (`current`: the
    record's values now); a correction that changes nothing is refused."""
    changed = {k: v for k, v in changes.items() if current.get(k) != v}
    if not changed:
        raise StepRefused(_("nothing would change: the record already says this"))
    return {"from": {k: current.get(k) for k in changed}, "to": changed}


def check_void(
    events: Sequence[Event],
    target: str,
    by: str,
    policy: Policy,
    roster: Roster,
    now: datetime,
    complaint_id: str,
    set_aside: Collection[str] = (),
) -> Event:
    """The event `target` may be voided by `by` now (policy `desk.void`: the person
    who recorded it within `own_within`, `any_time_from` or above at any time)."""
    found = next((e for e in events if e.id == target), None)
    if found is None:
        raise NotFound(
            _("{id} has no event {event} (cmplt show {id} lists them)").format(
                id=complaint_id, event=target
            )
        )
    if found.action in NOT_VOIDABLE:
        raise StepRefused(
            _(
                "cannot void {event}: a {action} event cannot be voided (a complaint entered by "
                "mistake is declined with cmplt reject)"
            ).format(event=target, action=found.action)
        )
    if target in voided_ids(events, complaint_id, set_aside):
        raise StepRefused(_("cannot void {event}: it is already void").format(event=target))
    rules = policy.desk.void
    member = roster.staff.get(by)
    if member is not None and policy.at_least(member.role, rules.any_time_from):
        return found
    if found.by == by and now - found.recorded_at <= rules.own_within:
        return found
    raise StepRefused(
        _(
            "cannot void {event}: it was recorded by {name} at {recorded}; its recorder may "
            "void it within {within}, and a {role} or above at any time (policy desk.void)"
        ).format(
            event=target,
            name=found.by,
            recorded=found.recorded_at.isoformat(),
            within=format_duration(rules.own_within),
            role=label("role", rules.any_time_from),
        )
    )


def void_breaks(
    refused: StepRefused, events: Sequence[Event], target: str, complaint_id: str
) -> StepRefused:
    """Voiding `target` made another event of the history invalid: say which."""
    index = refused.event_index
    if index is None or not 0 <= index < len(events) or events[index].action == "void":
        return refused
    other = events[index]
    return StepRefused(
        _(
            "cannot void {target} on {id}: without it the event {event} ({action} at {at}) "
            "would not be allowed"
        ).format(
            target=target,
            id=complaint_id,
            event=other.id,
            action=other.action,
            at=other.at.isoformat(),
        ),
        index,
    )
