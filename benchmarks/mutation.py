"""Time one cmplt mutation against a plain `git add` + `git commit` of the same kind of file.

    python benchmarks/mutation.py --records 100000 --rounds 5
    python benchmarks/mutation.py --records 1000            # a quick run

The script builds (once, then caches by N) a registry of N records: `cmplt init`,
a small roster with `cmplt staff add`, one real record through `cmplt new`,
`dispatch` and `accept`, and N - 1 copies of that record written directly with
new IDs and dates spread over 24 months, committed with plain git in one commit
and packed with `git gc`.

Then it alternates, round by round, between

* the baseline: a person's edit to one record (a comment line appended), then
  `git add <file>` and `git commit -q -m ...`, two processes timed together;
* cmplt: `cmplt resolve <id> --by ... --result ...` on another, untouched
  record, run through the console script and timed end to end (process start,
  imports, reading, validating, writing, and every git call cmplt makes).

Every round uses fresh records. The result is the ratio median(cmplt) /
median(baseline) in the same run; the targets are at most 2.5 at 10,000 records
and 1.0 at 100,000. It is a measurement, not a test: nothing fails when one is
missed.

After each timed pair the script runs one more `cmplt resolve` in a small
wrapper process that times cmplt's imports and each git process it starts, so
that the total can be split into its pieces: interpreter start, imports, each
git process cmplt starts, and cmplt's own Python work.
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
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / "out"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# (fewest records, at most this ratio): the targets, by registry size
TARGETS = ((100_000, 1.0), (10_000, 2.5))
CACHE_FORMAT = 2  # 2: made under issue 11's controls (the manager dispatches)

# The roster of the generated registry: a manager who adds the others and approves
# the work order (issue 11: `staff add --by` a manager or above once the roster has
# anyone; 规程 4.3.1: a valid complaint is dispatched with a cs_supervisor's or a
# manager's approval), a clerk who takes complaints, an engineer whose department
# accepts and resolves them, a supervisor.
MANAGER = "赵经理"
CLERK = "张三"
ENGINEER = "李工"
ROSTER: Sequence[tuple[str, str, str | None]] = (
    (MANAGER, "manager", None),
    (CLERK, "clerk", "客服中心"),
    (ENGINEER, "staff", "工程部"),
    ("王主管", "supervisor", None),
)
INTAKE = (
    "--channel", "phone", "--customer", "王先生", "--unit", "3-1502",
    "--phone", "13800138000", "--severity", "minor", "--nature", "valid-1",
    "--subject", "facilities", "--category", "repair", "--summary", "电梯按钮失灵",
)  # fmt: skip
RESULT = "更换了电梯按钮, 已恢复正常"
# what `cmplt resolve` imports
STEP_MODULES = "cmplt.cli, cmplt.cli.records, cmplt.workflow, cmplt.registry"
# Environment that would change what cmplt or git does; the runs must not inherit it.
SCRUBBED_ENV = (
    "CMPLT_NOW",
    "CMPLT_SEED",
    "CMPLT_REGISTRY",
    "CMPLT_ACTOR",
    "CMPLT_LOCK_WAIT",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
)

# Runs `cmplt ARGS` as the console script does, timing the imports and every
# git process cmplt starts (subprocess.run with a command starting with "git",
# whichever gitlog function makes it); writes the pieces as JSON to
# $CMPLT_BENCH_OUT. What the step imports lazily (its command's module, the
# workflow and the registry) is imported up front, so that all import time is
# counted as such.
INSTRUMENTED = r"""
import json, os, subprocess, sys, time
t0 = time.perf_counter()
import cmplt.cli
t1 = time.perf_counter()
import cmplt.cli.records, cmplt.workflow, cmplt.registry
t2 = time.perf_counter()
calls = []
_run = subprocess.run
def subcommand(args):
    rest = [str(a) for a in args[1:]]
    while rest and rest[0] in ("-c", "-C"):
        rest = rest[2:]
    return rest[0] if rest else "?"
def timed(args, *rest, **kw):
    s = time.perf_counter()
    try:
        return _run(args, *rest, **kw)
    finally:
        if isinstance(args, (list, tuple)) and args and os.path.basename(str(args[0])) == "git":
            calls.append([subcommand(args), time.perf_counter() - s])
