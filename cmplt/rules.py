"""The clocks of the procedures, one small function each.

A rule looks at one complaint's events (as far as they were recorded at the
moment asked about) and the policy in force for it, and yields the clocks it
sets: when each runs out, whether and when it was met, and who held the
complaint then. `check` decides which clocks are late; reports count how
many were met in time. Adding a rule is one function and one entry in RULES.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cmplt.calendar_time import add_time
from cmplt.i18n import N_
from cmplt.model import Callback, Dispatch, Escalate, Event, Extend, Promise, is_request
from cmplt.policy import Policy

VALID = ("valid-1", "valid-2")
REPLIES = frozenset({"respond", "plan", "resolve", "reject"})
ANSWERS = frozenset({"plan", "resolve"})
HANDLED = frozenset({"resolve", "reject"})


@dataclass(frozen=True)
class Clock:
    rule: str
    due: datetime
    met_at: datetime | None
    owner: str  # who held the complaint when the clock ran out
    department: str | None
    event_id: str  # the event that started the clock
    # what is missing, for people: an English message template (translated when
    # the finding is shown, never before: clocks are cached) and what it names
    detail: str
    data: tuple[tuple[str, str | tuple[str, ...]], ...] = ()
    # archived with this duty waived (close --waive): not a finding any more, though
    # never met (the report counts it missed, and lists the waiver)
    waived: bool = False


@dataclass(frozen=True)
class Case:
    """A complaint as far as its events were recorded: what the rules read."""

    id: str
    events: Sequence[Event]
    classification: Mapping[str, Any]
    requested_deadline: datetime | None
    anonymous: bool = False  # no contact given: no callback, not in the quotas
    # the steps a merge of two clones set aside (Complaint.concurrent): not in `events`
    set_aside: Sequence[Event] = ()

    @property
    def severity(self) -> str:
        return str(self.classification["severity"])

    @property
    def nature(self) -> str:
        return str(self.classification["nature"])


def round_starts(events: Sequence[Event]) -> list[int]:
    """Indexes of the events that start a round of handling: receipt, then each
    reopening or escalation after the result. Every clock runs again from a
    round's start (a reopened record's clocks run again from the reopening)."""
    starts, handled = [0], False
    for index, event in enumerate(events):
        if event.action == "reopen" or (event.action == "escalate" and handled):
            starts.append(index)
            handled = False
        elif event.action in {"resolve", "callback"}:
            handled = True
    return starts


def current_round(events: Sequence[Event]) -> tuple[int, Sequence[Event]]:
    """The index of the current round's first event, and the events after it."""
    start = round_starts(events)[-1]
    return start, events[start + 1 :]


def holder_at(events: Sequence[Event], moment: datetime) -> tuple[str, str | None]:
    """Who held the complaint (owner, work-order department) at `moment`."""
    owner, department = events[0].by, None
    # a work order goes to its department when it takes effect: at its approval when
    # it was recorded as a request
    for when, event in granted(events):
        if when.at > moment:
            break
        if isinstance(event, Escalate):
            owner = event.to
        elif isinstance(event, Dispatch):
            department = event.department
    return owner, department


def _clock(
    case: Case,
    rule: str,
    start: Event,
    due: datetime,
    met: datetime | None,
    detail: str,
    data: tuple[tuple[str, str | tuple[str, ...]], ...] = (),
) -> Clock:
    owner, department = holder_at(case.events, due)
    return Clock(rule, due, met, owner, department, start.id, detail, data)


def describe(detail: str, data: Iterable[Sequence[Any]] = ()) -> str:
    """A clock's `detail` in the active language; a tuple of roles reads as a list
    ("director and manager", 中心主任、物业部经理)."""
    from cmplt.i18n import _, label

    values: dict[str, str] = {}
    for name, value in data:
        if isinstance(value, tuple | list):
            values[name] = _(" and ").join(label("role", role) for role in value)
        elif name.endswith("action"):  # a step's key reads as its label (答复, 归档)
            values[name] = label("action", str(value))
        else:
            values[name] = str(value)
    return _(detail).format(**values)


def _first(events: Sequence[Event], actions: frozenset[str]) -> datetime | None:
    return next((e.at for e in events if e.action in actions), None)


def granted(events: Sequence[Event]) -> Iterator[tuple[Event, Event]]:
    """Each step that took effect, with the event at which it did: itself, or the
    `approve` that granted it when it was recorded as a request (policy approvals)."""
    requests: dict[str, Event] = {}
    for event in events:
        if is_request(event):
            requests[event.id] = event
        elif event.action == "approve":
            target = requests.pop(event.approves, None)
            if target is not None:
                yield event, target
        else:
            yield event, event


