"""The life of a complaint: which step is allowed when, and what it changes.

Pure functions of (record, step, policy, roster, now). They return the new
event as plain values; `store` turns it into YAML and `registry` commits it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from cmplt import rules
from cmplt.chronology import place_in_history, refuse_before_receipt
from cmplt.corrections import check_void, effective, intake_of, plan_correction, voided_ids
from cmplt.errors import StepRefused, UsageError, field_ref
from cmplt.i18n import N_, _, choices_text, label
from cmplt.model import (
    CLASSIFICATION_FIELDS,
    CORRECTABLE_FIELDS,
    Approve,
    Complaint,
    Event,
    Extend,
    is_request,
)
from cmplt.plaintext import GIT_CRUD, MULTI_LINE_FIELDS, escaped, forbidden_character
from cmplt.policy import NATURES, SATISFACTIONS, SEVERITIES, Policy, Roster
from cmplt.rules import Case
from cmplt.shown import role_label, time_text
from cmplt.terms import AFTER_CLOSING, ATTACHMENT_KINDS

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
    "correct": NOT_CLOSED,  # corrections.py: the intake put right
    "void": NOT_CLOSED,  # corrections.py: a step recorded by mistake
    # the customer chased (催单); an archived record is reopened instead
    "urge": NOT_CLOSED,
    # evidence may be kept after the archive too (the callback's written opinion)
    "attach": NOT_CLOSED | {"closed"},  # terms.AFTER_CLOSING
    # an approval is judged again as the step it grants, when it is given
    "approve": NOT_CLOSED,
    "decide": NOT_CLOSED,
    "track": ACTIVE,
    "promise": NOT_CLOSED,
    # 投诉处理及回访制度 七: the reward-and-penalty review may follow the archive
    "review": NOT_CLOSED | {"closed"},  # terms.AFTER_CLOSING
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
    # the intake fields corrections decide (corrections.corrected_intake)
    intake: Mapping[str, Any] = field(default_factory=dict)
    anonymous: bool = False  # no contact given: nobody to call back
    # requested steps not yet approved, by event ID
    pending: Mapping[str, Event] = field(default_factory=dict)
    # steps of a merge that contradict the history before them (Complaint.concurrent)
    set_aside: tuple[str, ...] = ()


def _next_status(action: str, status: str) -> str:
    if action == "approve":
        return status
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


def state_refusal(action: str, complaint_id: str, state: State) -> str | None:
    """`refusal`, but that an anonymous complaint is archived without a callback:
    there is nobody to call (README: anonymous complaints)."""
    if action == "close" and state.anonymous and state.status == "resolved":
        return None
    return refusal(action, complaint_id, state.status)


def fold(events: Sequence[Event], complaint_id: str = "", set_aside: Collection[str] = ()) -> State:
    """Replay the events; a step out of order raises StepRefused naming it.

    `set_aside`: events a merge of two clones may hold that contradict the history
    before them (one clone archived the complaint while the other called back):
    such an event, when refused at its place, is passed over like a voided one and
    listed in `State.set_aside` (merging.py; rule `concurrent-steps`)."""
    first = events[0]
    if first.action != "received":
        raise StepRefused(
            _("{id}: the first event must be 'received', not {action!r}").format(
                id=complaint_id, action=first.action
            ),
            0,
        )
    classification = {name: getattr(first, name, None) for name in CLASSIFICATION_FIELDS}
    anonymous = bool(getattr(first, "anonymous", False))
    state = State("open", first.by, None, first.at, first.at, classification, anonymous=anonymous)
    skipped: list[str] = []
    # a voided event stays in the file, in its place, but changes nothing
    voided = voided_ids(events, complaint_id, set_aside, skipped) if _any(events, "void") else set()
    for index, event in enumerate(events[1:], start=1):
        if event.action == "received":
            raise StepRefused(
                _("{id}: event {index} repeats 'received'").format(id=complaint_id, index=index),
                index,
            )
        if event.id in voided or event.action == "void":
            if event.at < state.last_at:
                raise StepRefused(
                    _("event {index} ({event}) happened before the event it follows").format(
                        index=index, event=event.id
                    ),
                    index,
                )
            state = replace(state, last_at=event.at)
            continue
        why = state_refusal(event.action, complaint_id, state)
        if why is None and event.action == "approve":
            why = approval_refusal(state, event.approves, complaint_id)
        if why and event.id in set_aside:
            skipped.append(event.id)
            continue
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
    if _any(events, "correct"):
        state = replace(state, intake=intake_of(events, voided | set(skipped)))
    if skipped:
        order = {e.id: i for i, e in enumerate(events)}
        state = replace(state, set_aside=tuple(sorted(skipped, key=order.__getitem__)))
    return state


def _any(events: Sequence[Event], action: str) -> bool:
    return any(e.action == action for e in events)


def approval_refusal(state: State, target_id: str, complaint_id: str) -> str | None:
    """None when the request `target_id` may be approved in `state`; else why not."""
    target = state.pending.get(target_id)
    if target is None:
        return _("cannot approve {id}: {event} is not a step waiting for approval").format(
            id=complaint_id, event=target_id
        )
    if state.status not in ALLOWED_FROM[target.action]:
        return _("cannot approve {id}: the {action} asked for cannot follow now ({why})").format(
            id=complaint_id,
            action=label("action", target.action),
            why=_("it is {status}").format(status=label("status", state.status)),
        )
    return None


def _apply(state: State, event: Event, granting: bool = False) -> State:
    pending = state.pending
    if is_request(event) and not granting:
        # recorded, waiting: nothing moves until it is approved
        return replace(state, last_at=event.at, pending={**pending, event.id: event})
    if event.action == "approve":
        target = pending[event.approves]
        pending = {k: v for k, v in pending.items() if k != event.approves}
        granted = _apply(replace(state, pending=pending), target, granting=True)
        return replace(granted, last_at=event.at)
    owner, department = state.owner, state.department
    classification = state.classification
    if event.action == "escalate":
        owner = event.to
    elif event.action == "dispatch":
        department = event.department
    elif event.action == "reclassify":
        classification = {**classification, **event.to}
    if event.action in {"reopen", "close"}:
        pending = {}  # a request not approved by then lapses with its round
    return replace(
        state,
        status=_next_status(event.action, state.status),
        owner=owner,
        department=department,
        last_at=event.at,
        classification=classification,
        pending=pending,
    )


def derived_fields(state: State) -> dict[str, Any]:
    """The top-of-file fields, in file order, as the events define them."""
    return {
        "status": state.status,
        "owner": state.owner,
        "department": state.department,
        "received_at": state.received_at,
        "anonymous": True if state.anonymous else None,
        **state.classification,
        **state.intake,
        "concurrent": list(state.set_aside) or None,
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
DEADLINE_FIELDS = frozenset({"requested_deadline", "until", "call_by"})


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


def require_staff(roster: Roster, name: str, field: str = "by", acting: bool = True) -> None:
    member = roster.staff.get(name)
    if member is None:
        raise UsageError(
            _("{option}: {name!r} is not on the staff roster (cmplt staff add)").format(
                option=field_ref(field), name=name
            )
        )
    if acting and member.removed:
        raise StepRefused(
            _("{option}: {name} was removed from the staff roster and can no longer act").format(
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


def roles_text(roles: Sequence[str], policy: Policy | None = None) -> str:
    """Roles as a person reads them; a list that is everyone from one rank up (policy
    ranks) reads "物业部经理 (manager) or above"."""
    if policy is not None and policy.ranks and roles:
        ranked = [policy.rank(role) for role in roles]
        if all(rank is not None for rank in ranked):
            lowest = min(r for r in ranked if r is not None)
            above = {role for role, rank in policy.ranks.items() if rank >= lowest}
            if set(roles) == above and len(roles) > 1:
                first = min(roles, key=lambda role: (policy.ranks[role], roles.index(role)))
                return _("{role} or above").format(role=f"{label('role', first)} ({first})")
    if policy is not None and len(roles) > 2:
        left_out = [role for role in policy.roles if role not in roles]
        if 0 < len(left_out) <= 2 and set(roles) <= set(policy.roles):
            return _("anyone but {roles}").format(
                roles=_(" or ").join(f"{label('role', role)} ({role})" for role in left_out)
            )
    return _(" or ").join(f"{label('role', role)} ({role})" for role in roles)


def authority_refusal(
    policy: Policy, roster: Roster, name: str, step: str, complaint_id: str | None
) -> str | None:
    """None when the permissions table lets `name` take `step`; else why not, in one line."""
    member = roster.staff.get(name)
    role = member.role if member is not None else None
    if policy.may_take(step, role):
        return None
    if complaint_id:
        what = f"{step} {complaint_id}"
    elif step == "staff":
        what = _("change the staff roster")
    else:
        what = step
    return _("cannot {what}: {name} is {role}; it is for {roles} (policy permissions)").format(
        what=what,
        name=name,
        role=label("role", role) if role else "?",
        roles=roles_text(policy.permissions[step], policy),
    )


def resolve_deadline(complaint: Complaint, policy: Policy) -> datetime:
    """When the complaint must be handled, as of its latest events (see rules)."""
    state = fold(complaint.events, complaint.id, complaint.set_aside)
    return rules.resolve_deadline(_case(complaint, state), policy)


def _case(complaint: Complaint, state: State) -> Case:
    # a voided step counts for nothing; an anonymous complaint needs no callback
    return Case(
        complaint.id,
        effective(complaint.events, complaint.set_aside),
        state.classification,
        complaint.requested_deadline,
        anonymous=state.anonymous,
    )


def plan_step(
    complaint: Complaint, step: Step, policy: Policy, roster: Roster, now: datetime
) -> dict[str, Any]:
    """Check `step` against the record and the rules; return the new event's fields."""
    require_staff(roster, step.by)
    why = authority_refusal(policy, roster, step.by, step.action, complaint.id)
    if why:
        raise StepRefused(why)
    state = fold(complaint.events, complaint.id, complaint.set_aside)
    if step.action == "void":
        check_void(
            complaint.events, step.fields["event"], step.by, policy, roster, now, complaint.id,
            complaint.set_aside,
        )  # fmt: skip
    at = step.at or now
    check_time(at, None, now)
    refuse_before_receipt(at, complaint.events[0].at)
    # a late entry (the night shift's, a reply typed in after a note) is judged by
    # the record as it stood when the step happened; registry.apply then checks
    # that every later event stays allowed (chronology.conflict_with_later)
    place = place_in_history(complaint.events, at)
    late = place < len(complaint.events)
    if late and state.status == "closed" and step.action not in {"reopen", *AFTER_CLOSING}:
        # an archived record changes only by a reopening (投诉处理及回访制度 六: 归档)
        raise StepRefused(refusal(step.action, complaint.id, state.status) or "")
    if late and step.action == "correct":
        # a correction says what the intake should have said; its `from` is the value
        # now, so it is recorded now, not slipped in before later events
        raise StepRefused(
            _(
                "cannot correct {id}: a correction is recorded as it is made; "
                "give it without {option}"
            ).format(id=complaint.id, option=field_ref("at"))
        )
    if late:
        complaint = complaint.model_copy(update={"events": complaint.events[:place]})
        state = fold(complaint.events, complaint.id, complaint.set_aside)
    why = state_refusal(step.action, complaint.id, state)
    if why and step.action == "void" and step.fields["event"] in state.set_aside:
        # settling a merge's contradiction by voiding the step it set aside changes
        # nothing the record says, so it is allowed whatever the status, an archived
        # record included (README: Teams and sites)
        why = None
    if (
        why
        and step.action == "accept"
        and any(e.action == "dispatch" for e in state.pending.values())
    ):
        why = _("cannot accept {id}: its work order waits for approval (cmplt approve)").format(
            id=complaint.id
        )
    if why:
        if late:
            why = _("{why} (as the record stood at {at})").format(why=why, at=at.isoformat())
        raise StepRefused(why)
    fields = dict(step.fields)
    check = _STEP_CHECKS.get(step.action)
    if check is not None:
        fields = check(Judged(complaint, state, step, policy, roster, now), fields)
    return {k: v for k, v in fields.items() if v is not None and v is not False}


