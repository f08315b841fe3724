"""The life of a complaint: which step is allowed when, and what it changes.

Pure functions of (record, step, policy, roster, now). They return the new
event as plain values; `store` turns it into YAML and `registry` commits it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from cmplt import rules
from cmplt.errors import StepRefused, UsageError, field_ref
from cmplt.i18n import N_, _, choices_text, label
from cmplt.model import CLASSIFICATION_FIELDS, Complaint, Event
from cmplt.plaintext import GIT_CRUD, MULTI_LINE_FIELDS, escaped, forbidden_character
from cmplt.policy import NATURES, SATISFACTIONS, SEVERITIES, Policy, Roster
from cmplt.rules import Case
from cmplt.shown import role_label, time_text

ACTIVE = frozenset({"open", "dispatched", "in_progress"})
NOT_CLOSED = frozenset({"open", "dispatched", "in_progress", "resolved", "called_back", "rejected"})

# Which status each step may start from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "respond": NOT_CLOSED,  # the customer is told of each step (物业客服工作… 三)
    "dispatch": frozenset({"open", "dispatched", "in_progress"}),
    "accept": frozenset({"dispatched"}),  # the department signs for the work order
    "plan": ACTIVE,
    "extend": ACTIVE,
    # 物业服务投诉处理流程及技巧 6-7: a dissatisfied customer is passed up a level,
    # also after the result or the callback.
    "escalate": ACTIVE | {"resolved", "called_back"},
    "resolve": frozenset({"open", "in_progress"}),
    "callback": frozenset({"resolved", "called_back"}),
    "reopen": frozenset({"resolved", "called_back", "rejected", "closed"}),
    "reject": ACTIVE,
    "close": frozenset(
        {"called_back", "rejected"}
    ),  # 投诉处理及回访制度 六: callback, then archive
    "note": NOT_CLOSED,
    "reclassify": NOT_CLOSED,
    "reevaluate": NOT_CLOSED,
}

# Why a step is refused, when the plain "it is <status>" says too little.
_HINTS: dict[tuple[str, str], str] = {
    ("resolve", "dispatched"): N_("its work order has not been signed for yet (cmplt accept)"),
    ("close", "resolved"): N_("nobody has called the customer back yet (cmplt callback)"),
    ("close", "open"): N_("it is not resolved yet"),
    ("callback", "open"): N_("it is not resolved yet"),
    ("callback", "in_progress"): N_("it is not resolved yet"),
    ("callback", "dispatched"): N_("it is not resolved yet"),
    ("accept", "open"): N_("no work order has been dispatched (cmplt dispatch)"),
    ("accept", "in_progress"): N_("its work order was already signed for"),
}


@dataclass(frozen=True)
class State:
    """What the events say a complaint is now."""

    status: str
    owner: str
    department: str | None
    received_at: datetime
    last_at: datetime
    classification: Mapping[str, Any] = field(default_factory=dict)


def _next_status(action: str, status: str) -> str:
    if action == "escalate":
        return "open" if status in {"resolved", "called_back"} else status
    return {
        "dispatch": "dispatched",
        "accept": "in_progress",
        "resolve": "resolved",
        "callback": "called_back",
        "reopen": "open",
        "reject": "rejected",
        "close": "closed",
    }.get(action, status)


def refusal(action: str, complaint_id: str, status: str) -> str | None:
    """None when `action` may follow `status`; otherwise why not, in one line."""
    if status in ALLOWED_FROM[action]:
        return None
    hint = _HINTS.get((action, status))
    why = _(hint) if hint else _("it is {status}").format(status=label("status", status))
    return _("cannot {action} {id}: {why}").format(
        action=label("action", action), id=complaint_id, why=why
    )


def fold(events: Sequence[Event], complaint_id: str = "") -> State:
    """Replay the events; a step out of order raises StepRefused naming it."""
    first = events[0]
    if first.action != "received":
        raise StepRefused(
            _("{id}: the first event must be 'received', not {action!r}").format(
                id=complaint_id, action=first.action
            ),
            0,
        )
    classification = {name: getattr(first, name, None) for name in CLASSIFICATION_FIELDS}
    state = State("open", first.by, None, first.at, first.at, classification)
    for index, event in enumerate(events[1:], start=1):
        if event.action == "received":
            raise StepRefused(
                _("{id}: event {index} repeats 'received'").format(id=complaint_id, index=index),
                index,
            )
        why = refusal(event.action, complaint_id, state.status)
        if why:
            raise StepRefused(
                _("event {index} ({event}): {why}").format(index=index, event=event.id, why=why),
                index,
            )
        if event.at < state.last_at:
            raise StepRefused(
                _("event {index} ({event}) happened before the event it follows").format(
                    index=index, event=event.id
                ),
                index,
            )
        state = _apply(state, event)
    return state


def _apply(state: State, event: Event) -> State:
    owner, department = state.owner, state.department
    classification = state.classification
    if event.action == "escalate":
        owner = event.to
    elif event.action == "dispatch":
        department = event.department
    elif event.action == "reclassify":
        classification = {**classification, **event.to}
    return replace(
        state,
        status=_next_status(event.action, state.status),
        owner=owner,
        department=department,
        last_at=event.at,
        classification=classification,
    )


def derived_fields(state: State) -> dict[str, Any]:
    """The top-of-file fields, in file order, as the events define them."""
    return {
        "status": state.status,
        "owner": state.owner,
        "department": state.department,
        "received_at": state.received_at,
        **state.classification,
    }


def derived_mismatches(complaint: Complaint, state: State) -> list[tuple[str, Any, Any]]:
    """(field, written, derived) for each derived field the file gets wrong."""
    found = []
    for name, value in derived_fields(state).items():
        written = getattr(complaint, name)
        if written != value:
            found.append((name, written, value))
    return found


# --- steps -----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A step a person asks for: who, when it happened, and its own fields."""

    action: str
    by: str
    at: datetime | None  # None: now, read once the registry is locked
    fields: Mapping[str, Any] = field(default_factory=dict)


