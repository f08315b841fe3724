"""Finding complaints by what a caller says: a name, a number, a flat, a word.

`cmplt search TEXT` and `list --customer/--phone/--unit` read through here. Text
is compared NFKC-folded and case-insensitive; a phone by its digits, so that a
masked number copied from a table (`138****8000`) still finds its record; a unit
by its key (`unit_key`): full-width digits and dashes made ASCII
(`units.normalise_unit`), then the policy's `report.unit_pattern` turns `3栋1502`,
`3号楼1502` and `3-1502` into the same `3-1502`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from cmplt.model import Complaint
from cmplt.policy import Policy
from cmplt.units import unit_key

# the fields of an event a person writes, searched as a record's notes
_WRITTEN = ("note", "text", "result", "reason", "urgent_note")


def folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def phone_matches(phone: str, typed: str) -> bool:
    """`typed`'s digits in the number, `*` standing for any digits (a masked number)."""
    wanted = re.sub(r"[^0-9*]", "", unicodedata.normalize("NFKC", typed))
    if sum(ch.isdigit() for ch in wanted) < 3:
        return False  # two digits find everyone
    pattern = r"\d*".join(re.escape(part) for part in re.split(r"\*+", wanted))
    return re.search(pattern, re.sub(r"\D", "", phone)) is not None


@dataclass(frozen=True)
class Query:
    """Every condition given must hold (none given: all)."""

    text: str | None = None  # anywhere: customer, phone, unit, summary, notes
    customer: str | None = None
    phone: str | None = None
    unit: str | None = None  # a unit or the start of one (a building: "3-", "3栋")


def _unit_prefix(typed: str, policy: Policy) -> str:
    # "3栋" or "3号楼" alone is a building: its key with the dash a flat follows
    key = unit_key(typed, policy)
    building = re.fullmatch(r"([0-9A-Z]+)(?:栋|号楼|幢|座)", key.replace(" ", ""))
    return building.group(1) + "-" if building else key


def holds(complaint: Complaint, query: Query, policy: Policy) -> bool:
    if query.customer and folded(query.customer) not in folded(complaint.customer):
        return False
    # an anonymous complaint has no phone: it matches no number
    if query.phone and not (complaint.phone and phone_matches(complaint.phone, query.phone)):
        return False
    if query.unit and not unit_key(complaint.unit, policy).startswith(
        _unit_prefix(query.unit, policy)
    ):
        return False
    return not query.text or _mentions(complaint, query.text, policy)


def _mentions(complaint: Complaint, text: str, policy: Policy) -> bool:
    wanted = folded(text).strip()
    if complaint.phone and phone_matches(complaint.phone, text):
        return True
    if unit_key(complaint.unit, policy) == unit_key(text, policy):
        return True
    return any(wanted in folded(value) for value in _texts(complaint))


def _texts(complaint: Complaint) -> Iterable[str]:
    for value in (
        complaint.customer,
        complaint.unit,
        complaint.summary,
        complaint.request,
        complaint.location,
        complaint.about,
    ):
        if value:
            yield value
    for event in complaint.events:
        for name in _WRITTEN:
            value = getattr(event, name, None)
            if isinstance(value, str):
                yield value


def search(complaints: Iterable[Complaint], query: Query, policy: Policy) -> list[Complaint]:
    return [c for c in complaints if holds(c, query, policy)]
