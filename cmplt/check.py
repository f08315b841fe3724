"""`cmplt check`: every clock that ran out and every callback quota that is short.

The registry is read as it stood at `as_of` (events recorded after it are
ignored), each record against the policy that was in force when it was
received (or last reclassified or re-evaluated), and each finding is a value
naming the record's file and line.

What each record contributes (its clocks and its handled rounds) is kept in a
cache under `.git/` (`snapshot.StampCache`: the file's size, modification and
change times and inode, the policy versions and a digest of cmplt's code),
so that an hourly cron run reads only what changed. A file changed within the
last two seconds is never cached: its time stamp cannot yet tell a later edit
apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from cmplt import statefiles
from cmplt.corrections import effective
from cmplt.errors import InvalidFile, NotFound, StepRefused
from cmplt.findings import Finding
from cmplt.i18n import _, label
from cmplt.model import Complaint
from cmplt.periods import parse_period
from cmplt.policy import Policy
from cmplt.rules import (
    INVALID_RULE,
    QUOTA_RULE,
    RULES,
    Case,
    clocks,
    describe,
    handled_rounds,
    quota_roles,
    ran_out,
)
from cmplt.snapshot import (
    PolicyTimeline,
    Snapshot,
    StampCache,
    cached,
    events_as_of,
    policy_pivot,
)
from cmplt.times import format_duration
from cmplt.workflow import fold

# what a check finding keeps in `extra` beside what its JSON shows as it is
_TYPED = ("due", "as_of", "severity", "owner", "department", "summary")


def clock_finding(
    rule: str,
    level: str,
    complaint_id: str,
    path: str,
    line: int | None,
    message: str,
    *,
    due: datetime,
    as_of: datetime,
    severity: str | None,
    owner: str | None,
    department: str | None,
    summary: str | None,
    event: str,
) -> Finding:
    """A clock that ran out (or runs out soon) on one record."""
    return Finding(
        rule,
        level,
        path,
        line,
        None,
        complaint_id,
        message,
        {
            "due": due,
            "as_of": as_of,
            "severity": severity,
            "owner": owner,
            "department": department,
            "summary": summary,
            "event": event,
        },
    )


def overdue_by(finding: Finding) -> timedelta | None:
    due, as_of = finding.extra.get("due"), finding.extra.get("as_of")
    if due is None or as_of is None:
        return None
    return as_of - due  # type: ignore[no-any-return]


def finding_key(finding: Finding) -> str:
    """What makes a finding the same one as last hour's (for --new)."""
    if finding.rule == QUOTA_RULE:
        # a month's shortfall is new again when the month ends (warning -> overdue)
        extra = finding.extra
        return f"{finding.rule}|{extra['role']}|{extra['period']}|{finding.level}"
    due = finding.extra.get("due")
    return f"{finding.rule}|{finding.record_id}|{due.isoformat() if due else ''}"


def finding_json(finding: Finding, tz: tzinfo) -> dict[str, Any]:
    """A finding as `check --format json` documents it (the README's keys)."""
    overdue = overdue_by(finding)
    extra = finding.extra
    data: dict[str, Any] = {
        "rule": finding.rule,
        "level": finding.level,
        "id": finding.record_id,
        "path": finding.path,
        "line": finding.line,
        "due": _iso(extra.get("due"), tz),
        "overdue_by": format_duration(overdue) if overdue is not None else None,
        "overdue_seconds": int(overdue.total_seconds()) if overdue is not None else None,
        "severity": extra.get("severity"),
        "owner": extra.get("owner"),
        "department": extra.get("department"),
        "summary": extra.get("summary"),
        "message": finding.message,
    }
    data.update((k, v) for k, v in extra.items() if k not in _TYPED)
    return data


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).replace(microsecond=0).isoformat() if value else None


