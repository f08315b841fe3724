"""The wheel: templates/ is shipped as `cmplt.templates`, and `cmplt init` writes the
same policy the code defaults to."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

from cmplt import registry, store
from cmplt.policy import Policy

PROJECT = Path(__file__).resolve().parent.parent


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
    # issue 11's controls are off in the code's defaults (a policy written before them
    # keeps its behaviour) and on in the template; everything else is the default
    assert policy.approvals.by_approver and policy.approvals.dispatch
    assert policy.decisions.division is not None and policy.decisions.tracker is not None
    assert policy.definite_answer and policy.close_needs_callbacks
    assert policy.ranks and policy.permissions
    assert policy.clocks.resolve.customer_deadline == "replaces"
    default = Policy()
    controls = ("approvals", "decisions", "definite_answer", "close_needs_callbacks")
    resolve = policy.clocks.resolve.model_copy(update={"customer_deadline": "earlier"})
    without = policy.model_copy(
        update={
            **{key: getattr(default, key) for key in (*controls, "ranks", "permissions")},
            "clocks": policy.clocks.model_copy(update={"resolve": resolve}),
        }
    )
    assert without == default


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
    # the catalogs, and the compiled form cmplt reads at run time
    for folder in ("zh_CN", "en"):
        assert f"cmplt/locale/{folder}/LC_MESSAGES/cmplt.po" in names
        assert f"cmplt/locale/{folder}/LC_MESSAGES/cmplt.mo" in names
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("cmplt/templates/cmplt.yaml").decode("utf-8")
    assert shipped == (PROJECT / "templates" / "cmplt.yaml").read_text(encoding="utf-8")
    assert not any(re.match(r"(tests|templates)/", name) for name in names)
