"""Time `cmplt audit` against `git log -p` over the same history, side by side.

    python benchmarks/audit.py --commits 100000 --rounds 3
    python benchmarks/audit.py --commits 10000            # a quick run

The script builds (once, then caches by N) a registry whose history has N commits
of complaint steps on top of `cmplt init` and a roster made with the real CLI.
The N commits are written with `git fast-import`: each appends one event to one
record, exactly as cmplt writes it (the derived fields updated, the subject
`<id>: <action> …`, the trailers Complaint-Id/Action/Actor, the acting person as
author, dated when the step was recorded). A few hundred complaints are handled
at a time, each through received, respond, dispatch (by the manager, approved),
accept, resolve, callbacks by the director and the manager, and close, so N
commits make about N/8 records. Then `git gc`.

Then it measures, in each round, in rotating order:

* (a) `git log -p -- complaints/`, output to /dev/null;
* (b) the first audit: `.git/cmplt-audit.json` removed, then `cmplt audit`;
* (c) the repeated audit: `cmplt audit` again, no new commits.

The figures are median(b) / median(a) (target at most 3) and median(c) /
median(b) (target under 0.1), from the same run. It is a measurement, not a
test: nothing fails when a target is missed. The first audit must find nothing
(the generated history is clean); the script stops if it does.

`cmplt audit` is run as `python -c …` that registers the command if cmplt.cli
does not yet, then calls cmplt.cli.main, like the console script. After the
rounds, one more first audit runs in-process with its pieces timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mutation import CROCKFORD, DEFAULT_CACHE, clean_env, find_cmplt, git, run, summary

CACHE_FORMAT = 2  # 2: issue 11's controls (approved dispatch, two callbacks)
RATIO_TARGET = 3.0
REPEAT_TARGET = 0.1
TZ = timezone(timedelta(hours=8))  # Asia/Shanghai, the policy's default
SETUP_AT = datetime(2024, 1, 1, 8, 0, tzinfo=TZ)
FIRST_STEP_AT = datetime(2024, 1, 2, 9, 0, tzinfo=TZ)
ACTIVE = 300  # complaints being handled at once
CLERK, ENGINEER, SUPERVISOR = "张三", "李工", "王主管"
MANAGER, DIRECTOR = "赵经理", "钱主任"
# The manager first: under issue 11's default policy the first person adds themself,
# every later `staff add` is `--by` a manager or above.
ROSTER = (
    (MANAGER, "manager", None),
    (CLERK, "clerk", "客服中心"),
    (ENGINEER, "staff", "工程部"),
    (SUPERVISOR, "supervisor", None),
    (DIRECTOR, "director", None),
)

# (action, who, the event's own fields, status after, subject words)
LIFE: Sequence[tuple[str, str, Sequence[tuple[str, str]], str, str]] = (
    (
        "received",
        CLERK,
        (("nature", "valid-1"), ("severity", "minor"), ("subject", "facilities"),
         ("category", "repair")),
        "open",
        "",
    ),
    ("respond", CLERK, (("note", "已登记，工程部今天上门"),), "open", "已登记，工程部今天上门"),
    # 规程 4.3.1 (issue 11): the work order of a valid complaint goes out approved by a
    # cs_supervisor or a manager; dispatched by the manager, it carries the approval
    ("dispatch", MANAGER,
     (("department", "工程部"), ("approved_by", MANAGER), ("approver_role", "manager")),
     "dispatched", "to 工程部"),
    ("accept", ENGINEER, (("department", "工程部"),), "in_progress", "by 工程部"),
    ("resolve", ENGINEER, (("result", "更换按钮面板"),), "resolved", "更换按钮面板"),
    # 回访制度 4: a valid complaint is called back by the director and the manager before
    # it may be closed (issue 11: `close` is refused until both have)
    ("callback", DIRECTOR, (("satisfaction", "satisfied"), ("role", "director")),
     "called_back", "satisfied (director)"),
    ("callback", MANAGER, (("satisfaction", "satisfied"), ("role", "manager")),
     "called_back", "satisfied (manager)"),
    ("close", CLERK, (), "closed", ""),
)  # fmt: skip

# `cmplt ARGS` as the console script runs it, with audit/log registered if cmplt.cli
# does not register them yet.
CMPLT = (
    "import sys\n"
    "from cmplt.cli import cli, main\n"
    "from cmplt.cli.trust import COMMANDS\n"
    "for c in COMMANDS:\n"
    "    if c.name not in cli.commands: cli.add_command(c)\n"
    "sys.exit(main(sys.argv[1:]))\n"
)

# One first audit in-process, each piece timed: git's part by wrapping the gitlog
# functions run_audit calls, then the blobs streamed again without being read.
PIECES = r"""
import json, sys, time
from pathlib import Path
from cmplt import audit, gitlog
spent = {}
def timed(name, func):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
    return wrapper
