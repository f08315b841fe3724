"""`cmplt clone` and `cmplt sync`: a team's clones of one registry, kept together by git.

Each person works in their own clone; `sync` brings the others' steps in and sends
their own out: fetch, merge (records through cmplt's merge driver, merging.py),
validate what the merge changed, push; when the push is refused because someone
pushed meanwhile, fetch and merge again, a bounded number of times. It never
forces a push and never rewrites a commit already made.

Two clones may receive two complaints under one ID (the same random part on the
same day: CMPLT_SEED, or one chance in a billion). Before merging, a complaint this
clone added that the remote also added under the same path, with a different
receipt, is renamed here (it is not pushed yet, so no one else knows its ID): new
ID, file moved, its references rewritten, one commit with `Action: rename` that
`audit` accepts. The old ID keeps resolving for this clone's user through a map
kept in `.git/` (statefiles.RENAMED).

A sync that fails leaves the clone as it was: HEAD, index and work tree (a rename
and a merge made on the way are undone); the remote-tracking branch alone keeps
what was fetched.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cmplt import gitlog, ids, statefiles
from cmplt.errors import (
    NOTHING_TO_SYNC,
    SYNCED,
    DirtyRecord,
    NeedsPerson,
    NotFound,
    RemoteUnreachable,
    UsageError,
)
from cmplt.i18n import _, ngettext

# how many times a push refused because the remote moved meanwhile is tried again
PUSH_ATTEMPTS = 5

# store's names for the registry's files, here without importing store: its models
# cost a sync that brings in a fast-forward a third of its time (benchmarks/sync.py);
# store is imported only to rename or validate (tests/test_sync.py holds them equal)
POLICY_FILE, ROSTER_FILE, RECORDS_DIR = "cmplt.yaml", "staff.yaml", "complaints"


def find_root(option: str | None, cwd: Path) -> Path | None:
    """The registry `--registry` names or the nearest one upward (as store.find_registry
    finds it), or None for the caller to say why there is none."""
    if option:
        return Path(option) if (Path(option) / POLICY_FILE).is_file() else None
    here = cwd.resolve()
    return next((f for f in (here, *here.parents) if (f / POLICY_FILE).is_file()), None)


def step_interrupted(root: Path) -> bool:
    """An interrupted step's journal is in `.git/`: the registry must be opened (which
    settles it) before anything else."""
    file = statefiles.path(gitlog.find_worktree(root.resolve()), statefiles.STEP_JOURNAL)
    return file is not None and file.exists()


Say = Callable[[str], None]


# --- clone ---------------------------------------------------------------------------


def clone_registry(url: str, folder: Path) -> Path:
    """`git clone URL FOLDER`, refused (and nothing left behind) unless what it brought
    is a registry: cmplt.yaml at the top of the repository. The caller configures it."""
    folder = folder.absolute()
    local = Path(url.removeprefix("file://")).expanduser()
    if (local / ".git").exists():
        # a person's working folder: git refuses a push to its checked-out branch,
        # so every clone's sync would fail; the team's remote is a bare repository
        raise UsageError(
            _(
                "{url} is a working folder (it holds .git), not a remote: make one with "
                "git clone --bare {url} {url}.git and clone that"
            ).format(url=url)
        )
    existed = folder.exists()
    if existed and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(_("{folder} exists and is not an empty folder").format(folder=folder))
    if not folder.parent.is_dir():
        raise UsageError(_("{folder}: no such folder").format(folder=folder.parent))
    try:
        gitlog.clone_repository(url, folder)
        if not (folder / POLICY_FILE).is_file():
            raise NotFound(
                _("{url} is not a cmplt registry: no {file} at its top").format(
                    url=url, file=POLICY_FILE
                )
            )
    except gitlog.RemoteFailed as exc:
        _leave_nothing(folder, existed)
        raise RemoteUnreachable(
            _("could not clone {url}: {detail}").format(url=url, detail=exc.detail)
        ) from None
    except BaseException:
        _leave_nothing(folder, existed)
        raise
    return folder


def _leave_nothing(folder: Path, existed: bool) -> None:
    if not existed:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():  # it was empty: empty again
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


# --- the map of renamed IDs ------------------------------------------------------------


def renamed_ids(worktree: Path | None) -> dict[str, str]:
    """{old ID: new ID} of the complaints sync renamed in this clone."""
    file = statefiles.path(worktree, statefiles.RENAMED)
    if file is None:
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): str(v)
        for k, v in data.items()
        if ids.COMPLAINT_ID.match(str(k)) and ids.COMPLAINT_ID.match(str(v))
    }


def _remember(worktree: Path, renames: Sequence[Rename]) -> None:
    file = statefiles.path(worktree, statefiles.RENAMED)
    if file is None or not renames:
        return
    known = renamed_ids(worktree)
    for rename in renames:
        known[rename.old] = rename.new
    data = json.dumps(known, indent=1, sort_keys=True) + "\n"
    statefiles.write(file, data.encode("utf-8"), durable=True)


# --- sync ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rename:
    old: str
    new: str


@dataclass(frozen=True)
class _Where:
    worktree: Path
    prefix: str  # the registry's folder in the work tree: "" or "sub/dir/"
    remote: str
    branch: str  # the remote's branch


def _where(root: Path, remote: str | None) -> _Where:
    worktree = gitlog.find_worktree(root.resolve())
    if worktree is None:
        raise UsageError(_("{root} is not in a git repository").format(root=root))
    prefix = root.resolve().relative_to(worktree.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    found = gitlog.tracking(worktree)
    if found.branch is None:
        raise UsageError(_("HEAD is not on a branch; sync works on one (git switch BRANCH)"))
    upstream = found.upstream
    if remote is None:
        remote, wanted = upstream if upstream is not None else ("origin", found.branch)
    else:
        wanted = upstream[1] if upstream is not None and upstream[0] == remote else found.branch
    if remote not in found.remotes:
        raise UsageError(
            _("no remote {remote} in this clone (git remote add {remote} URL)").format(
                remote=remote
            )
        )
    return _Where(worktree, prefix, remote, wanted)


def sync(root: Path, remote: str | None, say: Say, now: datetime, seed: str | None = None) -> int:
    """Sync the clone holding the registry `root` with `remote` (default: the branch's
    upstream, else origin) at `now` (the merge and rename commits are dated then):
    SYNCED or NOTHING_TO_SYNC; or RemoteUnreachable, NeedsPerson, DirtyRecord,
    UsageError with the clone as it was. `say` hears one line per thing done."""
    from cmplt.lock import registry_lock

    where = _where(root, remote)
    worktree = where.worktree
    if gitlog.merge_in_progress(worktree):
        raise NeedsPerson(
            _(
                "a merge or rebase is in progress in this clone: finish it or abort it "
                "(git merge --abort) before sync"
            )
        )
    with registry_lock(statefiles.required_path(worktree, statefiles.LOCK)):
        dirty = gitlog.uncommitted_changes(worktree, "")
        if dirty:
            shown = ", ".join(dirty[:3]) + (" …" if len(dirty) > 3 else "")
            raise DirtyRecord(
                _(
                    "uncommitted changes in {files}: commit or discard them before sync "
                    "(git status)"
                ).format(files=shown)
            )
        start = gitlog.head_commit(worktree)
        if start is None:
            raise UsageError(_("this clone has no commit yet"))
        try:
            outcome, renames = _sync_rounds(root, where, start, say, now, seed)
        except BaseException:
            gitlog.restore_head(worktree, start)
            raise
    _remember(worktree, renames)
    return outcome


def _sync_rounds(
    root: Path, where: _Where, start: str, say: Say, now: datetime, seed: str | None
) -> tuple[int, list[Rename]]:
    worktree, remote = where.worktree, where.remote
    shown_remote = f"{remote}/{where.branch}"
    renames: list[Rename] = []
    theirs = _fetch(where)
    for attempt in range(PUSH_ATTEMPTS):
        head = start if attempt == 0 else gitlog.head_commit(worktree)
        assert head is not None
        incoming, outgoing = gitlog.divergence(worktree, head, theirs)
        if attempt == 0 and incoming == 0 and outgoing == 0:
            say(_("nothing to do: {remote} and this clone have the same steps").format(
                remote=shown_remote))  # fmt: skip
            return NOTHING_TO_SYNC, renames
        ahead = outgoing
        if incoming:
            say(
                ngettext(
                    "fetched {count} commit from {remote}",
                    "fetched {count} commits from {remote}",
                    incoming,
                ).format(count=incoming, remote=shown_remote)
            )
            assert theirs is not None
            ours = head
            if outgoing:
                renamed = _rename_collisions(root, where, head, theirs, say, now, seed)
                if renamed:
                    renames += renamed
                    ours = gitlog.head_commit(worktree) or head
                ahead += len(renamed) + 1  # the renames and the merge commit
            _merge(root, where, ours, theirs, outgoing > 0, say, now)
            _validate_changes(root, where, head, merged=outgoing > 0)
        if ahead == 0:
            return SYNCED, renames
        try:
            refused = gitlog.push_branch(worktree, remote, where.branch)
        except gitlog.RemoteFailed as exc:
            raise RemoteUnreachable(
                _(
                    "could not push to {remote}: {detail}; nothing was changed (check the "
                    "network, or the remote's address: git remote -v)"
                ).format(remote=remote, detail=exc.detail)
            ) from None
        if refused is None:
            say(
                ngettext(
                    "pushed {count} commit to {remote}",
                    "pushed {count} commits to {remote}",
                    ahead,
                ).format(count=ahead, remote=shown_remote)
            )
            return SYNCED, renames
        after = _fetch(where)
        if after == theirs:
            # the remote has not moved: it refuses the push itself (a hook, a
            # protected branch), and trying again would not help
            raise NeedsPerson(
                _(
                    "{remote} refused the push ({why}); nothing was changed here: ask "
                    "whoever runs the remote"
                ).format(remote=shown_remote, why=refused)
            )
        say(_("{remote} moved while pushing ({why}): merging again").format(
            remote=shown_remote, why=refused))  # fmt: skip
        theirs = after
    raise NeedsPerson(
        _(
            "{remote} kept moving: {count} pushes refused; nothing was changed here, "
            "run cmplt sync again"
        ).format(remote=shown_remote, count=PUSH_ATTEMPTS)
    )


def _fetch(where: _Where) -> str | None:
    """Fetch the remote's branch: its commit (None: the remote has no such branch yet)."""
    try:
        return gitlog.fetch_branch(where.worktree, where.remote, where.branch)
    except gitlog.RemoteFailed as exc:
        raise RemoteUnreachable(
            _(
                "could not reach {remote}: {detail}; nothing was changed (check the network, "
                "or the remote's address: git remote -v)"
            ).format(remote=where.remote, detail=exc.detail)
        ) from None


