"""The fixed terms of the procedures, as the files store them.

Plain tuples, importable without pydantic: the command line offers them as
choices (and lists them in `--help`) without building the models that
validate them (`policy.py`, `model.py`, which re-export them).
"""

from __future__ import annotations

# 原则及流程 三: 程度 (severity) and 性质 (nature) of a complaint
SEVERITIES = ("minor", "important", "major")
NATURES = ("valid-1", "valid-2", "invalid", "request")
SATISFACTIONS = ("satisfied", "neutral", "dissatisfied")
STATUSES = ("open", "dispatched", "in_progress", "resolved", "called_back", "rejected", "closed")

# Steps a closed (archived) record takes without being reopened: 投诉处理及回访制度 七's
# reward-and-penalty review may come after the archive.
AFTER_CLOSING = frozenset({"review"})

# The actions a record's events hold, in the order of a complaint's life ("received"
# is `cmplt new`'s event).
ACTIONS = (
    "received",
    "respond",
    "dispatch",
    "accept",
    "plan",
    "extend",
    "escalate",
    "resolve",
    "callback",
    "reopen",
    "reject",
    "close",
    "note",
    "reclassify",
    "reevaluate",
    "approve",
    "decide",
    "track",
    "promise",
    "review",
)

# What the policy's `permissions` may name: every step's command, and two acts that
# are part of one (waiving a callback at `close`; changing the roster).
PERMISSION_KEYS = frozenset({"new", *ACTIONS[1:], "waive", "staff"})
