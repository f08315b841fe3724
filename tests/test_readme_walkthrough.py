"""The README's "One complaint's life", run word for word as a shell script.

It must work for a new team as written, and leave nothing overdue: four days
later `cmplt check` is still clean (the dual callback done, nothing waiting).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## One complaint's life")
    begin = text.index("```sh\n", start) + len("```sh\n")
    return text[begin : text.index("```", begin)]


@pytest.mark.usefixtures("isolated")
def test_the_readme_walkthrough_runs_and_leaves_nothing_overdue(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    script = "set -euo pipefail\n" + walkthrough()
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert ": close" in done.stdout and "nothing overdue as of 2026-11-28 09:00" in done.stdout
    registry = tmp_path / "estate"
    later = subprocess.run(
        ["cmplt", "check", "--as-of", "2026-12-02T09:00+08:00"],
        cwd=registry,
        env={**env, "CMPLT_NOW": "2026-12-02T09:00:00+08:00"},  # --as-of is never ahead
        capture_output=True,
        text=True,
    )
    assert (later.returncode, later.stderr) == (0, ""), later
    assert later.stdout == "nothing overdue as of 2026-12-02 09:00\n"
    audit = subprocess.run(["cmplt", "audit"], cwd=registry, env=env, capture_output=True)
    assert audit.returncode == 0, audit
