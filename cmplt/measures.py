"""Improvement measures (改进措施) and their state, one YAML file each.

物业服务客户投诉和回访方案 三.2-4: complaints end in improvement measures and
their periodic evaluation. A measure names its scope (a category, and
optionally a subject and a building), who owns it and when it is due; `done`
records when and how it was carried out. The report reads the complaint volume
in the scope before and after (see `report.measure_readings`).

Files live in `improvements/` at the registry root and are committed like
every step: one commit per change, the actor as author.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cmplt import gitlog, ids, store
from cmplt.errors import (
    AmbiguousId,
    InvalidFile,
    NotFound,
    StepRefused,
    UsageError,
    field_ref,
)
from cmplt.i18n import _
from cmplt.model import Name, Text, Time
from cmplt.policy import Policy, Roster
from cmplt.shown import time_text
from cmplt.snapshot import Snapshot
from cmplt.workflow import check_texts, check_time, require_choice, require_staff

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

    from cmplt.registry import Registry  # the writer, for adding and finishing measures

MEASURES_DIR = "improvements"
MEASURE_ID = r"^M-\d{6}-[0-9A-HJKMNP-TV-Z]{4}$"
SCOPE_KEYS = ("category", "subject", "building")
# the order of a measure file's fields, as a person reads it
MEASURE_ORDER = (
    "id",
    "title",
    "scope",
    "owner",
    "due",
    "status",
    "created_at",
    "created_by",
    "done_at",
    "done_by",
    "done_recorded_at",
    "note",
)
Status = Literal["open", "done"]


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=MEASURE_ID)]
    title: Text
    scope: dict[str, Name]  # category (required: checked with the names), subject, building
    owner: Name
    due: date
    status: Status
    created_at: Time
    created_by: Name
    done_at: Time | None = None
    done_by: Name | None = None
    # when `done` was typed in (done_at may be given earlier with --at): a report of
    # a moment before it still shows the measure open
    done_recorded_at: Time | None = None
    note: Text | None = None

    @field_validator("scope")
    @classmethod
    def _known_keys(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(SCOPE_KEYS))
        if unknown:
            raise ValueError(
                _("unknown scope {keys}; a scope has {known}").format(
                    keys=", ".join(unknown), known=", ".join(SCOPE_KEYS)
                )
            )
        return value


def measure_problems(
    measure: Measure, file_stem: str, policy: Policy | None, roster: Roster | None
) -> list[tuple[tuple[str, ...], str]]:
    """What is wrong with a measure beyond its schema, by where: one list for
    `validate`, `improve list` and the report, so none uses what another rejects."""
    found: list[tuple[tuple[str, ...], str]] = []
    if file_stem != measure.id:
        found.append((("id",), _("{id} does not match the file name").format(id=measure.id)))
    if "category" not in measure.scope:
        found.append((("scope",), _("needs a category (the complaints the measure is about)")))
    if measure.status == "done" and measure.done_at is None:
        found.append((("status",), _("is done, but the measure has no done_at")))
    if measure.status != "done" and measure.done_at is not None:
        found.append(
            (("done_at",), _("is set, but the status is {status}").format(status=measure.status))
        )
    if measure.done_at is not None and measure.done_at < measure.created_at:
        found.append((("done_at",), _("is before created_at")))
    if policy is not None:
        for key, allowed in (("category", policy.categories), ("subject", policy.subjects)):
            value = measure.scope.get(key)
            if value is not None and value not in allowed:
                found.append(
                    (
                        ("scope", key),
                        _("{value!r} is not a {key} of the policy").format(value=value, key=key),
                    )
                )
    if roster is not None:
        for key in ("owner", "created_by", "done_by"):
            name = getattr(measure, key)
            if name is not None and name not in roster.staff:
                found.append(((key,), _("{name!r} is not on the staff roster").format(name=name)))
    return found


def measure_status(due: date, done: bool, today: date) -> str:
    """done, overdue (open past its due date) or open: as `improve list` and the report
    show it (the report asks as of its own moment)."""
    if done:
        return "done"
    return "overdue" if due < today else "open"


@dataclass(frozen=True)
class MeasureChange:
    commit: str
    measure: Measure


def measures_dir(registry: Snapshot) -> Path:
    return registry.root / MEASURES_DIR


def measure_files(registry: Snapshot) -> list[Path]:
    folder = measures_dir(registry)
    if not folder.is_dir():
        return []
    # every YAML file there, so that a misnamed one is reported, not overlooked
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def read_measure(registry: Snapshot, path: Path) -> Measure:
    loaded = store.load(path, registry.label(path))
    measure = store.validate_loaded(Measure, loaded)
    for loc, message in measure_problems(measure, path.stem, registry.policy, registry.roster)[:1]:
        raise loaded.problem(loc, message)
    return measure


def all_measures(registry: Snapshot) -> Iterator[Measure | InvalidFile]:
    """Every measure, or why its file could not be read."""
    for path in measure_files(registry):
        try:
            yield read_measure(registry, path)
        except InvalidFile as exc:
            yield exc
        except NotFound:
            continue  # removed while we were listing


def resolve_measure(registry: Snapshot, text: str) -> Path:
    """A measure's file from its ID or a unique prefix of it (`M-2611`, `m-261128-7k`)."""
    wanted = ids.normalise_id_input(text)
    if not wanted.startswith("M-"):
        wanted = "M-" + wanted.removeprefix("M")
    matches = [p for p in measure_files(registry) if p.stem.startswith(wanted)]
    if not matches:
        raise NotFound(_("no improvement measure matches {text!r}").format(text=text))
    exact = [p for p in matches if p.stem == wanted]
    if exact:
        return exact[0]
    if len(matches) > 1:
        shown = ", ".join(p.stem for p in matches[:5])
        raise AmbiguousId(
            _("{text!r} matches {count} measures: {shown}").format(
                text=text, count=len(matches), shown=shown
            )
        )
    return matches[0]


