"""What a typed text may hold: no control characters, no bidi overrides.

A control character (an escape sequence, a carriage return, a bell) in a record
rewrites a terminal or a table row when the record is shown; a bidi override
makes text display in another order than it is stored. Multi-line texts (notes,
reasons, results) keep their line breaks; every other field is one line.
"""

from __future__ import annotations

import re

# the fields a person may type over several lines; every other text field is one line
MULTI_LINE_FIELDS = frozenset({"note", "text", "reason", "result", "request", "urgent_note"})

# C0 controls, DEL, C1 controls, the line and paragraph separators, and the bidi
# embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
_BIDI = "\u202a-\u202e\u2066-\u2069"
_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")
# a multi-line text keeps its tabs and line breaks as typed or pasted (LF, CR, CRLF,
# NEL, U+2028, U+2029: `tests/test_roundtrip.py`), nothing else
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f{_BIDI}]")
# what is shown over several lines keeps only LF: a CR would move the cursor back
_SHOWN_OVER_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]")

# git strips these from both ends of an author name (ident.c, `crud`)
GIT_CRUD = ".,:;<>\"'"


def forbidden_character(text: str, multi_line: bool = False) -> str | None:
    """The first character `text` may not hold, or None."""
    match = (_MULTI_LINE if multi_line else _ONE_LINE).search(text)
    return match[0] if match else None


def escaped(text: str, keep_newlines: bool = False) -> str:
    """`text` with every control or bidi character shown as an escape (`\\x1b`, `\\r`),
    so that what a file holds can neither move a terminal's cursor nor break a
    table's row; `keep_newlines` leaves line breaks for text shown over lines."""
    pattern = _SHOWN_OVER_LINES if keep_newlines else _ONE_LINE
    return pattern.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)
