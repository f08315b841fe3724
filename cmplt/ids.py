"""Complaint and event IDs.

A complaint ID is the receiving date in the policy timezone and six
Crockford base-32 characters: `261128-7KQ4MZ`. The date makes IDs sort by
day and shard into folders; the random part keeps clones that never talk to
each other from colliding (about one chance in a billion per pair of
records on the same day) without a counter file that would conflict on
merge. Crockford's alphabet has no I, L, O or U, so an ID read over the
phone is not misheard; on input those letters are read as 1, 1, 0.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
from datetime import datetime

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_RANDOM_CHARS = 6
EVENT_ID_CHARS = 8
COMPLAINT_ID = re.compile(r"^\d{6}-[0-9A-HJKMNP-TV-Z]{6}$")
_INPUT_FIX = str.maketrans({"I": "1", "L": "1", "O": "0"})


def random_chars(count: int, seed: str | None, context: str) -> str:
    """Random characters; reproducible when a seed is given (example registry, tests)."""
    if seed is None:
        return "".join(secrets.choice(CROCKFORD) for _ in range(count))
    digest = hashlib.sha256(f"{seed}\0{context}".encode()).digest()
    rng = random.Random(digest)
    return "".join(rng.choice(CROCKFORD) for _ in range(count))


def complaint_id(received_local: datetime, random_part: str) -> str:
    return f"{received_local:%y%m%d}-{random_part}"


def normalise_id_input(text: str) -> str:
    """What a person typed or read over the phone, as it is stored."""
    return text.strip().upper().translate(_INPUT_FIX)


def shard_of(complaint: str) -> tuple[str, str] | None:
    """`261128-…` -> ("2026", "11"): the folder a (prefix of an) ID lives in."""
    if len(complaint) < 4 or not complaint[:4].isdigit():
        return None
    return f"20{complaint[:2]}", complaint[2:4]
