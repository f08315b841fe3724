"""Time `cmplt validate` against the first `cmplt check` on the same registry.

    python benchmarks/validate.py --records 100000 --rounds 3
    python benchmarks/validate.py --records 1000             # a quick run

The registry is the one `benchmarks/check.py` generates and caches (N records
copied from eight templates made through the CLI, in different end states,
spread over 24 months; one commit; `git gc`), so that both benchmarks measure
the same files. Pass another `--cache` to keep a copy of its own: `check.py`
deletes and fills the check's cache while it runs, so do not run both at once
on one registry.

Each round, in alternating order:

* (v) `cmplt validate` over the whole registry (exit 0: the registry is sound);
* (f) the first check: `.git/cmplt-check.cache` deleted, then
  `cmplt check --as-of T --format json --quiet`.

The figure is median(v) / median(f); the target is at most 2 at 100,000
records. It is a measurement, not a test: nothing fails when the target is
missed. `--profile LINES` also runs one validate in-process under cProfile.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from check import (
    add_registry_options,
    cache_file,
    check_args,
    ready_registry,
    run_timed,
)
from mutation import clean_env, ms, run, summary

TARGET = 2.0


def profile_validate(root: Path, lines: int) -> str:
    """One `cmplt validate` in this process under cProfile, top LINES by cumulative time."""
    import cmplt.cli

    profiler = cProfile.Profile()
    old = Path.cwd()
    os.chdir(root)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            profiler.runcall(cmplt.cli.main, ["validate"])
    finally:
        os.chdir(old)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def print_report(result: dict[str, Any]) -> None:
    config, medians = result["config"], result["summary"]
    print()
    print(
        f"{config['records']:,} records, {config['rounds']} rounds, {config['cpus']} cores, "
        f"Python {config['python']}, {config['git']}, load {config['load_average']}"
    )
    print(f"  cmplt validate                  {ms(medians['validate']['median'])}")
    print(f"  first cmplt check (no cache)    {ms(medians['first']['median'])}")
    verdict = "met" if result["ratio"] <= TARGET else "MISSED"
    ratio = result["ratio"]
    print(f"  ratio validate / first check    {ratio:.2f}  (target <= {TARGET}: {verdict})")
    if result.get("profile"):
        print("\ncProfile of one validate, in-process (cmplt.cli.main):")
        print(result["profile"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `cmplt validate` against the first check.")
    add_registry_options(parser)
    parser.add_argument("--profile", type=int, default=0, metavar="LINES", help="cProfile top")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    cmplt, root, manifest, cached = ready_registry(args)
    as_of: str = manifest["as_of"]

    load_before = os.getloadavg()[0]
    if load_before > 0.5 * (os.cpu_count() or 1):
        print(f"note: load average {load_before:.2f}; other work will add noise", flush=True)
    validate = [str(cmplt), "validate"]
    check = [str(cmplt), *check_args(as_of)]

    print("warm-up: one validate (must find nothing), one first check ...", flush=True)
    done = subprocess.run(
        validate, cwd=root, env=clean_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the registry does not validate:\n{done.stdout[:2000]}{done.stderr}")
    cache_file(root).unlink(missing_ok=True)
    run_timed(check, root, ok=(0, 1))

    times: dict[str, list[float]] = {"validate": [], "first": []}
    for index in range(args.rounds):
        order = ["validate", "first"] if index % 2 == 0 else ["first", "validate"]
        for name in order:
            if name == "first":
                cache_file(root).unlink(missing_ok=True)
                times[name].append(run_timed(check, root, ok=(0, 1)))
            else:
                times[name].append(run_timed(validate, root))
        print(
            f"round {index + 1}: "
            + ", ".join(f"{name} {times[name][-1] * 1000:.0f} ms" for name in order),
            flush=True,
        )
    load_after = os.getloadavg()[0]
    medians = {name: summary(values) for name, values in times.items()}
    result: dict[str, Any] = {
        "config": {
            "records": args.records,
            "rounds": args.rounds,
            "as_of": as_of,
            "cmplt": str(cmplt),
            "python": platform.python_version(),
            "git": run(["git", "--version"], root).stdout.strip(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average": [round(load_before, 2), round(load_after, 2)],
        },
        "registry": {"path": str(root), "cached": cached, "base": manifest["base"]},
        "summary": medians,
        "rounds": [{name: times[name][i] for name in times} for i in range(args.rounds)],
        "ratio": medians["validate"]["median"] / medians["first"]["median"],
        "target": TARGET,
    }
    if args.profile:
        result["profile"] = profile_validate(root, args.profile)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