def _merge(
    root: Path, where: _Where, head: str, theirs: str, has_own: bool, say: Say, now: datetime
) -> None:
    """Merge the remote's branch into HEAD (a fast-forward when HEAD has nothing of
    its own): a merge commit with the trailer `Action: sync`, which `audit` tells from
    a hand-made merge by it."""
    shown = f"{where.remote}/{where.branch}"
    # the history's words are not translated: every clone reads the same commits
    message = gitlog.commit_message(
        f"Sync with {shown}", trailers={"Action": "sync", "Remote": shown}
    )
    with tempfile.TemporaryDirectory(prefix="cmplt-sync-") as folder:
        driver = _merged_beforehand(root, where, head, theirs, Path(folder)) if has_own else None
        merged, why = gitlog.merge_commit(
            where.worktree, theirs, message, now, own=has_own, driver=driver
        )
    if not merged:
        raise NeedsPerson(
            _(
                "the merge with {remote} needs a person ({files}); nothing was changed here: "
                "merge it by hand (git pull, then fix the files and commit) or ask a supervisor"
            ).format(remote=shown, files=why)
        )
    if has_own:
        say(_("merged {remote}").format(remote=shown))
    else:
        say(_("fast-forwarded to {remote}").format(remote=shown))


def _merged_beforehand(
    root: Path, where: _Where, head: str, theirs: str, folder: Path
) -> str | None:
    """The records both sides changed, merged here in one process (merging.py, what
    the driver does) into `folder`; the driver command that hands git those results,
    and runs the real driver for any other file. None when there is nothing to merge
    so. Git starts the driver once per file, and each start imports the record models
    again: 0.25 s a record (benchmarks/sync.py). A record the driver cannot merge
    needs a person, said here with its reason."""
    import shlex
    import sys

    worktree, prefix = where.worktree, where.prefix
    bases = gitlog.merge_bases(worktree, head, theirs)
    if len(bases) != 1:
        return None  # git merges several bases into one of its own first
    records = f"{prefix}{RECORDS_DIR}/"
    ours = gitlog.changed_blobs(worktree, bases[0], head, records)
    other = gitlog.changed_blobs(worktree, bases[0], theirs, records)
    both = [
        path
        for path, blob in ours.items()
        if blob is not None
        and other.get(path, blob) not in (None, blob)
        and ids.COMPLAINT_ID.match(Path(path).stem)
    ]
    if not both:
        return None
    from cmplt import store
    from cmplt.errors import CmpltError
    from cmplt.merging import merge_record
    from cmplt.policy import Policy

    policy = store.validate_document(
        Policy, store.read_data(root / POLICY_FILE, POLICY_FILE), POLICY_FILE
    )
    base_raw = gitlog.blobs_at(worktree, bases[0], both)
    ours_raw = gitlog.blobs_at(worktree, head, both)
    theirs_raw = gitlog.blobs_at(worktree, theirs, both)
    for path, o, a, b in zip(both, base_raw, ours_raw, theirs_raw, strict=True):
        assert a is not None and b is not None
        try:
            merged = merge_record(o, a, b, path, policy)
        except CmpltError as exc:  # what the driver would leave to a person
            raise NeedsPerson(
                _(
                    "the merge with {remote} needs a person ({files}); nothing was changed "
                    "here: merge it by hand (git pull, then fix the files and commit) or ask "
                    "a supervisor"
                ).format(remote=f"{where.remote}/{where.branch}", files=f"{path}: {exc.message}")
            ) from None
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(merged)
    # git puts %P in single quotes; the other placeholders are file names of its own
    real = gitlog.merge_driver_command(sys.executable)
    ready = f"{shlex.quote(str(folder))}/%P"
    return f'f={ready}; if [ -f "$f" ]; then cat "$f" > %A; else {real}; fi'


