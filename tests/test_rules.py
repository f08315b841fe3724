"""The clocks of the procedures (`cmplt.rules`), rule by rule, on records written inline.

Every record is received at 11-20 09:00 +08:00 (a Friday) unless a case says
otherwise, and is read under the policy `cmplt init` writes (templates/cmplt.yaml):

- first reply within 2 h of the receipt (物业客服工作中如何应对… 二)
- a valid complaint's initial plan or result within 24 h (规程 4.3.1)
- a major complaint's definite answer within 2 days (原则及流程 五.3)
- handled within 2 days (minor, or by the customer's own deadline), 3 days
  (important), 10 days (major), or by the latest approved extension (原则及流程 五)
- a callback within 3 days of the result; a real complaint (valid-1, valid-2) or
  an economic loss called back by both the director and the manager (回访制度 4)
- reopening, or escalating after the result, starts a new round: every clock
  runs again from it.
- issue 11: a major complaint's answer is one marked definite; important and major
  complaints get the division manager's decision, important ones a named follow-up
  person, within 24 h of taking that severity; a promised call is made by its time.

The expected times are worked out from those numbers by hand. The rules only say
when a clock runs out and when (if ever) it was met; whether that was in time is
`check`'s and `report`'s business, so a step at, or after, the due instant is
asserted only as the moment that met the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from pydantic import TypeAdapter

from cmplt import registry, rules, store
from cmplt.model import Event
from cmplt.policy import Policy
from cmplt.workflow import fold

TEMPLATE = store.parse_document(registry.template_text("cmplt.yaml").encode(), "cmplt.yaml")
POLICY = store.validate_document(Policy, TEMPLATE, "cmplt.yaml")
# the same policy counting working days: Monday 11-23 a holiday, Saturday 11-28 a
# 调休 working day
WORKING_DAYS = store.validate_document(
    Policy,
    {
        **TEMPLATE,
        "calendar": {
            "kind": "working-days",
            "holidays": ["2026-11-23"],
            "workdays": ["2026-11-28"],
        },
    },
    "cmplt.yaml",
)

# who calls back in each role
CALLER = {
    "supervisor": "王主管",
    "manager": "赵经理",
    "director": "钱主任",
    "cs_supervisor": "陈主管",
}


def at(text: str) -> datetime:
    """`11-20 09:00` -> 2026-11-20 09:00 +08:00."""
    day, hm = text.split()
    return datetime.fromisoformat(f"2026-{day}T{hm}:00+08:00")


# --- records written inline --------------------------------------------------------------

Step = dict[str, Any]
EVENTS: TypeAdapter[Any] = TypeAdapter(list[Event])


def _action(action: str, **defaults: Any) -> Callable[..., Step]:
    def make(when: str, **fields: Any) -> Step:
        return {"action": action, "at": when, "by": "张三", **defaults, **fields}

    return make


respond = _action("respond", note="已答复客户")
plan = _action("plan", note="初步方案")
resolve = _action("resolve", result="已处理")
reject = _action("reject", reason="不属物业管理范围")
dispatch = _action("dispatch", department="工程部")
note = _action("note", text="客户来电")
reopen = _action("reopen", reason="又坏了", by="陈主管")


def escalate(when: str, to: str = "赵经理") -> Step:
    return {"action": "escalate", "at": when, "by": "陈主管", "to": to, "reason": "客户不满意"}


def extend(when: str, until: str) -> Step:
    # who approved it is the workflow's to check (extension_approvers); no rule reads it
    return {
        "action": "extend",
        "at": when,
        "by": "张三",
        "until": until,
        "approved_by": "赵经理",
        "approver_role": "manager",
    }


def callback(when: str, role: str = "supervisor", satisfaction: str = "satisfied") -> Step:
    return {
        "action": "callback",
        "at": when,
        "by": CALLER[role],
        "role": role,
        "satisfaction": satisfaction,
    }


def record(
    *steps: Step,
    severity: str = "minor",
    nature: str = "valid-1",
    economic_loss: bool = False,
    deadline: str | None = None,
    received: str = "11-20 09:00",
    set_aside: tuple[str, ...] = (),
) -> rules.Case:
    """A complaint received at `received` with `steps` after it, each recorded as it
    happened; event IDs are EVENT000 (the receipt), EVENT001, … in order. Read as
    `check` reads it: the workflow replays the events (refusing a step out of order)
    and gives the classification."""
    classification = {
        "nature": nature,
        "severity": severity,
        "subject": "facilities",
        "category": "repair",
        "economic_loss": economic_loss,
    }
    raw = [{"action": "received", "at": received, "by": "张三", **classification}, *steps]
    events = []
    for n, step in enumerate(raw):
        moment = at(step["at"]).isoformat()
        event = {**step, "id": f"EVENT{n:03d}", "at": moment, "recorded_at": moment}
        for key in ("until", "call_by"):
            if key in step:
                event[key] = at(step[key]).isoformat()
        events.append(event)
    parsed = EVENTS.validate_python(events)
    # `set_aside`: event IDs a merge may have set aside (merging.py), read as check does
    state = fold(parsed, "261120-7KQ4MZ", set_aside)
    requested = at(deadline) if deadline else None
    kept = [e for e in parsed if e.id not in state.set_aside]
    aside = [e for e in parsed if e.id in state.set_aside]
    return rules.Case("261120-7KQ4MZ", kept, state.classification, requested, set_aside=aside)


def clocks_of(rule: str, case: rules.Case, policy: Policy = POLICY) -> list[rules.Clock]:
    found = list(rules.RULES[rule](case, policy))
    assert all(clock.rule == rule for clock in found)
    return found


def due_and_met(
    rule: str, case: rules.Case, policy: Policy = POLICY
) -> list[tuple[datetime, datetime | None, str]]:
    """(due, met_at, the event that started it) of each clock `rule` sets."""
    return [(c.due, c.met_at, c.event_id) for c in clocks_of(rule, case, policy)]


def expect(due: str, met: str | None = None, start: str = "EVENT000") -> list[Any]:
    return [(at(due), at(met) if met else None, start)]


NO_CLOCK: list[Any] = []

# a first round answered, handled and called back; step 4 (EVENT004) is the reopening
HANDLED_THEN_REOPENED = (
    respond("11-20 09:30"),
    resolve("11-20 12:00"),
    callback("11-20 15:00"),
    reopen("11-23 09:00"),
)


# --- first-reply: 2 hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(), expect("11-20 11:00"), id="no reply yet: due 2 hours after receipt"),
        pytest.param(
            record(respond("11-20 10:59")),
            expect("11-20 11:00", "11-20 10:59"),
            id="a reply 1 minute before 2 hours meets it",
        ),
        pytest.param(
            record(respond("11-20 11:00")),
            expect("11-20 11:00", "11-20 11:00"),
            id="a reply at exactly 2 hours meets it at the due instant",
        ),
        pytest.param(
            record(respond("11-20 11:01")),
            expect("11-20 11:00", "11-20 11:01"),
            id="a reply 1 minute after 2 hours still meets it, late",
        ),
        pytest.param(
            record(plan("11-20 10:00")),
            expect("11-20 11:00", "11-20 10:00"),
            id="an initial plan answers the customer",
        ),
        pytest.param(
            record(resolve("11-20 10:00")),
            expect("11-20 11:00", "11-20 10:00"),
            id="a result answers the customer",
        ),
        pytest.param(
            record(reject("11-20 10:00"), nature="invalid"),
            expect("11-20 11:00", "11-20 10:00"),
            id="declining an invalid complaint answers the customer",
        ),
        pytest.param(
            record(note("11-20 10:00"), dispatch("11-20 10:10"), escalate("11-20 10:20")),
            expect("11-20 11:00"),
            id="a note, a work order or an escalation while open is no reply",
        ),
        pytest.param(
            record(respond("11-20 10:00"), respond("11-20 10:30")),
            expect("11-20 11:00", "11-20 10:00"),
            id="the first of two replies meets it",
        ),
        pytest.param(
            record(severity="major", nature="request"),
            expect("11-20 11:00"),
            id="a major request has the same 2 hours",
        ),
        pytest.param(
            record(received="11-20 23:30"),
            expect("11-21 01:30"),
            id="received at 23:30: due at 01:30 the next day",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED),
            expect("11-23 11:00", None, "EVENT004"),
            id="reopened: due 2 hours after the reopening, the first round's reply not counting",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED, respond("11-23 10:00")),
            expect("11-23 11:00", "11-23 10:00", "EVENT004"),
            id="reopened: a reply after the reopening meets it",
        ),
        pytest.param(
            record(resolve("11-20 10:00"), escalate("11-21 09:00")),
            expect("11-21 11:00", None, "EVENT002"),
            id="escalated after the result: due 2 hours after the escalation",
        ),
        pytest.param(
            record(
                resolve("11-20 10:00"),
                callback("11-20 12:00", satisfaction="dissatisfied"),
                escalate("11-21 09:00"),
                respond("11-21 09:30"),
            ),
            expect("11-21 11:00", "11-21 09:30", "EVENT003"),
            id="escalated after a dissatisfied callback: a reply after the escalation meets it",
        ),
    ],
)
def test_first_reply(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("first-reply", case) == expected


# --- initial-plan: 24 hours, valid complaints --------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            record(nature="valid-1"),
            expect("11-21 09:00"),
            id="valid-1: due 24 hours after receipt",
        ),
        pytest.param(record(nature="valid-2"), expect("11-21 09:00"), id="valid-2: due 24 hours"),
        pytest.param(record(nature="invalid"), NO_CLOCK, id="an invalid complaint owes no plan"),
        pytest.param(record(nature="request"), NO_CLOCK, id="a request owes no plan"),
        pytest.param(
            record(plan("11-21 08:59")),
            expect("11-21 09:00", "11-21 08:59"),
            id="a plan 1 minute before 24 hours meets it",
        ),
        pytest.param(
            record(plan("11-21 09:00")),
            expect("11-21 09:00", "11-21 09:00"),
            id="a plan at exactly 24 hours meets it at the due instant",
        ),
        pytest.param(
            record(resolve("11-21 09:01")),
            expect("11-21 09:00", "11-21 09:01"),
            id="a result 1 minute after 24 hours still meets it, late",
        ),
        pytest.param(
            record(respond("11-20 09:30")),
            expect("11-21 09:00"),
            id="a reply to the customer is no plan",
        ),
        pytest.param(
            record(severity="major"),
            expect("11-21 09:00"),
            id="a major complaint has the same 24 h",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED),
            expect("11-24 09:00", None, "EVENT004"),
            id="reopened: due 24 hours after the reopening, the first result not counting",
        ),
    ],
)
def test_initial_plan(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("initial-plan", case) == expected


# --- major-answer: 2 days, major complaints ----------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            record(severity="major"), expect("11-22 09:00"), id="major: due 2 days after receipt"
        ),
        pytest.param(record(severity="important"), NO_CLOCK, id="an important complaint: none"),
        pytest.param(record(severity="minor"), NO_CLOCK, id="a minor complaint: none"),
        pytest.param(
            record(plan("11-22 08:59", definite=True), severity="major"),
            expect("11-22 09:00", "11-22 08:59"),
            id="a definite plan 1 minute before 2 days meets it",
        ),
        pytest.param(
            record(respond("11-22 08:59", definite=True), severity="major"),
            expect("11-22 09:00", "11-22 08:59"),
            id="a definite reply 1 minute before 2 days meets it",
        ),
        pytest.param(
            record(plan("11-20 12:00"), severity="major"),
            expect("11-22 09:00"),
            id="a tentative plan is no definite answer",
        ),
        pytest.param(
            record(resolve("11-22 09:00"), severity="major"),
            expect("11-22 09:00", "11-22 09:00"),
            id="a result at exactly 2 days meets it at the due instant",
        ),
        pytest.param(
            record(plan("11-22 09:01", definite=True), severity="major"),
            expect("11-22 09:00", "11-22 09:01"),
            id="a definite plan 1 minute after 2 days still meets it, late",
        ),
        pytest.param(
            record(respond("11-20 09:30"), severity="major"),
            expect("11-22 09:00"),
            id="a reply to the customer is no definite answer",
        ),
        pytest.param(
            record(severity="major", nature="request"),
            expect("11-22 09:00"),
            id="a major request owes the answer too",
        ),
        pytest.param(
            record(resolve("11-21 09:00"), escalate("11-23 09:00"), severity="major"),
            expect("11-25 09:00", None, "EVENT002"),
            id="escalated after the result: due 2 days after the escalation",
        ),
    ],
)
def test_major_answer(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("major-answer", case) == expected


# --- resolve: 2, 3 or 10 days, the customer's deadline, extensions -----------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(severity="minor"), expect("11-22 09:00"), id="minor: due in 2 days"),
        pytest.param(
            record(severity="important"), expect("11-23 09:00"), id="important: due in 3 days"
        ),
        pytest.param(record(severity="major"), expect("11-30 09:00"), id="major: due in 10 days"),
        pytest.param(
            record(resolve("11-22 08:59")),
            expect("11-22 09:00", "11-22 08:59"),
            id="minor complaint resolved 1 minute before 2 days is met",
        ),
        pytest.param(
            record(resolve("11-22 09:00")),
            expect("11-22 09:00", "11-22 09:00"),
            id="minor complaint resolved at exactly 2 days is met at the due instant",
        ),
        pytest.param(
            record(resolve("11-22 09:01")),
            expect("11-22 09:00", "11-22 09:01"),
            id="minor complaint resolved 1 minute after 2 days is met, late",
        ),
        pytest.param(
            record(reject("11-21 09:00"), nature="invalid"),
            expect("11-22 09:00", "11-21 09:00"),
            id="declining an invalid complaint handles it",
        ),
        pytest.param(
            record(plan("11-20 12:00"), respond("11-20 12:30")),
            expect("11-22 09:00"),
            id="a plan or a reply does not handle it",
        ),
        pytest.param(
            record(deadline="11-21 18:00"),
            expect("11-21 18:00"),
            id="a minor complaint's customer deadline earlier than 2 days binds",
        ),
        pytest.param(
            record(deadline="11-25 18:00"),
            expect("11-25 18:00"),
            id="a minor complaint's customer deadline later than 2 days replaces it",
        ),
        pytest.param(
            record(severity="important", deadline="11-21 18:00"),
            expect("11-23 09:00"),
            id="the customer's deadline does not bind an important complaint",
        ),
        pytest.param(
            record(severity="major", deadline="11-21 18:00"),
            expect("11-30 09:00"),
            id="the customer's deadline does not bind a major complaint",
        ),
        pytest.param(
            record(extend("11-21 10:00", until="11-24 12:00")),
            expect("11-24 12:00"),
            id="an approved extension moves it",
        ),
        pytest.param(
            record(
                extend("11-21 10:00", until="11-24 12:00"),
                extend("11-24 10:00", until="11-26 12:00"),
                severity="important",
            ),
            expect("11-26 12:00"),
            id="the latest extension counts",
        ),
        pytest.param(
            record(extend("11-21 10:00", until="11-23 12:00"), deadline="11-21 18:00"),
            expect("11-23 12:00"),
            id="an extension replaces the customer's deadline",
        ),
        pytest.param(
            record(escalate("11-20 12:00"), deadline="11-21 18:00"),
            expect("11-21 18:00"),
            id="escalating while open keeps the clock and the customer's deadline",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED, deadline="11-21 09:00"),
            expect("11-25 09:00", None, "EVENT004"),
            id="reopened: 2 days from the reopening, the customer's deadline bound round 1 only",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED, resolve("11-24 09:00")),
            expect("11-25 09:00", "11-24 09:00", "EVENT004"),
            id="reopened: met by the result after the reopening",
        ),
        pytest.param(
            record(
                extend("11-21 10:00", until="11-24 12:00"),
                resolve("11-24 10:00"),
                reopen("11-26 09:00"),
            ),
            expect("11-28 09:00", None, "EVENT003"),
            id="reopened: the first round's extension does not carry over",
        ),
        pytest.param(
            record(
                resolve("11-21 09:00"),
                reopen("11-26 09:00"),
                extend("11-26 10:00", until="12-01 12:00"),
                severity="important",
            ),
            expect("12-01 12:00", None, "EVENT002"),
            id="reopened: an extension after the reopening counts",
        ),
        pytest.param(
            record(resolve("11-20 12:00"), escalate("11-21 09:00"), severity="major"),
            expect("12-01 09:00", None, "EVENT002"),
            id="escalated after the result: 10 days from the escalation",
        ),
    ],
)
def test_resolve(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("resolve", case) == expected
    [(due, _met, _start)] = expected
    assert rules.resolve_deadline(case, POLICY) == due


def test_an_older_policy_keeps_only_a_customer_deadline_earlier_than_2_days() -> None:
    # a policy written before clocks.resolve.customer_deadline: the reading of 原则及流程
    # 五.1 cmplt had before issue 11
    resolve_clocks = POLICY.clocks.resolve.model_copy(update={"customer_deadline": "earlier"})
    older = POLICY.model_copy(
        update={"clocks": POLICY.clocks.model_copy(update={"resolve": resolve_clocks})}
    )
    assert due_and_met("resolve", record(deadline="11-25 18:00"), older) == expect("11-22 09:00")
    assert due_and_met("resolve", record(deadline="11-21 18:00"), older) == expect("11-21 18:00")


# --- issue 11's duties: the division manager's decision, a tracker, a promised call ------

decide = _action("decide", note="工程部负责到底", by="周经理")
track = _action("track", person="陈主管", by="陈主管")


def promise(when: str, call_by: str) -> Step:
    return {"action": "promise", "at": when, "by": "张三", "call_by": call_by}


def to_important(when: str, **approval: Any) -> Step:
    """A reclassification to important: approved at once unless `requested=True`."""
    granted = approval or {"approved_by": "赵经理", "approver_role": "manager"}
    return {
        "action": "reclassify",
        "at": when,
        "by": "赵经理",
        "from": {"severity": "minor"},
        "to": {"severity": "important"},
        **granted,
    }


def approve(when: str, target: str, role: str = "manager") -> Step:
    return {"action": "approve", "at": when, "by": "赵经理", "approves": target, "role": role}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            record(severity="important"), expect("11-21 09:00"), id="important: due in 24 h"
        ),
        pytest.param(record(severity="major"), expect("11-21 09:00"), id="major: due in 24 h"),
        pytest.param(record(), NO_CLOCK, id="minor: none"),
        pytest.param(
            record(decide("11-21 08:59"), severity="important"),
            expect("11-21 09:00", "11-21 08:59"),
            id="a decision 1 minute before 24 h meets it",
        ),
        pytest.param(
            record(decide("11-21 09:01"), severity="major"),
            expect("11-21 09:00", "11-21 09:01"),
            id="a decision 1 minute after 24 h meets it, late",
        ),
        pytest.param(
            record(to_important("11-21 10:00")),
            expect("11-22 10:00", None, "EVENT001"),
            id="made important: 24 h from the reclassification",
        ),
        pytest.param(
            record(to_important("11-21 10:00", requested=True)),
            NO_CLOCK,
            id="a reclassification still waiting for approval owes nothing yet",
        ),
        pytest.param(
            record(to_important("11-21 10:00", requested=True), approve("11-21 12:00", "EVENT001")),
            expect("11-22 12:00", None, "EVENT002"),
            id="made important by an approval: 24 h from the approval",
        ),
    ],
)
def test_division_decision(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("division-decision", case) == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            record(severity="important"), expect("11-21 09:00"), id="important: due in 24 h"
        ),
        pytest.param(record(severity="major"), NO_CLOCK, id="major: none"),
        pytest.param(record(), NO_CLOCK, id="minor: none"),
        pytest.param(
            record(track("11-20 12:00"), severity="important"),
            expect("11-21 09:00", "11-20 12:00"),
            id="met by naming the person",
        ),
        pytest.param(
            record(dispatch("11-20 10:00", person="陈主管", by="陈主管"), severity="important"),
            expect("11-21 09:00", "11-20 10:00"),
            id="met by a work order that names the person",
        ),
        pytest.param(
            record(dispatch("11-20 10:00", by="陈主管"), severity="important"),
            expect("11-21 09:00"),
            id="a work order naming nobody does not meet it",
        ),
        pytest.param(
            record(
                dispatch("11-20 10:00", person="陈主管", requested=True),
                approve("11-20 11:00", "EVENT001", role="cs_supervisor"),
                severity="important",
            ),
            expect("11-21 09:00", "11-20 11:00"),
            id="a requested work order naming the person meets it when approved",
        ),
        pytest.param(
            record(to_important("11-21 10:00"), track("11-22 09:00")),
            expect("11-22 10:00", "11-22 09:00", "EVENT001"),
            id="made important: 24 h from the reclassification",
        ),
    ],
)
def test_tracker(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("tracker", case) == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(), NO_CLOCK, id="nothing promised: none"),
        pytest.param(
            record(promise("11-20 10:00", call_by="11-20 17:00")),
            expect("11-20 17:00", None, "EVENT001"),
            id="due at the time promised",
        ),
        pytest.param(
            record(promise("11-20 10:00", call_by="11-20 17:00"), respond("11-20 16:59")),
            expect("11-20 17:00", "11-20 16:59", "EVENT001"),
            id="a reply 1 minute before the time meets it",
        ),
        pytest.param(
            record(promise("11-20 10:00", call_by="11-20 17:00"), respond("11-20 17:01")),
            expect("11-20 17:00", "11-20 17:01", "EVENT001"),
            id="a reply 1 minute after the time meets it, late",
        ),
        pytest.param(
            record(respond("11-20 09:30"), promise("11-20 10:00", call_by="11-20 17:00")),
            expect("11-20 17:00", None, "EVENT002"),
            id="a reply before the promise does not keep it",
        ),
        pytest.param(
            record(
                resolve("11-20 10:00"),
                promise("11-20 10:30", call_by="11-20 15:00"),
                callback("11-20 14:00"),
            ),
            expect("11-20 15:00", "11-20 14:00", "EVENT002"),
            id="a callback after the promise keeps it",
        ),
        pytest.param(
            record(
                promise("11-20 10:00", call_by="11-20 17:00"),
                promise("11-20 11:00", call_by="11-21 10:00"),
                respond("11-20 16:00"),
            ),
            [
                (at("11-20 17:00"), at("11-20 16:00"), "EVENT001"),
                (at("11-21 10:00"), at("11-20 16:00"), "EVENT002"),
            ],
            id="each promise is a clock of its own",
        ),
    ],
)
def test_promise(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("promise", case) == expected


# --- callback: 3 days after the result ---------------------------------------------------

RESOLVED = resolve("11-20 10:00")  # EVENT001: callback due 11-23 10:00


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(), NO_CLOCK, id="nothing is owed before the result"),
        pytest.param(
            record(RESOLVED),
            expect("11-23 10:00", None, "EVENT001"),
            id="due 3 days after the result",
        ),
        pytest.param(
            record(RESOLVED, callback("11-23 09:59")),
            expect("11-23 10:00", "11-23 09:59", "EVENT001"),
            id="a callback 1 minute before 3 days meets it",
        ),
        pytest.param(
            record(RESOLVED, callback("11-23 10:00")),
            expect("11-23 10:00", "11-23 10:00", "EVENT001"),
            id="a callback at exactly 3 days meets it at the due instant",
        ),
        pytest.param(
            record(RESOLVED, callback("11-23 10:01")),
            expect("11-23 10:00", "11-23 10:01", "EVENT001"),
            id="a callback 1 minute after 3 days still meets it, late",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-21 10:00", "cs_supervisor", "neutral"),
                callback("11-22 10:00", "director"),
            ),
            expect("11-23 10:00", "11-21 10:00", "EVENT001"),
            id="the first callback, by any role and however satisfied, meets it",
        ),
        pytest.param(
            record(RESOLVED, callback("11-20 12:00", satisfaction="dissatisfied")),
            expect("11-23 10:00", "11-20 12:00", "EVENT001"),
            id="a dissatisfied callback still meets it",
        ),
        pytest.param(
            record(reject("11-20 10:00"), nature="invalid"),
            NO_CLOCK,
            id="a declined complaint owes no callback",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED),
            NO_CLOCK,
            id="reopened: nothing owed until resolved again",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED, resolve("11-24 09:00")),
            expect("11-27 09:00", None, "EVENT005"),
            id="reopened and resolved again: 3 days from the new result, not the old callback",
        ),
        pytest.param(
            record(RESOLVED, escalate("11-21 09:00")),
            NO_CLOCK,
            id="escalated after the result: nothing owed until resolved again",
        ),
        pytest.param(
            record(resolve("11-22 10:00"), severity="major"),
            expect("11-25 10:00", None, "EVENT001"),
            id="a major complaint has the same 3 days",
        ),
    ],
)
def test_callback(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("callback", case) == expected


# --- dual-callback: the director and the manager -----------------------------------------


@pytest.mark.parametrize(
    ("case", "expected", "missing"),
    [
        pytest.param(
            record(RESOLVED, nature="valid-1"),
            expect("11-23 10:00", None, "EVENT001"),
            ("director", "manager"),
            id="valid-1: both owed within 3 days of the result",
        ),
        pytest.param(
            record(RESOLVED, callback("11-21 10:00", "director"), nature="valid-2"),
            expect("11-23 10:00", None, "EVENT001"),
            ("manager",),
            id="valid-2 called back by the director only: the manager is missing",
        ),
        pytest.param(
            record(
                RESOLVED, callback("11-21 10:00", "director"), callback("11-23 09:59", "manager")
            ),
            expect("11-23 10:00", "11-23 09:59", "EVENT001"),
            (),
            id="met when the second of the two calls, 1 minute before 3 days",
        ),
        pytest.param(
            record(
                RESOLVED, callback("11-21 10:00", "manager"), callback("11-23 10:01", "director")
            ),
            expect("11-23 10:00", "11-23 10:01", "EVENT001"),
            (),
            id="the manager first, the director 1 minute after 3 days: met late",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-21 10:00", "director"),
                callback("11-21 11:00", "manager"),
                callback("11-22 10:00", "director"),
            ),
            expect("11-23 10:00", "11-21 11:00", "EVENT001"),
            (),
            id="each role's first call counts, not a repeat",
        ),
        pytest.param(
            record(RESOLVED, callback("11-21 10:00", "director"), callback("11-21 11:00")),
            expect("11-23 10:00", None, "EVENT001"),
            ("manager",),
            id="a supervisor's call does not stand in for the manager",
        ),
        pytest.param(
            record(RESOLVED, nature="request"), NO_CLOCK, (), id="a request owes one callback only"
        ),
        pytest.param(
            record(RESOLVED, nature="invalid"), NO_CLOCK, (), id="an invalid complaint: none"
        ),
        pytest.param(
            record(RESOLVED, nature="request", economic_loss=True),
            expect("11-23 10:00", None, "EVENT001"),
            ("director", "manager"),
            id="a request with a large economic loss owes both",
        ),
        pytest.param(record(nature="valid-1"), NO_CLOCK, (), id="nothing owed before the result"),
        pytest.param(
            record(
                RESOLVED,
                callback("11-21 10:00", "director"),
                reopen("11-22 09:00"),
                resolve("11-22 12:00"),
                callback("11-23 10:00", "manager"),
            ),
            expect("11-25 12:00", None, "EVENT004"),
            ("director",),
            id="reopened and resolved again: the first round's director call does not count",
        ),
    ],
)
def test_dual_callback(case: rules.Case, expected: list[Any], missing: tuple[str, ...]) -> None:
    assert due_and_met("dual-callback", case) == expected
    for clock in clocks_of("dual-callback", case):
        assert clock.data == (("roles", missing),)
        assert clock.detail == ("no callback by {roles}" if missing else "")


# --- dissatisfied: reported until reopened or escalated ----------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(RESOLVED), NO_CLOCK, id="no callback: nothing to report"),
        pytest.param(
            record(RESOLVED, callback("11-20 12:00")), NO_CLOCK, id="a satisfied customer: none"
        ),
        pytest.param(
            record(RESOLVED, callback("11-20 12:00", satisfaction="neutral")),
            NO_CLOCK,
            id="a neutral customer: none",
        ),
        pytest.param(
            record(RESOLVED, callback("11-20 12:00", satisfaction="dissatisfied")),
            expect("11-20 12:00", None, "EVENT002"),
            id="a dissatisfied callback is due at once and never met",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-20 12:00", satisfaction="dissatisfied"),
                callback("11-20 13:00", "manager"),
            ),
            NO_CLOCK,
            id="a later satisfied callback clears it",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-20 12:00"),
                callback("11-20 13:00", "manager", "dissatisfied"),
            ),
            expect("11-20 13:00", None, "EVENT003"),
            id="a later dissatisfied callback is reported from the later call",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-20 12:00", satisfaction="dissatisfied"),
                reopen("11-20 13:00"),
            ),
            NO_CLOCK,
            id="reopening clears it",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-20 12:00", satisfaction="dissatisfied"),
                escalate("11-21 09:00"),
            ),
            NO_CLOCK,
            id="escalating clears it",
        ),
    ],
)
def test_dissatisfied(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("dissatisfied", case) == expected


def test_dissatisfied_names_who_recorded_it() -> None:
    case = record(RESOLVED, callback("11-20 12:00", satisfaction="dissatisfied"))
    [clock] = clocks_of("dissatisfied", case)
    assert (clock.detail, clock.data) == ("{name} recorded dissatisfied", (("name", "王主管"),))
    assert rules.describe(clock.detail, clock.data) == "王主管 recorded dissatisfied"


# --- the working-days calendar ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "case", "expected"),
    [
        pytest.param(
            "resolve",
            record(received="11-20 18:00"),
            expect("11-25 18:00"),
            # 6 h on Friday, the weekend and Monday's holiday paused, 24 h on Tuesday,
            # 18 h on Wednesday
            id="minor received Friday 18:00: the weekend and Monday's holiday do not count",
        ),
        pytest.param(
            "resolve",
            record(received="11-26 18:00"),
            expect("11-28 18:00"),
            id="received Thursday 18:00: Saturday 11-28 is a make-up working day and counts",
        ),
        pytest.param(
            "first-reply",
            record(received="11-20 23:00"),
            expect("11-24 01:00"),
            id="a reply owed from Friday 23:00: 1 hour on Friday, 1 on Tuesday",
        ),
        pytest.param(
            "first-reply",
            record(received="11-21 10:00"),
            expect("11-24 02:00"),
            id="received on Saturday: the clock starts on Tuesday at midnight",
        ),
        pytest.param(
            "callback",
            record(resolve("11-27 12:00"), received="11-27 09:00"),
            expect("12-01 12:00", None, "EVENT001"),
            id="a callback from Friday noon: Saturday counts, Sunday does not",
        ),
        pytest.param(
            "resolve",
            record(deadline="11-21 18:00", received="11-20 18:00"),
            expect("11-21 18:00"),
            id="the customer's deadline is a moment, not working time",
        ),
        pytest.param(
            "resolve",
            record(extend("11-21 10:00", until="11-22 12:00"), received="11-20 18:00"),
            expect("11-22 12:00"),
            id="an extension is a moment, even on a Sunday",
        ),
    ],
)
def test_working_days_calendar(rule: str, case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met(rule, case, WORKING_DAYS) == expected


# --- who held the complaint when the clock ran out ----------------------------------------


@pytest.mark.parametrize(
    ("case", "holder"),
    [
        pytest.param(record(), ("张三", None), id="the clerk who took it, no work order"),
        pytest.param(
            record(dispatch("11-20 10:00"), escalate("11-20 10:30")),
            ("赵经理", "工程部"),
            id="escalated and dispatched before the due time",
        ),
        pytest.param(
            record(escalate("11-20 11:00")),
            ("赵经理", None),
            id="escalated at the due instant: the new owner holds it",
        ),
        pytest.param(
            record(escalate("11-20 11:30"), dispatch("11-20 11:40", department="保安部")),
            ("张三", None),
            id="escalated and dispatched after the due time: the clerk held it",
        ),
    ],
)
def test_owner_is_who_held_it_when_the_first_reply_ran_out(
    case: rules.Case, holder: tuple[str, str | None]
) -> None:
    [clock] = clocks_of("first-reply", case)
    assert clock.due == at("11-20 11:00")
    assert (clock.owner, clock.department) == holder


# --- every clock of a record ---------------------------------------------------------------


def test_clocks_lists_every_rules_clocks_in_rule_order() -> None:
    case = record(
        respond("11-20 09:30"),
        promise("11-20 09:40", call_by="11-21 18:00"),
        resolve("11-21 10:00"),
        callback("11-21 12:00", "director", "dissatisfied"),
        severity="major",
        nature="valid-2",
    )
    assert [(c.rule, c.due, c.met_at) for c in rules.clocks(case, POLICY)] == [
        ("first-reply", at("11-20 11:00"), at("11-20 09:30")),
        ("initial-plan", at("11-21 09:00"), at("11-21 10:00")),
        ("major-answer", at("11-22 09:00"), at("11-21 10:00")),
        ("resolve", at("11-30 09:00"), at("11-21 10:00")),
        ("callback", at("11-24 10:00"), at("11-21 12:00")),
        ("dual-callback", at("11-24 10:00"), None),
        ("dissatisfied", at("11-21 12:00"), None),
        ("division-decision", at("11-21 09:00"), None),  # major: no tracker owed
        ("promise", at("11-21 18:00"), at("11-21 12:00")),
    ]


# --- urge: a chase (催单) answered within the first-reply clock ------------------------------

urge = _action("urge", channel="phone")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(respond("11-20 09:30")), NO_CLOCK, id="no chase: no clock"),
        pytest.param(
            record(respond("11-20 09:30"), urge("11-21 10:00")),
            expect("11-21 12:00", None, "EVENT002"),
            id="a chase not answered yet",
        ),
        pytest.param(
            record(
                respond("11-20 09:30"),
                urge("11-21 10:00"),
                note("11-21 10:30"),
                plan("11-21 13:00"),
            ),
            expect("11-21 12:00", "11-21 13:00", "EVENT002"),
            id="a note is no reply; the plan given late meets it late",
        ),
        pytest.param(
            record(urge("11-20 09:10"), urge("11-20 10:00"), respond("11-20 10:30")),
            [
                *expect("11-20 11:10", "11-20 10:30", "EVENT001"),
                *expect("11-20 12:00", "11-20 10:30", "EVENT002"),
            ],
            id="each chase is its own clock; one reply meets both",
        ),
    ],
)
def test_urge(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("urge", case) == expected


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            record(resolve("11-20 12:00"), set_aside=("EVENT001",)),
            [],
            id="a step that may be set aside but contradicts nothing: applied, no clock",
        ),
        pytest.param(
            record(resolve("11-20 12:00"), resolve("11-20 12:30"), set_aside=("EVENT002",)),
            expect("11-20 12:30", start="EVENT002"),
            id="due at once: from when the step set aside was recorded, never met",
        ),
    ],
)
def test_concurrent_steps(case: rules.Case, expected: list[Any]) -> None:
    assert due_and_met("concurrent-steps", case) == expected


def test_concurrent_steps_names_the_step_it_contradicts() -> None:
    case = record(
        resolve("11-20 12:00"),
        note("11-20 12:10"),
        resolve("11-20 12:30"),
        set_aside=("EVENT003", "EVENT002"),  # the note is allowed: it is not set aside
    )
    [clock] = clocks_of("concurrent-steps", case)
    assert dict(clock.data) == {
        "action": "resolve",
        "event": "EVENT003",
        "other_action": "resolve",
        "other": "EVENT001",  # the note between them moves no status
    }


def test_every_rule_has_a_table_here() -> None:
    tested = {"first-reply", "initial-plan", "major-answer", "resolve", "callback"}
    tested |= {"dual-callback", "dissatisfied", "division-decision", "tracker", "promise"}
    tested |= {"urge", "concurrent-steps"}
    assert set(rules.RULES) == tested
    assert (*rules.RULES, "callback-quota", "invalid-record") == rules.ALL_RULES


# --- rounds: what the callback quotas count ------------------------------------------------


def handled(resolved: str, closes: str, *roles: str) -> rules.Handled:
    return rules.Handled(at(resolved), at(closes), frozenset(roles))


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(record(respond("11-20 10:00")), [], id="not resolved: no round counts"),
        pytest.param(
            record(reject("11-20 10:00"), nature="invalid"), [], id="declined: no round counts"
        ),
        pytest.param(
            record(RESOLVED),
            [handled("11-20 10:00", "11-23 10:00")],
            id="resolved, nobody called back yet",
        ),
        pytest.param(
            record(RESOLVED, callback("11-21 10:00"), callback("11-21 11:00", "director")),
            [handled("11-20 10:00", "11-23 10:00", "supervisor", "director")],
            id="the roles of everyone who called back after the result",
        ),
        pytest.param(
            record(*HANDLED_THEN_REOPENED),
            [handled("11-20 12:00", "11-23 12:00", "supervisor")],
            id="reopened, not resolved again: the first round only",
        ),
        pytest.param(
            record(
                *HANDLED_THEN_REOPENED, resolve("11-24 09:00"), callback("11-24 10:00", "manager")
            ),
            [
                handled("11-20 12:00", "11-23 12:00", "supervisor"),
                handled("11-24 09:00", "11-27 09:00", "manager"),
            ],
            id="reopened and resolved again: each round with its own callers",
        ),
        pytest.param(
            record(
                RESOLVED,
                callback("11-20 12:00", satisfaction="dissatisfied"),
                escalate("11-21 09:00"),
                resolve("11-21 12:00"),
            ),
            [
                handled("11-20 10:00", "11-23 10:00", "supervisor"),
                handled("11-21 12:00", "11-24 12:00"),
            ],
            id="escalated after the result and resolved again: two rounds",
        ),
    ],
)
def test_handled_rounds(case: rules.Case, expected: list[rules.Handled]) -> None:
    assert rules.handled_rounds(case, POLICY) == expected


def test_handled_rounds_close_their_window_in_working_days() -> None:
    case = record(resolve("11-27 12:00"), received="11-27 09:00")
    assert rules.handled_rounds(case, WORKING_DAYS) == [handled("11-27 12:00", "12-01 12:00")]


# --- quota_roles: whether a record counts toward a period's quotas, and for whom ----------

NOVEMBER = (at("11-01 00:00").timestamp(), at("12-01 00:00").timestamp())


def rounds(*items: tuple[str, str, tuple[str, ...]]) -> list[tuple[float, float, tuple[str, ...]]]:
    return [(at(r).timestamp(), at(c).timestamp(), roles) for r, c, roles in items]


@pytest.mark.parametrize(
    ("items", "as_of", "expected"),
    [
        pytest.param(
            [("11-10 10:00", "11-13 10:00", ("supervisor",))],
            "12-01 00:00",
            ("supervisor",),
            id="resolved and called back in November: counts for the supervisor",
        ),
        pytest.param(
            [("11-10 10:00", "11-13 10:00", ())],
            "12-01 00:00",
            (),
            id="window closed without a callback: counts against every role",
        ),
        pytest.param(
            [("11-29 10:00", "12-02 10:00", ())],
            "12-01 00:00",
            None,
            id="window still open, nobody called yet: not counted yet",
        ),
        pytest.param(
            [("11-29 10:00", "12-02 10:00", ("manager",))],
            "12-01 00:00",
            ("manager",),
            id="window still open but called back: counts already",
        ),
        pytest.param(
            [("11-29 10:00", "12-02 10:00", ())],
            "12-02 10:01",
            (),
            id="as of 1 minute after the window closed: counts against every role",
        ),
        pytest.param(
            [("11-29 10:00", "12-02 10:00", ())],
            "12-02 09:59",
            None,
            id="as of 1 minute before the window closed: not counted yet",
        ),
        pytest.param(
            [("10-31 23:59", "11-03 23:59", ("supervisor",))],
            "12-01 00:00",
            None,
            id="resolved 1 minute before November: not November's",
        ),
        pytest.param(
            [("11-01 00:00", "11-04 00:00", ("supervisor",))],
            "12-01 00:00",
            ("supervisor",),
            id="resolved at the first instant of November: November's",
        ),
        pytest.param(
            [("12-01 00:00", "12-04 00:00", ("supervisor",))],
            "12-10 00:00",
            None,
            id="resolved at the first instant of December: not November's",
        ),
        pytest.param(
            [("11-20 10:00", "11-23 10:00", ("supervisor",))],
            "11-20 09:00",
            None,
            id="as of before the result: not counted",
        ),
        pytest.param(
            [("11-10 10:00", "11-13 10:00", ("supervisor",)), ("11-20 10:00", "11-23 10:00", ())],
            "12-01 00:00",
            (),
            id="two rounds in November: the last result counts",
        ),
        pytest.param(
            [("11-10 10:00", "11-13 10:00", ("director",)), ("12-02 10:00", "12-05 10:00", ())],
            "12-10 00:00",
            ("director",),
            id="reopened and resolved again in December: November counts its own round",
        ),
    ],
)
def test_quota_roles(
    items: list[tuple[str, str, tuple[str, ...]]], as_of: str, expected: tuple[str, ...] | None
) -> None:
    start, end = NOVEMBER
    assert rules.quota_roles(rounds(*items), start, end, at(as_of).timestamp()) == expected