history_commits = gitlog.history_commits
gitlog.commit_ids = timed("git rev-list (every commit in the range)", gitlog.commit_ids)
gitlog.commit_times = timed("git log --no-walk --format=%H %ct (parents)", gitlog.commit_times)
gitlog.history_commits = timed(
    "git log --raw (and diff-tree for merges), parsed", gitlog.history_commits)
audit.blob_order = timed("blob_order", audit.blob_order)
audit.audit_commits = timed(
    "audit_commits: stream blobs (cat-file --batch) + read versions + checks",
    audit.audit_commits)
root = Path.cwd()
state = root / ".git" / "cmplt-audit.json"
state.unlink(missing_ok=True)
start = time.perf_counter()
result = audit.run_audit(root, root, None, state)
spent["run_audit (total)"] = time.perf_counter() - start
commits = history_commits(root, "complaints/")
order = [b for c in commits for ch in c.changes for b in (ch.old, ch.new) if b]
order = list(dict.fromkeys(order))
start = time.perf_counter()
size = 0
with gitlog.BlobStream(root, order) as blobs:
    for blob in blobs:
        size += len(blob or b"")
spent["alone: stream every blob (cat-file --batch), no reading"] = time.perf_counter() - start
print(json.dumps({"spent": spent, "findings": len(result.findings), "blobs": len(order),
                  "blob_bytes": size}))
