"""Repeat calls: the complaints a new one may repeat.

A customer who calls again about the same thing, or a clerk who types the same
call in twice, makes a second record of one complaint. At `new`, the desk is
told of the records with the same phone number or the same unit (compared
normalised: `units.normalise_unit`) that are still open or were received
recently (policy `desk.repeat_within`), so that it can link the new one
(`new --repeat-of ID`) or decline a duplicate entry (`reject --duplicate-of ID`).

What each record file contributes (its unit, phone, status and receipt) is kept
by the file's stamp under `.git/` (`snapshot.StampCache`), so that a warning
costs one `stat` per record once the cache is warm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cmplt import statefiles, store
from cmplt.errors import CmpltError
from cmplt.history import scalar_text
from cmplt.snapshot import Snapshot, StampCache, cached
from cmplt.units import normalise_phone, normalise_unit, unit_key
from cmplt.workflow import ACTIVE

# a record counts as open for the warning while it is being handled or awaits its callback
OPEN = ACTIVE | {"resolved"}


@dataclass(frozen=True)
class Similar:
    """A record a new complaint may repeat, and why it was found."""

    id: str
    status: str
    received_at: datetime
    summary: str
    same: tuple[str, ...]  # "phone", "unit"


_FIELD_LINE = re.compile(rb"^(id|status|unit|phone|received_at|summary):[ ]+([^\n]*)$", re.M)
_WANTED = ("id", "status", "unit", "received_at", "summary")


def _entry(snapshot: Snapshot, full: str) -> tuple[tuple[Any, ...], bool]:
    """(id, unit, phone, status, received, summary) of a record file. The top-level
    lines as cmplt writes them are read directly (a registry of 100,000 records is
    read once in seconds, not minutes); anything else by the one reader."""
    try:
        raw = Path(full).read_bytes()[: store.MAX_FILE_BYTES]
        head = raw[: raw.find(b"\nevents:")]
        found = {m[1].decode(): scalar_text(m[2]) for m in _FIELD_LINE.finditer(head)}
        if all(found.get(k) for k in _WANTED):
            received = datetime.fromisoformat(str(found["received_at"])).timestamp()
            phone = normalise_phone(str(found["phone"])) if found.get("phone") else ""
            entry = (
                found["id"],
                normalise_unit(str(found["unit"])),
                phone,
                found["status"],
                received,
                found["summary"],
            )
            return entry, True
    except (OSError, ValueError):
        pass
    try:
        c = snapshot.read_path(Path(full))
    except CmpltError:
        return (), False  # an unreadable record is `check`'s and `validate`'s business
    phone = normalise_phone(c.phone) if c.phone else ""
    entry = (c.id, normalise_unit(c.unit), phone, c.status, c.received_at.timestamp(), c.summary)
    return entry, True


def similar_complaints(
    snapshot: Snapshot,
    unit: str,
    phone: str | None,
    now: datetime,
    within: timedelta,
    leave_out: str | None = None,
) -> list[Similar]:
    """The records with the same unit or phone that are open, or were received in
    the `within` before `now`; oldest first. `leave_out`: the new record itself."""
    cache: StampCache[tuple[Any, ...]] = StampCache(
        snapshot.state_file(statefiles.REPEATS_CACHE), "repeats", __name__
    )
    # the units as the report groups them: 3栋1502 is 3-1502 (policy report.unit_pattern);
    # the cache keeps them only normalised, since the pattern is policy
    policy = snapshot.policy
    wanted_unit = unit_key(unit, policy)
    wanted_phone = normalise_phone(phone) if phone else ""
    since = (now - within).timestamp()
    found = []
    for _rel, _full, entry in cached(
        cache, snapshot.files(), lambda rel, full: _entry(snapshot, full)
    ):
        if not entry or entry[0] == leave_out:
            continue
        cid, their_unit, their_phone, status, received, summary = entry
        same = tuple(
            name
            for name, hit in (
                ("phone", bool(wanted_phone) and their_phone == wanted_phone),
                ("unit", unit_key(their_unit, policy) == wanted_unit),
            )
            if hit
        )
        if same and (status in OPEN or received >= since):
            found.append(
                Similar(cid, status, datetime.fromtimestamp(received, now.tzinfo), summary, same)
            )
    cache.save()
    return sorted(found, key=lambda s: (s.received_at, s.id))
