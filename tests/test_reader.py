"""The one reader (`store.load`, libyaml through `cmplt.yaml12`) reads every file as
ruamel's YAML 1.2 loader does, and refuses what a hostile file uses, quickly."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelError

from cmplt import store, yaml12
from cmplt.errors import InvalidFile
from tests.conftest import FAST, Reg


def _ruamel() -> YAML:
    yaml = YAML(typ="safe", pure=False)
    yaml.Resolver = store.no_timestamp_resolver()  # the reading cmplt had before libyaml
    return yaml


RUAMEL = _ruamel()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _both(text: str) -> tuple[Any, Any]:
    """What each reader makes of `text`: its data, or the kind of error."""
    try:
        theirs: Any = RUAMEL.load(text)
    except (RuamelError, ValueError, TypeError) as exc:
        theirs = ("error", type(exc).__name__)
    try:
        ours: Any = yaml12.load(text)
    except (yaml12.YAMLError, ValueError, TypeError) as exc:
        ours = ("error", type(exc).__name__)
    return theirs, ours


@pytest.mark.parametrize(
    "scalar",
    [
        "yes", "no", "on", "off", "y", "n", "12:30", "1:02:03", "017", "0o17", "0x1F",
        "0b101", "-0b11", "1_000", "+12", "-0", ".5", "1.", "1e3", "1e+3", "1.0e-3",
        ".inf", "-.INF", ".NaN", "~", "null", "NULL", "Null", "true", "TRUE", "False",
        "2026-11-28", "2026-11-28T09:00:00+08:00", "2026-11-28 09:00", "=", "<<",
        "'quoted'", '"\\u00e9"', "3-1502", "+86 138 0013 8000", "电梯坏了", "",
    ],
)  # fmt: skip
def test_each_tricky_scalar_is_read_as_ruamel_reads_it(scalar: str) -> None:
    theirs, ours = _both(f"k: {scalar}\n")
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple), (scalar, theirs, ours)
    else:
        assert _same(theirs, ours), (scalar, theirs, ours)


_SCALAR_CHARS = "ab 张三:#'\"-0123456789.eE+~_xobnulltrueNFY,[]{}"


@given(st.text(alphabet=_SCALAR_CHARS, min_size=1, max_size=10))
@FAST
def test_any_plain_scalar_is_read_as_ruamel_reads_it(text: str) -> None:
    theirs, ours = _both(f"k: {text}\n")
    if isinstance(theirs, tuple) or isinstance(ours, tuple):
        # both refuse it (the kind of error may differ: the readers name them apart)
        assert isinstance(theirs, tuple) and isinstance(ours, tuple), (text, theirs, ours)
    else:
        assert _same(theirs, ours), (text, theirs, ours)


# text as people type it (line and paragraph separators and control characters
# are another matter: YAML folds some of them, and cmplt refuses them in names)
_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=8)
# what cmplt writes: field names for keys; texts, numbers, booleans and nulls, and
# small flow mappings of those (a reclassification's `from` and `to`)
_keys = st.from_regex(r"[a-z_]{1,8}", fullmatch=True)
_scalars = st.none() | st.booleans() | st.integers() | _text
_values = _scalars | st.dictionaries(_keys, _scalars, max_size=3)


@given(st.dictionaries(_keys, _values, min_size=1, max_size=5))
@FAST
def test_what_cmplt_writes_reads_back_the_same_through_both(data: dict[str, Any]) -> None:
    text = store.dump(store.yaml_value(data, None))  # type: ignore[arg-type]
    theirs, ours = _both(text)
    assert _same(theirs, ours), (text, theirs, ours)
    assert _same(store.load_bytes(text.encode(), "r.yaml").data, ours)


def test_a_key_given_twice_is_refused_at_its_line() -> None:
    with pytest.raises(InvalidFile) as caught:
        store.load_bytes(b"id: x\nstatus: open\nstatus: closed\n", "r.yaml")
    assert caught.value.line == 3
    assert "duplicate key" in caught.value.reason


def test_a_finding_knows_the_line_and_column_of_the_key() -> None:
    loaded = store.load_bytes(b"id: x\nevents:\n  - id: e1\n    at: later\n", "r.yaml")
    assert loaded.position(["events", 0, "at"]) == (4, 5)
    assert loaded.position(["events", 0, "missing"]) == (3, 5)
    problem = loaded.problem(["events", 0, "at"], "not a time")
    assert (problem.path, problem.line, problem.column, problem.field) == (
        "r.yaml",
        4,
        5,
        "events.0.at",
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"- " * 100_000 + b"x\n",  # block sequences nested on one line
        b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",  # flow collections
    ],
    ids=["block", "flow"],
)
def test_deep_nesting_is_refused_quickly(raw: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidFile) as caught:
        store.load_bytes(raw, "r.yaml")
    assert "nested more than 32" in caught.value.reason
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"a: &x [1]\nb: *x\n", "anchors and aliases"),
        (b"a: !!python/object/apply:os.system ['true']\n", "explicit tag"),
        (b"a: 1\n---\nb: 2\n", "more than one YAML document"),
        (b"- a\n- b\n", "found a list"),
        (b"", "found nothing"),
    ],
)
def test_what_a_registry_file_never_holds_is_refused(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidFile) as caught:
        store.load_bytes(raw, "r.yaml")
    assert message in caught.value.reason
    assert caught.value.line is not None and caught.value.column is not None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(b"x: !!bool yes\n", True), (b"x: !!bool Off\n", False), (b"x: !!bool true\n", True)],
)
def test_an_explicit_boolean_is_read_as_ruamel_reads_it(raw: bytes, expected: bool) -> None:
    assert store.load_bytes(raw, "r.yaml").data == {"x": expected}
    assert RUAMEL.load(raw.decode()) == {"x": expected}


@pytest.mark.parametrize(
    "raw", [b"x: !!bool maybe\n", b"x: !!int ''\n", b"x: !!float ''\n", b"x: !!int '-'\n"]
)
def test_an_explicit_tag_on_the_wrong_text_is_a_finding_not_a_crash(raw: bytes) -> None:
    with pytest.raises(InvalidFile) as caught:
        store.load_bytes(raw, "r.yaml")
    assert caught.value.line == 1


def test_block_nesting_spread_over_lines_is_refused() -> None:
    raw = b"a:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, 41)) + b"  " * 41 + b"x\n"
    with pytest.raises(InvalidFile) as caught:
        store.load_bytes(raw, "r.yaml")
    assert "nested more than 32" in caught.value.reason


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"unit: ! 0602\n", "explicit tag ! is not allowed"),
        (b"id: a\n---\nid: b\n", "more than one YAML document"),
    ],
)
def test_every_command_says_the_same_of_a_hostile_construct(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidFile) as caught:
        store.load_bytes(raw, "r.yaml")
    assert message in caught.value.reason


def test_a_dangling_link_among_the_records_is_named_not_passed_over(reg: Reg) -> None:
    cid = reg.new()
    folder = reg.record(cid).parent
    (folder / "261128-L1NK00.yaml").symlink_to(folder / "gone.yaml")
    listed = reg.run("list", "--format", "json")
    assert listed.code == InvalidFile.exit_code
    assert cid in listed.out
    assert "261128-L1NK00" in listed.err and len(listed.err.strip().splitlines()) == 1
    checked = reg.run("check", "--format", "json")
    assert "261128-L1NK00" in checked.out and '"invalid-record"' in checked.out


def test_a_step_where_git_has_no_directory_is_one_line(reg: Reg) -> None:
    cid = reg.new()
    git_dir = reg.root / ".git"
    moved = reg.root.parent / "git-elsewhere"
    git_dir.rename(moved)
    (reg.root / ".git").write_text("gitdir: nowhere\n", encoding="utf-8")
    before = reg.record(cid).read_bytes()
    result = reg.run("note", cid, "--by", "张三", "--text", "x")
    assert result.code == 3, result
    assert result.err.startswith("cmplt: ") and len(result.err.strip().splitlines()) == 1
    assert reg.record(cid).read_bytes() == before
