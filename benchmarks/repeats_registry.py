"""A registry of N copies of one record, to time `cmplt new`'s repeat warning (repeats.py).

    python benchmarks/repeats_registry.py 10000      # writes ./reg (run it in a scratch folder)

then, in ./reg, time `cmplt new …` twice (the first reads every record; the next
ones read the cache `.git/cmplt-repeats.cache`) against a step that reads no other
record (`cmplt note`). Figures in benchmarks/README.md.
"""

from __future__ import annotations

import os, random, re, subprocess, sys
from pathlib import Path
N = int(sys.argv[1])
C = str(Path(sys.executable).with_name("cmplt"))
env = {**os.environ, "CMPLT_NOW": "2026-11-28T09:00:00+08:00", "CMPLT_LANG": "en"}
root = Path("reg")
subprocess.run([C, "init", str(root)], env=env, check=True, capture_output=True)
subprocess.run([C, "--registry", str(root), "staff", "add", "张三", "--role", "manager", "--department", "客服中心"], env=env, check=True, capture_output=True)
out = subprocess.run([C, "--registry", str(root), "new", "--by", "张三", "--channel", "phone", "--customer", "王", "--unit", "3-1502", "--phone", "13800138000", "--severity", "minor", "--nature", "request", "--subject", "quality", "--category", "repair", "--summary", "x"], env=env, check=True, capture_output=True, text=True).stdout.split()[0]
src = root / f"complaints/2026/11/{out}.yaml"
text = src.read_text()
rng = random.Random(1)
A = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
for i in range(N):
    cid = f"2611{rng.randint(1,27):02d}-" + "".join(rng.choice(A) for _ in range(6))
    t = text.replace(out, cid).replace("3-1502", f"{i%12+1}-{i%3000:04d}").replace("13800138000", f"139{i:08d}")
    p = root / f"complaints/2026/11/{cid}.yaml"
    p.write_text(t)
subprocess.run(["git", "add", "-A"], cwd=root, check=True)
subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "gen"], cwd=root, check=True)
