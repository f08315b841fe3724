"""pydantic's messages about a field, in the chosen language.

pydantic says what is wrong in English (`String should match pattern '^\\+?[0-9]…'`);
each kind of error it reports (its `type`) is said here through the catalogs,
with the values of its context, and for the fields a person types most (phone,
IDs) in the field's own terms. A kind not listed keeps pydantic's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cmplt.i18n import N_, _, choices_text

# pydantic's error type -> what we say (placeholders: the error's context)
_SAID = {
    "missing": N_("is required"),
    "extra_forbidden": N_("is not a key this file may have"),
    "string_type": N_("should be text"),
    "string_too_long": N_("should have at most {max_length} characters"),
    "int_type": N_("should be a whole number"),
    "int_parsing": N_("should be a whole number"),
    "int_from_float": N_("should be a whole number"),
    "float_type": N_("should be a number"),
    "float_parsing": N_("should be a number"),
    "bool_type": N_("should be true or false"),
    "bool_parsing": N_("should be true or false"),
    "dict_type": N_("should be a mapping (key: value lines)"),
    "model_type": N_("should be a mapping (key: value lines)"),
    "model_attributes_type": N_("should be a mapping (key: value lines)"),
    "list_type": N_("should be a list"),
    "too_short": N_("should have at least {min_length} items"),
    "too_long": N_("should have at most {max_length} items"),
    "greater_than_equal": N_("should be at least {ge}"),
    "less_than_equal": N_("should be at most {le}"),
    "greater_than": N_("should be more than {gt}"),
    "less_than": N_("should be less than {lt}"),
    "literal_error": N_("should be {expected}"),
    "enum": N_("should be {expected}"),
    "union_tag_not_found": N_("has no {discriminator}"),
    "datetime_type": N_("should be a time"),
    "date_type": N_("should be a date"),
    "date_from_datetime_parsing": N_("should be a date, YYYY-MM-DD"),
    "date_parsing": N_("should be a date, YYYY-MM-DD"),
}

# a pattern a field must match, said in the field's own terms
_PATTERNS = {
    "phone": N_("is not a phone number (digits, spaces, brackets and dashes, a leading + allowed)"),
    "id": N_("is not an ID of the form it should have"),
}


def message_of(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) in the active language."""
    kind = error.get("type", "")
    context = dict(error.get("ctx") or {})
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])  # our own validators' words, translated already
    loc = error.get("loc") or ()
    field = str(loc[-1]) if loc else ""
    if kind == "string_too_short":
        if context.get("min_length") == 1:
            return _("should not be empty")
        return _("should have at least {min_length} characters").format(**context)
    if kind == "string_pattern_mismatch":
        if field in _PATTERNS:
            return _(_PATTERNS[field])
        return _("does not have the form it should ({pattern})").format(**context)
    if kind in ("literal_error", "enum"):
        # pydantic's `'a', 'b' or 'c'`, said as every other list of choices is
        values = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        if values:
            return _("should be one of: {choices}").format(choices=choices_text(field, values))
    if kind == "union_tag_invalid":
        # an event's unknown action
        key = str(context.get("discriminator", "")).strip("'")
        values = re.findall(r"'([^']*)'", str(context.get("expected_tags", "")))
        return _("unknown {key} {value!r}; it should be one of: {choices}").format(
            key=key, value=context.get("tag"), choices=choices_text(key, values)
        )
    said = _SAID.get(kind)
    if said is None:
        return str(error.get("msg", kind))
    try:
        return _(said).format(**context)
    except (KeyError, IndexError):
        return str(error.get("msg", kind))