def check_time(at: datetime, after: datetime | None, now: datetime, field: str = "at") -> None:
    """An entry may be typed late (night shift), never before the event it follows nor ahead."""
    if at > now:
        raise StepRefused(
            _("{option} {at} is in the future").format(
                option=field_ref(field), at=time_text(at, None)
            )
        )
    if after is not None and at < after:
        raise StepRefused(
            _("{option} {at} is before the previous event ({previous})").format(
                option=field_ref(field), at=time_text(at, None), previous=time_text(after, None)
            )
        )


@dataclass(frozen=True)
class TimeWindow:
    """The times a step may give (policy `bounds`): a typo such as 1926 for 2026 is
    refused, not filed a century overdue."""

    earliest: datetime
    latest: datetime  # when something happened (a step's own time is never ahead of now)
    latest_deadline: datetime


# the fields that say when something is due, not when it happened
DEADLINE_FIELDS = frozenset({"requested_deadline", "until"})


def time_window(policy: Policy, now: datetime, first_year: int | None) -> TimeWindow:
    """The window as of `now`; `first_year` is the registry's first year folder."""
    tz = policy.tz
    bounds = policy.bounds
    if bounds.earliest is not None:
        earliest = datetime.combine(bounds.earliest, time(0), tzinfo=tz)
    else:
        this_year = now.astimezone(tz).year
        year = min(first_year or this_year, this_year) - 1
        earliest = datetime(year, 1, 1, tzinfo=tz)
    return TimeWindow(earliest, now + bounds.ahead, now + bounds.deadlines_ahead)


def check_window(times: Mapping[str, datetime | None], window: TimeWindow) -> None:
    for field_name, value in times.items():
        if value is None:
            continue
        latest = window.latest_deadline if field_name in DEADLINE_FIELDS else window.latest
        if not window.earliest <= value <= latest:
            raise UsageError(
                _(
                    "{option} {at} is not a plausible time: it must lie between {earliest} "
                    "and {latest} (policy bounds)"
                ).format(
                    option=field_ref(field_name),
                    at=value.isoformat(),
                    earliest=window.earliest.date().isoformat(),
                    latest=latest.date().isoformat(),
                )
            )


