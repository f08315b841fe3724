"""Two clones' versions of one record, merged: what git's merge driver does.

A team works from several clones of one registry; two people may step the same
complaint on their own machines. Git would merge the YAML line by line and meet
a conflict a clerk cannot resolve. A record's history is its events, and events
are only ever added, so the merge is their union: every event of either side,
by event ID, in the order of the history (chronology.in_history_order), the
derived fields folded again. Fields that are not derived (the intake, an
improvement measure's fields) merge field by field: a change on one side is
taken, the same change on both is one change, different changes on both sides
are a conflict for a person.

The result does not depend on the direction of the merge (A into B gives the
same bytes as B into A): the order of events is decided by the events alone, and
the text is built from whichever side's file sorts first.

Two steps of the union may contradict (one clone archived the complaint while
the other recorded a callback; both resolved it). Nothing is dropped: the later
is set aside (`Complaint.concurrent`, workflow.fold) and `check` reports it as
`concurrent-steps` until a person voids one of them.

No I/O here but what the caller passes in.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cmplt import store
from cmplt.errors import CmpltError, StepRefused
from cmplt.i18n import _
from cmplt.model import Complaint, Event
from cmplt.policy import Policy
from cmplt.workflow import derived_fields, fold


class MergeConflict(CmpltError):
    """Two versions the driver cannot put together: a person decides."""

    exit_code = 1


@dataclass(frozen=True)
class _Side:
    raw: bytes
    doc: Any  # the round-trip document
    complaint: Complaint


# the record's top-level fields the events decide: never merged as text
def _derived_keys(complaint: Complaint) -> set[str]:
    state = fold(complaint.events, complaint.id, complaint.set_aside)
    return {*derived_fields(state), "concurrent"}


def _plain(node: Any) -> Any:
    """A round-trip node as plain data, to compare two sides' values."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _read(raw: bytes, name: str) -> _Side:
    doc = store.parse_document(raw, name)
    complaint = store.validate_document(Complaint, doc, name)
    return _Side(raw, doc, complaint)