@dataclass(frozen=True)
class Judged:
    """What a step's own check reads: the record, its state, the step, the rules, the
    roster and the moment it is recorded (approvals are judged by then)."""

    c: Complaint
    s: State
    step: Step
    p: Policy
    r: Roster
    now: datetime

    @property
    def role(self) -> str:
        return self.r.staff[self.step.by].role

    def refuse(self, why: str, **values: Any) -> StepRefused:
        return StepRefused(
            _("cannot {action} {id}: {why}").format(
                action=label("action", self.step.action), id=self.c.id, why=why.format(**values)
            )
        )


def signs_for(
    member_department: str | None, work_order_department: str | None, strict: bool = False
) -> bool:
    """原则及流程 四.1: the department that receives the work order signs for it. Under a
    policy without permissions, a person of no department (the desk) could sign on its
    behalf; with them (`strict`), only the department's own people do."""
    if member_department is None:
        return not strict
    return member_department == work_order_department


def may_approve_extension(policy: Policy, severity: str, role: str | None) -> bool:
    """原则及流程 五: overtime only with the approval of the role the policy names (or,
    where the policy ranks roles, a role ranked above it)."""
    needed = policy.extension_approvers.get(severity)  # type: ignore[call-overload]
    return needed is not None and policy.may_approve(role, [needed])