"""


# --- generating the history -----------------------------------------------------------------


@dataclass
class Complaint:
    id: str
    received: str
    unit: str
    step: int = 0
    events: list[str] = field(default_factory=list)


def event_id(rng: random.Random) -> str:
    text = "".join(rng.choice(CROCKFORD) for _ in range(8))
    # ruamel quotes what YAML would read as a number; so do we
    return f"'{text}'" if re.fullmatch(r"[0-9_.]*(?:[eE][-+]?[0-9]+)?", text) else text


def record_text(c: Complaint, status: str, owner: str, department: str | None) -> str:
    lines = [
        f"# 投诉记录 {c.id}, written by cmplt. The events are the history;",
        "# status, owner, department and the classification follow from them.",
        f"id: {c.id}",
        f"status: {status}",
        f"owner: {owner}",
        *([f"department: {department}"] if department else []),
        f"received_at: '{c.received}'",
        "channel: phone",
        "customer: 王先生",
        f"unit: {c.unit}",
        "phone: '13800138000'",
        "summary: 电梯按钮失灵",
        "nature: valid-1",
        "severity: minor",
        "subject: facilities",
        "category: repair",
        "urgent: false",
        "economic_loss: false",
        "events:",
    ]
    return "\n".join(lines) + "\n" + "".join(c.events)


def steps(commits: int, seed: int) -> Iterator[tuple[Complaint, int, datetime]]:
    """(complaint, step index, when) for each commit: a few hundred complaints at a time."""
    rng = random.Random(seed)
    active: list[Complaint] = []
    taken: set[str] = set()
    at = FIRST_STEP_AT
    for _ in range(commits):
        at += timedelta(seconds=rng.randint(30, 300))
        if len(active) < ACTIVE:
            while True:
                cid = at.strftime("%y%m%d-") + "".join(rng.choice(CROCKFORD) for _ in range(6))
                if cid not in taken:
                    break
            taken.add(cid)
            unit = f"{rng.randint(1, 30)}-{rng.randint(101, 3204)}"
            complaint = Complaint(cid, at.isoformat(), unit)
            active.append(complaint)
        else:
            complaint = active[rng.randrange(len(active))]
        yield complaint, complaint.step, at
        complaint.step += 1
        if complaint.step == len(LIFE):
            active.remove(complaint)


def fast_import_stream(commits: int, base: str, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed + 1)
    first = True
    for complaint, index, at in steps(commits, seed):
        action, by, fields, status, words = LIFE[index]
        stamp = at.isoformat()
        lines = [
            f"  - id: {event_id(rng)}",
            f"    action: {action}",
            f"    at: '{stamp}'",
            f"    recorded_at: '{stamp}'",
            f"    by: {by}",
            *(f"    {k}: {v}" for k, v in fields),
        ]
        complaint.events.append("\n".join(lines) + "\n")
        department = "工程部" if index >= 2 else None
        text = record_text(complaint, status, CLERK, department).encode()
        if action == "received":
            words = f"{complaint.unit} 电梯按钮失灵"
        subject = f"{complaint.id}: {action} {words}".rstrip()
        message = (
            f"{subject}\n\nComplaint-Id: {complaint.id}\nAction: {action}\nActor: {by}\n"
        ).encode()
        when = f"{int(at.timestamp())} +0800"
        path = f"complaints/20{complaint.id[:2]}/{complaint.id[2:4]}/{complaint.id}.yaml"
        head = (
            f"commit refs/heads/main\nauthor {by} <> {when}\ncommitter {by} <> {when}\n"
            f"data {len(message)}\n"
        ).encode()
        parent = f"from {base}\n".encode() if first else b""
        first = False
        yield (
            head
            + message
            + parent
            + f"M 100644 inline {path}\ndata {len(text)}\n".encode()
            + text
            + b"\n"
        )


def generate(cache: Path, commits: int, cmplt: Path, seed: int) -> dict[str, Any]:
    root = cache / f"audit-{commits}"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    timings: dict[str, float] = {}
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "cmplt benchmark")
    git(root, "config", "user.email", "benchmark@example.invalid")
    started = time.perf_counter()
    env = clean_env({"CMPLT_NOW": SETUP_AT.isoformat()})
    run([cmplt, "init", "."], root, env)
    for index, (name, role, department) in enumerate(ROSTER):
        extra = ["--department", department] if department else []
        if index:
            extra += ["--by", MANAGER]
        run([cmplt, "staff", "add", name, "--role", role, *extra], root, env)
    timings["cmplt init and roster"] = time.perf_counter() - started
    base = git(root, "rev-parse", "HEAD").strip()
    started = time.perf_counter()
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--force"],
        cwd=root,
        stdin=subprocess.PIPE,
        env=clean_env(),
    )
    assert importer.stdin is not None
    for chunk in fast_import_stream(commits, base, seed):
        importer.stdin.write(chunk)
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    timings["fast-import"] = time.perf_counter() - started
    timings["reset --hard"] = timed(lambda: git(root, "reset", "--quiet", "--hard", "main"))
    timings["gc"] = timed(lambda: git(root, "gc", "--quiet"))
    manifest = {
        "format": CACHE_FORMAT,
        "commits": commits,
        "seed": seed,
        "head": git(root, "rev-parse", "HEAD").strip(),
        "records": sum(1 for _ in (root / "complaints").rglob("*.yaml")),
        "timings": timings,
    }
    (cache / f"audit-{commits}.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def load_cached(cache: Path, commits: int) -> dict[str, Any] | None:
    path = cache / f"audit-{commits}.json"
    if not path.is_file() or not (cache / f"audit-{commits}" / ".git").is_dir():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != CACHE_FORMAT:
        return None
    return manifest


# --- measuring ---------------------------------------------------------------------------------


def timed(func: Any) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def git_log_p(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["git", "log", "-p", "--", "complaints/"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        env=clean_env(),
        check=True,
    )
    return time.perf_counter() - start


def cmplt_audit(root: Path, python: str, first: bool) -> float:
    if first:
        (root / ".git" / "cmplt-audit.json").unlink(missing_ok=True)
    start = time.perf_counter()
    done = subprocess.run(
        [python, "-c", CMPLT, "audit"],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(),
        check=False,
    )
    spent = time.perf_counter() - start
    if done.returncode != 0:
        shown = (done.stdout or done.stderr).splitlines()[:10]
        raise SystemExit(f"cmplt audit exited {done.returncode}:\n" + "\n".join(shown))
    return spent


def pieces(root: Path, python: str) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-c", PIECES],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(),
        check=True,
    )
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def measure(root: Path, python: str, rounds: int) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {"git_log_p": [], "first": [], "repeat": []}
    jobs = [
        ("git_log_p", lambda: git_log_p(root)),
        ("first", lambda: cmplt_audit(root, python, True)),
        ("repeat", lambda: cmplt_audit(root, python, False)),
    ]
    cmplt_audit(root, python, True)  # warm the page cache; leaves the state file
    for index in range(rounds):
        order = jobs[index % 3 :] + jobs[: index % 3]
        for name, job in order:
            spent = job()
            runs[name].append(spent)
            print(f"  round {index + 1}: {name:10} {spent:8.2f} s", flush=True)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--cmplt", help="the cmplt console script (for generating)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--no-pieces", action="store_true", help="skip the in-process split")
    args = parser.parse_args(argv)
    cmplt = find_cmplt(args.cmplt)
    python = sys.executable
    args.cache.mkdir(parents=True, exist_ok=True)
    manifest = None if args.regenerate else load_cached(args.cache, args.commits)
    if manifest is None:
        print(f"generating a history of {args.commits} commits …", flush=True)
        manifest = generate(args.cache, args.commits, cmplt, args.seed)
    root = args.cache / f"audit-{args.commits}"
    git(root, "reset", "--quiet", "--hard", manifest["head"])
    load_before = os.getloadavg()[0]
    print(
        f"history: {args.commits} commits, {manifest['records']} records; "
        f"generation {json.dumps({k: round(v, 1) for k, v in manifest['timings'].items()})}",
        flush=True,
    )
    runs = measure(root, python, args.rounds)
    split = None if args.no_pieces else pieces(root, python)
    load_after = os.getloadavg()[0]
    figures = {k: summary(v) for k, v in runs.items()}
    ratio = figures["first"]["median"] / figures["git_log_p"]["median"]
    repeat = figures["repeat"]["median"] / figures["first"]["median"]
    print()
    print(f"{'':34}{'median':>10}{'min':>10}{'max':>10}")
    for name, label in (
        ("git_log_p", "(a) git log -p -- complaints/"),
        ("first", "(b) cmplt audit, first"),
        ("repeat", "(c) cmplt audit, repeated"),
    ):
        f = figures[name]
        print(f"{label:34}{f['median']:10.2f}{f['min']:10.2f}{f['max']:10.2f}")
    print(f"\nfirst audit / git log -p: {ratio:.2f} (target <= {RATIO_TARGET})")
    print(f"repeated / first audit:   {repeat:.3f} (target < {REPEAT_TARGET})")
    if split is not None:
        print(f"\nfirst audit in-process ({split['blobs']} blobs, {split['blob_bytes']} bytes):")
        for name, spent in split["spent"].items():
            print(f"  {spent:8.2f} s  {name}")
    print(f"\nload average (1 min) before/after: {load_before:.2f} / {load_after:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "commits": args.commits,
                    "records": manifest["records"],
                    "rounds": runs,
                    "figures": figures,
                    "ratio_first_to_git_log_p": ratio,
                    "ratio_repeat_to_first": repeat,
                    "pieces": split,
                    "generation": manifest["timings"],
                    "machine": {
                        "python": platform.python_version(),
                        "git": git(root, "--version").strip(),
                        "cpus": os.cpu_count(),
                        "load": [load_before, load_after],
                    },
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
