"""Time `cmplt sync` against plain `git pull --no-rebase` of the same changes (issue 13).

    python benchmarks/sync.py --records 1000 --rounds 5

The registry is `mutation.py`'s (N records, each received, dispatched and accepted;
cached by N under benchmarks/out). It is pushed to a bare remote and cloned twice
with `cmplt clone`: clone A adds a note to every record (prepared files, one commit:
the cost measured is the pulling side's) and pushes; then, in clone B, each round
measures in alternating order, B reset to its starting commit before every run
(the remote-tracking branch too, so that every fetch brings the commits again; the
objects are already in B after the first run, the same for both sides):

* (a) `git pull --no-rebase` and (b) `cmplt sync`, B with no changes of its own: a
  fast-forward;
* (c) `git pull --no-rebase && git push` and (d) `cmplt sync`, B with new complaints
  of its own (K files no one else changed): a real merge, no merge driver call,
  and a push (the remote reset to A's commit after every run);
* (e) `git pull --no-rebase && git push` and (f) `cmplt sync`, B with a note of its
  own on D of the records A changed too: git runs cmplt's merge driver once per
  such file; (f - d) / D is the driver's cost per file.

Targets: median(b) / median(a) and median(d) / median(c) at most 2. It is a
measurement, not a test. `--profile` runs one sync of (b) under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from mutation import (
    CROCKFORD,
    DEFAULT_CACHE,
    clean_env,
    find_cmplt,
    generate,
    git,
    load_cached,
    ms,
    record_relpath,
    registry_dir,
    run,
    summary,
    yaml_id,
)

TARGET = 2.0
TZ = timezone(timedelta(hours=8))


def note_event(rng: random.Random, at: datetime, text: str) -> str:
    event_id = yaml_id(rng)
    stamp = at.isoformat()
    return (
        f"  - id: {event_id}\n    action: note\n    at: '{stamp}'\n"
        f"    recorded_at: '{stamp}'\n    by: 张三\n    text: {text}\n"
    )


def add_notes(clone: Path, ids: Sequence[str], at: datetime, text: str, seed: int) -> None:
    rng = random.Random(seed)
    for complaint_id in ids:
        path = clone / record_relpath(complaint_id)
        with open(path, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(note_event(rng, at, text))


def commit(clone: Path, message: str) -> str:
    git(clone, "add", "-A")
    git(clone, "-c", "gc.auto=0", "commit", "-q", "--no-verify", "-m", message)
    return git(clone, "rev-parse", "HEAD").strip()


def new_complaints(clone: Path, template_id: str, count: int, seed: int) -> None:
    """`count` new complaint files, copies of the template under new IDs of its day."""
    rng = random.Random(seed)
    text = (clone / record_relpath(template_id)).read_text(encoding="utf-8")
    made = 0
    while made < count:
        new_id = template_id[:7] + "".join(rng.choice(CROCKFORD) for _ in range(6))
        path = clone / record_relpath(new_id)
        if path.exists():
            continue
        body = text.replace(template_id, new_id)
        lines = body.splitlines(keepends=True)
        for index, line in enumerate(lines):
            if line.startswith("  - id: "):
                lines[index] = "  - id: " + yaml_id(rng) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
        made += 1


class Team:
    """A bare remote and two clones made by `cmplt clone` from the cached registry."""

    def __init__(self, work: Path, source: Path, cmplt: Path) -> None:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        self.cmplt = cmplt
        self.remote = work / "remote.git"
        git(work, "clone", "--quiet", "--bare", str(source), str(self.remote))
        self.a, self.b = work / "a", work / "b"
        for clone in (self.a, self.b):
            run([cmplt, "clone", str(self.remote), str(clone)], work)
            git(clone, "config", "user.name", "cmplt benchmark")
            git(clone, "config", "user.email", "benchmark@example.invalid")
        self.branch = git(self.a, "symbolic-ref", "--short", "HEAD").strip()
        self.base = git(self.a, "rev-parse", "HEAD").strip()

    def reset(self, b_head: str, remote_head: str) -> None:
        git(self.b, "reset", "--quiet", "--hard", b_head)
        git(self.b, "update-ref", f"refs/remotes/origin/{self.branch}", self.base)
        git(self.remote, "update-ref", f"refs/heads/{self.branch}", remote_head)


def timed_run(args: Sequence[str | Path], cwd: Path, ok: Sequence[int] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=clean_env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, args))} exited {done.returncode}: {done.stderr}")
    return elapsed


def pull(team: Team, push: bool) -> float:
    started = time.perf_counter()
    timed_run(["git", "pull", "--quiet", "--no-rebase", "--no-edit"], team.b)
    if push:
        timed_run(["git", "push", "--quiet", "origin", "HEAD"], team.b)
    return time.perf_counter() - started


def sync(team: Team) -> float:
    return timed_run([team.cmplt, "sync"], team.b)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--own", type=int, default=10, help="B's new complaints (K)")
    parser.add_argument("--both", type=int, default=20, help="records both clones noted (D)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--cmplt")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    cmplt = find_cmplt(args.cmplt)
    manifest = load_cached(args.cache, args.records) or generate(
        args.cache, args.records, cmplt, args.seed
    )
    ids: list[str] = [manifest["template_id"], *manifest["ids"]]
    team = Team(args.cache / f"sync-{args.records}", registry_dir(args.cache, args.records), cmplt)

    # A: a note on every record, pushed
    now = datetime.now(TZ).replace(microsecond=0)
    add_notes(team.a, ids, now - timedelta(hours=2), "客户来电询问进度", args.seed)
    a_head = commit(team.a, f"a note on each of {len(ids)} records")
    git(team.a, "push", "--quiet", "origin", team.branch)
    # B's own work, prepared once on three starting points
    plain = team.base
    new_complaints(team.b, manifest["template_id"], args.own, args.seed + 1)
    own = commit(team.b, f"{args.own} new complaints")
    git(team.b, "reset", "--quiet", "--hard", plain)
    both_ids = random.Random(args.seed).sample(ids, args.both)
    add_notes(team.b, both_ids, now - timedelta(hours=1), "维修工已上门", args.seed + 2)
    both = commit(team.b, f"a note on {args.both} records A noted too")
    run([cmplt, "validate", "-q"], team.a)  # exits if A's notes do not validate

    cases: dict[str, list[float]] = {k: [] for k in "abcdef"}
    for number in range(args.rounds):
        order = [("a", "b"), ("c", "d"), ("e", "f")]
        for pull_key, sync_key in order:
            start = {"a": plain, "c": own, "e": both}[pull_key]
            push = pull_key != "a"
            pair = [(pull_key, lambda p=push: pull(team, p)), (sync_key, lambda: sync(team))]
            if number % 2:
                pair.reverse()
            for key, measure in pair:
                team.reset(start, a_head)
                cases[key].append(measure())
        print(f"round {number + 1}: " + ", ".join(f"{k} {ms(v[-1])}" for k, v in cases.items()))

    stats = {k: summary(v) for k, v in cases.items()}
    med = {k: s["median"] for k, s in stats.items()}
    print(f"\n{args.records} records changed on the remote; medians of {args.rounds} rounds")
    labels = {
        "a": "git pull (fast-forward)",
        "b": "cmplt sync (fast-forward)",
        "c": f"git pull + push ({args.own} own new records: a merge)",
        "d": f"cmplt sync ({args.own} own new records: a merge)",
        "e": f"git pull + push ({args.both} records changed on both sides: driver)",
        "f": f"cmplt sync ({args.both} records changed on both sides: driver)",
    }
    for key, label in labels.items():
        s = stats[key]
        print(f"  ({key}) {label:62} {ms(s['median'])} (min {ms(s['min'])}, max {ms(s['max'])})")
    print(f"  b/a = {med['b'] / med['a']:.2f} (target {TARGET})")
    print(f"  d/c = {med['d'] / med['c']:.2f} (target {TARGET})")
    print(f"  f/e = {med['f'] / med['e']:.2f}")
    print(f"  driver per file: (e - c) / {args.both} = {ms((med['e'] - med['c']) / args.both)}")
    print(f"  sync per file:   (f - d) / {args.both} = {ms((med['f'] - med['d']) / args.both)}")

    if args.profile:
        team.reset(plain, a_head)
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from cmplt.cli import main as cli_main

        profiler = cProfile.Profile()
        old = Path.cwd()
        os.chdir(team.b)
        try:
            profiler.runcall(cli_main, ["sync"])
        finally:
            os.chdir(old)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