# --- what one record contributes --------------------------------------------------


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def summarise(
    complaint: Complaint, history: PolicyTimeline, as_of: float | None
) -> tuple[Any, ...]:
    """The record's contribution as plain values (marshal-able for the cache).

    Empty when the record had not been received by `as_of`.
    """
    events = events_as_of(complaint.events, as_of)
    if not events:
        return ()
    state = fold(events, complaint.id, complaint.set_aside)
    # a voided step, or one a merge set aside, starts, meets and stops no clock
    live = effective(events, complaint.set_aside)
    case = Case(
        complaint.id,
        live,
        state.classification,
        complaint.requested_deadline,
        anonymous=state.anonymous,
        set_aside=tuple(e for e in events if e.id in state.set_aside),
    )
    policy = history.at(policy_pivot(live))
    # only the clocks still running: a met clock never becomes a finding again (a
    # check of an earlier moment summarises the file afresh), and a registry is
    # mostly closed records, so the cache stays small and loads fast
    clock_rows = tuple(
        (c.rule, _ts(c.due), None, c.owner, c.department, c.event_id, c.detail, c.data)
        for c in clocks(case, policy)
        if c.met_at is None and not c.waived
    )
    rounds = tuple(
        (_ts(h.resolved_at), _ts(h.window_closes), tuple(sorted(h.roles)))
        for h in handled_rounds(case, policy)
    )
    last_recorded = max(e.recorded_at.timestamp() for e in events)
    return (
        complaint.id,
        state.classification["severity"],
        complaint.summary if clock_rows else "",  # only findings show it
        last_recorded,
        clock_rows,
        rounds,
    )


