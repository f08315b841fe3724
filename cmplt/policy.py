"""The registry's policy (`cmplt.yaml`) and staff roster (`staff.yaml`).

Every number of the procedures lives here with the seed's value as the
default, so that a team changes its rules in a reviewed file, not in code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta, tzinfo
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from cmplt.errors import UsageError
from cmplt.i18n import _, normalise
from cmplt.terms import NATURES as NATURES
from cmplt.terms import PERMISSION_KEYS
from cmplt.terms import SATISFACTIONS as SATISFACTIONS
from cmplt.terms import SEVERITIES as SEVERITIES
from cmplt.times import parse_duration, zone

Severity = Literal["minor", "important", "major"]
Nature = Literal["valid-1", "valid-2", "invalid", "request"]
Satisfaction = Literal["satisfied", "neutral", "dissatisfied"]


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(str(value))


Duration = Annotated[timedelta, BeforeValidator(_duration)]


Percent = Annotated[float, Field(ge=0, le=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ResolveClocks(_Strict):
    # 原则及流程 五.1-3: minor 2 days, important 3 days, major 10 days
    minor: Duration = timedelta(days=2)
    important: Duration = timedelta(days=3)
    major: Duration = timedelta(days=10)
    # 原则及流程 五.1: a minor complaint is handled within 2 days "or by the deadline the
    # customer asked for": `replaces` reads that deadline as the clock, earlier or later;
    # `earlier` (a policy written before this key) keeps only a deadline before 2 days
    customer_deadline: Literal["earlier", "replaces"] = "earlier"


class DutyClock(_Strict):
    """A duty the procedures put on some severities, with the time it must be done in."""

    severities: list[Severity]
    within: Duration


class Decisions(_Strict):
    """Duties that have a step of their own (off in a policy that does not name them)."""

    # 投诉处理及回访制度 四: important and major complaints go to the division manager, who
    # decides; the seed says 及时 (promptly), 24 h is our reading
    division: DutyClock | None = None
    # 投诉处理及回访制度 五: an important complaint gets a named person following it to the end
    tracker: DutyClock | None = None


class Approvals(_Strict):
    """Approvals given by the approver, as an act of their own."""

    # 原则及流程 五: an extension (and a reclassification that gives a running clock more
    # time) takes effect when a person holding the approving role acts, not when a
    # clerk types the approver's name
    by_approver: bool = False
    # 规程 4.3.1: a valid complaint's record is approved by the customer-service supervisor
    # or the manager before it goes to the department; [] turns it off
    dispatch: list[str] = []


class Clocks(_Strict):
    # 物业客服工作中如何应对… 二: reply within 2 hours
    first_reply: Duration = timedelta(hours=2)
    # 规程 4.3.1: valid complaints followed up, or an initial plan given, within 24 h
    initial_plan: Duration = timedelta(hours=24)
    # 原则及流程 五.3: a major complaint gets a definite answer within 2 days
    major_answer: Duration = timedelta(days=2)
    resolve: ResolveClocks = ResolveClocks()


class DualCallback(_Strict):
    # 回访制度 4: 凡发生投诉或给客户造成较大经济损失的，中心主任、物业部经理必须同时回访
    roles: list[str] = ["director", "manager"]
    natures: list[Nature] = ["valid-1", "valid-2"]
    economic_loss: bool = True


class CallbackPolicy(_Strict):
    # The seed sets no number for the callback window; three days is our default.
    window: Duration = timedelta(days=3)
    # 回访制度 1-3: supervisor >= 95 %, manager >= 25 %, director >= 10 % (percent)
    quotas: dict[str, Percent] = {"supervisor": 95.0, "manager": 25.0, "director": 10.0}
    dual: DualCallback = DualCallback()
    # Our reading: on the first days of a month `check` also shows the month before's
    # final quota result, which a daily check would otherwise never show once ended.
    previous_month_days: Annotated[int, Field(ge=0, le=28)] = 3


def _calendar_shorthand(value: object) -> object:
    return {"kind": value} if isinstance(value, str) else value


class Calendar(_Strict):
    """How clocks run. The customer service centre is staffed 24 h (客服中心值班制度 一),
    so by default time runs continuously; a team that counts working days sets
    `working-days`, and its clocks pause on weekends and holidays, in the policy
    timezone, while the make-up working days of China's 调休 count as working days."""

    kind: Literal["continuous", "working-days"] = "continuous"
    weekend: list[Annotated[int, Field(ge=0, le=6)]] = [5, 6]  # Monday is 0
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # 调休: weekend days that are worked

    def is_working_day(self, day: date) -> bool:
        if self.kind == "continuous" or day in self.workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays


