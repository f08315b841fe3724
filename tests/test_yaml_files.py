"""Reading and writing the registry's YAML files (`cmplt.store`): written atomically
and only when the bytes change; read round-trip, refusing what is not a plain mapping
of plain data (bad encodings, duplicate keys, aliases, deep nesting, Python tags)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cmplt import store
from cmplt.errors import InvalidFile

# --- writing --------------------------------------------------------------------------


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


# --- reading --------------------------------------------------------------------------


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
