"""A complaint record as it stands in its YAML file. No I/O here.

The `events` list is the source of truth and only grows: a step adds one event (a late
entry at its place in the history, chronology.py); none is removed or edited.
The fields above it that change over a complaint's life (status, owner,
department, the classification) are derived from the events and written
out so that a person reading the file or a diff sees them; `workflow.fold`
computes them and `workflow.derived_mismatches` checks they agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from cmplt.ids import COMPLAINT_ID
from cmplt.policy import Nature, Satisfaction, Severity
from cmplt.terms import ACTIONS as ACTIONS
from cmplt.terms import STATUSES as STATUSES
from cmplt.times import parse_stored_time

Time = Annotated[datetime, BeforeValidator(parse_stored_time)]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]

Status = Literal[
    "open", "dispatched", "in_progress", "resolved", "called_back", "rejected", "closed"
]

# The fields `reclassify` may change; `received` sets their first values.
CLASSIFICATION_FIELDS = (
    "nature",
    "severity",
    "subject",
    "category",
    "urgent",
    "economic_loss",
    "staff_involved",
    "staff_verified",
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Event(_Record):
    id: Annotated[str, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{8}$")]
    at: Time
    recorded_at: Time
    by: Name


class _Classification(BaseModel):
    """The axes `received` sets first and `reclassify` may change (规程 4.2; 原则及流程 三)."""

    nature: Nature
    severity: Severity
    subject: Name
    category: Name
    urgent: bool = False
    economic_loss: bool = False
    staff_involved: Name | None = None


class Received(_Event, _Classification):
    action: Literal["received"]
    # the customer gave no contact: nobody to call back (README: anonymous complaints)
    anonymous: bool = False


EventId = Annotated[str, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{8}$")]


class _Approvable(_Event):
    """A step that takes effect only once approved (policy `approvals`): recorded by
    someone else with `requested: true`, it waits for an `approve` event; recorded by
    an approver, it carries the approval itself."""

    requested: bool = False
    approved_by: Name | None = None
    approver_role: Name | None = None
    # the deadline that had already passed when the approval was given (past breaches
    # stay breaches: the approval moves the clock, it does not make it met in time)
    deadline_passed: Time | None = None


class Respond(_Event):
    action: Literal["respond"]
    note: Text
    # 原则及流程 五.3: the definite answer a major complaint is owed within 2 days
    definite: bool = False


class Dispatch(_Approvable):
    action: Literal["dispatch"]
    department: Name
    note: Text | None = None
    person: Name | None = None  # the person following it (投诉处理及回访制度 五)


class Accept(_Event):
    action: Literal["accept"]
    department: Name


class Plan(_Event):
    action: Literal["plan"]
    note: Text
    definite: bool = False


class Extend(_Approvable):
    action: Literal["extend"]
    until: Time
    note: Text | None = None

    @model_validator(mode="after")
    def _approved_or_requested(self) -> Extend:
        # a record written before approvals were acts always names its approver
        if self.requested == (self.approved_by is not None):
            raise ValueError("an extension is either requested or names its approver")
        if (self.approved_by is None) != (self.approver_role is None):
            raise ValueError("approved_by and approver_role go together")
        return self


class Escalate(_Event):
    action: Literal["escalate"]
    to: Name
    reason: Text


class Resolve(_Event):
    action: Literal["resolve"]
    result: Text


class Callback(_Event):
    action: Literal["callback"]
    satisfaction: Satisfaction
    role: Name
    note: Text | None = None


class Reopen(_Event):
    action: Literal["reopen"]
    reason: Text


class Reject(_Event):
    action: Literal["reject"]
    reason: Text
    # a duplicate entry of another record: not a declined complaint (repeats.py)
    duplicate_of: Annotated[str, Field(pattern=COMPLAINT_ID.pattern)] | None = None


class Close(_Event):
    action: Literal["close"]
    note: Text | None = None
    # a required callback missing, and why a manager let it be archived anyway
    waived: Text | None = None


class Approve(_Event):
    """The approver's own act: grants the requested step `approves` (an event ID)."""

    action: Literal["approve"]
    approves: EventId
    role: Name
    note: Text | None = None
    deadline_passed: Time | None = None


class Decide(_Event):
    # 投诉处理及回访制度 四: the division manager's decision on an important or major complaint
    action: Literal["decide"]
    note: Text


class Track(_Event):
    # 投诉处理及回访制度 五: the person who follows an important complaint to its end
    action: Literal["track"]
    person: Name
    note: Text | None = None


class Promise(_Event):
    # 流程及技巧 4, 6: a time agreed with the customer to phone them back
    action: Literal["promise"]
    call_by: Time
    note: Text | None = None


class Review(_Event):
    # 投诉处理及回访制度 七: a verified staff-attitude complaint's reward-and-penalty outcome
    action: Literal["review"]
    outcome: Text


class Note(_Event):
    action: Literal["note"]
    text: Text


class Reevaluate(_Event):
    """Put the record under the policy in force now (its clocks follow the policy
    of its receipt until such an explicit step)."""

    action: Literal["reevaluate"]
    reason: Text


