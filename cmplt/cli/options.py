"""Which command-line option each field of the domain is typed in.

Domain errors name fields (`errors.field_ref`); this one table says them as
the options a person typed. A field typed as `--<field-with-dashes>` needs no
entry.
"""

from __future__ import annotations

from cmplt.errors import name_fields

OPTION_OF = {
    "department": "--to",  # dispatch --to DEPARTMENT
    "staff_department": "--department",  # staff add --department
    "requested_deadline": "--deadline",  # new --deadline
    "responsible_party": "--responsible",  # new --responsible
    "received_at": "--at",  # new --at
    "first_day": "--from",  # report --from
    "last_day": "--to",  # report --to
    "approves": "--event",  # approve --event EVENT-ID
    "waived": "--waive",  # close --waive REASON
}


def option_for(field: str) -> str:
    return OPTION_OF.get(field, "--" + field.replace("_", "-"))


def as_typed(message: str) -> str:
    """A domain message with every field said as the option it is typed in."""
    return name_fields(message, option_for)