def check_texts(values: Mapping[str, Any]) -> None:
    """Refuse a control character or bidi override in a typed text (plaintext)."""
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        multi_line = name in MULTI_LINE_FIELDS
        bad = forbidden_character(value, multi_line)
        if bad is not None:
            raise UsageError(
                _("{option}: the text holds the control character {char}; {allowed}").format(
                    option=field_ref(name),
                    char=escaped(bad),
                    allowed=_("only tabs and line breaks are allowed in it")
                    if multi_line
                    else _("it must be one line of plain text"),
                )
            )


def check_staff_name(name: str) -> None:
    """A name that git keeps as the commit's author and the roster as its key."""
    if not name.strip() or name != name.strip():
        raise UsageError(_("a staff name must not be empty or start or end with spaces"))
    bad = forbidden_character(name)
    if bad is not None:
        raise UsageError(
            _("staff name {name!r} holds the control character {char}").format(
                name=escaped(name), char=escaped(bad)
            )
        )
    if "<" in name or ">" in name or name[0] in GIT_CRUD or name[-1] in GIT_CRUD:
        # git drops these from a commit author's name, so the author would not be the roster's
        raise UsageError(
            _(
                "staff name {name!r}: git cannot keep it as a commit author (no < or >, and "
                "no {crud} at its start or end)"
            ).format(name=name, crud=" ".join(GIT_CRUD))
        )


def require_staff(roster: Roster, name: str, field: str = "by") -> None:
    if name not in roster.staff:
        raise UsageError(
            _("{option}: {name!r} is not on the staff roster (cmplt staff add)").format(
                option=field_ref(field), name=name
            )
        )


def require_choice(value: Any, allowed: Sequence[Any], field: str) -> None:
    if value not in allowed:
        # each choice with its label (`phone (电话)`): what a person may type instead
        raise UsageError(
            _("{option}: unknown value {value!r} (choose from {allowed})").format(
                option=field_ref(field),
                value=value,
                allowed=choices_text(field, [str(a) for a in allowed]),
            )
        )


def resolve_deadline(complaint: Complaint, policy: Policy) -> datetime:
    """When the complaint must be handled, as of its latest events (see rules)."""
    state = fold(complaint.events, complaint.id)
    case = Case(complaint.id, complaint.events, state.classification, complaint.requested_deadline)
    return rules.resolve_deadline(case, policy)


def plan_step(
    complaint: Complaint, step: Step, policy: Policy, roster: Roster, now: datetime
) -> dict[str, Any]:
    """Check `step` against the record and the rules; return the new event's fields."""
    require_staff(roster, step.by)
    state = fold(complaint.events, complaint.id)
    why = refusal(step.action, complaint.id, state.status)
    if why:
        raise StepRefused(why)
    at = step.at or now
    check_time(at, state.last_at, now)
    fields = dict(step.fields)
    check = _STEP_CHECKS.get(step.action)
    if check is not None:
        fields = check(complaint, state, step, fields, policy, roster)
    return fields


