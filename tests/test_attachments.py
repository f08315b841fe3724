"""Evidence (流程及技巧 3: the customer's written opinion kept as proof; photos of the damage
and the repair): `cmplt attach` keeps a file under a path made of the record and the
content's hash, in one commit; images lose the metadata that locates a person; hostile
files are refused with one line and nothing written; `validate` checks each is there
and unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import Reg, commit_all
from tests.test_bad_input import snapshot

GPS = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}


def photo(path: Path, fmt: str = "JPEG") -> Path:
    image = Image.new("RGB", (32, 24), (200, 60, 60))
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation: kept
    exif[0x8825] = GPS  # where it was taken: removed
    image.save(path, fmt, exif=exif.tobytes())
    return path


def attached(reg: Reg, cid: str) -> dict[str, object]:
    event: dict[str, object] = json.loads(reg.ok("show", cid, "--format", "json").out)["events"][-1]
    return event


def test_a_photo_is_kept_without_its_location(reg: Reg, tmp_path: Path) -> None:
    cid = reg.new()
    before = reg.commit_count()
    out = reg.ok("attach", cid, str(photo(tmp_path / "门厅.jpg")), "--kind", "photo",
                 "--by", "张三", "--note", "按钮面板").out  # fmt: skip
    assert out.startswith(f"{cid} attach -> open (commit "), out
    event = attached(reg, cid)
    stored = reg.root / str(event["file"])
    assert str(event["file"]).startswith(f"attachments/2026/11/{cid}/{event['sha256']}")
    assert (event["kind"], event["type"], event["name"]) == ("photo", "jpeg", "门厅.jpg")
    with Image.open(stored) as image:
        exif = image.getexif()
        assert 0x8825 not in exif and exif[0x0112] == 1
    # one commit holds the record and the file
    assert reg.commit_count() == before + 1
    changed = reg.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == sorted(
        [str(event["file"]), reg.record(cid).relative_to(reg.root).as_posix()]
    )
    assert reg.git("status", "--porcelain") == ""
    assert "Attachments" in reg.ok("show", cid).out
    assert reg.run("validate").code == 0
    assert reg.run("audit").code == 0


@pytest.mark.parametrize("fmt", ["PNG", "PDF"])
def test_png_and_pdf_are_taken(reg: Reg, tmp_path: Path, fmt: str) -> None:
    cid = reg.new()
    if fmt == "PNG":
        path = photo(tmp_path / "x.png", "PNG")
    else:
        path = tmp_path / "客户意见.pdf"
        Image.new("RGB", (10, 10)).save(path, "PDF")
    reg.ok("attach", cid, str(path), "--kind", "opinion", "--by", "张三")
    assert attached(reg, cid)["type"] == fmt.lower()
    assert reg.run("validate").code == 0


def test_hostile_files_are_refused_and_nothing_is_written(reg: Reg, tmp_path: Path) -> None:
    cid = reg.new()
    pdf = tmp_path / "pdf.jpg"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    script = tmp_path / "run.jpg"
    script.write_bytes(b"#!/bin/sh\nrm -rf /\n")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 64)
    link = tmp_path / "link.jpg"
    link.symlink_to(photo(tmp_path / "real.jpg"))
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024))
    cases = {
        pdf: (2, "its name says .jpg but its content is PDF"),
        script: (2, "its content is not one of the types taken"),
        broken: (2, "not a readable image"),
        link: (2, "is a symbolic link"),
        tmp_path: (2, "not a regular file"),
        big: (2, "more than the 10,485,760 taken"),
        tmp_path / "missing.jpg": (3, "no such file"),
    }
    for path, (code, said) in cases.items():
        before = snapshot(reg)
        result = reg.run("attach", cid, str(path), "--kind", "photo", "--by", "张三")
        assert (result.code, result.out) == (code, ""), result
        assert len(result.err.splitlines()) == 1 and said in result.err, result
        assert snapshot(reg) == before


def test_a_link_inside_the_registry_is_not_written_through(reg: Reg, tmp_path: Path) -> None:
    cid = reg.new()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, reg.root / "attachments")
    commit_all(reg, "a link")
    before = snapshot(reg)
    result = reg.run(
        "attach", cid, str(photo(tmp_path / "p.jpg")), "--kind", "photo", "--by", "张三"
    )
    assert result.code == 2 and "symbolic link" in result.err, result
    assert snapshot(reg) == before and list(outside.iterdir()) == []


def test_validate_finds_an_attachment_missing_or_changed(reg: Reg, tmp_path: Path) -> None:
    cid = reg.new()
    reg.ok("attach", cid, str(photo(tmp_path / "p.jpg")), "--kind", "photo", "--by", "张三")
    stored = reg.root / str(attached(reg, cid)["file"])
    stored.write_bytes(stored.read_bytes() + b"\0")
    result = reg.run("validate")
    assert result.code == 1 and "was changed after it was attached" in result.out, result
    stored.unlink()
    result = reg.run("validate")
    assert result.code == 1 and "is missing" in result.out, result


def test_pillow_is_not_loaded_by_other_steps(reg: Reg) -> None:
    cid = reg.new()
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cmplt", "note", cid, "--by", "张三",
         "--text", "x"],
        cwd=reg.root, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "PIL" not in done.stderr


def test_evidence_is_kept_in_every_status_closed_included(reg: Reg, tmp_path: Path) -> None:
    from cmplt.workflow import ALLOWED_FROM, NOT_CLOSED

    assert ALLOWED_FROM["attach"] == NOT_CLOSED | {"closed"}
    cid = reg.new(nature="invalid")
    reg.ok("reject", cid, "--by", "张三", "--reason", "不属物业管理范围")
    reg.ok("close", cid, "--by", "张三")
    picture = str(photo(tmp_path / "p.jpg"))
    reg.ok("attach", cid, picture, "--kind", "opinion", "--by", "张三")
    assert reg.run("audit").code == 0
