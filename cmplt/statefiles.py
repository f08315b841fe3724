"""Every file cmplt keeps under `.git/`, named in one place.

None of them is part of the registry: caches and remembered state that only
save time or remember what a cron run already said. Each may be missing,
stale or unwritable (a read-only checkout): a reader that cannot write one
works without it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from cmplt import gitlog
from cmplt.errors import CmpltError

LOCK = "cmplt.lock"  # the registry lock every step takes
STEP_JOURNAL = "cmplt-step.json"  # what a step in progress is changing (recovery.py)
CHECK_CACHE = "cmplt-check.cache"  # what each record contributes to `check`
REPORT_CACHE = "cmplt-report.cache"  # what each record contributes to `report`
SETTINGS_CACHE = "cmplt-settings.cache"  # the policy's and roster's data, by stamp
CHECK_SEEN = "cmplt-check-seen.json"  # what `check --new` reported last time
POLICY_VERSIONS = "cmplt-policy-history.json"  # the committed versions of cmplt.yaml
AUDIT_STATE = "cmplt-audit.json"  # what `audit` found in the commits it has read
REPEATS_CACHE = "cmplt-repeats.cache"  # each record's unit, phone and status (repeats.py)
RENAMED = "cmplt-renamed.json"  # {old ID: new ID} of the complaints sync renamed here


def path(worktree: Path | None, name: str) -> Path | None:
    """`.git/<name>` of the work tree (None outside git, or with no readable .git)."""
    if worktree is None:
        return None
    try:
        return gitlog.git_dir(worktree) / name
    except (CmpltError, OSError):
        return None


def required_path(worktree: Path, name: str) -> Path:
    """`.git/<name>` for what cannot do without it (the lock): a `.git` that is not
    a git directory is the person's to fix, said in one line (NotFound)."""
    return gitlog.git_dir(worktree) / name


def write(file: Path, data: bytes, durable: bool = False) -> bool:
    """Replace a state file atomically; False when it cannot be written (read-only)."""
    from cmplt.store import write_bytes_atomic

    with contextlib.suppress(OSError):
        write_bytes_atomic(file, data, durable=durable)
        return True
    return False
