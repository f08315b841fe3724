"""Unit tests of the pure pieces: commit messages, IDs, times, files, masking,
deadlines, and the packaging of the templates."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cmplt import gitlog, ids, registry, render, store
from cmplt.errors import InvalidFile, UsageError
from cmplt.model import Complaint
from cmplt.policy import Policy
from cmplt.times import format_duration, parse_duration, parse_time
from cmplt.workflow import resolve_deadline

PROJECT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
FAST = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --- gitlog: commit messages ---------------------------------------------------------

TRAILER_KEY = st.from_regex(r"[A-Z][A-Za-z-]{0,20}", fullmatch=True)
# A value as a person would give it: any printable text (it is folded onto one line).
TRAILER_VALUE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029")
    | st.sampled_from("\n\t "),
    min_size=1,
    max_size=40,
).filter(lambda v: v.split() != [])


@FAST
@given(
    subject=st.text(min_size=1, max_size=150).filter(lambda s: s.split() != []),
    body=st.sampled_from(["", "多行\n说明", "  padded body  "]),
    trailers=st.dictionaries(TRAILER_KEY, TRAILER_VALUE, min_size=1, max_size=5),
)
@example(
    subject="261128-7KQ4MZ: note 业主：已联系",
    body="",
    trailers={"Complaint-Id": "261128-7KQ4MZ", "Action": "note", "Actor": "张三"},
)
@example(subject="x", body="Key: looks like a trailer", trailers={"Actor": "a: b: c"})
def test_commit_message_trailers_round_trip(
    subject: str, body: str, trailers: dict[str, str]
) -> None:
    message = gitlog.commit_message(subject, body, trailers)
    assert message.endswith("\n")
    first_line = message.splitlines()[0]
    assert first_line == first_line.strip()
    assert len(first_line) <= 100
    assert gitlog.parse_trailers(message) == {k: " ".join(v.split()) for k, v in trailers.items()}


def test_commit_message_layout() -> None:
    message = gitlog.commit_message(
        "  a   subject\nover lines ", "the body\n", {"Action": "note", "Actor": "张三"}
    )
    assert message == "a subject over lines\n\nthe body\n\nAction: note\nActor: 张三\n"


def test_commit_message_shortens_a_long_subject() -> None:
    message = gitlog.commit_message("长" * 300, trailers={"Action": "note"})
    subject = message.splitlines()[0]
    assert len(subject) == 100
    assert subject.endswith("…")
    assert gitlog.parse_trailers(message) == {"Action": "note"}


def test_parse_trailers_ignores_a_last_paragraph_that_is_prose() -> None:
    assert gitlog.parse_trailers("subject\n\nsome words here\nAction: note\n") == {}
    assert gitlog.parse_trailers("subject\n\nNot A Key: value\n") == {}


# --- ids -----------------------------------------------------------------------------


@FAST
@given(
    when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    seed=st.text(min_size=1, max_size=10),
    context=st.text(max_size=20),
)
def test_complaint_ids_have_the_documented_form(when: datetime, seed: str, context: str) -> None:
    random_part = ids.random_chars(ids.ID_RANDOM_CHARS, seed, context)
    complaint = ids.complaint_id(when, random_part)
    assert ids.COMPLAINT_ID.match(complaint), complaint
    assert complaint[:6] == when.strftime("%y%m%d")
    assert complaint[6] == "-"
    assert set(complaint[7:]) <= set(ids.CROCKFORD)
    # reproducible with a seed
    assert ids.random_chars(ids.ID_RANDOM_CHARS, seed, context) == random_part
    assert ids.shard_of(complaint) == (when.strftime("%Y"), when.strftime("%m"))


def test_crockford_alphabet_has_no_confusable_letters() -> None:
    assert len(ids.CROCKFORD) == 32
    assert len(set(ids.CROCKFORD)) == 32
    assert not set("ILOU") & set(ids.CROCKFORD)
    assert set(ids.CROCKFORD) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_random_chars_without_a_seed_use_the_alphabet_and_vary() -> None:
    drawn = {ids.random_chars(ids.EVENT_ID_CHARS, None, "ctx") for _ in range(50)}
    assert len(drawn) > 45  # 32**8 possibilities: repeats would mean no randomness
    for value in drawn:
        assert len(value) == ids.EVENT_ID_CHARS
        assert set(value) <= set(ids.CROCKFORD)


def test_seeded_ids_differ_by_seed_and_context() -> None:
    a = ids.random_chars(12, "seed", "261128:0")
    assert a == ids.random_chars(12, "seed", "261128:0")
    assert a != ids.random_chars(12, "seed", "261128:1")
    assert a != ids.random_chars(12, "other", "261128:0")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("261128-7kq4mz", "261128-7KQ4MZ"),
        ("  261128-7KQ4MZ \n", "261128-7KQ4MZ"),
        ("261128-7kq4mo", "261128-7KQ4M0"),
        ("261128-iI1lLx", "261128-11111X"),
        ("o0O", "000"),
        ("261128-abcdef", "261128-ABCDEF"),
    ],
)
def test_normalise_id_input_reads_what_was_meant(typed: str, stored: str) -> None:
    assert ids.normalise_id_input(typed) == stored


@FAST
@given(st.text(alphabet=st.sampled_from(ids.CROCKFORD.lower() + "oOiIlL"), max_size=10))
def test_normalised_input_is_always_in_the_alphabet(typed: str) -> None:
    assert set(ids.normalise_id_input(typed)) <= set(ids.CROCKFORD)


def test_shard_of_prefixes() -> None:
    assert ids.shard_of("261128-7KQ4MZ") == ("2026", "11")
    assert ids.shard_of("2611") == ("2026", "11")
    assert ids.shard_of("261") is None
    assert ids.shard_of("ABCD") is None


# --- times ---------------------------------------------------------------------------


def test_parse_time_without_offset_uses_the_given_zone() -> None:
    value = parse_time("2026-11-28T09:30", SHANGHAI)
    assert value.tzinfo is SHANGHAI
    assert value.utcoffset() == timedelta(hours=8)
    assert value == datetime(2026, 11, 28, 1, 30, tzinfo=UTC)


def test_parse_time_keeps_a_given_offset() -> None:
    value = parse_time("2026-11-28T09:30+00:00", SHANGHAI)
    assert value.utcoffset() == timedelta(0)
    assert value == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert parse_time("2026-11-28T09:30Z", SHANGHAI) == value
    assert parse_time("2026-11-28T17:30+08:00", SHANGHAI) == value


def test_parse_time_accepts_a_space_for_the_t() -> None:
    assert parse_time("2026-11-28 09:30", SHANGHAI) == parse_time("2026-11-28T09:30", SHANGHAI)
    assert parse_time("  2026-11-28 09:30+08:00 ", SHANGHAI) == datetime(
        2026, 11, 28, 9, 30, tzinfo=CST
    )


def test_parse_time_of_a_date_is_its_midnight_in_the_zone() -> None:
    assert parse_time("2026-11-28", SHANGHAI) == datetime(2026, 11, 28, tzinfo=CST)


def test_parse_time_in_another_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    assert parse_time("2026-07-01T12:00", new_york).utcoffset() == timedelta(hours=-4)
    assert parse_time("2026-12-01T12:00", new_york).utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    "garbage", ["", "   ", "yesterday", "2026-13-01", "2026-11-28T25:00", "28/11/2026", "9:30"]
)
def test_parse_time_refuses_garbage_with_a_usage_error(garbage: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_time(garbage, SHANGHAI)
    assert "ISO 8601" in caught.value.message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2h", timedelta(hours=2)),
        ("24h", timedelta(hours=24)),
        ("3d", timedelta(days=3)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        (" 1d 2h 3m ", timedelta(days=1, hours=2, minutes=3)),
        ("0m", timedelta(0)),
    ],
)
def test_parse_duration(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "  ", "2", "2x", "h", "1h2d", "-1d", "1.5h", "2 days"])
def test_parse_duration_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0m"),
        (timedelta(hours=2), "2h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=1, hours=12), "1d12h"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=10, minutes=1), "10d1m"),
        (timedelta(seconds=59), "0m"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@FAST
@given(st.integers(min_value=0, max_value=60 * 24 * 400))
def test_durations_round_trip(minutes: int) -> None:
    value = timedelta(minutes=minutes)
    assert parse_duration(format_duration(value)) == value


# --- store: writing --------------------------------------------------------------------


def _temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_writes_then_skips_equal_bytes(tmp_path: Path) -> None:
    path = tmp_path / "complaints" / "2026" / "11" / "261128-7KQ4MZ.yaml"
    assert store.write_atomic(path, "id: 261128-7KQ4MZ\nsummary: 电梯\n") is True
    assert path.read_bytes() == "id: 261128-7KQ4MZ\nsummary: 电梯\n".encode()
    before = path.stat()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert store.write_atomic(path, "id: 261128-7KQ4MZ\nsummary: 电梯\n") is False
    after = path.stat()
    assert after.st_ino == before.st_ino  # not replaced
    assert after.st_mtime_ns == 1_000_000_000  # not even touched
    assert _temp_files(path.parent) == []
    assert store.write_atomic(path, "id: 261128-7KQ4MZ\nsummary: 电梯坏了\n") is True
    assert path.read_text(encoding="utf-8") == "id: 261128-7KQ4MZ\nsummary: 电梯坏了\n"
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ["261128-7KQ4MZ.yaml"]


def test_write_atomic_leaves_old_file_and_no_temp_file_when_replace_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("old: 1\n", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)  # store calls os.replace
    with pytest.raises(OSError, match="disk full"):
        store.write_atomic(path, "new: 2\n")
    assert path.read_text(encoding="utf-8") == "old: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


# --- store: reading --------------------------------------------------------------------


def test_parse_document_reads_a_mapping_round_trip() -> None:
    doc = store.parse_document("b: 1\na: 电梯  # 注释\n".encode(), "r.yaml")
    assert list(doc) == ["b", "a"]
    assert doc["a"] == "电梯"
    assert "# 注释" in store.dump(doc)


def test_parse_document_reads_unquoted_times_as_text() -> None:
    doc = store.parse_document(b"at: 2026-11-28T09:00:00+08:00\nday: 2026-11-28\n", "r.yaml")
    assert doc["at"] == "2026-11-28T09:00:00+08:00"
    assert doc["day"] == "2026-11-28"


def _refused(raw: bytes) -> InvalidFile:
    with pytest.raises(InvalidFile) as caught:
        store.parse_document(raw, "complaints/2026/11/r.yaml")
    assert caught.value.exit_code == 6
    assert str(caught.value).startswith("complaints/2026/11/r.yaml")
    assert "\n" not in str(caught.value)
    return caught.value


def test_parse_document_refuses_nul_bytes() -> None:
    assert "NUL" in _refused(b"id: x\nsummary: a\0b\n").reason


def test_parse_document_refuses_non_utf8_naming_the_line() -> None:
    problem = _refused("id: x\nsummary: 电梯\n".encode("gb18030"))
    # the one reader also says what the bytes look like (GBK, from a Chinese Windows editor)
    assert problem.reason.startswith("not UTF-8 text")
    assert problem.line == 2


@pytest.mark.parametrize("raw", [b"", b"# only a comment\n", b"- a\n- b\n", b"just text\n", b"42"])
def test_parse_document_refuses_anything_but_a_mapping(raw: bytes) -> None:
    assert "mapping" in _refused(raw).reason


def test_parse_document_refuses_duplicate_keys() -> None:
    problem = _refused(b"id: x\nsummary: a\nsummary: b\n")
    assert problem.line == 3
    assert "duplicate" in problem.reason


def test_parse_document_refuses_broken_yaml_with_a_line() -> None:
    problem = _refused(b"id: x\nsummary: [unclosed\nphone: 1\n")
    assert problem.line is not None
    assert problem.reason.startswith("not valid YAML")


def test_parse_document_refuses_container_aliases() -> None:
    assert "aliases" in _refused(b"a: &x [1, 2]\nb: *x\n").reason


def test_parse_document_refuses_a_billion_laughs_quickly() -> None:
    lines = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    started = time.monotonic()
    problem = _refused("\n".join(lines).encode())
    assert time.monotonic() - started < 1.0
    assert "aliases" in problem.reason


@pytest.mark.parametrize(
    "raw",
    [
        b"summary: &s text\nrequest: *s\n",  # a scalar alias
        b"base: &b {unit: 3-1502}\nrecord:\n  <<: *b\n",  # a merge key
        b"a: &x [*x]\n",  # a list that holds itself
    ],
    ids=["scalar-alias", "merge-key", "self-reference"],
)
def test_parse_document_refuses_every_alias(raw: bytes) -> None:
    """The message says anchors and aliases are not allowed; not only repeated lists."""
    assert "aliases" in _refused(raw).reason


def test_parse_document_refuses_deep_nesting_quickly() -> None:
    raw = b"summary: " + b"[" * 1000 + b"]" * 1000 + b"\n"  # 2 kB
    started = time.monotonic()
    problem = _refused(raw)
    elapsed = time.monotonic() - started
    assert "nested" in problem.reason
    assert elapsed < 1.0, f"a 2 kB file took {elapsed:.1f} s to refuse"


CALLS: list[object] = []


def record_call(*args: object) -> str:
    CALLS.append(args)
    return "constructed"


class Trap:
    def __init__(self, *args: object) -> None:
        CALLS.append(args)

    def __setstate__(self, state: object) -> None:
        CALLS.append(state)


PYTHON_TAGS = [
    f"summary: !!python/object/apply:{__name__}.record_call [boom]\n",
    f"summary: !!python/object:{__name__}.Trap {{a: 1}}\n",
    f"summary: !!python/object/new:{__name__}.Trap [boom]\n",
    f"summary: !!python/name:{__name__}.record_call ''\n",
    "summary: !!python/object/apply:os.system ['echo owned > /dev/null']\n",
]
PYTHON_TAG_IDS = ["apply", "object", "new", "name", "os.system"]


@pytest.mark.parametrize("text", PYTHON_TAGS, ids=PYTHON_TAG_IDS)
def test_parse_document_never_constructs_python_objects(text: str) -> None:
    CALLS.clear()
    try:
        doc = store.parse_document(text.encode(), "r.yaml")
    except InvalidFile:
        doc = None
    assert CALLS == []
    if doc is not None:
        assert not isinstance(doc["summary"], Trap)
        assert doc["summary"] != "constructed"


@pytest.mark.parametrize("text", PYTHON_TAGS, ids=PYTHON_TAG_IDS)
def test_parse_document_refuses_python_tags(text: str) -> None:
    """A `!!python/…` tag has no place in a record; reading it as plain data hides it."""
    CALLS.clear()
    problem = _refused(text.encode())
    assert CALLS == []
    assert "python" in problem.reason or "tag" in problem.reason


# --- render ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        (" 13800138000 ", "138****8000"),
        ("010-88881234", "010*****1234"),
        ("+8613800138000", "+86*******8000"),
        ("1234", "****"),
        ("123", "***"),
        ("12345", "*2345"),
        ("123456", "**3456"),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert render.mask_phone(phone) == masked


@FAST
@given(st.from_regex(r"\+?[0-9][0-9 ()-]{3,24}", fullmatch=True))
@example("5551234")  # a seven-digit local number
@example("88881234")
def test_mask_phone_always_hides_something_and_keeps_the_last_four(phone: str) -> None:
    masked = render.mask_phone(phone)
    digits = phone.strip()
    assert len(masked) == len(digits)
    assert "*" in masked, f"{phone!r} is shown unmasked"
    if len(digits) > 4:
        assert masked.endswith(digits[-4:])
        # "enough to confirm with the caller, not enough to copy": at least half hidden
        # from the digits that are not the last four
        assert masked.count("*") * 2 >= len(digits) - 4


# --- workflow: the resolve deadline ------------------------------------------------------

RECEIVED = datetime(2026, 11, 28, 9, 0, tzinfo=CST)


def _event(action: str, at: datetime, n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"EVENT00{n}",
        "action": action,
        "at": at.isoformat(),
        "recorded_at": at.isoformat(),
        "by": "张三",
        **fields,
    }


def _complaint(severity: str, *steps: dict[str, Any], requested: datetime | None = None) -> Any:
    received = _event(
        "received",
        RECEIVED,
        0,
        nature="valid-1",
        severity=severity,
        subject="facilities",
        category="repair",
    )
    data: dict[str, Any] = {
        "id": "261128-7KQ4MZ",
        "status": "open",
        "owner": "张三",
        "received_at": RECEIVED.isoformat(),
        "channel": "phone",
        "customer": "王先生",
        "unit": "3-1502",
        "phone": "13800138000",
        "summary": "电梯按钮失灵",
        "nature": "valid-1",
        "severity": severity,
        "subject": "facilities",
        "category": "repair",
        "events": [received, *steps],
    }
    if requested is not None:
        data["requested_deadline"] = requested.isoformat()
    return Complaint.model_validate(data)


POLICY = Policy()


def _hours(n: float) -> timedelta:
    return timedelta(hours=n)


def test_minor_complaint_has_two_days() -> None:
    assert resolve_deadline(_complaint("minor"), POLICY) == RECEIVED + timedelta(days=2)


def test_minor_complaint_with_an_earlier_customer_deadline() -> None:
    asked = RECEIVED + _hours(20)
    assert resolve_deadline(_complaint("minor", requested=asked), POLICY) == asked


def test_customer_deadline_later_than_the_policy_does_not_extend_it() -> None:
    asked = RECEIVED + timedelta(days=5)
    assert resolve_deadline(_complaint("minor", requested=asked), POLICY) == RECEIVED + timedelta(
        days=2
    )


def test_important_complaint_has_three_days() -> None:
    assert resolve_deadline(_complaint("important"), POLICY) == RECEIVED + timedelta(days=3)
    # the customer's deadline binds minor complaints only
    asked = RECEIVED + _hours(5)
    assert resolve_deadline(
        _complaint("important", requested=asked), POLICY
    ) == RECEIVED + timedelta(days=3)


def test_major_complaint_has_ten_days() -> None:
    assert resolve_deadline(_complaint("major"), POLICY) == RECEIVED + timedelta(days=10)


def test_policy_clocks_come_from_the_policy() -> None:
    policy = Policy.model_validate({"clocks": {"resolve": {"minor": "1d12h"}}})
    assert resolve_deadline(_complaint("minor"), policy) == RECEIVED + _hours(36)


def test_extension_moves_the_deadline() -> None:
    until = RECEIVED + timedelta(days=4)
    extended = _complaint(
        "minor",
        _event(
            "extend",
            RECEIVED + _hours(1),
            1,
            until=until.isoformat(),
            approved_by="赵经理",
            approver_role="manager",
        ),
    )
    assert resolve_deadline(extended, POLICY) == until


def test_reopen_restarts_the_clock_from_the_reopening() -> None:
    asked = RECEIVED + _hours(20)
    reopened_at = RECEIVED + timedelta(days=6)
    complaint = _complaint(
        "minor",
        _event(
            "extend",
            RECEIVED + _hours(1),
            1,
            until=(RECEIVED + timedelta(days=4)).isoformat(),
            approved_by="赵经理",
            approver_role="manager",
        ),
        _event("resolve", RECEIVED + timedelta(days=3), 2, result="更换按钮"),
        _event("reopen", reopened_at, 3, reason="又坏了"),
        requested=asked,
    )
    # neither the old extension nor the customer's first deadline applies any more
    assert resolve_deadline(complaint, POLICY) == reopened_at + timedelta(days=2)


def test_extension_after_a_reopening_counts() -> None:
    reopened_at = RECEIVED + timedelta(days=6)
    until = reopened_at + timedelta(days=5)
    complaint = _complaint(
        "important",
        _event("resolve", RECEIVED + timedelta(days=1), 1, result="更换按钮"),
        _event("reopen", reopened_at, 2, reason="又坏了"),
        _event(
            "extend",
            reopened_at + _hours(1),
            3,
            until=until.isoformat(),
            approved_by="孙总",
            approver_role="company_manager",
        ),
    )
    assert resolve_deadline(complaint, POLICY) == until


def test_escalation_after_the_result_restarts_the_clock() -> None:
    escalated_at = RECEIVED + timedelta(days=1)
    complaint = _complaint(
        "major",
        _event("resolve", RECEIVED + _hours(3), 1, result="更换按钮"),
        _event("escalate", escalated_at, 2, to="王主管", reason="客户不满意"),
    )
    assert resolve_deadline(complaint, POLICY) == escalated_at + timedelta(days=10)


def test_escalation_while_open_keeps_the_clock() -> None:
    complaint = _complaint(
        "minor", _event("escalate", RECEIVED + _hours(3), 1, to="王主管", reason="需要主管")
    )
    assert resolve_deadline(complaint, POLICY) == RECEIVED + timedelta(days=2)


# --- packaging ---------------------------------------------------------------------------


def test_pyproject_maps_the_templates_into_the_package() -> None:
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config["tool"]["setuptools"]
    assert "cmplt.templates" in tool["packages"]
    assert tool["package-dir"]["cmplt.templates"] == "templates"
    assert "*.yaml" in tool["package-data"]["cmplt.templates"]
    for name in ("cmplt.yaml", "staff.yaml"):
        assert registry.template_text(name) == (PROJECT / "templates" / name).read_text(
            encoding="utf-8"
        )
    policy = store.validate_document(
        Policy, store.parse_document(registry.template_text("cmplt.yaml").encode(), "t"), "t"
    )
    assert policy == Policy()


def test_wheel_ships_the_templates(tmp_path: Path) -> None:
    source = tmp_path / "src"
    # build from a copy of what the build reads, so that it leaves nothing in the work tree
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT / name, source / name)
    for name in ("cmplt", "templates"):
        shutil.copytree(PROJECT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "wheels"
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert time.monotonic() - started < 60
    (wheel,) = out.glob("cmplt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cmplt/templates/cmplt.yaml" in names
    assert "cmplt/templates/staff.yaml" in names
    assert "cmplt/templates/registry-README.md" in names
    assert "cmplt/cli/__init__.py" in names
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("cmplt/templates/cmplt.yaml").decode("utf-8")
    assert shipped == (PROJECT / "templates" / "cmplt.yaml").read_text(encoding="utf-8")
    assert not any(re.match(r"(tests|templates)/", name) for name in names)
