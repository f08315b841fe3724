"""Time cmplt's start-up: `--help`, `--version`, a command's `--help` and shell completion.

    python benchmarks/startup.py                 # 20 runs of each
    python benchmarks/startup.py --runs 50 --json benchmarks/out/startup.json

Each command runs through the `cmplt` console script, as a user or a shell's
completion runs it, in a fresh process, rounds interleaved with the baseline
`python -c pass` of the same interpreter (which pays the same interpreter
start and the same `.pth` files). For each the script reports the median wall
clock and the median process time (user + system CPU of the child, from
`getrusage`; less disturbed by other work on a busy machine than the wall
clock), and both as a ratio to the baseline. Target: `cmplt --help` and
completion under 100 ms of process time. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mutation import find_cmplt, script_python  # benchmarks/: how each finds cmplt

TARGET_MS = 100.0
# Environment that would change what cmplt does; the runs must not inherit it.
SCRUBBED_ENV = ("CMPLT_REGISTRY", "CMPLT_LANG", "CMPLT_NOW", "CMPLT_SEED", "CMPLT_ACTOR")


def cases(cmplt: Path, python: str) -> dict[str, tuple[list[str], dict[str, str]]]:
    """What is timed: a name, the command line and extra environment."""
    bash = {"_CMPLT_COMPLETE": "bash_complete"}
    complete = {**bash, "COMP_WORDS": "cmplt re", "COMP_CWORD": "1"}
    options = {**bash, "COMP_WORDS": "cmplt resolve --", "COMP_CWORD": "2"}
    return {
        "python -c pass (baseline)": ([python, "-c", "pass"], {}),
        "cmplt --help": ([str(cmplt), "--help"], {}),
        "cmplt --version": ([str(cmplt), "--version"], {}),
        "cmplt resolve --help": ([str(cmplt), "resolve", "--help"], {}),
        "completion: cmplt re<TAB>": ([str(cmplt)], complete),
        "completion: cmplt resolve --<TAB>": ([str(cmplt)], options),
    }


def run_once(args: Sequence[str], cwd: Path, env: Mapping[str, str]) -> tuple[float, float]:
    """Wall clock and process time (user + system of the child) of one run, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(args), cwd=cwd, env=dict(env), capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time cmplt's start-up against python -c pass.")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each (default 20)")
    parser.add_argument("--cmplt", help="the cmplt console script (default: found next to python)")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    args = parser.parse_args(argv)

    cmplt = find_cmplt(args.cmplt)
    python = script_python(cmplt)
    base_env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    todo = cases(cmplt, python)
    walls: dict[str, list[float]] = {name: [] for name in todo}
    cpus: dict[str, list[float]] = {name: [] for name in todo}
    load_before = os.getloadavg()[0]
    # outside any registry, so that nothing reads a cmplt.yaml
    with tempfile.TemporaryDirectory(prefix="cmplt-startup-") as folder:
        cwd = Path(folder)
        for index in range(args.runs + 1):  # the first round warms the caches, untimed
            for name, (command, extra) in todo.items():
                wall, cpu = run_once(command, cwd, {**base_env, **extra})
                if index:
                    walls[name].append(wall)
                    cpus[name].append(cpu)
    load_after = os.getloadavg()[0]

    baseline = next(iter(todo))
    base_wall = statistics.median(walls[baseline])
    base_cpu = statistics.median(cpus[baseline])
    print(
        f"cmplt start-up: {args.runs} runs each, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {cmplt}"
    )
    print(f"load average (1 min) before/after: {load_before:.2f} / {load_after:.2f}\n")
    print(f"{'':36}{'wall':>10}{'ratio':>8}{'process':>11}{'ratio':>8}")
    results: dict[str, dict[str, float]] = {}
    for name in todo:
        wall = statistics.median(walls[name])
        cpu = statistics.median(cpus[name])
        results[name] = {
            "wall_ms": round(wall * 1000, 1),
            "process_ms": round(cpu * 1000, 1),
            "wall_ratio": round(wall / base_wall, 2),
            "process_ratio": round(cpu / base_cpu, 2),
        }
        print(
            f"{name:36}{wall * 1000:8.1f}ms{wall / base_wall:8.2f}"
            f"{cpu * 1000:9.1f}ms{cpu / base_cpu:8.2f}"
        )
    worst = max(results[n]["process_ms"] for n in ("cmplt --help", "completion: cmplt re<TAB>"))
    verdict = "met" if worst <= TARGET_MS else "missed"
    print(
        f"\n--help and completion: {worst:.1f} ms of process time "
        f"(target <= {TARGET_MS:.0f}: {verdict})"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload: dict[str, Any] = {
            "runs": args.runs,
            "cmplt": str(cmplt),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(load_before, 2), round(load_after, 2)],
            "results": results,
            "raw": {"wall": walls, "process": cpus},
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