def check_scope(registry: Snapshot, scope: dict[str, str]) -> None:
    policy = registry.policy
    require_choice(scope.get("category"), policy.categories, "category")
    if "subject" in scope:
        require_choice(scope["subject"], policy.subjects, "subject")
    if "building" in scope and (not scope["building"].strip() or "\n" in scope["building"]):
        raise UsageError(
            _("{option} must be a building's name, e.g. 3").format(option=field_ref("building"))
        )


def add_measure(
    registry: Registry,
    title: str,
    scope: dict[str, str],
    owner: str,
    due: date,
    by: str,
    clock: Callable[[], datetime],
    seed: str | None = None,
) -> MeasureChange:
    """改进措施: a measure with its scope, owner and due date, committed."""
    require_staff(registry.roster, by)
    require_staff(registry.roster, owner, "owner")
    check_scope(registry, scope)
    if not title.strip():
        raise UsageError(_("{option} must not be empty").format(option=field_ref("title")))
    check_texts({"title": title, **scope})

    def work() -> MeasureChange:
        now = clock()
        if due < now.astimezone(registry.policy.tz).date():
            raise UsageError(
                _("{option} {due} is already past").format(option=field_ref("due"), due=due)
            )
        latest = registry.time_window(now).latest_deadline.astimezone(registry.policy.tz).date()
        if due > latest:
            raise UsageError(
                _("{option} {due} is too far ahead: at the latest {latest} (policy bounds)").format(
                    option=field_ref("due"), due=due, latest=latest
                )
            )
        measure_id, path = _new_id(registry, now, title, seed)
        measure = Measure(
            id=measure_id,
            title=title,
            scope=scope,
            owner=owner,
            due=due,
            status="open",
            created_at=now,
            created_by=by,
        )
        doc = _document(measure, registry)
        commit = registry.commit_files(
            {path: store.dump(doc)},
            gitlog.commit_message(
                f"{measure_id}: improvement measure: {title.splitlines()[0]}",
                trailers={"Measure-Id": measure_id, "Action": "improve-add", "Actor": by},
            ),
            by,
            now,
        )
        return MeasureChange(commit, measure)

    return registry.locked(work)


def finish_measure(
    registry: Registry,
    id_text: str,
    note: str,
    by: str,
    at: datetime | None,
    clock: Callable[[], datetime],
) -> MeasureChange:
    """Record that a measure was carried out (and how), committed."""
    require_staff(registry.roster, by)
    if not note.strip():
        raise UsageError(_("{option} must say what was done").format(option=field_ref("note")))
    check_texts({"note": note})

    def work() -> MeasureChange:
        now = clock()
        path = resolve_measure(registry, id_text)
        label = registry.label(path)
        gitlog.require_committed(registry.worktree, registry.git_path(path), label)
        measure = read_measure(registry, path)
        if measure.status == "done":
            raise StepRefused(
                _("{id} was already done on {when}").format(
                    id=measure.id, when=time_text(measure.done_at or now, registry.policy.tz)
                )
            )
        done_at = at or now
        check_time(done_at, measure.created_at, now)
        doc = store.read_document(path, label)
        tz = registry.policy.tz
        for key, value in (
            ("status", "done"),
            ("done_at", done_at),
            ("done_by", by),
            ("done_recorded_at", now),
            ("note", note),
        ):
            store.set_field(doc, key, value, tz, MEASURE_ORDER)
        try:
            done = Measure.model_validate(_plain(doc))
        except ValidationError as exc:
            from cmplt.field_errors import message_of

            raise UsageError(f"{measure.id}: {message_of(exc.errors()[0])}") from exc
        commit = registry.commit_files(
            {path: store.dump(doc)},
            gitlog.commit_message(
                f"{measure.id}: improvement measure done: {note.splitlines()[0]}",
                trailers={"Measure-Id": measure.id, "Action": "improve-done", "Actor": by},
            ),
            by,
            now,
        )
        return MeasureChange(commit, done)

    return registry.locked(work)


def _plain(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _plain(v) for k, v in doc.items()}
    return doc


def _new_id(registry: Registry, now: datetime, title: str, seed: str | None) -> tuple[str, Path]:
    local = now.astimezone(registry.policy.tz)
    folder = measures_dir(registry)
    for attempt in range(100):
        chars = ids.random_chars(4, seed, f"measure:{now.isoformat()}:{title}:{attempt}")
        measure_id = f"M-{local:%y%m%d}-{chars}"
        path = folder / f"{measure_id}.yaml"
        if not path.exists():
            return measure_id, path
    raise UsageError("could not find a free measure ID")  # pragma: no cover


def _document(measure: Measure, registry: Registry) -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap  # the writer's; readers never load ruamel

    tz = registry.policy.tz
    doc = CommentedMap()
    doc.yaml_set_start_comment(
        f"改进措施 {measure.id}, written by cmplt (cmplt improve). The report reads\n"
        "the complaints in its scope before and after it was done."
    )
    values = measure.model_dump(exclude_none=True)
    values["due"] = measure.due.isoformat()
    values["scope"] = CommentedMap((k, measure.scope[k]) for k in SCOPE_KEYS if k in measure.scope)
    for key in MEASURE_ORDER:
        if key in values:
            store.set_field(doc, key, values[key], tz, MEASURE_ORDER)
    return doc
