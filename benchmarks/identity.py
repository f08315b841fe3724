"""What policy `identity` (names, git, signed) costs a step, and what `audit` pays to
verify signed steps.

    python benchmarks/identity.py --rounds 15 --audit-steps 100

For each of four registries made with the real CLI in a temporary folder — `names`
with no email on the roster, `names` with emails, `git`, `signed` (a real ed25519
key from ssh-keygen) — it times `cmplt note` end to end (median of the rounds)
and counts the git processes one step starts (GIT_TRACE). Then, in the `signed`
registry grown to N steps, it times a first `cmplt audit` (state file removed:
every commit's signature verified by git through ssh-keygen) and a repeated one.
It is a measurement, not a test; the machine's load moves the times, the process
counts do not move.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("names, no emails", "names, emails", "git", "signed")
INTAKE = (
    "--channel=phone", "--customer=王先生", "--unit=3-1502", "--phone=13800138000",
    "--severity=minor", "--nature=valid-1", "--subject=facilities", "--category=repair",
    "--summary=电梯按钮失灵",
)  # fmt: skip


class Bench:
    def __init__(self, base: Path) -> None:
        home = base / "home"
        home.mkdir()
        config = home / ".gitconfig"
        config.write_text(
            "[user]\n\tname = 张三\n\temail = zhang@wy.example\n[init]\n\tdefaultBranch = main\n",
            encoding="utf-8",
        )
        self.env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "CMPLT_LANG": "en",
        }
        self.cmplt = str(Path(sys.executable).parent / "cmplt")

    def run(self, cwd: Path, *args: str, extra: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [self.cmplt, *args],
            cwd=cwd,
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"cmplt {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def git(self, cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=self.env, check=True, capture_output=True)

    def registry(self, base: Path, mode: str, key: Path) -> tuple[Path, str]:
        root = base / mode.replace(",", "").replace(" ", "-")
        self.run(base, "init", str(root))
        self.run(root, "staff", "add", "张三", "--role", "manager")
        if mode != "names, no emails":
            self.run(root, "staff", "set", "张三", "--email", "zhang@wy.example",
                     "--signing-key", f"{key}.pub", "--by", "张三")  # fmt: skip
        if mode in ("git", "signed"):
            policy = root / "cmplt.yaml"
            text = policy.read_text(encoding="utf-8")
            policy.write_text(text.replace("identity: names", f"identity: {mode}"), "utf-8")
            self.git(root, "commit", "-qm", f"identity: {mode}", "cmplt.yaml")
        if mode == "signed":
            self.git(root, "config", "gpg.format", "ssh")
            self.git(root, "config", "user.signingkey", f"{key}.pub")
        complaint = self.run(root, "new", "--by", "张三", *INTAKE).split()[0]
        return root, complaint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed steps a mode")
    parser.add_argument("--audit-steps", type=int, default=100, help="signed steps audited")
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="cmplt-identity-"))
    try:
        bench = Bench(base)
        key = base / "key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        signed: tuple[Path, str] | None = None
        for mode in MODES:
            root, complaint = bench.registry(base, mode, key)
            times = []
            for index in range(options.rounds):
                start = time.perf_counter()
                bench.run(root, "note", complaint, "--by", "张三", "--text", f"n{index}")
                times.append(time.perf_counter() - start)
            trace = base / f"trace-{mode}"
            bench.run(root, "note", complaint, "--by", "张三", "--text", "traced",
                      extra={"GIT_TRACE": str(trace)})  # fmt: skip
            lines = trace.read_text(encoding="utf-8").splitlines()
            gits = sum(1 for line in lines if "trace: built-in: git" in line)
            print(f"{mode:18s} step median {statistics.median(times) * 1000:6.1f} ms, "
                  f"git processes {gits}")  # fmt: skip
            if mode == "signed":
                signed = (root, complaint)
        assert signed is not None
        root, complaint = signed
        for index in range(max(0, options.audit_steps - options.rounds - 2)):
            bench.run(root, "note", complaint, "--by", "张三", "--text", f"a{index}")
        (root / ".git" / "cmplt-audit.json").unlink(missing_ok=True)
        start = time.perf_counter()
        found = bench.run(root, "audit")
        first = time.perf_counter() - start
        start = time.perf_counter()
        bench.run(root, "audit")
        again = time.perf_counter() - start
        steps = options.audit_steps
        print(f"audit of {steps} signed steps: first {first:.2f} s "
              f"({first / steps * 1000:.1f} ms a step), repeated {again:.2f} s; "
              f"findings: {found.strip() or 'none'}")  # fmt: skip
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
