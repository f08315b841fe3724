"""A unit (楼号-房号) as typed, and the unit it names.

The same flat is typed `3-1502`, `３－１５０２` (full-width, from a Chinese input
method), `3—1502` or ` 3-1502 `. Whatever compares units (the repeat warning at
`new`, the report's repeats, and any later matching of records to units) reads
them through `normalise_unit`, and compare and group them by `unit_key`, which
also reads the policy's `report.unit_pattern` (`3栋1502` and `3号楼1502` are
`3-1502`), so that they agree on which flat is which.

No I/O here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cmplt.policy import Policy

# dashes people type between a building and a flat, besides ASCII '-': the hyphens,
# dashes and minus signs of Unicode, and the long-vowel mark an input method offers
_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\ufe58\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def normalise_unit(text: str) -> str:
    """The unit as compared: full-width digits, letters and dashes made ASCII (NFKC),
    every dash a '-', spaces around a dash and at either end dropped, other runs of
    spaces made one. Letters keep their case: the report shows units as compared."""
    unit = unicodedata.normalize("NFKC", text)
    unit = _DASHES.sub("-", unit)
    unit = _SPACES.sub(" ", unit).strip()
    return re.sub(r" ?- ?", "-", unit)


def same_unit(a: str, b: str) -> bool:
    return normalise_unit(a) == normalise_unit(b)


def normalise_phone(text: str) -> str:
    """A phone number as compared: its digits (and a leading '+'), NFKC first."""
    phone = unicodedata.normalize("NFKC", text).strip()
    digits = re.sub(r"[^0-9]", "", phone)
    return ("+" + digits) if phone.startswith("+") else digits


def unit_key(text: str, policy: Policy) -> str:
    """The unit as compared and grouped: `3栋1502`, `３－１５０２`, `3号楼1502` -> `3-1502`;
    `3栋1单元1502` -> `3-1-1502`; a unit the pattern does not read, normalised only."""
    unit = normalise_unit(text)
    # 3-1502a and 3-1502A are one flat once the pattern reads it; a unit it does not
    # read is shown as typed (normalised), never rewritten
    match = re.fullmatch(policy.report.unit_pattern, unit.upper().replace(" ", ""))
    if match is None:
        return unit
    parts = match.groupdict()
    return "-".join(
        p.upper() for p in (parts["building"], parts.get("entrance"), parts["flat"]) if p
    )
