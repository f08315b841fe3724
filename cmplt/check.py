"""`cmplt check`: every clock that ran out and every callback quota that is short.

The registry is read as it stood at `as_of` (events recorded after it are
ignored), each record against the policy that was in force when it was
received (or last reclassified or re-evaluated), and each finding is a value
naming the record's file and line.

What each record contributes (its clocks and its handled rounds) is kept in a
cache under `.git/`, keyed by the file's size, modification time and inode
and by the policy versions, so that an hourly cron run reads only what
changed. A file changed within the last two seconds is never cached: its
time stamp cannot yet tell a later edit apart.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from hashlib import sha256
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cmplt import __version__, gitlog, store
from cmplt.errors import InvalidFile, NotFound, StepRefused
from cmplt.i18n import _, label
from cmplt.model import Complaint, Event
from cmplt.policy import Policy, policy_problems
from cmplt.registry import Registry
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
from cmplt.times import format_duration
from cmplt.workflow import fold

CACHE_FORMAT = 5  # bump when what a record contributes changes shape
RACY_SECONDS = 2.0


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str  # "overdue", "warning" or "error"
    id: str | None
    path: str | None
    line: int | None
    message: str
    due: datetime | None = None
    as_of: datetime | None = None
    severity: str | None = None
    owner: str | None = None
    department: str | None = None
    summary: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overdue_by(self) -> timedelta | None:
        if self.due is None or self.as_of is None:
            return None
        return self.as_of - self.due

    @property
    def key(self) -> str:
        """What makes a finding the same one as last hour's (for --new)."""
        if self.rule == QUOTA_RULE:
            return f"{self.rule}|{self.extra['role']}|{self.extra['period']}"
        due = self.due.isoformat() if self.due else ""
        return f"{self.rule}|{self.id}|{due}"

    def as_json(self, tz: tzinfo) -> dict[str, Any]:
        overdue = self.overdue_by
        data: dict[str, Any] = {
            "rule": self.rule,
            "level": self.level,
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "due": _iso(self.due, tz),
            "overdue_by": format_duration(overdue) if overdue is not None else None,
            "overdue_seconds": int(overdue.total_seconds()) if overdue is not None else None,
            "severity": self.severity,
            "owner": self.owner,
            "department": self.department,
            "summary": self.summary,
            "message": self.message,
        }
        data.update(self.extra)
        return data


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).replace(microsecond=0).isoformat() if value else None


# --- policies in force ------------------------------------------------------------


@dataclass(frozen=True)
class PolicyHistory:
    """Each committed version of cmplt.yaml and when it came into force."""

    versions: Sequence[tuple[float, Policy]]  # (POSIX time, policy), oldest first
    fingerprint: str

    def at(self, moment: float) -> Policy:
        chosen = self.versions[0][1]
        # the last in history order whose commit time is not after `moment` (commit
        # times need not increase along history: a clock running behind, a rebase)
        for since, policy in self.versions:
            if since <= moment:
                chosen = policy
        return chosen

    @property
    def current(self) -> Policy:
        return self.versions[-1][1]


def policy_history(root: Path, worktree: Path | None, current: Policy) -> PolicyHistory:
    """Policies from git history; the working tree's file is the newest version
    (so an uncommitted edit is seen at once, from the time of its last commit)."""
    versions: list[tuple[float, Policy]] = []
    texts: list[str] = []
    if worktree is not None:
        relpath = (root / store.POLICY_FILE).relative_to(worktree).as_posix()
        state_file = gitlog.git_dir(worktree) / "cmplt-policy-history.json"
        known = _read_known(state_file, relpath)
        head, found = gitlog.file_versions(worktree, relpath, known)
        if (head, found) != known:
            payload = {"path": relpath, "head": head, "versions": found}
            store.write_bytes_atomic(state_file, json.dumps(payload).encode("utf-8"))
        contents = gitlog.blob_contents(worktree, [blob for _, blob in found]) if found else []
        for (when, blob), raw in zip(found, contents, strict=True):
            if raw is None:
                continue
            try:
                policy = Policy.model_validate(store.parse_document(raw, store.POLICY_FILE))
            except (InvalidFile, ValidationError):
                continue  # a broken old version: the versions around it apply
            if policy_problems(policy):
                continue
            versions.append((when, policy))
            texts.append(f"{when!r} {blob}")  # a re-dated commit moves the goalposts too
    since = versions[-1][0] if versions else float("-inf")
    if versions:
        versions[-1] = (since, current)
    else:
        versions.append((since, current))
    texts.append(current.model_dump_json())
    digest = sha256("\0".join([__version__, str(CACHE_FORMAT), *texts]).encode()).hexdigest()
    return PolicyHistory(versions, digest)