subprocess.run = timed
code = cmplt.cli.main(sys.argv[1:])
t3 = time.perf_counter()
with open(os.environ["CMPLT_BENCH_OUT"], "w") as out:
    json.dump({"code": code, "import_cli": t1 - t0, "import_registry": t2 - t1,
               "main": t3 - t2, "in_process": t3 - t0, "git": calls}, out)
sys.exit(code)
"""


# --- small helpers --------------------------------------------------------------


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(extra or {})
    return env


def run(
    args: Sequence[str | Path],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        input=input_text,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(map(str, args))}\n{done.stderr or done.stdout}"
        )
    return done


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def git(root: Path, *args: str) -> str:
    return run(["git", *args], root).stdout


def find_cmplt(given: str | None) -> Path:
    """The `cmplt` console script: --cmplt, next to this Python, on PATH, or the repo's venv."""
    candidates = [
        Path(given) if given else None,
        Path(sys.executable).parent / "cmplt",
        Path(found) if (found := shutil.which("cmplt")) else None,
        HERE.parent / ".venv" / "bin" / "cmplt",
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.absolute()
    raise SystemExit("no cmplt console script found (pip install -e . or pass --cmplt PATH)")


def script_python(script: Path) -> str:
    """The interpreter in the console script's #! line (the one the script runs under)."""
    first = script.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    if first.startswith("#!"):
        interpreter = first[2:].strip().split()[0]
        if Path(interpreter).is_file():
            return interpreter
    return sys.executable


def make_id(day: date, rng: random.Random) -> str:
    return f"{day:%y%m%d}-" + "".join(rng.choice(CROCKFORD) for _ in range(6))


def yaml_id(rng: random.Random) -> str:
    """A random event ID as cmplt writes it: quoted when it is all digits (about one
    in 10,000), which YAML would otherwise read as a number."""
    chars = "".join(rng.choice(CROCKFORD) for _ in range(8))
    return f"'{chars}'" if chars.isdigit() else chars


def record_relpath(complaint_id: str) -> str:
    return f"complaints/20{complaint_id[:2]}/{complaint_id[2:4]}/{complaint_id}.yaml"


def target_for(records: int) -> float | None:
    """The target ratio for a registry of this size (None below 10,000 records)."""
    return next((ratio for fewest, ratio in TARGETS if records >= fewest), None)


def summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


# --- generating the registry ------------------------------------------------------


def registry_dir(cache: Path, records: int) -> Path:
    return cache / f"registry-{records}"


def manifest_path(cache: Path, records: int) -> Path:
    return cache / f"registry-{records}.json"


def load_cached(cache: Path, records: int) -> dict[str, Any] | None:
    path = manifest_path(cache, records)
    root = registry_dir(cache, records)
    if not path.is_file() or not (root / ".git").is_dir():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != CACHE_FORMAT or manifest.get("records") != records:
        return None
    return manifest


def make_template(root: Path, cmplt: Path) -> tuple[str, str]:
    """A real record made by cmplt (new, dispatch, accept); its ID and received date."""
    start = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    start -= timedelta(days=40)  # 10:00 in Asia/Shanghai, well in the past
    steps = iter(range(100))

    def cm(*args: str) -> str:
        at = start + timedelta(minutes=5 * next(steps))
        return run([cmplt, *args], root, clean_env({"CMPLT_NOW": at.isoformat()})).stdout

    cm("init", ".")
    for index, (name, role, department) in enumerate(ROSTER):
        args = ["staff", "add", name, "--role", role]
        if department:
            args += ["--department", department]
        if index:
            args += ["--by", MANAGER]
        cm(*args)
    template_id = cm("new", "--by", CLERK, *INTAKE).splitlines()[0].strip()
    cm("dispatch", template_id, "--by", MANAGER, "--to", "工程部")
    cm("accept", template_id, "--by", ENGINEER)
    received = (start + timedelta(hours=8)).date().isoformat()  # the policy zone is +08:00
    return template_id, received


def generate(cache: Path, records: int, cmplt: Path, seed: int) -> dict[str, Any]:
    root = registry_dir(cache, records)
    if root.exists():
        shutil.rmtree(root)
    manifest_path(cache, records).unlink(missing_ok=True)
    root.mkdir(parents=True)
    timings: dict[str, float] = {}
    # a repository-local identity, so that no machine setting is needed or used
    git(root, "init", "--quiet")
    git(root, "config", "user.name", "cmplt benchmark")
    git(root, "config", "user.email", "benchmark@example.invalid")

    started = time.perf_counter()
    template_id, template_day = make_template(root, cmplt)
    timings["template"] = time.perf_counter() - started
    template = (root / record_relpath(template_id)).read_text(encoding="utf-8")
    if template_id not in template or f"'{template_day}T" not in template:
        raise SystemExit(f"the template record does not look as expected:\n{template}")

    started = time.perf_counter()
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    first = today - timedelta(days=730)  # 24 months, ending two days ago
    span = 728
    seen = {template_id}
    ids: list[str] = []
    event_line = re.compile(r"^(  - id: )[0-9A-Z]{8}$", re.MULTILINE)
    made_dirs: set[Path] = set()
    while len(ids) < records - 1:
        day = first + timedelta(days=rng.randrange(span))
        complaint_id = make_id(day, rng)
        if complaint_id in seen:
            continue
        seen.add(complaint_id)
        text = template.replace(template_id, complaint_id)
        text = text.replace(f"'{template_day}T", f"'{day.isoformat()}T")
        text = text.replace("unit: 3-1502", f"unit: {rng.randint(1, 30)}-{rng.randint(101, 3204)}")
        text = event_line.sub(lambda m: m.group(1) + yaml_id(rng), text)
        path = root / record_relpath(complaint_id)
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        ids.append(complaint_id)
    timings["write_files"] = time.perf_counter() - started

    timings["git_add"] = timed(lambda: git(root, "add", "-A"))
    timings["git_commit"] = timed(
        lambda: git(root, "-c", "gc.auto=0", "commit", "-q", "-m", f"benchmark: {records} records")
    )
    # a registry this size has been packed many times by git's own auto gc
    timings["git_gc"] = timed(lambda: git(root, "gc", "--quiet"))
    manifest: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "records": records,
        "seed": seed,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "template_id": template_id,
        "base": git(root, "rev-parse", "HEAD").strip(),
        "timings": timings,
        "ids": ids,
    }
    manifest_path(cache, records).write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


