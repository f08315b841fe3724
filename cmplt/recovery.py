"""What an interrupted step leaves, and how the next command settles it.

Before a step touches a file it writes a journal under `.git/`
(`statefiles.STEP_JOURNAL`): HEAD as it was, and for each file the digest of
its bytes before and after. The step clears the journal when it is done. A
journal left behind while no one holds the registry lock means the step was
stopped (a kill, a power cut) somewhere between the two, and says exactly
what cmplt had in hand:

- HEAD is as it was: the step never reached its commit point. Each file that
  holds the step's new bytes is put back as HEAD has it (a new record is
  removed): rolled back, as if never typed.
- HEAD is one commit further, whose parent is the journal's HEAD and whose
  files are the step's new bytes: the step was committed. Its index entries
  are brought up to date: finished.
- Anything else (a file edited since, HEAD moved on by hand): not provable,
  so nothing is touched; `cmplt repair` shows it and settles it when asked.

In every provable case the step's stray temporary files are removed, and so
are git's ref lock files (`HEAD.lock`, the branch's) dated within the step's
life once no live git can hold them (a kill of the step's process group takes
a `git update-ref` with it). `index.lock` is never removed on its own: a
person's `git commit` holds it while its editor is open; `cmplt repair`
offers to, asking first. A hand edit is never taken for a step: only bytes
whose digest the journal names are ever replaced.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from cmplt import gitlog, statefiles
from cmplt.errors import CmpltError
from cmplt.i18n import _

# a git lock file this old, made while the interrupted step ran, is its own
# (git holds a lock for milliseconds); a younger one is waited for
STALE_GIT_LOCK_SECONDS = 5.0


def digest(data: bytes | None) -> str | None:
    return sha256(data).hexdigest() if data is not None else None


@dataclass(frozen=True)
class Journal:
    head: str | None  # HEAD when the step began
    files: Mapping[str, tuple[str | None, str]]  # git path: (digest before or None, after)
    started: float  # POSIX time
    what: str  # the step's commit subject, for people

    def to_bytes(self) -> bytes:
        data = {
            "head": self.head,
            "files": {path: list(pair) for path, pair in self.files.items()},
            "started": self.started,
            "what": self.what,
        }
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> Journal:
        data = json.loads(raw)
        files = {str(p): (pair[0], str(pair[1])) for p, pair in dict(data["files"]).items()}
        head = data["head"]
        return cls(str(head) if head else None, files, float(data["started"]), str(data["what"]))


def begin(worktree: Path, journal: Journal) -> bool:
    """Write the journal, on disk, before the step touches anything; False when it
    cannot be written (a full disk: the step must not go on without it)."""
    file = statefiles.path(worktree, statefiles.STEP_JOURNAL)
    return file is not None and statefiles.write(file, journal.to_bytes(), durable=True)


def end(worktree: Path) -> None:
    file = statefiles.path(worktree, statefiles.STEP_JOURNAL)
    if file is not None:
        file.unlink(missing_ok=True)


def pending(worktree: Path | None) -> Journal | None:
    """The journal an interrupted step left, if any. One that cannot be read says
    nothing of what the step did: it comes back empty, for a person to look at."""
    file = statefiles.path(worktree, statefiles.STEP_JOURNAL)
    if file is None:
        return None
    try:
        raw = file.read_bytes()
    except OSError:
        return None
    try:
        return Journal.from_bytes(raw)
    except (ValueError, KeyError, TypeError, IndexError):
        return Journal(None, {}, file.stat().st_mtime, "?")


@dataclass
class Settlement:
    """What settling an interrupted step does (or would do)."""

    kind: str  # "rolled back", "finished" or "unsettled"
    why: str  # for people: what was found
    restore: dict[str, bytes | None] = field(default_factory=dict)  # path: bytes (None: remove)
    index: list[str] = field(default_factory=list)  # paths whose index entry to update
    commit: str | None = None
    litter: list[Path] = field(default_factory=list)  # stray temporary and git ref locks
    suspects: list[Path] = field(default_factory=list)  # index.lock: removed only when asked
    applied: bool = False


def plan(worktree: Path, journal: Journal) -> Settlement:
    """Decide, reading only: roll back, finish, or leave to a person."""
    # a kill of cmplt alone leaves its git child running: let it finish first
    _wait_for_live_git(worktree, journal)
    head = gitlog.head_commit(worktree)
    paths = list(journal.files)
    now_bytes = {p: _read(worktree / p) for p in paths}
    litter, suspects = _litter(worktree, journal)
    if not paths:
        return Settlement(
            "unsettled",
            _("an empty or unreadable step journal"),
            litter=litter,
            suspects=suspects,
        )
    if head == journal.head:
        # not committed: every file must hold the step's bytes or the old ones
        restore: dict[str, bytes | None] = {}
        old_files = (
            [f[1] if f else None for f in gitlog.committed_files(worktree, head, paths)[1]]
            if head
            else [None for _ in paths]
        )
        for path, old in zip(paths, old_files, strict=True):
            before, after = journal.files[path]
            current = digest(now_bytes[path])
            if current == before:
                continue
            if current != after or digest(old) != before:
                return Settlement(
                    "unsettled",
                    _("{path} was changed after the step stopped").format(path=path),
                    litter=litter,
                    suspects=suspects,
                )
            restore[path] = old
        return Settlement(
            "rolled back",
            _("the step {what} stopped before its commit").format(what=journal.what),
            restore=restore,
            litter=litter,
            suspects=suspects,
        )
    if head is not None:
        parents, files = gitlog.committed_files(worktree, head, paths)
        ours = parents == ([journal.head] if journal.head else []) and all(
            f is not None and digest(f[1]) == journal.files[p][1]
            for p, f in zip(paths, files, strict=True)
        )
        if ours:
            if any(digest(now_bytes[p]) != journal.files[p][1] for p in paths):
                return Settlement(
                    "unsettled",
                    _("a file of the committed step {what} was changed since").format(
                        what=journal.what
                    ),
                    litter=litter,
                    suspects=suspects,
                )
            entries = gitlog.index_entries(worktree, paths)
            behind = [p for p, f in zip(paths, files, strict=True) if f and entries.get(p) != f[0]]
            return Settlement(
                "finished",
                _("the step {what} was committed as {commit}").format(
                    what=journal.what, commit=head[:10]
                ),
                index=behind,
                commit=head,
                litter=litter,
                suspects=suspects,
            )
    return Settlement(
        "unsettled",
        _("HEAD moved after the step {what} stopped").format(what=journal.what),
        litter=litter,
        suspects=suspects,
    )


def carry_out(worktree: Path, settlement: Settlement, asked: bool = False) -> None:
    """Do what `plan` decided (never for "unsettled"), then forget the journal.
    `asked`: a person agreed (`cmplt repair`), so index.lock may go too."""
    from cmplt import store

    if settlement.kind == "unsettled":
        raise CmpltError(settlement.why)
    settlement.applied = True
    if asked:
        for suspect in settlement.suspects:
            _remove(suspect)
    for path, data in settlement.restore.items():
        target = worktree / path
        if data is None:
            target.unlink(missing_ok=True)
        else:
            store.write_bytes_atomic(target, data, 0o644)
    for litter in settlement.litter:
        _remove(litter)
    if settlement.index and settlement.commit:
        gitlog.update_index(worktree, settlement.index, settlement.commit)
    end(worktree)


def forget(worktree: Path, settlement: Settlement) -> None:
    """A person's choice for what could not be proved: drop the journal and the
    step's leftover files (index.lock too: they were asked); the record files stay
    as they are."""
    settlement.applied = True
    for litter in [*settlement.litter, *settlement.suspects]:
        _remove(litter)
    end(worktree)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _litter(worktree: Path, journal: Journal) -> tuple[list[Path], list[Path]]:
    """The step's own temporary files and git's ref locks made while it ran; and
    an index.lock of that time, which may as well be a person's (see above)."""
    found: list[Path] = []
    for path in journal.files:
        folder = (worktree / path).parent
        name = Path(path).name
        found.extend(sorted(folder.glob(f".{name}.*.tmp")))
    git_dir = gitlog.git_dir(worktree)
    locks = [p for p in (git_dir / "HEAD.lock", *_ref_locks(git_dir)) if _of_the_step(p, journal)]
    index_lock = git_dir / "index.lock"
    suspects = [index_lock] if _of_the_step(index_lock, journal) else []
    return found + locks, suspects