class ReportPolicy(_Strict):
    """What `cmplt report` reads that the procedures leave to the team."""

    # The building (楼号) of a unit is the first group of this pattern: "3-1502" is in
    # building 3. A unit it does not match is its own building.
    building_pattern: str = r"^([^-]+)-"
    # How a unit is written in this estate's other forms (3栋1502, 3号楼1单元1502), read
    # to `building-[entrance-]flat` before units are compared (cmplt/search.py): the
    # groups `building`, `flat` and, optionally, `entrance`.
    unit_pattern: str = (
        r"(?P<building>[0-9A-Z]+)(?:栋|号楼|幢|座|-)"
        r"(?:(?P<entrance>[0-9]+)(?:单元|-))?(?P<flat>[0-9A-Z]+)(?:室|号)?"
    )
    # 定期评估: an improvement measure is read by the complaints in its scope over this
    # long before it was done and as long after.
    measure_window: Duration = timedelta(days=90)

    @field_validator("unit_pattern")
    @classmethod
    def _unit_groups(cls, value: str) -> str:
        try:
            groups = re.compile(value).groupindex
        except re.error as exc:
            raise ValueError(f"is not a regular expression: {exc}") from exc
        if not {"building", "flat"} <= set(groups):
            raise ValueError("needs the groups (?P<building>…) and (?P<flat>…)")
        return value

    @field_validator("building_pattern")
    @classmethod
    def _one_group(cls, value: str) -> str:
        try:
            groups = re.compile(value).groups
        except re.error as exc:
            raise ValueError(f"is not a regular expression: {exc}") from exc
        if groups < 1:
            raise ValueError("needs a group, in parentheses, that captures the building")
        return value


class Bounds(_Strict):
    """Which times are plausible, so that a typo (1926 for 2026) is refused rather
    than filed a century overdue."""

    # Events and happened-at no earlier than this day. None: January 1 of the year
    # before the registry's first year folder under complaints/ (before this year
    # when there is none). A registry that takes in older paper records sets it.
    earliest: date | None = None
    # happened-at no later than this long after now (a step is never in the future)
    ahead: Duration = timedelta(days=731)
    # a deadline (--deadline, extend --until, improve add --due) within this long
    deadlines_ahead: Duration = timedelta(days=1827)


class VoidPolicy(_Strict):
    """Who may void a step recorded by mistake (`cmplt void`), and how soon. The
    procedures say nothing of it; our reading: the person who recorded it, while
    the mistake is fresh, or a supervisor or above at any time."""

    own_within: Duration = timedelta(hours=24)
    # this role or above (policy `ranks`; without ranks, this role only) at any time
    any_time_from: str = "supervisor"


class AttachmentPolicy(_Strict):
    """What `cmplt attach` takes in: types told by the content, and a size limit."""

    max_bytes: Annotated[int, Field(gt=0, le=100 * 1024 * 1024)] = 10 * 1024 * 1024
    types: list[Literal["jpeg", "png", "pdf"]] = ["jpeg", "png", "pdf"]


class DeskPolicy(_Strict):
    """The desk's ordinary accidents: mistakes put right, repeat calls."""

    void: VoidPolicy = VoidPolicy()
    # `new` warns of complaints from the same phone or unit that are open or were
    # received within this long (a repeat call, or the same call typed in twice)
    repeat_within: Duration = timedelta(days=7)
    attachments: AttachmentPolicy = AttachmentPolicy()


def _identity_shorthand(value: object) -> object:
    return {"mode": value} if isinstance(value, str) else value


# Steps a person may type in for someone else under `identity: git` or `signed` (the
# desk enters what a department phoned in, the night shift's notes): each records who
# typed it as `entered_by`. Approvals and callbacks are never typed on someone's behalf.
ON_BEHALF_DEFAULT = ["new", "respond", "plan", "resolve", "note", "attach", "urge", "promise"]
# never on behalf, whatever the policy lists: an approval is the approver's own act
# (原则及流程 五; 规程 4.3.1), a callback the caller's own call (回访制度 1-4)
NEVER_ON_BEHALF = frozenset({"approve", "callback", "staff", "waive"})