def _registry_file(relpath: str) -> bool:
    folders = (f"{RECORDS_DIR}/", "improvements/")
    return relpath in (POLICY_FILE, ROSTER_FILE) or (
        relpath.startswith(folders) and relpath.endswith((".yaml", ".yml"))
    )


def _validate_changes(root: Path, where: _Where, before: str, merged: bool) -> None:
    """Validate what the merge wrote: the records it merged (changed on both sides, so
    their merged text is new), and the policy and roster when it changed them (every
    record is read under them). A file taken whole from one side is as that side
    committed it: refusing it would stop every clone's sync over one person's pushed
    mistake, which `validate` and `audit` report in any case (README: Teams and sites).
    Validating every file the merge brought in costs 1.7 ms a file, eight times a plain
    `git pull` at 1,000 files (benchmarks/README.md, Issue 13)."""
    worktree, prefix = where.worktree, where.prefix
    incoming = gitlog.changed_files(worktree, before, "HEAD", prefix)
    settings = {prefix + POLICY_FILE, prefix + ROSTER_FILE}
    chosen = [p for p in incoming if p in settings]
    if merged:
        # a file the merge took from the remote unchanged differs from our side only
        theirs = set(gitlog.changed_files(worktree, "HEAD^2", "HEAD", prefix))
        chosen += [p for p in incoming if p in theirs and p not in settings]
    paths = [
        worktree / path
        for path in chosen
        if _registry_file(path[len(prefix) :]) and (worktree / path).is_file()
    ]
    if not paths:
        return
    from cmplt.validate import run_validate  # its models cost a fast-forward 0.13 s

    outcome = run_validate(paths, root, root)
    if outcome.problems:
        first = outcome.problems[0]
        raise NeedsPerson(
            _(
                "the merged registry does not validate ({problem}); nothing was changed here: "
                "ask a supervisor to settle it"
            ).format(problem=first.text())
        )