def line_of_text(path: Path, needle: str) -> int | None:
    """The line of the first occurrence of `needle` (an event ID) in the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


# --- the check ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    as_of: datetime
    period: str
    findings: list[Finding]
    # for each period, the records counted for its quotas and their callers' roles
    # (many sites: each site's quota table and the company total)
    counted: tuple[tuple[str, Mapping[str, tuple[str, ...]]], ...] = ()

    @property
    def failed(self) -> bool:
        return any(f.level in {"overdue", "error"} for f in self.findings)


def run_check(
    snapshot: Snapshot,
    as_of: datetime,
    period: str | None = None,
    warn_within: timedelta | None = None,
    rules: Iterable[str] = (),
) -> CheckResult:
    history = snapshot.policies
    tz = snapshot.policy.tz
    as_of_ts = as_of.timestamp()
    periods = [parse_period(period or "this", as_of, tz)]
    local = as_of.astimezone(tz)
    if period is None and local.day <= history.current.callback.previous_month_days:
        # the first days of a month: last month's final result beside this one's
        periods.append(parse_period("last", as_of, tz))
    wanted = set(rules) or None
    warn = warn_within.total_seconds() if warn_within else 0.0
    cache: StampCache[tuple[Any, ...]] = StampCache(
        snapshot.state_file(statefiles.CHECK_CACHE), history.fingerprint, __name__
    )

    def compute(rel: str, full: str) -> tuple[tuple[Any, ...], bool]:
        payload = _summarise_file(snapshot, Path(full), history, None)
        # an unreadable file's message is in the language of this run: not cached
        return payload, not (payload and payload[0] == "!")

    findings: list[Finding] = []
    # for each period, the records counted for its quotas, and their callers
    counted: list[dict[str, tuple[str, ...]]] = [{} for _window in periods]
    for rel, full, payload in cached(cache, snapshot.files(), compute):
        if payload and payload[0] != "!" and payload[3] > as_of_ts:
            # a check of the past: the record has events recorded after it
            payload = _summarise_file(snapshot, Path(full), history, as_of_ts)
        if not payload:
            continue
        if payload[0] == "!":  # unreadable: ("!", line, message)
            if wanted is None or INVALID_RULE in wanted:
                findings.append(
                    Finding(
                        INVALID_RULE, "error", rel, payload[1], None, Path(full).stem, payload[2]
                    )
                )
            continue
        complaint_id, severity, summary, _, clock_rows, rounds = payload
        for rule, due, met, owner, department, event_id, detail, data, line in clock_rows:
            if met is not None or (wanted is not None and rule not in wanted):
                continue
            if ran_out(due, as_of_ts):
                level = "overdue"
            elif warn and ran_out(due, as_of_ts + warn):  # overdue by then
                level = "warning"
            else:
                continue
            findings.append(
                clock_finding(
                    rule,
                    level,
                    complaint_id,
                    rel,
                    line,
                    describe(detail, data),
                    due=datetime.fromtimestamp(due, UTC),
                    as_of=as_of,
                    severity=severity,
                    owner=owner,
                    department=department,
                    summary=summary,
                    event=event_id,
                )
            )
        for window, in_window in zip(periods, counted, strict=True):
            start, end = window.start.timestamp(), window.end.timestamp()
            roles = quota_roles(rounds, start, end, as_of_ts)
            if roles is not None:
                in_window[complaint_id] = roles
    cache.save()
    if wanted is None or QUOTA_RULE in wanted:
        for window, in_window in zip(periods, counted, strict=True):
            # 回访制度 1-3 counts by month: while the month runs a shortfall can still be
            # made up (on the 2nd, 0 of 2 is no breach yet); once it has ended it stands
            level = "warning" if as_of < window.end else "overdue"
            findings.extend(quota_shortfalls(history.current, in_window, window.label, level))
    return CheckResult(
        as_of,
        periods[0].label,
        sort_findings(findings),
        tuple(
            (window.label, in_window) for window, in_window in zip(periods, counted, strict=True)
        ),
    )


def _summarise_file(
    snapshot: Snapshot, path: Path, history: PolicyTimeline, as_of: float | None
) -> tuple[Any, ...]:
    try:
        payload = summarise(snapshot.read_path(path), history, as_of)
    except InvalidFile as exc:
        return ("!", exc.line, f"{exc.field}: {exc.reason}" if exc.field else exc.reason)
    except StepRefused as exc:
        return ("!", None, exc.message)
    except NotFound as exc:  # removed while we were reading
        return ("!", None, exc.message)
    if not payload:
        return payload
    # the line of the event that started each clock still running, for the finding
    clock_rows = tuple((*row, line_of_text(path, row[5])) for row in payload[4])
    return (*payload[:4], clock_rows, payload[5])


def quota_shortfalls(
    policy: Policy, counted: Mapping[str, tuple[str, ...]], period: str, level: str = "overdue"
) -> list[Finding]:
    """回访制度 1-3: each role's callback rate over the period's handled complaints
    (`counted`: the records that count, by `rules.quota_roles`, and who called back).
    """
    findings = []
    for role, required in policy.callback.quotas.items():
        if not counted:
            break
        called = sorted(cid for cid, roles in counted.items() if role in roles)
        rate = 100.0 * len(called) / len(counted)
        if rate + 1e-9 >= required:
            continue
        missing = sorted(cid for cid, roles in counted.items() if role not in roles)
        findings.append(
            Finding(
                QUOTA_RULE,
                level,
                None,
                None,
                None,
                None,
                _("{role} called back {called} of {handled} ({rate} %), needs {required} %").format(
                    role=label("role", role),
                    called=len(called),
                    handled=len(counted),
                    rate=f"{rate:.1f}",
                    required=f"{required:g}",
                ),
                {
                    "role": role,
                    "period": period,
                    "rate": round(rate, 1),
                    "required": required,
                    "handled": len(counted),
                    "called_back": len(called),
                    "missing": missing,
                },
            )
        )
    return findings


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """By rule in the order of the procedures, then most overdue first."""
    order = {rule: i for i, rule in enumerate([INVALID_RULE, *RULES, QUOTA_RULE])}
    return sorted(
        findings,
        key=lambda f: (
            order.get(f.rule, 99),
            f.level != "overdue",
            f.extra["due"].timestamp() if f.extra.get("due") else 0.0,
            f.record_id or "",
            f.extra.get("role", ""),
        ),
    )


# --- reporting only what is new (cron) ------------------------------------------------


def only_new(findings: list[Finding], state_file: Path | None) -> tuple[list[Finding], bool]:
    """Findings the previous `--new` run did not report; remembers this run's. False
    when they could not be remembered (a read-only checkout): the next run repeats them."""
    if state_file is None:
        return findings, False
    try:
        seen = set(json.loads(state_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        seen = set()
    keys = [finding_key(f) for f in findings]
    remembered = statefiles.write(
        state_file, json.dumps(sorted(set(keys)), ensure_ascii=False).encode("utf-8")
    )
    return [f for f, key in zip(findings, keys, strict=True) if key not in seen], remembered