def _of_the_step(lock: Path, journal: Journal) -> bool:
    try:
        made = lock.stat().st_mtime
    except OSError:
        return False
    return journal.started - 1 <= made <= journal.started + STEP_SECONDS


def _wait_for_live_git(worktree: Path, journal: Journal) -> None:
    """Until no git command of the step can still be running: its ref locks gone,
    or older than a live git would keep them."""
    git_dir = gitlog.git_dir(worktree)
    deadline = time.time() + STALE_GIT_LOCK_SECONDS
    while time.time() < deadline:
        young = [
            p
            for p in (git_dir / "HEAD.lock", *_ref_locks(git_dir))
            if _of_the_step(p, journal) and _age(p) < STALE_GIT_LOCK_SECONDS
        ]
        if not young:
            return
        time.sleep(0.05)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")  # gone: as good as stale


# a step, from its journal to its last git call, takes well under this
STEP_SECONDS = 60.0


def _remove(litter: Path) -> None:
    """Remove a leftover file; a git lock file only once it is stale (a git command
    that still runs lets go of its lock within milliseconds)."""
    if not litter.name.endswith(".lock"):
        litter.unlink(missing_ok=True)
        return
    while True:
        try:
            age = time.time() - litter.stat().st_mtime
        except OSError:
            return  # let go of: it was a live git's after all
        if age >= STALE_GIT_LOCK_SECONDS:
            litter.unlink(missing_ok=True)
            return
        time.sleep(min(0.05, STALE_GIT_LOCK_SECONDS - age))


def _ref_locks(git_dir: Path) -> list[Path]:
    """The lock of the branch HEAD names (in the common git directory of a linked
    work tree, where refs live)."""
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return []
    if not head.startswith("ref:"):
        return []
    common = git_dir
    with contextlib.suppress(OSError):
        pointer = (git_dir / "commondir").read_text(encoding="utf-8").strip()
        common = (git_dir / pointer).resolve()
    return [common / (head.removeprefix("ref:").strip() + ".lock")]