def approvers_of(policy: Policy, action: str, severity: str) -> list[str]:
    """The roles that approve a requested step: the extension approver of the severity
    for an extension or a reclassification that gives more time (the equivalent
    extension), the dispatch approvers for a work order (规程 4.3.1)."""
    if action == "dispatch":
        return list(policy.approvals.dispatch)
    return [policy.extension_approvers[severity]]  # type: ignore[index]


def later_step_broken(
    events: Sequence[Event],
    new_id: str,
    policy: Policy,
    complaint_id: str,
    requested_deadline: datetime | None,
    set_aside: Collection[str] = (),
) -> str | None:
    """After a late entry (`new_id`, put in its place in `events`): the ID of a later
    event the rules would no longer allow, where the state machine alone cannot see
    it — an approval its approver could no longer give (the severity raised before
    it), an extension it would no longer extend, the same person's second callback
    after one result. None when every later event stands."""
    kept = effective(events, set_aside)  # what a merge set aside stands for nothing
    index = next((i for i, e in enumerate(kept) if e.id == new_id), len(kept))
    new = kept[index] if index < len(kept) else None
    if new is not None and new.action == "callback" and policy.permissions:
        starts = [*rules.round_starts(kept), len(kept)]
        begin = max(s for s in starts[:-1] if s <= index)
        end = min(s for s in starts if s > index)
        results = [i for i in range(begin, end) if kept[i].action == "resolve"]
        if results:
            for e in kept[results[-1] + 1 : end]:
                if e.action == "callback" and e.by == new.by and e.id != new_id:
                    return e.id
    for i in range(index + 1, len(kept)):
        approval = kept[i]
        if not isinstance(approval, Approve):
            continue
        state = fold(kept[:i], complaint_id)
        target = state.pending.get(approval.approves)
        if target is None:
            continue  # the state machine says so on its own
        needed = approvers_of(policy, target.action, str(state.classification["severity"]))
        if needed and not policy.may_approve(approval.role, needed):
            return approval.id
        if isinstance(target, Extend):
            case = Case(complaint_id, kept[:i], state.classification, requested_deadline)
            if target.until <= rules.resolve_deadline(case, policy):
                return approval.id
    return None


