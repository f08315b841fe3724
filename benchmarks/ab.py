"""Process time of cmplt's commands, two installs side by side ("before" and "after").

    python benchmarks/ab.py --before /tmp/base/.venv/bin/cmplt --before-cache /tmp/bb \\
        --after .venv/bin/cmplt --after-cache /tmp/ba --records 10000

Each side reads the registries its own benchmark scripts made (a registry made by
one version need not be readable by the other): `mutation.py`'s
`DIR/registry-N/` for the step and `check.py`'s `DIR/check-registry-N/` for the
rest. Rounds alternate the order of the two sides. The figure is the process
time of the command and every process it starts (user + system CPU, from
`getrusage(RUSAGE_CHILDREN)`), which a busy machine inflates far less than the
wall clock; the wall clock is printed beside it. Measured:

* the step: `cmplt resolve ID --by 李工 --result …` on a fresh record (the
  registry is reset to its generated commit before and after);
* (c) a fresh Python parsing every record with ruamel's C safe loader (the
  baseline of `check.py`), (d) the first check (its cache deleted), (b) the
  repeated check, (e) `cmplt validate`, the first report (its cache deleted) and
  the repeated `report --period 2026-10`, as `check.py` and `report.py` run them.

A measurement, not a test. It needs both sides' registries already made.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from check import AS_OF, PARSE_ALL
from mutation import ENGINEER, RESULT, clean_env, script_python

STEP = "step: cmplt resolve"
REPORT_ARGS = ["report", "--period", "2026-10", "--format", "json", "-o", os.devnull]
Case = tuple[list[str], str | None, dict[str, str]]


def cases(cmplt: Path, root: Path) -> dict[str, Case]:
    """name -> (arguments, a state file to delete first, extra environment)."""
    check = [str(cmplt), "check", "--as-of", AS_OF.isoformat(), "--format", "json", "--quiet"]
    now = {"CMPLT_NOW": AS_OF.isoformat()}
    return {
        "(c) parse every record": ([script_python(cmplt), "-c", PARSE_ALL, str(root)], None, {}),
        "(d) first check": (check, ".git/cmplt-check.cache", {}),
        "(b) repeated check": (check, None, {}),
        "(e) validate": ([str(cmplt), "validate"], None, {}),
        "first report": ([str(cmplt), *REPORT_ARGS], ".git/cmplt-report.cache", now),
        "repeated report 2026-10": ([str(cmplt), *REPORT_ARGS], None, now),
    }


def measure(args: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(process time, wall time) of one command and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        list(args), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # check exits 1 when it reports something overdue
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr.decode()}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall


class Side:
    def __init__(self, cmplt: Path, cache: Path, records: int, steps: int) -> None:
        cmplt, cache = cmplt.absolute(), cache.absolute()  # the commands run elsewhere
        self.cmplt = cmplt
        self.check_root = cache / f"check-registry-{records}"
        self.step_root = cache / f"registry-{records}"
        manifest = json.loads((cache / f"registry-{records}.json").read_text(encoding="utf-8"))
        self.base: str = manifest["base"]
        self.fresh = iter(manifest["ids"][-(steps + 2) :])
        self.cases = cases(cmplt, self.check_root)
        self.reset()

    def reset(self) -> None:
        subprocess.run(["git", "reset", "-q", "--hard", self.base], cwd=self.step_root, check=True)

    def step(self) -> tuple[float, float]:
        args = [str(self.cmplt), "resolve", next(self.fresh), "--by", ENGINEER, "--result", RESULT]
        return measure(args, self.step_root, clean_env())

    def run(self, name: str) -> tuple[float, float]:
        args, state, extra = self.cases[name]
        if state is not None:
            (self.check_root / state).unlink(missing_ok=True)
        return measure(args, self.check_root, clean_env(extra))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--before", type=Path, required=True, help="the before console script")
    parser.add_argument("--after", type=Path, required=True, help="the after console script")
    parser.add_argument("--before-cache", type=Path, required=True, metavar="DIR")
    parser.add_argument("--after-cache", type=Path, required=True, metavar="DIR")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the commands")
    parser.add_argument("--steps", type=int, default=25, help="steps on each side")
    args = parser.parse_args(argv)
    sides = {
        "before": Side(args.before, args.before_cache, args.records, args.steps),
        "after": Side(args.after, args.after_cache, args.records, args.steps),
    }
    names = [STEP, *sides["after"].cases]
    found: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for side in sides.values():  # warm-up: caches filled, files in the page cache
        side.step()
        for name in names[1:]:
            side.run(name)
    loads = []
    try:
        for number in range(max(args.rounds, args.steps)):
            order = ("before", "after") if number % 2 == 0 else ("after", "before")
            for label in order:
                if number < args.steps:
                    found.setdefault((label, STEP), []).append(sides[label].step())
            for name in names[1:] if number < args.rounds else ():
                for label in order:
                    found.setdefault((label, name), []).append(sides[label].run(name))
            loads.append(os.getloadavg()[0])
    finally:
        for side in sides.values():
            side.reset()
    print(f"1-minute load during the rounds: {min(loads):.2f}-{max(loads):.2f}")
    print(f"{'':28} {'before':>10} {'after':>10} {'after/before':>13}   wall: before / after")
    cpu: dict[str, tuple[float, float]] = {}
    for name in names:
        b, a = (statistics.median(c for c, _ in found[(label, name)]) for label in sides)
        bw, aw = (statistics.median(w for _, w in found[(label, name)]) for label in sides)
        cpu[name] = (b, a)
        print(f"{name:28} {b * 1e3:8.1f}ms {a * 1e3:8.1f}ms {a / b:13.3f}   {bw:.3f} / {aw:.3f} s")
    print("ratios of process time (before / after):")
    for top, bottom in (
        ("(d) first check", "(c) parse every record"),
        ("(e) validate", "(c) parse every record"),
        ("(e) validate", "(d) first check"),
        ("repeated report 2026-10", "(b) repeated check"),
    ):
        ratios = [cpu[top][i] / cpu[bottom][i] for i in (0, 1)]
        print(f"  {top} / {bottom}: {ratios[0]:.3f} / {ratios[1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
