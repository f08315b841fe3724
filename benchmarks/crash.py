"""Kill steps at random moments; run writers beside a `git status` loop; count what
comes out inconsistent. The figure that matters is 0.

    python benchmarks/crash.py --kills 300 --writers 8 --steps 25
    python benchmarks/crash.py --kills 50 --writers 4 --steps 10     # a quick run

(1) **Random kills.** Each round starts one step (`cmplt note ID --text kN`) in
its own process group, waits a random moment within a step's usual length, and
kills the whole group with SIGKILL (git's own child processes too, as a closed
terminal or a power cut would). Then one reading command (`cmplt list`) runs,
as the next person's would. The round is consistent when afterwards: `git
status` is clean, no journal, temporary file or git lock file is left, the
record is what HEAD holds, the note is there exactly when HEAD's last commit
is the step's, and a step that printed its line is committed. Every 50 rounds
and at the end, `validate` and `audit` must find nothing.

(2) **Parallel writers.** W threads each run S steps (`cmplt note`, a unique
text each) on random records at once, while another thread runs `git status`
in a loop (what every shell prompt and editor does). Consistent when: every
step that exited 0 or 9 (committed, with a warning) is in the records exactly
once, no step that exited otherwise is, the index is clean after one more
command, and `validate` and `audit` find nothing.

A measurement, not a test: it prints the counts and exits 1 when anything was
inconsistent. `tests/test_crash.py` is the deterministic version (every point,
every git call).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CLERK = "张三"
ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "CMPLT_LANG": "en",
    "CMPLT_LOCK_WAIT": "120",
}


def cmplt_command() -> list[str]:
    return [sys.executable, "-m", "cmplt"]


def run(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*cmplt_command(), *args],
        cwd=root,
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and done.returncode not in (0, 1):
        raise SystemExit(f"cmplt {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def make_registry(folder: Path, records: int) -> tuple[Path, list[str]]:
    root = folder / "registry"
    run(folder, "init", str(root))
    run(root, "staff", "add", CLERK, "--role", "clerk")
    ids = []
    for i in range(records):
        done = run(
            root,
            "new",
            "--by",
            CLERK,
            "--channel",
            "phone",
            "--customer",
            f"业主{i}",
            "--unit",
            f"3-{1500 + i}",
            "--phone",
            "13800138000",
            "--severity",
            "minor",
            "--nature",
            "valid-1",
            "--subject",
            "facilities",
            "--category",
            "repair",
            "--summary",
            f"电梯按钮失灵 {i}",
        )
        ids.append(done.stdout.splitlines()[0])
    return root, ids


def leftovers(root: Path) -> list[str]:
    """What a settled registry must not hold."""
    found = []
    git_dir = root / ".git"
    if (git_dir / "cmplt-step.json").exists():
        found.append("journal")
    found += [str(p) for p in (root / "complaints").rglob(".*.tmp")]
    found += [str(p) for p in git_dir.rglob("*.lock") if p.name != "cmplt.lock"]
    status = git(root, "status", "--porcelain", "--untracked-files=all")
    if status:
        found.append(f"git status: {status.strip()}")
    return found


def record_path(root: Path, cid: str) -> Path:
    return root / "complaints" / f"20{cid[:2]}" / cid[2:4] / f"{cid}.yaml"


def random_kills(root: Path, ids: list[str], rounds: int, rng: random.Random) -> dict[str, Any]:
    counts = {
        "rounds": rounds,
        "committed": 0,
        "absent": 0,
        "journal_left": 0,
        "git_locks_left": 0,
        "inconsistent": 0,
    }
    problems: list[str] = []
    # a step's usual length, measured once: kills land anywhere within it
    started = time.perf_counter()
    run(root, "note", ids[0], "--by", CLERK, "--text", "warm-up")
    span = time.perf_counter() - started
    for i in range(rounds):
        cid = rng.choice(ids)
        text = f"k{i}"
        head = git(root, "rev-parse", "HEAD").strip()
        step = subprocess.Popen(
            [*cmplt_command(), "note", cid, "--by", CLERK, "--text", text],
            cwd=root,
            env={**os.environ, **ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.0, span * 1.2))
        with contextlib.suppress(ProcessLookupError):  # it may have finished already
            os.killpg(step.pid, signal.SIGKILL)
        out, _err = step.communicate()
        # what the kill left for the next command to settle
        git_dir = root / ".git"
        counts["journal_left"] += (git_dir / "cmplt-step.json").exists()
        counts["git_locks_left"] += any(p.name != "cmplt.lock" for p in git_dir.rglob("*.lock"))
        settled = run(root, "list", "--format", "json", check=False)
        wrong = []
        if settled.returncode != 0:
            wrong.append(f"list exited {settled.returncode}: {settled.stderr.strip()}")
        wrong += leftovers(root)
        now_head = git(root, "rev-parse", "HEAD").strip()
        data = record_path(root, cid).read_bytes()
        rel = record_path(root, cid).relative_to(root).as_posix()
        if (
            data
            != subprocess.run(
                ["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True, check=True
            ).stdout
        ):
            wrong.append("record differs from HEAD")
        present = f"text: {text}\n" in data.decode()
        if now_head == head:
            counts["absent"] += 1
            if present:
                wrong.append("note present without a commit")
        else:
            counts["committed"] += 1
            parent = git(root, "rev-parse", "HEAD~1").strip()
            if parent != head or not present:
                wrong.append("HEAD moved but not by this step")
        if cid in out and not present:
            wrong.append("the step printed its line but is not committed")
        if (i + 1) % 50 == 0 or i + 1 == rounds:
            for command in ("validate", "audit"):
                done = run(root, command, check=False)
                if done.returncode != 0:
                    wrong.append(f"{command}: {done.stdout.strip() or done.stderr.strip()}")
        if wrong:
            counts["inconsistent"] += 1
            problems.append(f"round {i}: " + "; ".join(wrong))
            print(problems[-1], flush=True)
    return {**counts, "step_seconds": round(span, 3), "problems": problems[:20]}


def parallel_writers(
    root: Path, ids: list[str], writers: int, steps: int, rng: random.Random
) -> dict[str, Any]:
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    status_runs = [0]

    def status_loop() -> None:
        while not stop.is_set():
            subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
            status_runs[0] += 1

    def writer(w: int, seed: int) -> None:
        local = random.Random(seed)
        for k in range(steps):
            cid = local.choice(ids)
            text = f"w{w}-{k}"
            done = run(root, "note", cid, "--by", CLERK, "--text", text, check=False)
            with lock:
                results.append((text, done.returncode, done.stderr.strip()))

    watcher = threading.Thread(target=status_loop)
    watcher.start()
    started = time.perf_counter()
    threads = [
        threading.Thread(target=writer, args=(w, rng.randrange(1 << 30))) for w in range(writers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    run(root, "list", check=False)  # the next command settles anything left
    everything = "".join(
        p.read_text(encoding="utf-8") for p in (root / "complaints").rglob("*.yaml")
    )
    codes: dict[int, int] = {}
    wrong = []
    for text, code, err in results:
        codes[code] = codes.get(code, 0) + 1
        times = everything.count(f"text: {text}\n")
        should = 1 if code in (0, 9) else 0
        if times != should:
            wrong.append(f"{text}: exit {code} ({err}) but present {times} times")
    wrong += leftovers(root)
    for command in ("validate", "audit"):
        done = run(root, command, check=False)
        if done.returncode != 0:
            wrong.append(f"{command}: {done.stdout.strip() or done.stderr.strip()}")
    return {
        "writers": writers,
        "steps": writers * steps,
        "exit_codes": {str(k): v for k, v in sorted(codes.items())},
        "git_status_runs": status_runs[0],
        "seconds": round(elapsed, 1),
        "inconsistent": len(wrong),
        "problems": wrong[:20],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=300, help="random-kill rounds")
    parser.add_argument("--writers", type=int, default=8, help="parallel writers")
    parser.add_argument("--steps", type=int, default=25, help="steps per writer")
    parser.add_argument("--records", type=int, default=20, help="records in the registry")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="cmplt-crash-"))
    try:
        env_home = folder / "home"
        env_home.mkdir()
        os.environ["HOME"] = str(env_home)
        os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
        os.environ.pop("CMPLT_NOW", None)
        root, ids = make_registry(folder, args.records)
        print(f"registry: {len(ids)} records in {root}", flush=True)
        kills = random_kills(root, ids, args.kills, rng)
        print(
            f"random kills: {kills['rounds']} rounds (a step takes {kills['step_seconds']} s): "
            f"{kills['committed']} committed, {kills['absent']} rolled back or never begun; "
            f"left a journal {kills['journal_left']} times, a git lock file "
            f"{kills['git_locks_left']} times; {kills['inconsistent']} inconsistent",
            flush=True,
        )
        writers = parallel_writers(root, ids, args.writers, args.steps, rng)
        print(
            f"parallel writers: {writers['steps']} steps by {writers['writers']} writers in "
            f"{writers['seconds']} s beside {writers['git_status_runs']} git status runs; "
            f"exit codes {writers['exit_codes']}; {writers['inconsistent']} inconsistent",
            flush=True,
        )
        for problem in writers["problems"]:
            print("  " + problem)
        result = {"random_kills": kills, "parallel_writers": writers, "seed": args.seed}
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
        return 1 if kills["inconsistent"] or writers["inconsistent"] else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
