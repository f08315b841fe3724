"""A registry of N copies of one record, to time `cmplt new`'s repeat warning (repeats.py).

    python benchmarks/repeats_registry.py 10000      # writes ./reg (run it in a scratch folder)

then, in ./reg, time `cmplt new …` twice (the first reads every record; the next
ones read the cache `.git/cmplt-repeats.cache`) against a step that reads no other
record (`cmplt note`). Figures in benchmarks/README.md.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

CMPLT = str(Path(sys.executable).with_name("cmplt"))
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
INTAKE = {
    "--channel": "phone",
    "--customer": "王",
    "--unit": "3-1502",
    "--phone": "13800138000",
    "--severity": "minor",
    "--nature": "request",
    "--subject": "quality",
    "--category": "repair",
    "--summary": "x",
}


def cmplt(root: Path, *args: str) -> str:
    env = {**os.environ, "CMPLT_NOW": "2026-11-28T09:00:00+08:00", "CMPLT_LANG": "en"}
    done = subprocess.run(
        [CMPLT, "--registry", str(root), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def main(count: int) -> None:
    root = Path("reg")
    subprocess.run([CMPLT, "init", str(root)], check=True, capture_output=True)
    cmplt(root, "staff", "add", "张三", "--role", "manager", "--department", "客服中心")
    intake = [part for pair in INTAKE.items() for part in pair]
    first = cmplt(root, "new", "--by", "张三", *intake).split()[0]
    text = (root / f"complaints/2026/11/{first}.yaml").read_text(encoding="utf-8")
    rng = random.Random(1)
    for i in range(count):
        cid = f"2611{rng.randint(1, 27):02d}-" + "".join(rng.choice(ALPHABET) for _ in range(6))
        copy = text.replace(first, cid).replace("3-1502", f"{i % 12 + 1}-{i % 3000:04d}")
        copy = copy.replace("13800138000", f"139{i:08d}")
        (root / f"complaints/2026/11/{cid}.yaml").write_text(copy, encoding="utf-8")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "copies"], cwd=root, check=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
