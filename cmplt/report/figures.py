"""`cmplt report`: the monthly statistics of the procedures (统计分析).

Every figure is computed from the records as they stood at the report's
`as_of` (the period's end, or now when the period has not ended), each record
under the policy in force for it, so that a report is reproducible like a
check of the past. The report is values: `render_report` turns them into
Markdown, CSV, JSON or HTML; nothing here knows of click or of a language.

What each record contributes is reduced to `Facts` (plain values) and cached
under `.git/`, keyed like the check's cache by the file's stamp and the policy
versions, so that a monthly cron run reads only the files that changed.

Readings of the procedures that are ours (see the README):
- volume, reply and resolution times count the records *received* in the
  period (a cohort); a time not reached by `as_of` is "pending";
- a clock counts toward SLA compliance in the period in which it is decided:
  when it is met, or when it runs out unmet; met by its deadline is "inside";
- callback rates per role use the check's quota arithmetic (a record resolved
  in the period counts once its callback window has closed or it was called
  back); satisfaction counts each record's last callback in the period;
- the trend months are read as of the report's `as_of` too.
"""

from __future__ import annotations

import bisect
import marshal
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, NamedTuple

from cmplt import statefiles
from cmplt.breaches import MOVES_CLOCKS, kept_breaches
from cmplt.corrections import effective
from cmplt.errors import InvalidFile, NotFound, StepRefused, UsageError, field_ref
from cmplt.i18n import _
from cmplt.measures import Measure, measure_status
from cmplt.model import Callback, Close, Complaint, Event, Reject, Reopen, Review
from cmplt.periods import FIRST_YEAR, LAST_YEAR, Window, month_window, year_out_of_range
from cmplt.policy import SATISFACTIONS, SEVERITIES
from cmplt.rules import (
    HANDLED,
    REPLIES,
    Case,
    clocks,
    handled_rounds,
    met_in_time,
    quota_roles,
    ran_out,
    round_starts,
)
from cmplt.snapshot import (
    PolicyTimeline,
    Snapshot,
    StampCache,
    cached,
    events_as_of,
    policy_pivot,
)
from cmplt.units import unit_key
from cmplt.workflow import fold

TREND_MONTHS = 12
NONE = "-"  # the group of records with no value (no department, no building)
# the rules whose clocks count toward SLA compliance: "dissatisfied" is a state, not a clock
SLA_RULES = (
    "first-reply",
    "initial-plan",
    "major-answer",
    "resolve",
    "callback",
    "dual-callback",
    "division-decision",
    "tracker",
    "promise",
)
VOLUME_DIMENSIONS = (
    "nature",
    "severity",
    "subject",
    "category",
    "channel",
    "department",
    "building",
)


# --- periods ------------------------------------------------------------------------


