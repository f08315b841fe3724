"""The order of a complaint's history, and where a step typed in late belongs in it.

A desk records steps after the fact: the night shift's complaints at the
morning handover (客服中心值班制度 三-五), a reply typed in after a note. Every
event keeps when it happened (`at`) and when it was typed in (`recorded_at`);
the history is the events in order of `at`. `in_history_order` is that order,
and the one definition of it: the file's `events` list is kept in it (a late
entry is inserted at its place, not appended), `workflow.fold` and so every rule
read it, `audit` recognises an insertion by it, and a merge of two clones'
histories reuses it (the union of both sides' events, in this order).

No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from cmplt.errors import StepRefused, field_ref
from cmplt.i18n import _, label
from cmplt.shown import time_text


class Timed(Protocol):
    @property
    def at(self) -> datetime: ...


E = TypeVar("E", bound=Timed)


def in_history_order(events: Iterable[E]) -> list[E]:
    """The events in the order of the history: by the time each happened (`at`);
    events that happened at the same instant keep the order they are given in,
    which for a record's file is the order they were recorded in.

    This is the one ordering of a history. A step typed in late goes where this
    order puts it (`place_in_history`); `fold` refuses a file whose events are not
    in it; a merge of two clones' histories is the union of their events given in
    the order they were recorded (`recorded_at`, then the event ID) and put in this
    order, so that both sides get the same file.
    """
    return sorted(events, key=lambda event: event.at)  # sorted() is stable: ties keep order


@dataclass(frozen=True)
class _Moment:
    at: datetime


def place_in_history(events: Sequence[Timed], at: datetime) -> int:
    """The index at which a step that happened at `at` joins `events` (already in
    history order): after every event that happened at or before it, since it is
    recorded after them. The end of the list unless the step is a late entry."""
    new = _Moment(at)
    ordered: list[Timed] = in_history_order([*events, new])
    return next(i for i, event in enumerate(ordered) if event is new)


def refuse_before_receipt(at: datetime, received: datetime) -> None:
    """Nothing happens to a complaint before it was received (受理)."""
    if at < received:
        raise StepRefused(
            _("{option} {at} is before the complaint was received ({received})").format(
                option=field_ref("at"), at=time_text(at, None), received=time_text(received, None)
            )
        )


def conflict_with_later(
    refused: StepRefused,
    place: int,
    action: str,
    at: datetime,
    events: Sequence[Timed],
    complaint_id: str,
) -> StepRefused:
    """A step inserted at `place` made a later event of the history invalid
    (`refused`, from folding the history with it): say which event, in one line."""
    index = refused.event_index
    if index is None or index <= place or index >= len(events):
        return refused
    later = events[index]
    return StepRefused(
        _(
            "cannot {action} {id} at {at}: it conflicts with the later event {event} "
            "({later_action} at {later_at}), which would then not be allowed"
        ).format(
            action=label("action", action),
            id=complaint_id,
            at=time_text(at, None),
            event=getattr(later, "id", "?"),
            later_action=label("action", getattr(later, "action", "?")),
            later_at=time_text(later.at, None),
        ),
        index,
    )