# --- measuring ---------------------------------------------------------------------


def reset_to_base(root: Path, base: str) -> None:
    """Undo earlier runs, so every run starts from the same registry."""
    head = git(root, "rev-parse", "HEAD").strip()
    dirty = git(root, "status", "--porcelain", "--untracked-files=no").strip()
    if head != base or dirty:
        git(root, "reset", "--quiet", "--hard", base)
    # Earlier runs leave loose objects; let no run's `git commit` start an auto gc
    # in the background of the measurement (cmplt's own commits do not run one).
    loose = git(root, "count-objects").split()[0]
    if int(loose) > 1000:
        git(root, "gc", "--quiet")
    git(root, "status", "--porcelain")  # refresh the index's stat data, warm the caches


def baseline_round(root: Path, complaint_id: str, label: str) -> dict[str, float]:
    """A person's edit to a record, committed with plain git: add, then commit."""
    rel = record_relpath(complaint_id)
    with open(root / rel, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(f"# {label}: 已电话回访, 客户确认按钮正常\n")
    add = timed(lambda: git(root, "add", "--", rel))
    commit = timed(lambda: git(root, "commit", "-q", "-m", f"{complaint_id}: note ({label})"))
    return {"total": add + commit, "add": add, "commit": commit}


def cmplt_args(complaint_id: str) -> list[str]:
    return ["resolve", complaint_id, "--by", ENGINEER, "--result", RESULT]


def cmplt_round(root: Path, cmplt: Path, complaint_id: str) -> float:
    return timed(lambda: run([cmplt, *cmplt_args(complaint_id)], root))


def instrumented_round(root: Path, python: str, complaint_id: str, out: Path) -> dict[str, Any]:
    """One `cmplt resolve` in the wrapper that times imports and each git call."""
    env = clean_env({"CMPLT_BENCH_OUT": str(out)})
    wall = timed(lambda: run([python, "-c", INSTRUMENTED, *cmplt_args(complaint_id)], root, env))
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    git_total = sum(seconds for _, seconds in data["git"])
    pieces: dict[str, float] = {
        "interpreter start and exit": wall - data["in_process"],
        "import cmplt.cli (click, the command table)": data["import_cli"],
        "import the step's modules (pydantic, models, ruamel, ...)": data["import_registry"],
    }
    counts: dict[str, int] = {}
    for name, _ in data["git"]:
        counts[name] = counts.get(name, 0) + 1
    for name, seconds in data["git"]:
        key = f"git {name}" + (f" (x{counts[name]})" if counts[name] > 1 else "")
        pieces[key] = pieces.get(key, 0.0) + seconds
    pieces["python work (read, validate, fold, dump, write)"] = data["main"] - git_total
    pieces["total (wrapper process)"] = wall
    return pieces


def interpreter_start(python: str, root: Path) -> float:
    return timed(lambda: run([python, "-c", "pass"], root))


def import_profile(python: str, root: Path, top: int = 10) -> list[tuple[str, float]]:
    """Import time of `cmplt resolve`'s modules by top-level package (python -X importtime).

    Each module's own ("self") time is charged to its top-level package, so
    that `pydantic` holds everything pydantic imports of itself, wherever it
    was first imported from.
    """
    done = run([python, "-X", "importtime", "-c", f"import {STEP_MODULES}"], root, clean_env())
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|", 2)
        package = name.strip().split(".")[0]
        found[package] = found.get(package, 0.0) + int(own.strip()) / 1e6
    ranked = sorted(found.items(), key=lambda item: -item[1])
    rest = sum(seconds for _, seconds in ranked[top:])
    return [*ranked[:top], ("(all others)", rest)]


def profile_in_process(root: Path, complaint_id: str, lines: int) -> str:
    """cProfile of one `cmplt resolve` through cmplt.cli.main, in this process."""
    from cmplt.cli import main

    profiler = cProfile.Profile()
    saved = {k: os.environ.pop(k) for k in SCRUBBED_ENV if k in os.environ}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            profiler.enable()
            code = main(["--registry", str(root), *cmplt_args(complaint_id)])
            profiler.disable()
    finally:
        os.environ.update(saved)
    if code != 0:
        raise SystemExit(f"cmplt resolve {complaint_id} failed in-process ({code})")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(lines)
    return stream.getvalue()


# --- reporting ----------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def print_report(result: dict[str, Any]) -> None:
    cfg = result["config"]
    gen = result["registry"]
    print(
        f"\ncmplt mutation benchmark: {cfg['records']:,} records, {cfg['rounds']} rounds "
        f"(+{cfg['warmup']} warm-up), {cfg['cpus']} CPUs, {cfg['git']}, Python {cfg['python']}"
    )
    how = "cached" if gen["cached"] else "generated now"
    print(f"registry: {gen['path']} ({how}; generation took {gen['generation_seconds']:.1f} s)")
    print(f"cmplt:    {cfg['cmplt']} (console script, run as a subprocess)")
    before, after = cfg["load_average"]
    print(f"load average (1 min) before/after: {before:.2f} / {after:.2f}\n")
    s = result["summary"]
    print(f"{'':44}{'median':>11}{'min':>11}{'max':>11}")
    rows = [
        ("baseline: git add + git commit", s["baseline"]),
        ("    git add <file>", s["baseline_add"]),
        ("    git commit -q -m", s["baseline_commit"]),
        ("cmplt resolve (console script)", s["cmplt"]),
    ]
    for label, stats in rows:
        print(f"{label:44}{ms(stats['median'])}{ms(stats['min'])}{ms(stats['max'])}")
    ratio = result["ratio"]
    target = result["target"]
    verdict = "" if target is None else f"   (target <= {target}: "
    verdict += "" if target is None else ("met)" if ratio <= target else "missed)")
    print(f"\nratio median(cmplt) / median(baseline) = {ratio:.2f}{verdict}")
    print("\nwhere cmplt's time goes (instrumented resolve, median of each piece):")
    for name, stats in s["pieces"].items():
        print(f"    {name:54}{ms(stats['median'])}")
    print(f"    {'(python -c pass, for comparison)':54}{ms(s['python_start']['median'])}")
    print(f"\nimport time of {STEP_MODULES} by package (python -X importtime, self):")
    for name, seconds in result["imports"]:
        print(f"    {name:54}{ms(seconds)}")
    if result.get("profile"):
        print("\ncProfile of one resolve, in-process (cmplt.cli.main):")
        print(result["profile"])


# --- main ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `cmplt resolve` against plain git add + commit, side by side."
    )
    parser.add_argument("--records", type=int, default=100_000, help="registry size N")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="where generated registries are kept"
    )
    parser.add_argument("--regenerate", action="store_true", help="ignore the cached registry")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--cmplt", help="the cmplt console script (default: found next to python)")
    parser.add_argument("--seed", type=int, default=20261128, help="random seed (IDs, choices)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="LINES", help="also cProfile one resolve"
    )
    args = parser.parse_args(argv)
    if args.records < 10 or args.rounds < 1:
        parser.error("--records must be at least 10 and --rounds at least 1")

    cmplt = find_cmplt(args.cmplt)
    python = script_python(cmplt)
    cache: Path = args.cache.absolute()
    cache.mkdir(parents=True, exist_ok=True)
    manifest = None if args.regenerate else load_cached(cache, args.records)
    cached = manifest is not None
    if manifest is None:
        print(f"generating a registry of {args.records:,} records in {cache} ...", flush=True)
        manifest = generate(cache, args.records, cmplt, args.seed)
    root = registry_dir(cache, args.records)
    reset_to_base(root, manifest["base"])

    load_before = os.getloadavg()[0]
    if load_before > 0.5 * (os.cpu_count() or 1):
        print(f"note: load average {load_before:.2f}; other work will add noise", flush=True)
    rounds = args.warmup + args.rounds
    needed = 3 * rounds + (1 if args.profile else 0)
    if needed > len(manifest["ids"]):
        parser.error(f"{rounds} rounds need {needed} records; use more --records")
    chosen = random.Random(args.seed + 1).sample(manifest["ids"], needed)
    out = cache / f"instrumented-{os.getpid()}.json"

    baseline: list[dict[str, float]] = []
    cmplt_times: list[float] = []
    pieces: list[dict[str, float]] = []
    starts: list[float] = []
    for index in range(rounds):
        base_id, cmplt_id, probe_id = chosen[3 * index : 3 * index + 3]
        label = f"round {index}"

        def do_baseline(base_id: str = base_id, label: str = label) -> dict[str, float]:
            return baseline_round(root, base_id, label)

        def do_cmplt(cmplt_id: str = cmplt_id) -> float:
            return cmplt_round(root, cmplt, cmplt_id)

        # alternate which goes first, so that neither always follows the other
        if index % 2 == 0:
            b, c = do_baseline(), do_cmplt()
        else:
            c, b = do_cmplt(), do_baseline()
        p = instrumented_round(root, python, probe_id, out)
        start = interpreter_start(python, root)
        warm = index < args.warmup
        print(
            f"{'warm-up' if warm else 'round'} {index - args.warmup + 1 if not warm else ''}: "
            f"baseline {b['total'] * 1000:.1f} ms, cmplt {c * 1000:.1f} ms",
            flush=True,
        )
        if not warm:
            baseline.append(b)
            cmplt_times.append(c)
            pieces.append(p)
            starts.append(start)

    names = list(dict.fromkeys(name for p in pieces for name in p))
    piece_summary = {n: summary([p.get(n, 0.0) for p in pieces]) for n in names}
    result: dict[str, Any] = {
        "config": {
            "records": args.records,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "cmplt": str(cmplt),
            "cmplt_python": python,
            "python": platform.python_version(),
            "git": run(["git", "--version"], root).stdout.strip(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        },
        "registry": {
            "path": str(root),
            "cached": cached,
            "generation_seconds": sum(manifest["timings"].values()),
            "generation": manifest["timings"],
            "base": manifest["base"],
        },
        "summary": {
            "baseline": summary([b["total"] for b in baseline]),
            "baseline_add": summary([b["add"] for b in baseline]),
            "baseline_commit": summary([b["commit"] for b in baseline]),
            "cmplt": summary(cmplt_times),
            "pieces": piece_summary,
            "python_start": summary(starts),
        },
        "rounds": [
            {"baseline": b, "cmplt": c, "pieces": p}
            for b, c, p in zip(baseline, cmplt_times, pieces, strict=True)
        ],
        "imports": import_profile(python, root),
    }
    result["ratio"] = result["summary"]["cmplt"]["median"] / result["summary"]["baseline"]["median"]
    result["target"] = target_for(args.records)
    if args.profile:
        result["profile"] = profile_in_process(root, chosen[-1], args.profile)
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"\nresults written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