def span_window(first: date, last: date, tz: tzinfo) -> Window:
    """From the start of `first` to the end of `last`, both days included."""
    for name, day in (("first_day", first), ("last_day", last)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise UsageError(year_out_of_range(name, day.isoformat()))
    if last < first:
        raise UsageError(
            _("{last_option} {last} is before {first_option} {first}").format(
                last_option=field_ref("last_day"),
                last=last,
                first_option=field_ref("first_day"),
                first=first,
            )
        )
    if (last - first).days > 366 * 20:
        raise UsageError(
            _("{first_option}/{last_option}: a report covers at most twenty years").format(
                first_option=field_ref("first_day"), last_option=field_ref("last_day")
            )
        )
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    end = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(days=1)
    return Window(start, end, f"{first.isoformat()}..{last.isoformat()}")


def previous_window(window: Window) -> Window:
    """The month before a month; otherwise the same number of days just before."""
    start = window.start
    if re.fullmatch(r"\d{4}-\d{2}", window.label):
        year, month = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
        return month_window(year, month, start.tzinfo or UTC)
    length = window.end - window.start
    first = (start - length).date()
    last = (start - timedelta(days=1)).date()
    return span_window(first, last, start.tzinfo or UTC)


def trend_windows(window: Window, months: int = TREND_MONTHS) -> list[Window]:
    """The `months` calendar months ending with the one the window ends in."""
    last = window.end - timedelta(microseconds=1)
    tz = window.start.tzinfo or UTC
    year, month = last.year, last.month
    found = []
    for _month in range(months):
        found.append(month_window(year, month, tz))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return found[::-1]


# --- what one record contributes ----------------------------------------------------


class Facts(NamedTuple):
    """One record as the report reads it: plain values, marshal-able (as a tuple)."""

    id: str
    received: float  # when it happened (at of receipt), POSIX time
    unit: str
    channel: str
    nature: str
    severity: str
    subject: str
    category: str
    department: str | None  # the work order's department, if dispatched
    status: str
    staff: str | None  # the staff member complained about
    staff_verified: bool | None
    first_reply: float | None  # the first round's first reply
    first_result: float | None  # the first round's result (resolve or reject)
    clocks: tuple[tuple[str, float, float | None], ...]  # (rule, due, met) of every round
    rounds: tuple[tuple[float, float, tuple[str, ...]], ...]  # (resolved, window closes, roles)
    callbacks: tuple[tuple[float, str, str, str, float], ...]  # (at, by, role, answer, recorded)
    reopens: tuple[tuple[float, str], ...]  # (at, reason)
    escalations: tuple[float, ...]
    rejects: tuple[tuple[float, str], ...]  # (at, reason)
    waivers: tuple[tuple[float, str], ...]  # archived with a callback waived: (at, reason)
    review: str | None  # the reward-and-penalty outcome (投诉处理及回访制度 七)
    last: float  # the latest moment anything above happens or runs out (for skipping)
    urges: tuple[float, ...] = ()  # when the customer chased (催单)
    # closed as a duplicate entry of that record (reject --duplicate-of): left out of
    # every figure, listed apart
    duplicate_of: str | None = None


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def record_facts(complaint: Complaint, events: Sequence[Event], history: PolicyTimeline) -> Facts:
    """What the record says as far as `events` go (those recorded by a moment)."""
    # a voided step, or one a merge set aside, counts for nothing
    events = effective(events, complaint.set_aside)
    state = fold(events, complaint.id)
    classification = state.classification
    policy = history.at(policy_pivot(events))
    starts = [*round_starts(events), len(events)]
    first_round = events[1 : starts[1]]
    all_clocks: list[tuple[str, float, float | None]] = []
    # each round's clocks, read on the events up to the next round's start, as
    # the check read them while that round was the current one: with the
    # classification and the policy of then (a reclassification after a reopening
    # does not judge the earlier round again)
    breaches = (
        kept_breaches(
            complaint.id,
            events,
            complaint.requested_deadline,
            lambda before: history.at(policy_pivot(before)),
        )
        if any(e.action in MOVES_CLOCKS for e in events[1:])
        else {}
    )
    for end in starts[1:]:
        so_far = events[:end]
        then = fold(so_far, complaint.id).classification
        case = Case(
            complaint.id, so_far, then, complaint.requested_deadline, anonymous=state.anonymous
        )
        # a reopening or escalation cancels the clocks of the round it ends that
        # were still running: the check never reported them, nor do we
        cut = events[end].at.timestamp() if end < len(events) else float("inf")
        for clock in clocks(case, history.at(policy_pivot(so_far))):
            due, met = clock.due.timestamp(), _ts(clock.met_at)
            missed = breaches.get((clock.rule, clock.event_id))
            if missed is not None:
                due = missed.timestamp()  # missed then, whatever moved it later
            if clock.rule in SLA_RULES and not (due > cut and (met is None or met > cut)):
                all_clocks.append((clock.rule, due, met))
    case = Case(complaint.id, events, classification, complaint.requested_deadline, state.anonymous)
    last = max(e.at.timestamp() for e in events)
    for _rule, due, _met in all_clocks:
        last = max(last, due)
    rounds = tuple(
        (h.resolved_at.timestamp(), h.window_closes.timestamp(), tuple(sorted(h.roles)))
        for h in handled_rounds(case, policy)
    )
    return Facts(
        id=complaint.id,
        received=events[0].at.timestamp(),
        # ３－１５０２, 3栋1502 and 3-1502 are one flat (units.unit_key, policy unit_pattern)
        unit=unit_key(complaint.unit, policy),
        channel=complaint.channel,
        nature=str(classification["nature"]),
        severity=str(classification["severity"]),
        subject=str(classification["subject"]),
        category=str(classification["category"]),
        department=state.department,
        status=state.status,
        staff=classification.get("staff_involved"),
        staff_verified=classification.get("staff_verified"),
        first_reply=_ts(next((e.at for e in first_round if e.action in REPLIES), None)),
        first_result=_ts(next((e.at for e in first_round if e.action in HANDLED), None)),
        clocks=tuple(all_clocks),
        rounds=rounds,
        callbacks=tuple(
            (e.at.timestamp(), e.by, e.role, e.satisfaction, e.recorded_at.timestamp())
            for e in events
            if isinstance(e, Callback)
        ),
        reopens=tuple((e.at.timestamp(), e.reason) for e in events if isinstance(e, Reopen)),
        escalations=tuple(e.at.timestamp() for e in events if e.action == "escalate"),
        rejects=tuple((e.at.timestamp(), e.reason) for e in events if isinstance(e, Reject)),
        waivers=tuple(
            (e.at.timestamp(), e.waived) for e in events if isinstance(e, Close) and e.waived
        ),
        review=next((e.outcome for e in reversed(events) if isinstance(e, Review)), None),
        urges=tuple(e.at.timestamp() for e in events if e.action == "urge"),
        duplicate_of=_duplicate_of(events, state.status),
        # ... and when a callback was typed in: one typed in late is listed in the
        # period it was typed in, so that period must read the record
        last=max(
            [
                last,
                *(closes for _resolved, closes, _roles in rounds),
                *(e.recorded_at.timestamp() for e in events if isinstance(e, Callback)),
            ]
        ),
    )


def _duplicate_of(events: Sequence[Event], status: str) -> str | None:
    """The record a rejected record duplicates, when its rejection said so."""
    if status not in {"rejected", "closed"}:
        return None
    rejects = [e for e in events if isinstance(e, Reject)]
    last = rejects[-1] if rejects else None
    reopened_after = last is not None and any(
        e.action == "reopen" for e in events[list(events).index(last) :]
    )
    return last.duplicate_of if last is not None and not reopened_after else None


@dataclass(frozen=True)
class Unreadable:
    path: str
    line: int | None
    message: str


def _file_entry(snapshot: Snapshot, full: str, history: PolicyTimeline) -> list[Any]:
    """A cache entry: [received, last, latest recorded, recorded times, facts
    (marshalled), facts of earlier moments by how many events they keep], or
    ["!", line, why] for a file that cannot be read.

    The facts stay marshalled until a report needs them: most of a large
    registry is older than any report reads, and is skipped by `last` alone."""
    try:
        complaint = snapshot.read_path(Path(full))
        events = list(complaint.events)
        facts = record_facts(complaint, events, history)
    except InvalidFile as exc:
        return ["!", exc.line, f"{exc.field}: {exc.reason}" if exc.field else exc.reason]
    except (StepRefused, NotFound) as exc:
        return ["!", None, exc.message]
    recorded = tuple(e.recorded_at.timestamp() for e in events)
    return [facts.received, facts.last, max(recorded), recorded, marshal.dumps(tuple(facts)), {}]


def _facts_as_of(
    snapshot: Snapshot, full: str, history: PolicyTimeline, as_of: float
) -> Facts | None:
    """The record as it stood at `as_of`: its events recorded by then."""
    try:
        complaint = snapshot.read_path(Path(full))
        events = events_as_of(complaint.events, as_of)
        if not events:
            return None
        return record_facts(complaint, events, history)
    except (InvalidFile, StepRefused, NotFound):
        return None  # the whole file's entry already says why


@dataclass
class Collected:
    records: list[Facts]
    unreadable: list[Unreadable]
    history: PolicyTimeline
    first_received: float | None  # the registry's first receipt, read or not


def collect_facts(
    snapshot: Snapshot,
    as_of: datetime,
    since: datetime | None = None,
) -> Collected:
    """The facts as of `as_of` of every record with something at or after `since`
    (all of them without it), and the files that could not be read."""
    history = snapshot.policies
    cache: StampCache[list[Any]] = StampCache(
        snapshot.state_file(statefiles.REPORT_CACHE), history.fingerprint, __name__
    )

    def compute(rel: str, full: str) -> tuple[list[Any], bool]:
        entry = _file_entry(snapshot, full, history)
        # an unreadable file's message is in this run's language: not cached
        return entry, entry[0] != "!"

    as_of_ts = as_of.timestamp()
    since_ts = since.timestamp() if since is not None else float("-inf")
    found: list[Facts] = []
    unreadable: list[Unreadable] = []
    first: float | None = None
    for rel, full, entry in cached(cache, snapshot.files(), compute):
        if entry[0] == "!":
            unreadable.append(Unreadable(rel, entry[1], entry[2]))
            continue
        received, last, latest, recorded, blob, prefixes = entry
        if received <= as_of_ts and (first is None or received < first):
            first = received
        if last < since_ts or received > as_of_ts:
            continue  # nothing in the span the report reads
        if latest <= as_of_ts:
            found.append(Facts(*marshal.loads(blob)))
            continue
        # a report of the past: the record as far as its events were recorded then
        # the events recorded by then (a late entry may stand anywhere in the file):
        # their number names the set, since it only grows with the moment
        kept = sum(1 for r in recorded if r <= as_of_ts)
        if kept == 0:
            continue
        if kept not in prefixes:
            facts = _facts_as_of(snapshot, full, history, as_of_ts)
            if facts is None:
                continue
            prefixes[kept] = marshal.dumps(tuple(facts))
            cache.changed = True  # the entry (the same list) now holds it too
        found.append(Facts(*marshal.loads(prefixes[kept])))
    cache.save()
    return Collected(found, unreadable, history, first)


# --- the figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    key: str
    count: int
    previous: int | None = None  # the same count in the previous period, when compared


@dataclass(frozen=True)
class Durations:
    """How long the records of a group took: seconds, over those that got there."""

    group: str
    count: int
    pending: int  # received in the period, not there by as_of
    median: float | None
    p90: float | None
    longest: float | None


@dataclass(frozen=True)
class Compliance:
    group: str
    rule: str
    inside: int
    decided: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.inside / self.decided if self.decided else None


@dataclass(frozen=True)
class RoleRate:
    role: str
    called: int
    handled: int
    required: float | None  # the quota, percent; None when the policy sets none

    @property
    def percent(self) -> float | None:
        return 100.0 * self.called / self.handled if self.handled else None

    @property
    def meets(self) -> bool | None:
        if self.required is None or self.percent is None:
            return None
        return self.percent + 1e-9 >= self.required


@dataclass(frozen=True)
class Satisfaction:
    counts: dict[str, int]  # by the last callback's answer in the period
    called_back: int

    @property
    def percent(self) -> float | None:
        satisfied = self.counts.get("satisfied", 0)
        return 100.0 * satisfied / self.called_back if self.called_back else None


@dataclass(frozen=True)
class Dissatisfied:
    id: str
    at: float
    by: str
    role: str
    outcome: str  # reopened, escalated, closed or open (nothing done yet)
    outcome_at: float | None
    status: str
    recorded_late: float | None = None  # when typed in, for a callback of an earlier period


@dataclass(frozen=True)
class Duplicate:
    """A record closed as a duplicate entry of another (reject --duplicate-of)."""

    id: str
    of: str


@dataclass(frozen=True)
class Urged:
    """A record the customer chased (催单) in the period, and how often."""

    id: str
    count: int
    last: float


@dataclass(frozen=True)
class Reopened:
    id: str
    at: float
    reason: str


@dataclass(frozen=True)
class Reviewed:
    id: str
    person: str
    outcome: str | None  # None: still awaiting its reward-and-penalty review


@dataclass(frozen=True)
class Grouped:
    key: str  # a unit, a building, a person or a reason
    ids: tuple[str, ...]


@dataclass(frozen=True)
class MonthFigures:
    month: str
    received: int
    sla_inside: int
    sla_decided: int
    satisfied: int
    called_back: int
    callback_rates: tuple[RoleRate, ...]

    @property
    def sla_percent(self) -> float | None:
        return 100.0 * self.sla_inside / self.sla_decided if self.sla_decided else None

    @property
    def satisfaction_percent(self) -> float | None:
        return 100.0 * self.satisfied / self.called_back if self.called_back else None


@dataclass(frozen=True)
class MeasureReading:
    """An improvement measure and the complaint volume in its scope around it."""

    id: str
    title: str
    scope: dict[str, str]
    owner: str
    due: date
    status: str  # open, overdue or done
    done_at: float | None
    note: str | None
    window_days: int
    before: int  # records in scope received in the window before it was done (or before as_of)
    before_days: float  # how long that window is (shorter when the registry is younger)
    after: int | None  # ... since it was done, up to the window or as_of
    after_days: float | None  # how much of the window after has passed


@dataclass
class Report:
    period: Window
    as_of: datetime
    previous: Window | None
    received: int
    received_previous: int | None
    volume: dict[str, list[Count]]
    reply_times: dict[str, list[Durations]]
    result_times: dict[str, list[Durations]]
    compliance: dict[str, list[Compliance]]
    callback_rates: list[RoleRate]
    dual_callback: Compliance
    satisfaction: Satisfaction
    dissatisfied: list[Dissatisfied]
    repeat_units: list[Grouped]
    repeat_buildings: list[Grouped]
    reopened: list[Reopened]
    urged: list[Urged]
    duplicates: list[Duplicate]
    staff: list[Grouped] | None  # None unless asked for: it names people
    declined: list[Grouped]
    waived: list[Reopened]  # archived with a required callback waived (id, at, reason)
    measures: list[MeasureReading]
    trend: list[MonthFigures]
    unreadable: list[Unreadable] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # role -> the policy's own name
    reviews: list[Reviewed] | None = None  # with staff: each verified record's outcome


# --- one function per figure --------------------------------------------------------


def building_of(unit: str, pattern: re.Pattern[str]) -> str:
    """The building (楼号) a unit is in: the pattern's first group, or the unit itself."""
    match = pattern.search(unit)
    return match.group(1) if match and match.group(1) else unit


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest rank: the smallest value with `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def durations(group: str, records: Iterable[Facts], reached: str, as_of: float) -> Durations:
    """From receipt to `reached` (first_reply or first_result)."""
    took, pending = [], 0
    for facts in records:
        moment = getattr(facts, reached)
        if moment is None or moment > as_of:
            pending += 1
        else:
            took.append(max(0.0, moment - facts.received))
    return Durations(
        group,
        len(took),
        pending,
        percentile(took, 0.5),
        percentile(took, 0.9),
        max(took) if took else None,
    )


def group_order(dimension: str, key: str) -> tuple[Any, ...]:
    """Severities in their own order (minor, important, major), names with numbers in
    them naturally (building 2 before building 10), "no value" last."""
    if key == NONE:
        return (2,)
    if dimension == "severity" and key in SEVERITIES:
        return (0, SEVERITIES.index(key))
    return (1, natural(key))


def natural(text: str) -> tuple[Any, ...]:
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.findall(r"\d+|\D+", text)
    )


def _groups(records: Iterable[Facts], dimension: str) -> dict[str, list[Facts]]:
    found: dict[str, list[Facts]] = defaultdict(list)
    for facts in records:
        found[getattr(facts, dimension) or NONE].append(facts)
    return dict(sorted(found.items(), key=lambda item: group_order(dimension, item[0])))


def time_table(records: Sequence[Facts], reached: str, as_of: float) -> dict[str, list[Durations]]:
    """Overall, by severity and by department."""
    table = {"all": [durations("all", records, reached, as_of)]}
    for dimension in ("severity", "department"):
        table[dimension] = [
            durations(group, members, reached, as_of)
            for group, members in _groups(records, dimension).items()
        ]
    return table


def decided_clocks(
    records: Iterable[Facts], window: Window, as_of: float
) -> Iterator[tuple[Facts, str, bool]]:
    """Clocks decided in the window by as_of: (record, rule, met by its deadline)."""
    for facts in records:
        for rule, due, met in facts.clocks:
            # met in time: decided when met; otherwise when it ran out
            inside = met_in_time(due, met)
            decided = met if met is not None and inside else due
            if window.holds(decided) and (decided <= as_of if inside else ran_out(due, as_of)):
                yield facts, rule, inside


def compliance_table(
    records: Sequence[Facts], window: Window, as_of: float
) -> dict[str, list[Compliance]]:
    """SLA compliance per rule: overall, by severity and by department."""
    tally: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for facts, rule, met in decided_clocks(records, window, as_of):
        for dimension, group in (
            ("all", "all"),
            ("severity", facts.severity),
            ("department", facts.department or NONE),
        ):
            counts = tally[dimension, group, rule]
            counts[0] += met
            counts[1] += 1
    table: dict[str, list[Compliance]] = {"all": [], "severity": [], "department": []}
    order = {rule: i for i, rule in enumerate(SLA_RULES)}
    for (dimension, group, rule), (inside, decided) in sorted(
        tally.items(),
        key=lambda item: (group_order(item[0][0], item[0][1]), order[item[0][2]]),
    ):
        table[dimension].append(Compliance(group, rule, inside, decided))
    return table


def callback_rates(
    records: Iterable[Facts], window: Window, as_of: float, quotas: Mapping[str, float]
) -> list[RoleRate]:
    """回访制度 1-3, with the check's arithmetic: each record resolved in the window
    counts once (by its last result there) when its callback window has closed by
    as_of or it was called back; a role's rate is the share it called back."""
    start, end = window.start.timestamp(), window.end.timestamp()
    counted = [quota_roles(facts.rounds, start, end, as_of) for facts in records]
    return role_rates([roles for roles in counted if roles is not None], quotas)


def role_rates(counted: Sequence[tuple[str, ...]], quotas: Mapping[str, float]) -> list[RoleRate]:
    """Each role's share of the counted records (their callers' roles): the quota roles
    first, then any other role that called back."""
    others = sorted({role for called in counted for role in called} - set(quotas))
    return [
        RoleRate(role, sum(role in called for called in counted), len(counted), quotas.get(role))
        for role in [*quotas, *others]
    ]


def last_callbacks(
    records: Iterable[Facts], window: Window, as_of: float
) -> Iterator[tuple[Facts, tuple[float, str, str, str, float]]]:
    """Each record's last callback in the window."""
    for facts in records:
        calls = [c for c in facts.callbacks if window.holds(c[0]) and c[0] <= as_of]
        if calls:
            yield facts, calls[-1]


def satisfaction(records: Iterable[Facts], window: Window, as_of: float) -> Satisfaction:
    counts = Counter({answer: 0 for answer in SATISFACTIONS})
    called = 0
    for _facts, call in last_callbacks(records, window, as_of):
        counts[call[3]] += 1
        called += 1
    return Satisfaction(dict(counts), called)


def dissatisfied(records: Iterable[Facts], window: Window, as_of: float) -> list[Dissatisfied]:
    """Each dissatisfied callback in the window, and what was done after it
    (物业服务投诉处理流程及技巧 6-7: handled again, or passed up a level).

    A callback typed in after its own period had ended is listed in the period
    it was typed in, marked late: otherwise no report would ever show it."""
    start = window.start.timestamp()
    found = []
    for facts in records:
        for at, by, role, answer, recorded in facts.callbacks:
            if answer != "dissatisfied" or at > as_of or recorded > as_of:
                continue
            late = at < start and window.holds(recorded)
            if not (window.holds(at) or late):
                continue
            followed = sorted(
                [(t, "reopened") for t, _reason in facts.reopens if at <= t <= as_of]
                + [(t, "escalated") for t in facts.escalations if at <= t <= as_of]
            )
            if followed:
                outcome_at, outcome = followed[0]
            else:
                outcome_at, outcome = None, "closed" if facts.status == "closed" else "open"
            found.append(
                Dissatisfied(
                    facts.id,
                    at,
                    by,
                    role,
                    outcome,
                    outcome_at,
                    facts.status,
                    recorded if late else None,
                )
            )
    return sorted(found, key=lambda d: (d.at, d.id))


def repeats(records: Iterable[Facts], key_of: Any) -> list[Grouped]:
    """Keys (units, buildings) with two or more records, most first."""
    ids: dict[str, list[str]] = defaultdict(list)
    for facts in records:
        ids[key_of(facts)].append(facts.id)
    found = [Grouped(key, tuple(sorted(v))) for key, v in ids.items() if len(v) >= 2]
    return sorted(found, key=lambda r: (-len(r.ids), natural(r.key)))


def reopened(records: Iterable[Facts], window: Window, as_of: float) -> list[Reopened]:
    return _dated(records, lambda facts: facts.reopens, window, as_of)


def _dated(
    records: Iterable[Facts],
    moments: Callable[[Facts], Iterable[tuple[float, str]]],
    window: Window,
    as_of: float,
) -> list[Reopened]:
    """(record, when, why) for each of a record's `moments` in the window by as_of."""
    found = [
        Reopened(facts.id, at, reason)
        for facts in records
        for at, reason in moments(facts)
        if window.holds(at) and at <= as_of
    ]
    return sorted(found, key=lambda r: (r.at, r.id))


def urged(records: Iterable[Facts], window: Window, as_of: float) -> list[Urged]:
    """Records chased (催单) in the window, most chased first."""
    found = []
    for facts in records:
        times = [at for at in facts.urges if window.holds(at) and at <= as_of]
        if times:
            found.append(Urged(facts.id, len(times), max(times)))
    return sorted(found, key=lambda u: (-u.count, u.id))


def verified_staff(received: Iterable[Facts]) -> list[Grouped]:
    """投诉处理及回访制度 七: verified complaints naming a staff member, by person,
    for the reward-and-penalty review."""
    ids: dict[str, list[str]] = defaultdict(list)
    for facts in received:
        if facts.staff and facts.staff_verified:
            ids[facts.staff].append(facts.id)
    return sorted(
        (Grouped(person, tuple(sorted(v))) for person, v in ids.items()),
        key=lambda g: (-len(g.ids), g.key),
    )


def staff_reviews(received: Iterable[Facts]) -> list[Reviewed]:
    """投诉处理及回访制度 七: each verified staff complaint and its reward-and-penalty
    outcome, those still without one first."""
    found = [
        Reviewed(facts.id, facts.staff, facts.review)
        for facts in received
        if facts.staff and facts.staff_verified
    ]
    return sorted(found, key=lambda r: (r.outcome is not None, r.person, r.id))


def waived(records: Iterable[Facts], window: Window, as_of: float) -> list[Reopened]:
    """Records archived in the window although a required callback was missing."""
    return _dated(records, lambda facts: facts.waivers, window, as_of)


def declined(records: Iterable[Facts], window: Window, as_of: float) -> list[Grouped]:
    """Invalid complaints declined in the window, grouped by their reason as written."""
    ids: dict[str, list[str]] = defaultdict(list)
    for facts in records:
        for at, reason in facts.rejects:
            if window.holds(at) and at <= as_of:
                ids[" ".join(reason.split())].append(facts.id)
    return sorted(
        (Grouped(reason, tuple(sorted(v))) for reason, v in ids.items()),
        key=lambda g: (-len(g.ids), g.key),
    )


def volume(
    received: Sequence[Facts],
    previous: Sequence[Facts] | None,
    pattern: re.Pattern[str],
) -> dict[str, list[Count]]:
    def key(facts: Facts, dimension: str) -> str:
        if dimension == "building":
            return building_of(facts.unit, pattern)
        return str(getattr(facts, dimension) or NONE)

    table = {}
    for dimension in VOLUME_DIMENSIONS:
        now = Counter(key(f, dimension) for f in received)
        before = Counter(key(f, dimension) for f in previous) if previous is not None else None
        keys = sorted(
            set(now) | set(before or ()),
            key=lambda k: (k == NONE, -now[k], group_order(dimension, k)),
        )
        table[dimension] = [
            Count(k, now[k], before[k] if before is not None else None) for k in keys
        ]
    return table


def trend_figures(
    records: Iterable[Facts], months: Sequence[Window], as_of: float, quotas: Mapping[str, float]
) -> list[MonthFigures]:
    """Each month's received, clocks decided, satisfaction and callback rates, with the
    period figures' definitions, in one pass over the records."""
    starts = [m.start.timestamp() for m in months]
    end = min(months[-1].end.timestamp(), as_of + 1e-6)

    def month(moment: float) -> int | None:
        if moment < starts[0] or moment >= end or moment > as_of:
            return None
        return bisect.bisect_right(starts, moment) - 1

    size = len(months)
    received, inside, decided = [0] * size, [0] * size, [0] * size
    satisfied, called = [0] * size, [0] * size
    counted: list[list[tuple[str, ...]]] = [[] for _ in months]
    for facts in records:
        if facts.last < starts[0] or facts.received >= end:
            continue
        i = month(facts.received)
        if i is not None:
            received[i] += 1
        for _rule, due, met in facts.clocks:
            in_time = met_in_time(due, met)
            if not in_time and not ran_out(due, as_of):
                continue  # still running at as_of: decided nowhere yet
            i = month(met if met is not None and in_time else due)
            if i is not None:
                decided[i] += 1
                inside[i] += in_time
        answers: dict[int, str] = {}
        for at, _by, _role, answer, _typed in facts.callbacks:
            i = month(at)
            if i is not None:
                answers[i] = answer  # the last in the month
        for i, answer in answers.items():
            called[i] += 1
            satisfied[i] += answer == "satisfied"
        results: dict[int, tuple[float, tuple[str, ...]]] = {}
        for resolved, closes, roles in facts.rounds:
            i = month(resolved)
            if i is not None:
                results[i] = (closes, roles)  # the last result in the month
        for i, (closes, roles) in results.items():
            if closes <= as_of or roles:
                counted[i].append(roles)
    return [
        MonthFigures(
            m.label,
            received[i],
            inside[i],
            decided[i],
            satisfied[i],
            called[i],
            tuple(role_rates(counted[i], quotas)),
        )
        for i, m in enumerate(months)
    ]


def measure_readings(
    measures: Sequence[Measure],
    records: Sequence[Facts],
    as_of: datetime,
    window: timedelta,
    pattern: re.Pattern[str],
    tz: tzinfo,
    first_received: float | None,
) -> list[MeasureReading]:
    """定期评估: each measure's scope's volume in the window before it was done and
    in the same window since (while it is open: in the window up to as_of).

    The window before does not reach back past the registry's first record: a
    registry started last month has no quiet quarter before it to compare with."""
    as_of_ts = as_of.timestamp()
    span = window.total_seconds()
    pools = _by_category(records)
    found = []
    for measure in measures:
        if measure.created_at.timestamp() > as_of_ts:
            continue  # recorded after the report's moment: not in a report of then
        done_at = _done_by(measure, as_of_ts)
        pivot = done_at if done_at is not None else as_of_ts
        begin = pivot - span
        if first_received is not None:
            begin = min(max(begin, first_received), pivot)
        before = _in_scope(pools, measure.scope, begin, pivot, pattern)
        after = after_days = None
        if done_at is not None:
            end = min(done_at + span, as_of_ts)
            after = _in_scope(pools, measure.scope, done_at, end, pattern)
            after_days = (end - done_at) / 86400
        status = measure_status(measure.due, done_at is not None, as_of.astimezone(tz).date())
        found.append(
            MeasureReading(
                measure.id,
                measure.title,
                dict(measure.scope),
                measure.owner,
                measure.due,
                status,
                done_at,
                measure.note if done_at is not None else None,
                round(span / 86400),
                before,
                (pivot - begin) / 86400,
                after,
                after_days,
            )
        )
    return found


def _done_by(measure: Measure, as_of: float) -> float | None:
    """When the measure was done, if that was recorded by `as_of` (a completion typed
    in later, even dated earlier, is not in a report of then)."""
    if measure.done_at is None:
        return None
    recorded = measure.done_recorded_at or measure.done_at
    if recorded.timestamp() > as_of or measure.done_at.timestamp() > as_of:
        return None
    return measure.done_at.timestamp()


Pools = dict[str, tuple[list[float], list[Facts]]]


def _by_category(records: Iterable[Facts]) -> Pools:
    """Records by category, in order of receipt (a measure's scope always names one)."""
    grouped: dict[str, list[Facts]] = defaultdict(list)
    for facts in records:
        grouped[facts.category].append(facts)
    pools: Pools = {}
    for category, members in grouped.items():
        members.sort(key=lambda f: f.received)
        pools[category] = ([f.received for f in members], members)
    return pools


def _in_scope(
    pools: Pools, scope: Mapping[str, str], begin: float, end: float, pattern: re.Pattern[str]
) -> int:
    """Records in the scope received in [begin, end)."""
    receipts, members = pools.get(scope.get("category", ""), ([], []))
    first, last = bisect.bisect_left(receipts, begin), bisect.bisect_left(receipts, end)
    return sum(1 for f in members[first:last] if measure_covers(scope, f, pattern))


def measure_covers(scope: Mapping[str, str], facts: Facts, pattern: re.Pattern[str]) -> bool:
    for key, value in scope.items():
        if key != "building" and getattr(facts, key) != value:
            return False
    building = scope.get("building")
    # the pattern last: it is the one test that costs something
    return building is None or building_of(facts.unit, pattern) == building


# --- the report -----------------------------------------------------------------------


def build_report(
    snapshot: Snapshot,
    period: Window,
    as_of: datetime,
    compare: bool = False,
    include_staff: bool = False,
    measures: Sequence[Measure] = (),
    received_out: list[Facts] | None = None,
) -> Report:
    """`received_out` (many sites) gets the records received in the period: the company's
    times to reply and resolve are read over every site's records together."""
    before = previous_window(period) if compare else None
    trend = trend_windows(period)
    history = snapshot.policies
    as_of_ts = as_of.timestamp()
    # quotas, the building pattern and the windows as the policy stood then: a
    # policy changed later does not rewrite an old report
    policy = history.at(as_of_ts)
    window = policy.report.measure_window
    # the earliest moment any figure reads: the trend's first month, the previous
    # period, the window before each measure
    since = min(
        [
            trend[0].start,
            period.start,
            *([before.start] if before else []),
            *(min(m.done_at or as_of, as_of) - window for m in measures),
        ]
    )
    collected = collect_facts(snapshot, as_of, since)
    # a duplicate entry is one complaint counted twice: out of every figure, listed apart
    records = [f for f in collected.records if f.duplicate_of is None]
    duplicates = [f for f in collected.records if f.duplicate_of is not None]
    pattern = re.compile(policy.report.building_pattern)
    quotas = policy.callback.quotas
    # what can touch the period: received before its end, active after its start
    start, end = period.start.timestamp(), period.end.timestamp()
    active = [f for f in records if f.received < end and f.last >= start]
    received = [f for f in active if period.holds(f.received)]
    received_before = [f for f in records if before.holds(f.received)] if before else None
    if received_out is not None:
        received_out.extend(received)
    return Report(
        period=period,
        as_of=as_of,
        previous=before,
        received=len(received),
        received_previous=len(received_before) if received_before is not None else None,
        volume=volume(received, received_before, pattern),
        reply_times=time_table(received, "first_reply", as_of_ts),
        result_times=time_table(received, "first_result", as_of_ts),
        compliance=compliance_table(active, period, as_of_ts),
        callback_rates=callback_rates(active, period, as_of_ts, quotas),
        dual_callback=_dual(active, period, as_of_ts),
        satisfaction=satisfaction(active, period, as_of_ts),
        dissatisfied=dissatisfied(active, period, as_of_ts),
        repeat_units=repeats(received, lambda f: f.unit),
        repeat_buildings=repeats(received, lambda f: building_of(f.unit, pattern)),
        reopened=reopened(active, period, as_of_ts),
        urged=urged(active, period, as_of_ts),
        duplicates=sorted(
            (Duplicate(f.id, str(f.duplicate_of)) for f in duplicates if period.holds(f.received)),
            key=lambda d: d.id,
        ),
        staff=verified_staff(received) if include_staff else None,
        declined=declined(active, period, as_of_ts),
        waived=waived(active, period, as_of_ts),
        reviews=staff_reviews(received) if include_staff else None,
        measures=measure_readings(
            measures,
            records,
            as_of,
            policy.report.measure_window,
            pattern,
            policy.tz,
            collected.first_received,
        ),
        trend=trend_figures(records, trend, as_of_ts, quotas),
        unreadable=collected.unreadable,
        roles=dict(policy.roles),
    )


def _dual(records: Sequence[Facts], window: Window, as_of: float) -> Compliance:
    inside = decided = 0
    for _facts, rule, met in decided_clocks(records, window, as_of):
        if rule == "dual-callback":
            inside += met
            decided += 1
    return Compliance("all", "dual-callback", inside, decided)


def default_as_of(period: Window, now: datetime) -> datetime:
    """The period's end, or now while the period runs."""
    return min(period.end, now)
