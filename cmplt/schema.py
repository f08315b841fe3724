"""JSON Schemas (draft 2020-12) of the registry's files, from the models that read them.

So that an editor, a CI job or any other tool can check a record, the policy or
the roster without cmplt. The schema is pydantic's, generated from
`model.Complaint`, `policy.Policy` and `policy.Roster`, with what pydantic
cannot know about our file format put right here:

- durations are written `2h`, `3d`, `1d12h`, `90m` (not ISO 8601's `PT2H`);
- times are quoted ISO 8601 text that must carry a UTC offset;
- calendar dates (holidays, 调休 workdays) are `YYYY-MM-DD`: quoted or not,
  YAML tools that follow JSON's data model (check-jsonschema among them) read an
  unquoted `2026-10-01` as that text, and `format: date` checks it;
- `calendar: continuous` is shorthand for `calendar: {kind: continuous}`, and
  `identity: git` for `identity: {mode: git}`;
- an empty `staff:` is an empty roster;
- events are told apart by `action` (if/then per action, so that a wrong
  action is one clear error rather than one per kind of event);
- `reclassify` names classification fields only, with their own types;
- the policy's lists are non-empty and name each value once.

What a schema cannot say (events in an allowed order, the fields above the
events agreeing with them, names on the roster, IDs matching file names) is
what `cmplt validate` adds.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from cmplt.model import ACTIONS, CLASSIFICATION_FIELDS, CORRECTABLE_FIELDS, Complaint
from cmplt.policy import NATURES, SEVERITIES, Policy, Roster
from cmplt.render import json_text
from cmplt.sites import SitesFile
from cmplt.times import format_duration

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KINDS: dict[str, type[BaseModel]] = {
    "record": Complaint,
    "policy": Policy,
    "roster": Roster,
    "sites": SitesFile,
}
TITLES = {
    "record": "cmplt complaint record (投诉记录), complaints/YYYY/MM/<id>.yaml",
    "policy": "cmplt policy (cmplt.yaml)",
    "roster": "cmplt staff roster (staff.yaml)",
    "sites": "cmplt sites file (check/report --sites FILE)",
}

# times.parse_duration: days, hours and minutes, at least one of them
DURATION_PATTERN = r"^\s*(?=\S)(?:\d+\s*d)?\s*(?:\d+\s*h)?\s*(?:\d+\s*m)?\s*$"
# ISO 8601 date and time with a UTC offset (times.parse_stored_time refuses none)
TIME_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
)


class _FileFormat(GenerateJsonSchema):
    """pydantic's generator, with our file format's durations, times and defaults."""

    def timedelta_schema(self, schema: core_schema.TimedeltaSchema) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "days, hours and minutes: 2h, 24h, 3d, 1d12h, 90m",
        }

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        return {
            "type": "string",
            "format": "date-time",
            "pattern": TIME_PATTERN,
            "description": "ISO 8601 with a UTC offset, e.g. '2026-11-28T09:15:00+08:00'",
        }

    def encode_default(self, dft: Any) -> Any:
        return super().encode_default(_as_written(dft))


def _as_written(value: Any) -> Any:
    """A default as it is written in a file (durations `3d`, dates as text)."""
    if isinstance(value, BaseModel):
        return {
            (info.alias or name): _as_written(getattr(value, name))
            for name, info in type(value).model_fields.items()
        }
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _as_written(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_as_written(v) for v in value)
    if isinstance(value, list | tuple):
        return [_as_written(v) for v in value]
    return value


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of registry file: `record`, `policy` or `roster`."""
    model = KINDS[kind]
    generated = model.model_json_schema(by_alias=True, schema_generator=_FileFormat)
    _FIXES[kind](generated)
    return {
        "$schema": DRAFT,
        "title": TITLES[kind],
        **{k: v for k, v in generated.items() if k != "title"},
    }


def schema_text(kind: str) -> str:
    return json_text(json_schema(kind))


# --- what pydantic cannot know, per kind of file --------------------------------------


def _fix_record(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    events = schema["properties"]["events"]
    # one branch per action instead of pydantic's oneOf: a wrong action is one error
    events["items"] = {
        "type": "object",
        "required": ["action"],
        "properties": {"action": {"enum": list(ACTIONS)}},
        "allOf": [
            {
                "if": {"properties": {"action": {"const": action}}, "required": ["action"]},
                "then": {"$ref": f"#/$defs/{_event_def(defs, action)}"},
            }
            for action in ACTIONS
        ],
    }
    types: dict[str, Any] = {
        "nature": {"enum": list(NATURES)},
        "severity": {"enum": list(SEVERITIES)},
        "subject": {"type": "string", "minLength": 1},
        "category": {"type": "string", "minLength": 1},
        "urgent": {"type": "boolean"},
        "economic_loss": {"type": "boolean"},
        "staff_involved": {"type": ["string", "null"]},
        "staff_verified": {"type": ["boolean", "null"]},
    }
    classification = {name: types[name] for name in CLASSIFICATION_FIELDS}
    reclassify = defs["Reclassify"]["properties"]
    for side in ("from", "to"):
        reclassify[side] = {
            "type": "object",
            "properties": classification,
            "additionalProperties": False,
            "description": reclassify[side].get("description", f"classification fields ({side})"),
        }
    reclassify["to"]["minProperties"] = 1
    # a correction's values: the intake fields it names, as text (times as ISO 8601)
    intake = {name: {"type": "string", "minLength": 1} for name in CORRECTABLE_FIELDS}
    correct = defs["Correct"]["properties"]
    for side in ("from", "to"):
        nullable = {k: {"type": ["string", "null"]} for k in intake} if side == "from" else intake
        correct[side] = {
            "type": "object",
            "properties": nullable,
            "additionalProperties": False,
            "description": f"intake fields ({side})",
        }
    correct["to"]["minProperties"] = 1


def _event_def(defs: dict[str, Any], action: str) -> str:
    for name, definition in defs.items():
        if definition.get("properties", {}).get("action", {}).get("const") == action:
            return name
    raise KeyError(action)


def _fix_policy(schema: dict[str, Any]) -> None:
    properties = schema["properties"]
    calendar = properties["calendar"]
    properties["calendar"] = {
        "anyOf": [
            {"$ref": calendar["$ref"]},
            {"enum": ["continuous", "working-days"], "description": "shorthand for {kind: …}"},
        ],
        "default": calendar.get("default"),
    }
    for name in ("channels", "categories", "subjects", "departments", "responsible_parties"):
        properties[name].update({"minItems": 1, "uniqueItems": True})
    identity = properties["identity"]
    properties["identity"] = {
        "anyOf": [
            {"$ref": identity["$ref"]},
            {"enum": ["names", "git", "signed"], "description": "shorthand for {mode: …}"},
        ],
        "default": identity.get("default"),
    }


def _fix_roster(schema: dict[str, Any]) -> None:
    staff = schema["properties"]["staff"]
    staff["type"] = ["object", "null"]  # `staff:` with nobody under it yet


def _fix_sites(schema: dict[str, Any]) -> None:
    """Nothing pydantic cannot say: names and paths are plain strings."""


_FIXES = {
    "record": _fix_record,
    "policy": _fix_policy,
    "roster": _fix_roster,
    "sites": _fix_sites,
}