def _later(policy: Policy, start: datetime, duration: timedelta) -> datetime:
    return add_time(start, duration, policy.calendar, policy.tz)


# --- in time or late ---------------------------------------------------------------
# `check` (overdue, warning) and `report` (inside, decided) judge every clock with
# these two, so that no clock is overdue in one and in time in the other.


def met_in_time(due: float, met: float | None) -> bool:
    """A clock met at or before its due instant (POSIX seconds) was met in time: a
    step taken at the very instant the clock runs out is still in time."""
    return met is not None and met <= due


def ran_out(due: float, moment: float) -> bool:
    """Whether a clock still unmet at `moment` has run out: only once `moment` is
    strictly after its due instant (at the instant itself a step is still in time)."""
    return moment > due


# --- the rules -----------------------------------------------------------------


def first_reply(case: Case, policy: Policy) -> Iterator[Clock]:
    # 物业客服工作中如何应对… 二: reply to the customer within 2 hours
    index, rest = current_round(case.events)
    start = case.events[index]
    due = _later(policy, start.at, policy.clocks.first_reply)
    yield _clock(
        case, "first-reply", start, due, _first(rest, REPLIES), N_("no reply to the customer")
    )


def initial_plan(case: Case, policy: Policy) -> Iterator[Clock]:
    # 规程 4.3.1: a valid complaint handled, or an initial plan given, within 24 hours
    if case.nature not in VALID:
        return
    index, rest = current_round(case.events)
    start = case.events[index]
    due = _later(policy, start.at, policy.clocks.initial_plan)
    yield _clock(case, "initial-plan", start, due, _first(rest, ANSWERS), N_("no plan or result"))


def major_answer(case: Case, policy: Policy) -> Iterator[Clock]:
    # 原则及流程 五.3: a major complaint gets a definite answer (明确答复) within 2 days;
    # with policy definite_answer, a tentative plan does not meet it, an answer marked
    # definite or the result does
    if case.severity != "major":
        return
    index, rest = current_round(case.events)
    start = case.events[index]
    due = _later(policy, start.at, policy.clocks.major_answer)
    if policy.definite_answer:
        met = next((e.at for e in rest if e.action == "resolve" or _definite(e)), None)
    else:
        met = _first(rest, ANSWERS)
    yield _clock(case, "major-answer", start, due, met, N_("no definite answer"))


def _definite(event: Event) -> bool:
    return event.action in {"respond", "plan"} and bool(getattr(event, "definite", False))


def resolve(case: Case, policy: Policy) -> Iterator[Clock]:
    # 原则及流程 五.1-3 and the approved extensions (超时需经批准)
    index, rest = current_round(case.events)
    start = case.events[index]
    due = resolve_deadline(case, policy)
    yield _clock(case, "resolve", start, due, _first(rest, HANDLED), N_("not resolved"))


def resolve_deadline(case: Case, policy: Policy) -> datetime:
    """原则及流程 五: minor 2 days or the customer's deadline, important 3
    days, major 10 days, from receipt or the round's restart; the latest approved
    extension of the round replaces it."""
    index, rest = current_round(case.events)
    extensions = [e.until for _when, e in granted(rest) if isinstance(e, Extend)]
    if extensions:
        return extensions[-1]
    start = case.events[index].at
    due = _later(policy, start, getattr(policy.clocks.resolve, case.severity))
    # the customer's own deadline binds the first round only, not a reopened one
    if case.severity == "minor" and case.requested_deadline is not None and index == 0:
        if policy.clocks.resolve.customer_deadline == "replaces":
            due = case.requested_deadline
        else:
            due = min(due, case.requested_deadline)
    return due


def _result(case: Case) -> Event | None:
    """The result of the current round, if it has one."""
    _, rest = current_round(case.events)
    results = [e for e in rest if e.action == "resolve"]
    return results[-1] if results else None


def _callbacks_after(case: Case, result: Event) -> list[Callback]:
    after = case.events[list(case.events).index(result) + 1 :]
    return [e for e in after if isinstance(e, Callback)]


def callback(case: Case, policy: Policy) -> Iterator[Clock]:
    # 投诉处理及回访制度 六: every handled complaint is called back (but an anonymous
    # one: there is nobody to call)
    result = _result(case)
    if result is None or case.anonymous:
        return
    due = _later(policy, result.at, policy.callback.window)
    calls = _callbacks_after(case, result)
    yield _clock(case, "callback", result, due, calls[0].at if calls else None, N_("no callback"))