# --- IDs never collide -----------------------------------------------------------------


def _rename_collisions(
    root: Path, where: _Where, head: str, theirs: str, say: Say, now: datetime, seed: str | None
) -> list[Rename]:
    """Complaints both sides added under one path with different receipts: this
    clone's (not pushed yet) gets a new ID, one commit each."""
    worktree = where.worktree
    base = gitlog.merge_base(worktree, head, theirs)
    if base is None:
        raise NeedsPerson(
            _("this clone and {remote} share no history: they are not clones of one registry")
            .format(remote=where.remote)
        )  # fmt: skip
    records = f"{where.prefix}{RECORDS_DIR}/"
    ours_added = gitlog.changed_files(worktree, base, head, records, added_only=True)
    if not ours_added:
        return []
    theirs_added = set(gitlog.changed_files(worktree, base, theirs, records, added_only=True))
    both = [p for p in ours_added if p in theirs_added and ids.COMPLAINT_ID.match(Path(p).stem)]
    if not both:
        return []
    ours_raw = gitlog.blobs_at(worktree, head, both)
    theirs_raw = gitlog.blobs_at(worktree, theirs, both)
    renames: list[Rename] = []
    for path, mine, other in zip(both, ours_raw, theirs_raw, strict=True):
        if mine == other:
            continue
        first = gitlog.added_version(worktree, base, head, path)
        if first is not None and first == gitlog.added_version(worktree, base, theirs, path):
            continue  # one receipt (one `cmplt new`) on both sides: the driver joins its events
        old = Path(path).stem
        new = _free_id(root, worktree, theirs, where.prefix, old, seed)
        _rename(root, where, base, old, new, now)
        say(_("renamed {old} to {new}: {old} was taken on the remote").format(old=old, new=new))
        renames.append(Rename(old, new))
    return renames