def _dispatch(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    require_choice(f["department"], p.departments, "department")
    if s.status == "dispatched" and s.department == f["department"]:
        raise StepRefused(
            _("cannot dispatch {id}: it is already dispatched to {department}").format(
                id=c.id, department=s.department
            )
        )
    return f


def signs_for(member_department: str | None, work_order_department: str | None) -> bool:
    """原则及流程 四.1: the department that receives the work order signs for it (a
    person of no department, the desk, may sign on its behalf)."""
    return member_department is None or member_department == work_order_department


def may_approve_extension(policy: Policy, severity: str, role: str) -> bool:
    """原则及流程 五: overtime only with the approval of the role the policy names."""
    return any(
        level == severity and role == needed for level, needed in policy.extension_approvers.items()
    )


def _accept(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    member = r.staff[step.by]
    if not signs_for(member.department, s.department):
        raise StepRefused(
            _(
                "cannot accept {id}: {name} is in {department}, the work order is for {target}"
            ).format(id=c.id, name=step.by, department=member.department, target=s.department)
        )
    return {"department": s.department, **f}


def _extend(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    approver = f["approved_by"]
    require_staff(r, approver, "approved_by")
    severity = s.classification["severity"]
    needed = p.extension_approvers[severity]
    held = r.staff[approver].role
    if not may_approve_extension(p, severity, held):
        raise StepRefused(
            _(
                "cannot extend {id}: a {severity} complaint's extension needs a {needed}; "
                "{approver} is {held}"
            ).format(
                id=c.id,
                severity=label("severity", severity),
                needed=role_label(needed, p.roles),
                approver=approver,
                held=role_label(held, p.roles),
            )
        )
    until: datetime = f["until"]
    current = resolve_deadline(c, p)
    if until <= current:
        raise StepRefused(
            _(
                "cannot extend {id}: {option} {until} is not after the current deadline {deadline}"
            ).format(
                id=c.id,
                option=field_ref("until"),
                until=time_text(until, None),
                deadline=time_text(current, None),
            )
        )
    return {
        "until": until,
        "approved_by": approver,
        "approver_role": held,
        **_rest(f, "until", "approved_by"),
    }


def _escalate(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    require_staff(r, f["to"], "to")
    if f["to"] == s.owner:
        raise StepRefused(
            _("cannot escalate {id}: {name} already holds it").format(id=c.id, name=f["to"])
        )
    return f


def _callback(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    require_choice(f["satisfaction"], SATISFACTIONS, "satisfaction")
    # the caller's role is written down: the quotas count callbacks by role (回访制度 1-3)
    return {
        "satisfaction": f["satisfaction"],
        "role": r.staff[step.by].role,
        **_rest(f, "satisfaction"),
    }


def _reject(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    # 物业服务投诉处理流程及技巧 — 适度拒绝: only an invalid complaint is declined
    if s.classification["nature"] != "invalid":
        raise StepRefused(
            _(
                "cannot reject {id}: it is classified {nature}; "
                "only an invalid complaint is declined (cmplt reclassify --nature invalid)"
            ).format(id=c.id, nature=s.classification["nature"])
        )
    return f


def _reclassify(
    c: Complaint, s: State, step: Step, f: dict[str, Any], p: Policy, r: Roster
) -> dict[str, Any]:
    changes = {k: v for k, v in f.items() if k in CLASSIFICATION_FIELDS}
    check_classification(changes, p, r)
    before = {k: s.classification.get(k) for k in changes}
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if not changed:
        raise StepRefused(_("cannot reclassify {id}: nothing would change").format(id=c.id))
    result: dict[str, Any] = {"from": {k: before[k] for k in changed}, "to": changed}
    if f.get("reason"):
        result["reason"] = f["reason"]
    return result


def _rest(fields: Mapping[str, Any], *taken: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in taken and v is not None}


_STEP_CHECKS: dict[str, Callable[..., dict[str, Any]]] = {
    "dispatch": _dispatch,
    "accept": _accept,
    "extend": _extend,
    "escalate": _escalate,
    "callback": _callback,
    "reject": _reject,
    "reclassify": _reclassify,
}


def check_classification(values: Mapping[str, Any], policy: Policy, roster: Roster) -> None:
    """Each classification value must be one the policy (or the roster) knows."""
    choices = {
        "nature": NATURES,
        "severity": SEVERITIES,
        "subject": policy.subjects,
        "category": policy.categories,
    }
    for name, value in values.items():
        if name in choices:
            require_choice(value, choices[name], name)
        elif name == "staff_involved" and value is not None:
            require_staff(roster, value, "staff_involved")


def check_intake(values: Mapping[str, Any], policy: Policy, roster: Roster) -> None:
    require_choice(values["channel"], policy.channels, "channel")
    if values.get("responsible_party") is not None:
        require_choice(values["responsible_party"], policy.responsible_parties, "responsible_party")
    check_classification(values, policy, roster)
    received: datetime = values["received_at"]
    deadline = values.get("requested_deadline")
    if deadline is not None and deadline <= received:
        raise UsageError(
            _("{option} must be after the time the complaint was received").format(
                option=field_ref("requested_deadline")
            )
        )
    happened = values.get("happened_at")
    if happened is not None and happened > received:
        raise UsageError(
            _("{option} is after the time the complaint was received").format(
                option=field_ref("happened_at")
            )
        )