def needs_dual_callback(case: Case, policy: Policy) -> bool:
    # 回访制度 4: a real complaint, or a large economic loss (see README: policy readings)
    dual = policy.callback.dual
    return case.nature in dual.natures or (
        dual.economic_loss and bool(case.classification.get("economic_loss"))
    )


def dual_callback(case: Case, policy: Policy) -> Iterator[Clock]:
    result = _result(case)
    if result is None or case.anonymous or not needs_dual_callback(case, policy):
        return
    due = _later(policy, result.at, policy.callback.window)
    first_by_role: dict[str, datetime] = {}
    for call in _callbacks_after(case, result):
        first_by_role.setdefault(call.role, call.at)
    missing = [role for role in policy.callback.dual.roles if role not in first_by_role]
    met = None if missing else max(first_by_role[r] for r in policy.callback.dual.roles)
    detail = N_("no callback by {roles}") if missing else ""
    clock = _clock(case, "dual-callback", result, due, met, detail, (("roles", tuple(missing)),))
    yield replace(clock, waived=missing != [] and _waived_after(case, result))


def _waived_after(case: Case, event: Event) -> bool:
    """Whether the record was archived after `event` with a missing callback waived."""
    after = case.events[list(case.events).index(event) + 1 :]
    return any(e.action == "close" and getattr(e, "waived", None) for e in after)


def dissatisfied(case: Case, policy: Policy) -> Iterator[Clock]:
    # 物业服务投诉处理流程及技巧 6-7: a dissatisfied customer's complaint goes back for
    # handling or up a level; reopen or escalate starts a new round, so any callback
    # still in the current round was not followed by either.
    _, rest = current_round(case.events)
    calls = [e for e in rest if isinstance(e, Callback)]
    if calls and calls[-1].satisfaction == "dissatisfied":
        last = calls[-1]
        detail = N_("{name} recorded dissatisfied")
        clock = _clock(case, "dissatisfied", last, last.at, None, detail, (("name", last.by),))
        yield replace(clock, waived=_waived_after(case, last))


def _since_severity(case: Case, severities: Sequence[str]) -> Event | None:
    """The event from which the complaint has had one of `severities` (its receipt, or
    the reclassification, once in effect, that gave it one); None when it has none."""
    since: Event | None = None
    for when, event in granted(case.events):
        if event.action == "received":
            severity = getattr(event, "severity", None)
        elif event.action == "reclassify" and "severity" in event.to:
            severity = event.to["severity"]
        else:
            continue
        if severity not in severities:
            since = None
        elif since is None:
            since = when
    return since


def division_decision(case: Case, policy: Policy) -> Iterator[Clock]:
    # 投诉处理及回访制度 四: important and major complaints are reported to the division
    # manager, who decides (及时: policy decisions.division.within, 24 h by default)
    duty = policy.decisions.division
    if duty is None:
        return
    start = _since_severity(case, duty.severities)
    if start is None:
        return
    due = _later(policy, start.at, duty.within)
    met = next((e.at for e in case.events if e.action == "decide"), None)
    yield _clock(
        case, "division-decision", start, due, met, N_("no decision by the division manager")
    )


def tracker(case: Case, policy: Policy) -> Iterator[Clock]:
    # 投诉处理及回访制度 五: an important complaint gets a named person following it
    duty = policy.decisions.tracker
    if duty is None:
        return
    start = _since_severity(case, duty.severities)
    if start is None:
        return
    due = _later(policy, start.at, duty.within)
    met = next(
        (
            when.at
            for when, e in granted(case.events)
            if e.action == "track" or (e.action == "dispatch" and getattr(e, "person", None))
        ),
        None,
    )
    yield _clock(case, "tracker", start, due, met, N_("nobody named to follow it"))


def promise(case: Case, policy: Policy) -> Iterator[Clock]:
    # 流程及技巧 4, 6: a time agreed with the customer for a phone reply is kept; met by
    # a reply or a callback after the promise, by the time promised
    _, rest = current_round(case.events)
    for index, event in enumerate(rest):
        if not isinstance(event, Promise):
            continue
        met = _first(rest[index + 1 :], frozenset({"respond", "callback"}))
        detail = N_("the call promised for {due} was not made")
        due_text = event.call_by.isoformat(timespec="minutes")
        yield _clock(case, "promise", event, event.call_by, met, detail, (("due", due_text),))


def callbacks_of_round(case: Case) -> list[Callback]:
    """The callbacks after the current round's result (none before it has one)."""
    result = _result(case)
    return _callbacks_after(case, result) if result is not None else []