def _record_relpath(complaint_id: str) -> str:
    return f"{RECORDS_DIR}/20{complaint_id[:2]}/{complaint_id[2:4]}/{complaint_id}.yaml"


def _free_id(
    root: Path, worktree: Path, theirs: str, prefix: str, old: str, seed: str | None
) -> str:
    """A new ID of the same day, used neither here nor on the remote."""
    for attempt in range(1000):
        random_part = ids.random_chars(ids.ID_RANDOM_CHARS, seed, f"rename {old} {attempt}")
        new = f"{old[:6]}-{random_part}"
        relpath = _record_relpath(new)
        if new == old or (root / relpath).exists():
            continue
        if gitlog.blobs_at(worktree, theirs, [prefix + relpath])[0] is None:
            return new
    raise NeedsPerson(_("no free ID found to rename {id}").format(id=old))  # pragma: no cover


def _rename(root: Path, where: _Where, base: str, old: str, new: str, now: datetime) -> None:
    """Move the record OLD to NEW: its file, `id:`, its attachments and their paths,
    and the references to it (`repeat_of`, a duplicate's `duplicate_of`) in the records
    this clone changed since it last met the remote (no other record can name it).
    What it made is removed if it stops before its commit (the caller then puts the
    tracked files back)."""
    from cmplt import store
    from cmplt.attachments import ATTACHMENTS_DIR

    worktree, prefix = where.worktree, where.prefix
    old_rel, new_rel = store.record_relpath(old), store.record_relpath(new)
    old_files = root / ATTACHMENTS_DIR / f"20{old[:2]}" / old[2:4] / old
    new_files = old_files.parent / new
    doc = store.parse_document((root / old_rel).read_bytes(), old_rel)
    doc["id"] = new
    for event in doc["events"]:
        if event.get("action") == "attach" and isinstance(event.get("file"), str):
            event["file"] = event["file"].replace(f"/{old}/", f"/{new}/")
    touched = [old_rel, new_rel]
    try:
        store.write_atomic(root / new_rel, store.dump(doc))
        (root / old_rel).unlink()
        if old_files.is_dir():
            old_files.rename(new_files)
            touched += [
                old_files.relative_to(root).as_posix(),
                new_files.relative_to(root).as_posix(),
            ]
        touched += _rewrite_references(root, where, base, old, new, (old_rel, new_rel))
        message = gitlog.commit_message(
            f"{new}: renamed from {old}, an ID the remote had taken",
            trailers={"Complaint-Id": new, "Action": "rename", "Renamed-From": old},
        )
        gitlog.commit_all_of(worktree, [prefix + p for p in touched], message, now)
    except BaseException:
        if new_files.is_dir() and not old_files.exists():
            new_files.rename(old_files)
        (root / new_rel).unlink(missing_ok=True)
        raise


def _rewrite_references(
    root: Path, where: _Where, base: str, old: str, new: str, skip: tuple[str, str]
) -> list[str]:
    """`repeat_of: OLD` and `duplicate_of: OLD` made NEW in the records this clone
    changed since `base`; the files rewritten."""
    from cmplt import store

    prefix = where.prefix
    rewritten: list[str] = []
    for path in gitlog.changed_files(where.worktree, base, "HEAD", f"{prefix}{RECORDS_DIR}/"):
        rel = path[len(prefix) :]
        file = root / rel
        if rel in skip or not file.is_file():
            continue
        raw = file.read_bytes()
        if old.encode() not in raw:
            continue
        other = store.parse_document(raw, rel)
        if other.get("repeat_of") == old:
            other["repeat_of"] = new
        for event in other.get("events") or []:
            if event.get("duplicate_of") == old:
                event["duplicate_of"] = new
        if store.write_atomic(file, store.dump(other)):
            rewritten.append(rel)
    return rewritten