def history_union(ours: Sequence[Event], theirs: Sequence[Event]) -> list[Event]:
    """Every event of either side once, in history order: each side's own order is
    kept (it is already the history's), and where the sides leave it open the
    earlier `at`, then the earlier `recorded_at`, then the smaller event ID goes
    first. Symmetric: union(a, b) == union(b, a)."""
    by_id: dict[str, Event] = {}
    after: dict[str, set[str]] = {}
    waiting: dict[str, int] = {}
    for side in (ours, theirs):
        for event in side:
            by_id.setdefault(event.id, event)
            after.setdefault(event.id, set())
            waiting.setdefault(event.id, 0)
        for earlier, later in itertools.pairwise(side):
            if later.id not in after[earlier.id]:
                after[earlier.id].add(later.id)
                waiting[later.id] += 1

    def key(event_id: str) -> tuple[float, float, str]:
        e = by_id[event_id]
        return (e.at.timestamp(), e.recorded_at.timestamp(), e.id)

    ready = [key(i) for i, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    merged: list[Event] = []
    while ready:
        event_id = heapq.heappop(ready)[2]
        merged.append(by_id[event_id])
        for next_id in sorted(after[event_id]):
            waiting[next_id] -= 1
            if waiting[next_id] == 0:
                heapq.heappush(ready, key(next_id))
    if len(merged) != len(by_id):
        # the sides order two events differently: a file was edited by hand
        raise MergeConflict(_("the two versions order their events differently"))
    return merged


def _merge_field(key: str, base: Any, ours: Any, theirs: Any) -> Any:
    """One field three ways: a change on one side wins; the same change on both is
    one change; two different changes are for a person."""
    o, t, b = _plain(ours), _plain(theirs), _plain(base)
    if o == t or t == b:
        return ours
    if o == b:
        return theirs
    raise MergeConflict(_("{field} was changed differently on both sides").format(field=key))


_MISSING = object()


def merge_record(
    base: bytes | None, ours: bytes, theirs: bytes, name: str, policy: Policy
) -> bytes:
    """The merged record file (see the module's docstring), or MergeConflict."""
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs
    a, b = _read(ours, name), _read(theirs, name)
    first_a, first_b = a.complaint.events[0], b.complaint.events[0]
    if a.complaint.id != b.complaint.id or first_a.id != first_b.id:
        # two clones received two complaints under one ID (sync renames the local one)
        raise MergeConflict(
            _("two different complaints were recorded as {id}").format(id=a.complaint.id)
        )
    base_side = _read(base, name) if base else None
    # the text is built from the side that sorts first, so both directions agree
    primary, secondary = (a, b) if a.raw <= b.raw else (b, a)
    return _merged_text(base_side, primary, secondary, name, policy).encode("utf-8")


def _merged_text(
    base: _Side | None, primary: _Side, secondary: _Side, name: str, policy: Policy
) -> str:
    nodes: dict[str, Any] = {}
    for side in (secondary, primary):  # the primary's node wins where both have one
        for event, node in zip(side.complaint.events, side.doc["events"], strict=True):
            if event.id in nodes and _plain(nodes[event.id]) != _plain(node):
                raise MergeConflict(
                    _("event {event} differs between the two versions").format(event=event.id)
                )
            nodes[event.id] = node
    if base is not None:
        kept = {e.id for e in primary.complaint.events} & {e.id for e in secondary.complaint.events}
        gone = [e.id for e in base.complaint.events if e.id not in kept]
        if gone:
            # cmplt never removes an event: one side's file was edited by hand
            raise MergeConflict(_("event {event} was removed on one side").format(event=gone[0]))
    union = history_union(primary.complaint.events, secondary.complaint.events)

    doc = primary.doc
    derived = _derived_keys(primary.complaint) | _derived_keys(secondary.complaint)
    base_doc = base.doc if base is not None else {}
    for key in [*primary.doc, *(k for k in secondary.doc if k not in primary.doc)]:
        if key == "events" or key in derived:
            continue
        value = _merge_field(
            key,
            base_doc.get(key, _MISSING),
            primary.doc.get(key, _MISSING),
            secondary.doc.get(key, _MISSING),
        )
        if value is _MISSING:
            doc.pop(key, None)
        elif key not in doc or _plain(doc[key]) != _plain(value):
            store.set_field(doc, key, value, policy.tz)
    seq = doc["events"]
    seq[:] = [nodes[e.id] for e in union]

    # fold the union with every event allowed to be set aside: what contradicts the
    # history before it is listed in `concurrent` (a merge adds no event of its own)
    merged = store.validate_document(Complaint, doc, name)
    try:
        state = fold(merged.events, merged.id, {e.id for e in merged.events})
    except StepRefused as exc:
        raise MergeConflict(exc.message) from exc
    for key, value in derived_fields(state).items():
        store.set_field(doc, key, value, policy.tz)
    text = store.dump(doc)
    check = store.validate_document(Complaint, store.parse_document(text.encode(), name), name)
    fold(check.events, check.id, check.set_aside)  # what we write, cmplt reads again
    return text


def merge_fields(base: bytes | None, ours: bytes, theirs: bytes, name: str) -> bytes:
    """A file without events (an improvement measure, the staff roster): merged key
    by key, into nested mappings (two people added to the roster on two clones are
    both on it; one person's role changed on one side and email on the other, both
    changes kept)."""
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        return theirs
    a, b = store.parse_document(ours, name), store.parse_document(theirs, name)
    primary, secondary = (a, b) if ours <= theirs else (b, a)
    base_doc = store.parse_document(base, name) if base else {}
    _merge_mapping("", base_doc, primary, secondary)
    return store.dump(primary).encode("utf-8")


def _merge_mapping(where: str, base: Any, primary: Any, secondary: Any) -> None:
    """`secondary`'s changes from `base` merged into `primary`, in place: a key
    only one side has (or changed) is taken; mappings on both sides merge key by
    key; keys new on the secondary side go after the primary's, in their order."""
    for key in [*primary, *(k for k in secondary if k not in primary)]:
        here = f"{where}.{key}" if where else str(key)
        b = base.get(key, _MISSING) if isinstance(base, Mapping) else _MISSING
        p, s = primary.get(key, _MISSING), secondary.get(key, _MISSING)
        if isinstance(p, Mapping) and isinstance(s, Mapping) and _plain(p) != _plain(s):
            _merge_mapping(here, b if isinstance(b, Mapping) else {}, p, s)
            continue
        value = _merge_field(here, b, p, s)
        if value is _MISSING:
            primary.pop(key, None)
        elif key not in primary or _plain(primary[key]) != _plain(value):
            primary[key] = value