def missing_callbacks(
    case: Case, policy: Policy
) -> list[tuple[str, tuple[tuple[str, str | tuple[str, ...]], ...]]]:
    """What a complaint still lacks before it may be archived (回访制度 4: the dual
    callback; 流程及技巧 6-7: a dissatisfied customer not yet taken further), as
    (detail, data) for `describe`."""
    found = []
    for rule in (dual_callback, dissatisfied):
        for clock in rule(case, policy):
            if clock.met_at is None and not clock.waived:
                found.append((clock.detail, clock.data))
    return found


def urge(case: Case, policy: Policy) -> Iterator[Clock]:
    # 催单: a customer who chases is answered within the first-reply clock (物业客服工作中
    # 如何应对… 二), counted from the chase; each chase is its own clock
    events = list(case.events)
    for index, event in enumerate(events):
        if event.action != "urge":
            continue
        due = _later(policy, event.at, policy.clocks.first_reply)
        met = _first(events[index + 1 :], REPLIES)
        yield _clock(case, "urge", event, due, met, N_("the customer chased; no reply since"))


# the steps that move a complaint's status: the one a set-aside step contradicts
_MOVES_STATUS = frozenset(
    {"dispatch", "accept", "resolve", "callback", "reopen", "reject", "close", "escalate"}
)


def concurrent_steps(case: Case, _policy: Policy) -> Iterator[Clock]:
    # Two clones recorded steps at the same time that cannot both stand (one archived
    # the complaint while the other called back; both resolved it). The merge keeps
    # both and sets the later aside (merging.py); it is due at once, and stays a
    # finding until a person voids one of them (README: Teams and sites).
    for event in case.set_aside:
        before = [e for e in case.events if e.at <= event.at and e.action in _MOVES_STATUS]
        other = before[-1] if before else case.events[0]
        owner, department = holder_at(case.events, event.at)
        yield Clock(
            "concurrent-steps",
            event.recorded_at,
            None,
            owner,
            department,
            event.id,
            N_(
                "{action} {event} and {other_action} {other} were recorded on different "
                "clones and contradict each other; {event} counts for nothing until one "
                "of them is voided (cmplt void)"
            ),
            (
                ("action", event.action),
                ("event", event.id),
                ("other_action", other.action),
                ("other", other.id),
            ),
        )


Rule = Callable[[Case, Policy], Iterator[Clock]]

RULES: dict[str, Rule] = {
    "first-reply": first_reply,
    "initial-plan": initial_plan,
    "major-answer": major_answer,
    "resolve": resolve,
    "callback": callback,
    "dual-callback": dual_callback,
    "dissatisfied": dissatisfied,
    "division-decision": division_decision,
    "tracker": tracker,
    "promise": promise,
    "urge": urge,
    "concurrent-steps": concurrent_steps,
}
QUOTA_RULE = "callback-quota"
INVALID_RULE = "invalid-record"
ALL_RULES = (*RULES, QUOTA_RULE, INVALID_RULE)


def clocks(case: Case, policy: Policy) -> list[Clock]:
    return [clock for rule in RULES.values() for clock in rule(case, policy)]


@dataclass(frozen=True)
class Handled:
    """One round's result, as the callback quotas count it (回访制度 1-3)."""

    resolved_at: datetime
    window_closes: datetime
    roles: frozenset[str]  # roles of the callers after the result


def handled_rounds(case: Case, policy: Policy) -> list[Handled]:
    """Each round's last result, and the roles that called back after it (none for
    an anonymous complaint: it is outside the callback quotas)."""
    if case.anonymous:
        return []
    events = list(case.events)
    bounds = [*round_starts(events), len(events)]
    found = []
    for begin, end in itertools.pairwise(bounds):
        segment = events[begin:end]
        results = [i for i, e in enumerate(segment) if e.action == "resolve"]
        if not results:
            continue
        result = segment[results[-1]]
        roles = frozenset(e.role for e in segment[results[-1] + 1 :] if isinstance(e, Callback))
        window = _later(policy, result.at, policy.callback.window)
        found.append(Handled(result.at, window, roles))
    return found


def quota_roles(
    rounds: Iterable[tuple[float, float, tuple[str, ...]]], start: float, end: float, as_of: float
) -> tuple[str, ...] | None:
    """回访制度 1-3, for one record: the roles that called back after its last result
    in [start, end) resolved by `as_of`, when that result counts toward the period's
    quotas (its callback window has closed by `as_of`, or a callback was made); None
    when the record counts against nobody. `rounds` are (resolved, window closes,
    roles) as POSIX times, in order: `check` and `report` both count with this."""
    last = None
    for resolved, closes, roles in rounds:
        if start <= resolved < end and resolved <= as_of:
            last = (closes, roles)
    if last is None or not (last[0] <= as_of or last[1]):
        return None
    return last[1]