class IdentityPolicy(_Strict):
    """Whose hand typed a step (README, "Identities: names, git, signed").

    `names`: the name typed in `--by` is trusted; `git`: the git identity running
    the step must be the actor's roster email; `signed`: as `git`, and the commit is
    signed with the actor's roster key."""

    mode: Literal["names", "git", "signed"] = "names"
    on_behalf: list[str] = Field(default_factory=lambda: list(ON_BEHALF_DEFAULT))

    @field_validator("on_behalf")
    @classmethod
    def _steps_typed_for_others(cls, value: list[str]) -> list[str]:
        never = sorted(set(value) & NEVER_ON_BEHALF)
        if never:
            raise ValueError(
                _("{names} can never be typed on someone's behalf").format(names=", ".join(never))
            )
        unknown = sorted(set(value) - PERMISSION_KEYS)
        if unknown:
            raise ValueError(_("unknown step {names}").format(names=", ".join(unknown)))
        return value


DEFAULT_ROLES = {
    "clerk": "客服员",
    "cs_supervisor": "客服主管",
    "supervisor": "物业主管",
    "manager": "物业部经理",
    "director": "中心主任",
    "division_manager": "分管经理",
    "company_manager": "物业公司经理",
    "staff": "部门人员",
}


class Policy(_Strict):
    version: Literal[1] = 1
    timezone: str = "Asia/Shanghai"
    language: str = "zh-CN"
    calendar: Annotated[Calendar, BeforeValidator(_calendar_shorthand)] = Calendar()
    clocks: Clocks = Clocks()
    callback: CallbackPolicy = CallbackPolicy()
    # 原则及流程 五: overtime on minor complaints approved by the management office
    # manager (manager), on important ones by the company manager. The seed names no
    # approver for major complaints; we ask the company manager, the most senior role.
    extension_approvers: dict[Severity, str] = {
        "minor": "manager",
        "important": "company_manager",
        "major": "company_manager",
    }
    roles: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_ROLES))
    # Who stands above whom: escalation goes to a higher rank, and "X or above" means a
    # rank at least X's. Empty (a policy written before ranks): no rank is checked.
    ranks: dict[str, int] = {}
    # The roles that may take each step (step name, or staff / waive / void); a step not
    # listed may be taken by anyone on the roster. Empty: anyone may take any step.
    permissions: dict[str, list[str]] = {}
    approvals: Approvals = Approvals()
    decisions: Decisions = Decisions()
    # 原则及流程 五.3: a major complaint's 2-day answer is met only by an answer marked
    # definite (respond/plan --definite), not by any plan
    definite_answer: bool = False
    # 回访制度 4, 流程及技巧 6-7: no archiving while a required callback is missing,
    # unless waived by someone the permissions allow to waive
    close_needs_callbacks: bool = False
    channels: list[str] = ["phone", "visit", "letter", "fax", "email", "online"]
    categories: list[str] = [
        "repair",
        "security",
        "cleaning",
        "greening",
        "parking",
        "fees",
        "noise",
        "neighbour",
        "other",
    ]
    subjects: list[str] = ["facilities", "quality", "attitude", "abnormal"]
    departments: list[str] = ["客服中心", "工程部", "保安部", "保洁部", "绿化部"]
    responsible_parties: list[str] = ["property", "owner", "developer", "other"]
    report: ReportPolicy = ReportPolicy()
    bounds: Bounds = Bounds()
    desk: DeskPolicy = DeskPolicy()
    # `identity: names | git | signed`, or `{mode: …, on_behalf: [steps]}`
    identity: Annotated[IdentityPolicy, BeforeValidator(_identity_shorthand)] = IdentityPolicy()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except UsageError as exc:
            raise ValueError(exc.message) from exc
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        # the language of messages and labels; the files stay in English keys whatever it is
        if normalise(value) is None:
            raise ValueError(
                _("unknown language {language!r}; use zh-CN or en").format(language=value)
            )
        return value

    @field_validator("channels", "categories", "subjects", "departments", "responsible_parties")
    @classmethod
    def _non_empty_unique(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(_("must list at least one value"))
        if len(set(value)) != len(value):
            raise ValueError(_("lists a value twice"))
        return value

    @field_validator("permissions")
    @classmethod
    def _known_steps(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - PERMISSION_KEYS)
        if unknown:
            raise ValueError(
                _("unknown step {names} (steps, waive or staff)").format(names=", ".join(unknown))
            )
        return value

    @property
    def tz(self) -> tzinfo:
        return zone(self.timezone)

    def rank(self, role: str | None) -> int | None:
        """The role's rank (None: the policy ranks nobody, or not this role)."""
        return self.ranks.get(role) if role is not None else None

    def at_least(self, role: str | None, minimum: str) -> bool:
        """Whether `role` is `minimum` or ranked at or above it (with no ranks: only itself)."""
        if role == minimum:
            return True
        held, needed = self.rank(role), self.rank(minimum)
        return held is not None and needed is not None and held >= needed

    def may_approve(self, role: str | None, named: Sequence[str]) -> bool:
        """A role the policy names as approver, or one ranked above all of them."""
        if role is None:
            return False
        if role in named:
            return True
        held = self.rank(role)
        ranks = [self.rank(n) for n in named]
        return held is not None and bool(ranks) and all(r is not None and held > r for r in ranks)

    def may_take(self, step: str, role: str | None) -> bool:
        """Whether the permissions table lets `role` take `step`."""
        allowed = self.permissions.get(step)
        return allowed is None or (role is not None and role in allowed)


# an email's shape (one @, something either side, no space or angle bracket): what
# git keeps as user.email and the roster compares with it
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


class StaffMember(_Strict):
    role: str
    department: str | None = None
    email: str | None = None
    phone: str | None = None
    # the public half of the person's SSH signing key, one line `type base64 [comment]`
    # (identity: signed): what an allowed-signers file of git holds for them
    signing_key: str | None = None
    # `staff remove`: the person stays (the records of their time name them) but can
    # no longer act
    removed: bool = False

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError(_("not an email address: {value!r}").format(value=value))
        return value

    @field_validator("signing_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        if value is not None:
            from cmplt.sshkeys import key_problem

            problem = key_problem(value)
            if problem is not None:
                raise ValueError(problem)
        return value


class Roster(_Strict):
    staff: dict[str, StaffMember] = {}

    @field_validator("staff", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return {} if value is None else value


def policy_problems(policy: Policy) -> list[tuple[tuple[str | int, ...], str]]:
    """Roles the policy names (approvers, quotas, dual callback) that it does not define."""
    named: list[tuple[tuple[str | int, ...], str]] = [
        (("extension_approvers", severity), role)
        for severity, role in policy.extension_approvers.items()
    ]
    named += [(("callback", "quotas", role), role) for role in policy.callback.quotas]
    named += [(("ranks", role), role) for role in policy.ranks]
    named += [
        (("permissions", step, i), role)
        for step, roles in policy.permissions.items()
        for i, role in enumerate(roles)
    ]
    named += [
        (("approvals", "dispatch", i), role) for i, role in enumerate(policy.approvals.dispatch)
    ]
    named += [
        (("callback", "dual", "roles", i), role)
        for i, role in enumerate(policy.callback.dual.roles)
    ]
    named.append((("desk", "void", "any_time_from"), policy.desk.void.any_time_from))
    return [
        (loc, _("names role {role!r}, which is not under roles").format(role=role))
        for loc, role in named
        if role not in policy.roles
    ]


def roster_problems(roster: Roster, policy: Policy) -> list[tuple[tuple[str, ...], str]]:
    """Roles and departments the roster names that the policy does not know."""
    problems: list[tuple[tuple[str, ...], str]] = []
    # one email, one person: a git identity names whoever has it (identity: git)
    emails: dict[str, str] = {}
    for name, member in roster.staff.items():
        if member.email is not None:
            first = emails.setdefault(member.email.casefold(), name)
            if first != name:
                problems.append(
                    (
                        ("staff", name, "email"),
                        _("{email} is {name}'s email too").format(email=member.email, name=first),
                    )
                )
        if member.role not in policy.roles:
            problems.append(
                (("staff", name, "role"), _("unknown role {name!r}").format(name=member.role))
            )
        if member.department is not None and member.department not in policy.departments:
            problems.append(
                (
                    ("staff", name, "department"),
                    _("unknown department {name!r}").format(name=member.department),
                )
            )
    return problems