def _read_known(state_file: Path, relpath: str) -> tuple[str, list[tuple[float, str]]] | None:
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
        if data["path"] != relpath:
            return None
        return str(data["head"]), [(float(t), str(b)) for t, b in data["versions"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- what one record contributes --------------------------------------------------


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def policy_pivot(events: Sequence[Event]) -> float:
    """When the record's policy was fixed: its receipt, or its latest
    reclassification or re-evaluation (an explicit, committed step)."""
    moment = events[0].recorded_at
    for event in events:
        if event.action in {"reclassify", "reevaluate"}:
            moment = event.recorded_at
    return moment.timestamp()


def summarise(complaint: Complaint, history: PolicyHistory, as_of: float | None) -> tuple[Any, ...]:
    """The record's contribution as plain values (marshal-able for the cache).

    None when the record had not been received by `as_of`.
    """
    events = list(complaint.events)
    if as_of is not None:
        # the file as it stood then: the events up to the first one recorded later
        # (a desk with a clock running behind may have typed a later step earlier)
        events = list(itertools.takewhile(lambda e: e.recorded_at.timestamp() <= as_of, events))
        if not events:
            return ()
    state = fold(events, complaint.id)
    case = Case(complaint.id, events, state.classification, complaint.requested_deadline)
    policy = history.at(policy_pivot(events))
    # only the clocks still running: a met clock never becomes a finding again (a
    # check of an earlier moment summarises the file afresh), and a registry is
    # mostly closed records, so the cache stays small and loads fast
    clock_rows = tuple(
        (c.rule, _ts(c.due), None, c.owner, c.department, c.event_id, c.detail, c.data)
        for c in clocks(case, policy)
        if c.met_at is None
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


# --- the cache --------------------------------------------------------------------


class SummaryCache:
    def __init__(self, file: Path | None, fingerprint: str) -> None:
        self.file = file
        self.fingerprint = fingerprint
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.fresh: dict[str, tuple[Any, ...]] = {}
        self.changed = False
        if file is not None:
            self.entries = store.load_cache(file, CACHE_FORMAT, fingerprint)

    def get(self, rel: str, stamp: tuple[int, int, int, int]) -> tuple[Any, ...] | None:
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == stamp:
            self.fresh[rel] = entry
            return entry[1]  # type: ignore[no-any-return]
        self.changed = True
        return None

    def put(
        self, rel: str, stamp: tuple[int, int, int, int], payload: tuple[Any, ...], racy: bool
    ) -> None:
        if not racy:
            self.fresh[rel] = (stamp, payload)

    def save(self) -> None:
        if self.file is None:
            return
        if not self.changed and len(self.fresh) == len(self.entries):
            return
        store.save_cache(self.file, CACHE_FORMAT, self.fingerprint, self.fresh)


# --- the check ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    as_of: datetime
    period: str
    findings: list[Finding]

    @property
    def failed(self) -> bool:
        return any(f.level in {"overdue", "error"} for f in self.findings)


def record_files(root: Path) -> Iterator[tuple[str, str, os.stat_result]]:
    """(path relative to the root, full path, stat) of every record file.

    Plain strings: at 100,000 files, making and relating Path objects costs
    more than the rest of a cached check's loop."""
    base = root / store.RECORDS_DIR
    for year in _dirs(base):
        for month in _dirs(year):
            prefix = f"{store.RECORDS_DIR}/{year.name}/{month.name}/"
            with os.scandir(month) as entries:
                for entry in entries:
                    name = entry.name
                    if name.endswith(".yaml") and not name.startswith(".") and entry.is_file():
                        yield prefix + name, entry.path, entry.stat()


def _dirs(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_dir() and e.name.isdigit())
    except FileNotFoundError:
        return []


def run_check(
    registry: Registry,
    as_of: datetime,
    period: str | None = None,
    warn_within: timedelta | None = None,
    rules: Iterable[str] = (),
) -> CheckResult:
    root, worktree, policy = registry.root, registry.git_worktree, registry.policy
    history = policy_history(root, worktree, policy)
    tz = policy.tz
    as_of_ts = as_of.timestamp()
    period = period or as_of.astimezone(tz).strftime("%Y-%m")
    period_start, period_end = period_bounds(period, tz)
    wanted = set(rules) or None
    warn = warn_within.total_seconds() if warn_within else 0.0
    cache_file = gitlog.git_dir(worktree) / "cmplt-check.cache" if worktree else None
    cache = SummaryCache(cache_file, history.fingerprint)
    racy_after = time.time() - RACY_SECONDS
    findings: list[Finding] = []
    counted: dict[str, tuple[str, ...]] = {}  # records counted for the quotas: their callers
    for rel, full, st in record_files(root):
        # ctime too: `cp -p`, `rsync -t` or `tar x` can put an old mtime back, not a ctime
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        payload = cache.get(rel, stamp)
        if payload is None:
            payload = _summarise_file(registry, Path(full), history, None)
            # an unreadable file's message is in the language of this run: not cached
            unreadable = bool(payload) and payload[0] == "!"
            cache.put(rel, stamp, payload, racy=st.st_mtime > racy_after or unreadable)
        if payload and payload[0] != "!" and payload[3] > as_of_ts:
            # a check of the past: the record has events recorded after it
            payload = _summarise_file(registry, Path(full), history, as_of_ts)
        if not payload:
            continue
        if payload[0] == "!":  # unreadable: ("!", line, message)
            if wanted is None or INVALID_RULE in wanted:
                findings.append(
                    Finding(INVALID_RULE, "error", Path(full).stem, rel, payload[1], payload[2])
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
                Finding(
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
                    extra={"event": event_id},
                )
            )
        roles = quota_roles(rounds, period_start, period_end, as_of_ts)
        if roles is not None:
            counted[complaint_id] = roles
    cache.save()
    if wanted is None or QUOTA_RULE in wanted:
        findings.extend(quota_shortfalls(history.current, counted, period))
    return CheckResult(as_of, period, sort_findings(findings))


def _summarise_file(
    registry: Registry, path: Path, history: PolicyHistory, as_of: float | None
) -> tuple[Any, ...]:
    try:
        payload = summarise(registry.read_path(path, fast=True)[1], history, as_of)
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


def period_bounds(period: str, tz: tzinfo) -> tuple[float, float]:
    """A calendar month `YYYY-MM` in the policy timezone, as POSIX times [start, end)."""
    try:
        start = datetime.strptime(period, "%Y-%m").replace(tzinfo=tz)
    except ValueError as exc:
        raise ValueError(_("period {period!r} is not YYYY-MM").format(period=period)) from exc
    month_after = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start.timestamp(), month_after.timestamp()


def quota_shortfalls(
    policy: Policy, counted: Mapping[str, tuple[str, ...]], period: str
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
                "overdue",
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
                extra={
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
            f.due.timestamp() if f.due else 0.0,
            f.id or "",
            f.extra.get("role", ""),
        ),
    )


# --- reporting only what is new (cron) ------------------------------------------------


def only_new(findings: list[Finding], state_file: Path | None) -> list[Finding]:
    """Findings the previous `--new` run did not report; remembers this run's."""
    if state_file is None:
        return findings
    try:
        seen = set(json.loads(state_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        seen = set()
    keys = [f.key for f in findings]
    store.write_bytes_atomic(
        state_file, json.dumps(sorted(set(keys)), ensure_ascii=False).encode("utf-8")
    )
    return [f for f, key in zip(findings, keys, strict=True) if key not in seen]
