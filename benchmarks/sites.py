"""Time `cmplt check` across many sites: one registry alone, then the same as N sites.

    python benchmarks/sites.py --records 10000 --sites 2 --rounds 8

The registry is `check.py`'s (made once and cached by N); each site is a copy of
it (its own folder and `.git/`, so its own caches). Each round runs, in
alternating order, the repeated check (warm caches) of the first copy alone
(`cmplt --registry A check …`) and of all N (`cmplt --registry A --registry B …
check …`), with `--as-of` and `--format json --quiet` as `check.py` runs it.
The figure is the process time (user + system CPU of the command, from
`getrusage(RUSAGE_CHILDREN)`), which a busy machine inflates far less than the
wall clock. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from check import AS_OF, add_registry_options, ready_registry


def process_time(cmplt: Path, registries: Sequence[Path]) -> float:
    """Seconds of CPU one `check` across `registries` takes (with its children)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMPLT_")}
    sites = [arg for root in registries for arg in ("--registry", str(root))]
    args = [
        str(cmplt),
        *sites,
        "check",
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "json",
        "--quiet",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        args, env=env, capture_output=True, check=False, cwd=tempfile.gettempdir()
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"check failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time `cmplt check` of one site and of N.")
    add_registry_options(parser)
    parser.add_argument("--sites", type=int, default=2, help="how many sites (default 2)")
    args = parser.parse_args(argv)
    cmplt, root, _manifest, _cached = ready_registry(args)
    with tempfile.TemporaryDirectory(prefix="cmplt-sites-") as folder:
        copies = []
        for n in range(args.sites):
            copy = Path(folder) / f"site{n + 1}"
            shutil.copytree(root, copy, symlinks=True)
            copies.append(copy)
        one, every = copies[:1], copies
        for registries in (one, every, every):  # warm every site's caches
            process_time(cmplt, registries)
        alone: list[float] = []
        together: list[float] = []
        for n in range(args.rounds):
            order = [(one, alone), (every, together)]
            for registries, times in order if n % 2 == 0 else order[::-1]:
                times.append(process_time(cmplt, registries))
    print(f"cmplt check, repeated (caches warm), {args.records:,} records a site, "
          f"{args.rounds} rounds, process time (median):")  # fmt: skip
    print(f"  one site            {statistics.median(alone) * 1000:8.1f} ms")
    print(f"  {args.sites} sites{'':12}{statistics.median(together) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
