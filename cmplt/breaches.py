"""Past breaches stay breaches.

A step recorded after a deadline had run out — an approval, an extension, a
reclassification, a re-evaluation — moves the clock for what follows (`check`
stops reporting it once the new deadline applies), but it does not make the
clock met in time: the report counts it as missed at the deadline that ran out.
No I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from cmplt.model import Event, is_request
from cmplt.policy import Policy
from cmplt.rules import Case, clocks, met_in_time, ran_out
from cmplt.workflow import fold

# the steps that can move a running clock's deadline or lift it
MOVES_CLOCKS = frozenset({"approve", "extend", "reclassify", "reevaluate"})


def kept_breaches(
    complaint_id: str,
    events: Sequence[Event],
    requested_deadline: datetime | None,
    policy_for: Callable[[Sequence[Event]], Policy],
) -> dict[tuple[str, str], datetime]:
    """{(rule, the event that started the clock): the deadline that had run out} for
    every clock that was run out and unmet when a later step moved it."""
    found: dict[tuple[str, str], datetime] = {}
    for index, event in enumerate(events):
        if index == 0 or event.action not in MOVES_CLOCKS or is_request(event):
            continue
        moment = event.recorded_at.timestamp()
        # what had been recorded by then, in the file's (time) order: a late entry
        # inserted before this event, but typed after it, was not known yet
        before = [
            e
            for i, e in enumerate(events)
            if i != index and (e.recorded_at.timestamp(), i) < (moment, index)
        ]
        state = fold(before, complaint_id)
        case = Case(
            complaint_id,
            before,
            state.classification,
            requested_deadline,
            anonymous=state.anonymous,
        )
        for clock in clocks(case, policy_for(before)):
            due = clock.due.timestamp()
            met = clock.met_at.timestamp() if clock.met_at is not None else None
            if ran_out(due, moment) and not met_in_time(due, met):
                found.setdefault((clock.rule, clock.event_id), clock.due)
    return found