def needs_approval(policy: Policy, event: Event, state: State) -> bool:
    """Whether a step of the kinds that wait for approval needed one, under `policy`,
    in `state` (before it): every extension, a valid complaint's work order, a
    reclassification that gives a running clock more time."""
    if event.action == "extend":
        return policy.approvals.by_approver
    if event.action == "dispatch":
        return bool(policy.approvals.dispatch) and state.classification["nature"] in rules.VALID
    if event.action == "reclassify":
        return policy.approvals.by_approver and gives_more_time(
            state.classification,
            event.to,
        )
    return False


def _grant_or_request(j: Judged, approvers: Sequence[str]) -> dict[str, Any]:
    """The step carries its approval when its own author may give it; otherwise it is
    recorded as a request that changes nothing until `cmplt approve`."""
    if j.p.may_approve(j.role, approvers):
        return {"approved_by": j.step.by, "approver_role": j.role}
    return {"requested": True}


def _overdue_when(j: Judged, rules_wanted: frozenset[str] | None = None) -> dict[str, Any]:
    """The earliest deadline already run out and unmet now (past breaches stay breaches:
    an approval given after it moves the clock, it does not make it met in time)."""
    passed = [
        clock.due
        for clock in rules.clocks(_case(j.c, j.s), j.p)
        if (rules_wanted is None or clock.rule in rules_wanted)
        and not rules.met_in_time(clock.due.timestamp(), _ts(clock.met_at))
        and rules.ran_out(clock.due.timestamp(), j.now.timestamp())
    ]
    return {"deadline_passed": min(passed)} if passed else {}


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _dispatch(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    require_choice(f["department"], j.p.departments, "department")
    if j.s.status == "dispatched" and j.s.department == f["department"]:
        raise j.refuse(_("it is already dispatched to {department}"), department=j.s.department)
    if f.get("person") is not None:
        require_staff(j.r, f["person"], "person")
    # 规程 4.3.1: a valid complaint's record is approved before it goes to the department
    if j.p.approvals.dispatch and j.s.classification["nature"] in rules.VALID:
        f.update(_grant_or_request(j, j.p.approvals.dispatch))
    return f


def _accept(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    member = j.r.staff[j.step.by]
    if not signs_for(member.department, j.s.department, strict=bool(j.p.permissions)):
        if member.department is None:
            raise j.refuse(
                _("{name} is in no department; the work order is for {target}"),
                name=j.step.by,
                target=j.s.department,
            )
        raise j.refuse(
            _("{name} is in {department}, the work order is for {target}"),
            name=j.step.by,
            department=member.department,
            target=j.s.department,
        )
    return {"department": j.s.department, **f}


def _resolve(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    # 原则及流程 四.2: a signed-for work order's result is written by its department
    if j.p.permissions and j.s.status == "in_progress" and j.s.department is not None:
        member = j.r.staff[j.step.by]
        if member.department != j.s.department:
            raise j.refuse(
                _("its work order is with {target}; {name} is not in it"),
                target=j.s.department,
                name=j.step.by,
            )
    return f


def _extend(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    severity = j.s.classification["severity"]
    until: datetime = f["until"]
    current = rules.resolve_deadline(_case(j.c, j.s), j.p)
    if until <= current:
        raise j.refuse(
            _("{option} {until} is not after the current deadline {deadline}"),
            option=field_ref("until"),
            until=time_text(until, None),
            deadline=time_text(current, None),
        )
    named = f.get("approved_by")
    note = _rest(f, "until", "approved_by")
    if j.p.approvals.by_approver:
        # 原则及流程 五: the approver approves; a name typed by someone else is a request
        if named is not None and named != j.step.by:
            require_staff(j.r, named, "approved_by")
        granted = _grant_or_request(j, approvers_of(j.p, "extend", severity))
        if "approved_by" in granted:
            granted.update(_overdue_when(j, frozenset({"resolve"})))
        return {"until": until, **granted, **note}
    if named is None:
        raise UsageError(
            _("{option} is needed: this registry's policy takes the approver's name").format(
                option=field_ref("approved_by")
            )
        )
    require_staff(j.r, named, "approved_by")
    held = j.r.staff[named].role
    if not may_approve_extension(j.p, severity, held):
        needed = j.p.extension_approvers[severity]
        raise StepRefused(
            _(
                "cannot extend {id}: a {severity} complaint's extension needs a {needed}; "
                "{approver} is {held}"
            ).format(
                id=j.c.id,
                severity=label("severity", severity),
                needed=role_label(needed, j.p.roles),
                approver=named,
                held=role_label(held, j.p.roles),
            )
        )
    return {"until": until, "approved_by": named, "approver_role": held, **note}


def _escalate(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    require_staff(j.r, f["to"], "to")
    if f["to"] == j.s.owner:
        raise j.refuse(_("{name} already holds it"), name=f["to"])
    # 流程及技巧 6-7: passed up a level, to someone ranked above whoever holds it
    if j.p.ranks:
        owner = j.r.staff.get(j.s.owner)
        held = j.p.rank(owner.role) if owner is not None else None
        target_role = j.r.staff[f["to"]].role
        target = j.p.rank(target_role)
        if target is None or (held is not None and target <= held):
            raise j.refuse(
                _("{name} ({role}) is not ranked above {owner}, who holds it (policy ranks)"),
                name=f["to"],
                role=label("role", target_role),
                owner=j.s.owner,
            )
    return f


def _callback(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    require_choice(f["satisfaction"], SATISFACTIONS, "satisfaction")
    if j.p.permissions:
        # one person's call counts once: a second is not another role's callback
        case = _case(j.c, j.s)
        if any(call.by == j.step.by for call in rules.callbacks_of_round(case)):
            raise j.refuse(_("{name} has already called the customer back"), name=j.step.by)
    # the caller's role is written down: the quotas count callbacks by role (回访制度 1-3)
    return {"satisfaction": f["satisfaction"], "role": j.role, **_rest(f, "satisfaction")}


def _reject(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    duplicate = f.get("duplicate_of")
    if duplicate is not None:
        # the same complaint entered twice: closed as a duplicate, whatever its nature
        if duplicate == j.c.id:
            raise j.refuse(_("a record is no duplicate of itself"))
        return f
    # 物业服务投诉处理流程及技巧 — 适度拒绝: only an invalid complaint is declined
    if j.s.classification["nature"] != "invalid":
        raise j.refuse(
            _(
                "it is classified {nature}; only an invalid complaint is declined "
                "(cmplt reclassify --nature invalid)"
            ),
            nature=j.s.classification["nature"],
        )
    return f


def gives_more_time(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """A reclassification that lengthens or lifts a running clock: a higher severity
    (2 → 3 → 10 days), a valid complaint made a request or invalid (no 24 h plan, no
    dual callback), or the economic loss taken back (no dual callback)."""
    # a value the policy does not know (a hand edit) is validate's to report, not ours
    order = {name: i for i, name in enumerate(SEVERITIES)}
    was, now = order.get(str(before.get("severity"))), order.get(str(after.get("severity")))
    if was is not None and now is not None and now > was:
        return True
    valid_before = before.get("nature") in rules.VALID
    if "nature" in after and valid_before and after["nature"] not in rules.VALID:
        return True
    return bool(before.get("economic_loss")) and after.get("economic_loss") is False


def _reclassify(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    changes = {k: v for k, v in f.items() if k in CLASSIFICATION_FIELDS}
    check_classification(changes, j.p, j.r)
    before = {k: j.s.classification.get(k) for k in changes}
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if not changed:
        raise j.refuse(_("nothing would change"))
    result: dict[str, Any] = {"from": {k: before[k] for k in changed}, "to": changed}
    if f.get("reason"):
        result["reason"] = f["reason"]
    if j.p.approvals.by_approver and gives_more_time(j.s.classification, changed):
        severity = j.s.classification["severity"]
        granted = _grant_or_request(j, approvers_of(j.p, "reclassify", severity))
        if "approved_by" in granted:
            granted.update(_overdue_when(j))
        result.update(granted)
    return result


def _approve(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    pending = j.s.pending
    target_id = f.get("approves")
    if not pending:
        raise j.refuse(_("no step of it waits for approval"))
    if target_id is None:
        if len(pending) > 1:
            raise UsageError(
                _(
                    "{id}: several steps wait for approval ({events}); name one with {option}"
                ).format(id=j.c.id, events=", ".join(pending), option=field_ref("approves"))
            )
        target_id = next(iter(pending))
    why = approval_refusal(j.s, target_id, j.c.id)
    if why:
        raise StepRefused(why)
    target = pending[target_id]
    severity = j.s.classification["severity"]
    needed = approvers_of(j.p, target.action, severity)
    if not j.p.may_approve(j.role, needed):
        raise j.refuse(
            _("the {action} waiting needs {roles}; {name} is {held}"),
            action=label("action", target.action),
            roles=roles_text(needed, j.p),
            name=j.step.by,
            held=label("role", j.role),
        )
    late: dict[str, Any] = {}
    if target.action == "extend":
        current = rules.resolve_deadline(_case(j.c, j.s), j.p)
        if target.until <= current:
            raise j.refuse(
                _("the extension asked for ({until}) is not after the current deadline {deadline}"),
                until=target.until.isoformat(),
                deadline=current.isoformat(),
            )
        late = _overdue_when(j, frozenset({"resolve"}))
    elif target.action == "reclassify":
        late = _overdue_when(j)
    return {"approves": target_id, "role": j.role, **late, **_rest(f, "approves")}


def _track(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    require_staff(j.r, f["person"], "person")
    return f


def _promise(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    at = j.step.at or j.now
    if f["call_by"] <= at:
        raise j.refuse(
            _("{option} must be after the time of the promise"), option=field_ref("call_by")
        )
    return f


def _review(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    # 投诉处理及回访制度 七: only a verified complaint about a named staff member
    if not j.s.classification.get("staff_involved") or j.c.staff_verified is not True:
        raise j.refuse(
            _(
                "no staff member is verified as complained about (cmplt reclassify "
                "--staff-involved NAME --staff-verified yes)"
            )
        )
    return f


def _close(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    waived = f.get("waived")
    missing = rules.missing_callbacks(_case(j.c, j.s), j.p) if j.p.close_needs_callbacks else []
    if not missing:
        if waived:
            raise UsageError(_("{id}: no callback is missing; nothing to waive").format(id=j.c.id))
        return f
    what = "; ".join(rules.describe(detail, data) for detail, data in missing)
    if not waived:
        raise j.refuse(
            _("{what} (or a waiver: {option} REASON by {roles})"),
            what=what,
            option=field_ref("waived"),
            roles=roles_text(j.p.permissions.get("waive", ["manager"]), j.p),
        )
    why = authority_refusal(j.p, j.r, j.step.by, "waive", j.c.id)
    if why:
        raise StepRefused(why)
    return f


def _rest(fields: Mapping[str, Any], *taken: str) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in taken and v is not None}


def _correct(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    changes = {k: v for k, v in f.items() if k in CORRECTABLE_FIELDS and v is not None}
    after = {
        "anonymous": getattr(j.c, "anonymous", False),
        "phone": j.c.phone,
        "requested_deadline": j.c.requested_deadline,
        "happened_at": j.c.happened_at,
        **changes,
    }
    check_contact_and_times(after, j.s.received_at)
    if "channel" in changes:
        require_choice(changes["channel"], j.p.channels, "channel")
    if "responsible_party" in changes:
        require_choice(changes["responsible_party"], j.p.responsible_parties, "responsible_party")
    planned = plan_correction({k: getattr(j.c, k) for k in changes}, changes)
    return {**planned, "reason": f["reason"]}


def _attach(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    require_choice(f["kind"], ATTACHMENT_KINDS, "kind")
    return f


def _urge(j: Judged, f: dict[str, Any]) -> dict[str, Any]:
    require_choice(f["channel"], j.p.channels, "channel")
    return {"channel": f["channel"], **_rest(f, "channel")}


_STEP_CHECKS: dict[str, Callable[[Judged, dict[str, Any]], dict[str, Any]]] = {
    "dispatch": _dispatch,
    "accept": _accept,
    "resolve": _resolve,
    "extend": _extend,
    "escalate": _escalate,
    "callback": _callback,
    "reject": _reject,
    "reclassify": _reclassify,
    "approve": _approve,
    "track": _track,
    "promise": _promise,
    "review": _review,
    "close": _close,
    "correct": _correct,
    "urge": _urge,
    "attach": _attach,
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
    check_contact_and_times(values, values["received_at"])
    require_choice(values["channel"], policy.channels, "channel")
    if values.get("responsible_party") is not None:
        require_choice(values["responsible_party"], policy.responsible_parties, "responsible_party")
    check_classification(values, policy, roster)


def check_contact_and_times(values: Mapping[str, Any], received: datetime) -> None:
    """The intake's contact and times, at `new` and after a `correct`."""
    # an anonymous complaint has no contact; any other has one to call back on
    if values.get("anonymous") and values.get("phone"):
        raise UsageError(
            _("{option}: an anonymous complaint records no phone number").format(
                option=field_ref("anonymous")
            )
        )
    if not values.get("anonymous") and not values.get("phone"):
        raise UsageError(
            _("{option} is required (or {anonymous} when the customer gives none)").format(
                option=field_ref("phone"), anonymous=field_ref("anonymous")
            )
        )
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