class Reclassify(_Approvable):
    action: Literal["reclassify"]
    from_: dict[str, Any] = Field(alias="from")
    to: dict[str, Any]
    reason: Text | None = None

    @field_validator("to")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(CLASSIFICATION_FIELDS))
        if unknown:
            raise ValueError(f"cannot reclassify {', '.join(unknown)}")
        if not value:
            raise ValueError("changes nothing")
        return value


# The intake fields (受理) a `correct` step may change: a mistyped name, unit, phone
# or summary is put right on the record, with the old value kept in the event.
CORRECTABLE_FIELDS = (
    "channel",
    "customer",
    "unit",
    "phone",
    "happened_at",
    "location",
    "about",
    "summary",
    "request",
    "requested_deadline",
    "urgent_note",
    "responsible_party",
)
# the correctable fields that hold a time (kept as ISO 8601 text in the event)
CORRECTABLE_TIMES = frozenset({"happened_at", "requested_deadline"})


class Correct(_Event):
    """A mistake in the intake put right: the fields' values before and after."""

    action: Literal["correct"]
    from_: dict[str, Any] = Field(alias="from")
    to: dict[str, Any]
    reason: Text

    @field_validator("to")
    @classmethod
    def _correctable(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(CORRECTABLE_FIELDS))
        if unknown:
            raise ValueError(f"cannot correct {', '.join(unknown)}")
        if not value:
            raise ValueError("changes nothing")
        for name, new in value.items():
            if name in CORRECTABLE_TIMES:
                parse_stored_time(new)
            elif not isinstance(new, str) or not new:
                raise ValueError(f"{name}: expected a non-empty text")
        return value


class Void(_Event):
    """A step recorded by mistake (the wrong record, a slip): it stays in the file,
    and every reading of the history passes over it from here on."""

    action: Literal["void"]
    event: EventId
    reason: Text


class Attach(_Event):
    """Evidence kept with the record (attachments.py): the customer's written opinion
    (流程及技巧 3), a photo, an approval on paper. The file lies at `file`, named by
    its SHA-256; `name` is the name it was given, shown only."""

    action: Literal["attach"]
    kind: Literal["opinion", "photo", "approval", "other"]
    file: Annotated[
        str,
        Field(
            pattern=r"^attachments/20\d\d/\d\d/\d{6}-[0-9A-HJKMNP-TV-Z]{6}/[0-9a-f]{64}\.(jpg|png|pdf)$"
        ),
    ]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    bytes: Annotated[int, Field(ge=0)]
    type: Literal["jpeg", "png", "pdf"]
    name: Name
    note: Text | None = None


class Urge(_Event):
    """The customer chased the complaint (催单): when, and by which channel."""

    action: Literal["urge"]
    channel: Name
    note: Text | None = None


Event = Annotated[
    Received
    | Respond
    | Dispatch
    | Accept
    | Plan
    | Extend
    | Escalate
    | Resolve
    | Callback
    | Reopen
    | Reject
    | Close
    | Note
    | Reclassify
    | Reevaluate
    | Approve
    | Decide
    | Track
    | Promise
    | Review
    | Correct
    | Void
    | Urge
    | Attach,
    Field(discriminator="action"),
]


class Complaint(_Record, _Classification):
    id: Annotated[str, Field(pattern=COMPLAINT_ID.pattern)]
    # derived from the events
    status: Status
    owner: Name
    department: Name | None = None
    received_at: Time
    # intake (受理): 规程 4.1 a; 投诉处理及回访制度 二; 原则及流程 二.1
    channel: Name
    customer: Name
    unit: Name
    phone: Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()-]{3,24}$")] | None = None
    # derived from the receipt: an anonymous complaint has no phone and needs no callback
    anonymous: bool | None = None
    # the earlier record this complaint repeats (new --repeat-of)
    repeat_of: Annotated[str, Field(pattern=COMPLAINT_ID.pattern)] | None = None
    happened_at: Time | None = None
    location: Text | None = None
    about: Text | None = None
    summary: Text
    request: Text | None = None
    requested_deadline: Time | None = None
    urgent_note: Text | None = None
    responsible_party: Name | None = None
    # the classification (from _Classification) is derived: received, then reclassify
    staff_verified: bool | None = None
    # derived: the steps two clones recorded at the same time that contradict one
    # another (merging.py): each counts for nothing until a person settles it
    concurrent: list[EventId] | None = None
    events: Annotated[list[Event], Field(min_length=1)]

    @property
    def set_aside(self) -> frozenset[str]:
        """The events a merge set aside (`concurrent`): folded past, not applied."""
        return frozenset(self.concurrent) if self.concurrent else frozenset()

    @model_validator(mode="after")
    def _a_phone_unless_anonymous(self) -> Complaint:
        if self.phone is None and not self.anonymous:
            raise ValueError("phone: required unless the complaint is anonymous")
        return self


def is_request(event: Event) -> bool:
    """A step recorded to wait for its approval (it changes nothing until then). Asked
    of the class first: reading a field a pydantic model lacks is slow, and a check of
    10,000 records asks this of every event."""
    return isinstance(event, _Approvable) and event.requested
