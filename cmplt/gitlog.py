"""Every git call cmplt makes, and the pure functions that shape its commits.

The write path calls the git command directly rather than through
GitPython: importing GitPython costs about 0.1 s on every command, a third
of what a whole commit may cost (see benchmarks/), and its index API
rewrites the whole index (3.1 s against 0.34 s at 100,000 records).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cmplt import faults
from cmplt.errors import DirtyRecord, GitFailed, IndexBehind, NotFound
from cmplt.i18n import N_, _
from cmplt.lock import signals_deferred


@dataclass(frozen=True)
class Identity:
    name: str
    email: str = ""

    def git_form(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class GitUser:
    """Who git says is typing in this clone, and the key it would sign with."""

    name: str
    email: str
    signing_key: str | None  # user.signingkey as configured (a path, or `key::…`)
    gpg_format: str  # gpg.format: openpgp (git's default), ssh, x509

    def git_form(self) -> str:
        """`Name <email>` as git writes an identity (angle brackets and line breaks
        out of the name, as git drops them; no name: the email stands for it)."""
        name = " ".join(re.sub(r"[<>]", "", self.name).split()) or self.email
        return f"{name} <{self.email}>"


# what `git_user` reads, in one `git config` process
_USER_KEYS = re.compile(
    r"^(user\.(name|email|signingkey)|committer\.(name|email)|gpg\.format)$", re.IGNORECASE
)


def git_user(worktree: Path) -> GitUser:
    """The committer identity as git resolves it in this clone (GIT_COMMITTER_* in the
    environment, then committer.* and user.* in git's configuration, then EMAIL), and
    its signing settings: one `git config` call (a step's start-up is measured)."""
    done = _run(
        worktree,
        ["config", "-z", "--get-regexp", r"^(user|committer|gpg)\.(name|email|signingkey|format)$"],
        check=False,
    )
    if done.returncode > 1:  # 1: none of them set
        raise _failed("config", done)
    found: dict[str, str] = {}
    for item in done.stdout.split("\0"):
        key, _sep, value = item.partition("\n")
        if _USER_KEYS.match(key):
            found[key.lower()] = value  # the last one git reads wins, as in git
    env = os.environ
    name = env.get("GIT_COMMITTER_NAME") or found.get("committer.name") or found.get("user.name")
    email = (
        env.get("GIT_COMMITTER_EMAIL")
        or found.get("committer.email")
        or found.get("user.email")
        or env.get("EMAIL")
    )
    return GitUser(
        (name or "").strip(),
        (email or "").strip(),
        found.get("user.signingkey") or None,
        (found.get("gpg.format") or "openpgp").lower(),
    )


# --- pure: commit messages ----------------------------------------------------


def commit_message(subject: str, body: str = "", trailers: Mapping[str, str] | None = None) -> str:
    """Subject, optional body, then `Key: value` trailers that `git interpret-trailers` reads."""
    subject = " ".join(subject.split())
    if len(subject) > 100:
        subject = subject[:99] + "…"
    parts = [subject]
    if body.strip():
        parts.append(body.strip())
    if trailers:
        parts.append("\n".join(f"{k}: {' '.join(str(v).split())}" for k, v in trailers.items()))
    return "\n\n".join(parts) + "\n"


def parse_trailers(message: str) -> dict[str, str]:
    """The trailers of the last paragraph of a message (what commit_message wrote)."""
    paragraphs = message.strip().split("\n\n")
    if len(paragraphs) < 2:  # a subject alone is never trailers, even "word: text"
        return {}
    found: dict[str, str] = {}
    for line in paragraphs[-1].splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            return {}
        found[key] = value.strip()
    return found


# --- the repository ---------------------------------------------------------------


def find_worktree(start: Path) -> Path | None:
    """The top of the git work tree holding `start`, found without running git."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def git_dir(worktree: Path) -> Path:
    """`.git`, or the folder a `.git` file (worktree, submodule) points to."""
    dot = worktree / ".git"
    if dot.is_dir():
        return dot
    text = dot.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir:"):
        raise NotFound(_("{path}: not a git directory").format(path=dot))
    target = Path(text.removeprefix("gitdir:").strip())
    target = target if target.is_absolute() else (worktree / target).resolve()
    if not target.is_dir():
        raise NotFound(_("{path}: not a git directory").format(path=dot))
    return target


def _run(
    worktree: Path,
    args: Sequence[str],
    *,
    input_text: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env.setdefault("GIT_TERMINAL_PROMPT", "0")
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=worktree,
            input=input_text,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=full_env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitFailed(_("git is not installed (cmplt needs the git command)")) from exc
    if check and result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        # git's own verdict is the "fatal:"/"error:" line; hints follow it
        verdicts = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        detail = (verdicts or lines or [f"exit {result.returncode}"])[0]
        raise GitFailed(_("git {command} failed: {detail}").format(command=args[0], detail=detail))
    return result


def init_repository(folder: Path) -> None:
    _run(folder, ["init", "--quiet"])


def _run_bytes(
    worktree: Path, args: Sequence[str], data: bytes, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        ["git", *args], cwd=worktree, input=data, capture_output=True, env=full_env, check=False
    )


def _objects(worktree: Path, specs: Sequence[str]) -> list[tuple[str, bytes] | None]:
    """(id, content) of each `rev:path` spec in one `git cat-file --batch`; None if missing."""
    done = _run_bytes(worktree, ["cat-file", "--batch"], "".join(f"{s}\n" for s in specs).encode())
    if done.returncode != 0:
        raise GitFailed(
            _("git {command} failed: {detail}").format(
                command="cat-file", detail=done.stderr.decode(errors="replace").strip()
            )
        )
    out, pos = done.stdout, 0
    found: list[tuple[str, bytes] | None] = []
    for _spec in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[-1] == b"missing":
            found.append(None)
            continue
        size = int(header[2])
        found.append((header[0].decode(), out[pos : pos + size]))
        pos += size + 1
    return found


def require_committed(worktree: Path, relpath: str, label: str) -> None:
    """The file must be as HEAD has it, in the work tree and in the index.

    Read from HEAD's tree and the index entry of this one path, so that the
    check costs the same in a repository of ten records or of 100,000 (a
    `git status` would look at every file).
    """
    # HEAD's blob and the index's (`:path`, stage 0) in one process
    head, index = _objects(worktree, [f"HEAD:{relpath}", f":{relpath}"])
    staged = index[0] if index else None
    path = worktree / relpath
    on_disk = path.read_bytes() if path.is_file() else None
    if head is None:
        clean = staged is None and on_disk is None
    else:
        clean = staged == head[0] and on_disk == head[1]
    if not clean:
        raise DirtyRecord(
            _(
                "{file} has uncommitted changes; commit or discard them first "
                "(git status -- {path})"
            ).format(file=label, path=relpath)
        )


FALLBACK = Identity("cmplt")


def _fallback_identity(worktree: Path, author: Identity | None) -> dict[str, str]:
    """Identities for a machine where git has none configured.

    A front-desk PC often has no `user.name`; refusing to record a complaint
    for that reason would help nobody. The committer becomes the acting
    person (or "cmplt" for init), and so does the author where none is given.
    """
    env: dict[str, str] = {}
    who = author or FALLBACK
    if author is None and _run(worktree, ["var", "GIT_AUTHOR_IDENT"], check=False).returncode:
        env.update({"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email})
    if _run(worktree, ["var", "GIT_COMMITTER_IDENT"], check=False).returncode:
        env.update({"GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email})
    return env


def commit_paths(
    worktree: Path,
    paths: Sequence[str],
    message: str,
    author: Identity | None,
    new_paths: Sequence[str] = (),
    when: datetime | None = None,
    on_committed: Callable[[str], None] | None = None,
    sign: bool = False,
) -> str:
    """Commit exactly `paths` as they are in the work tree; nothing else staged goes in.

    The commit is built from HEAD's trees with only these paths replaced
    (hash-object, new trees, commit-tree), then HEAD is moved (update-ref, the
    commit point: before it git holds only unreachable new objects, and the
    caller puts the files back on failure; after it the step is done), then
    just these paths are updated in the index.
    Neither a person's other staged or unstaged work nor the rest of the index
    is looked at: `git commit` would refresh every index entry, which at
    100,000 records costs more than everything else a step does.

    Signals wait from the commit point until the index has the new record;
    `on_committed(commit)` runs right after the commit point. If the index
    cannot be updated (another git command holds it for long), IndexBehind says
    so: the step is committed all the same.
    """
    _wait_for_index(worktree)
    env: dict[str, str] = {}
    if author is not None:
        env.update({"GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email})
    if when is not None:
        # the commit is dated when the step was recorded, the event's `recorded_at`
        stamp = when.isoformat()
        env.update({"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    blobs = _run(worktree, ["hash-object", "-w", "--", *paths]).stdout.split()
    built = _new_root_tree(worktree, dict(zip(paths, blobs, strict=True)))
    if built is None:
        return _first_commit(worktree, paths, message, author, env, on_committed)
    head, root = built
    commit = _commit_tree(worktree, root, head, message, author, env, sign)
    faults.reached("objects")
    subject = message.splitlines()[0]
    with signals_deferred():
        _run(worktree, ["update-ref", "-m", f"commit: {subject}", "HEAD", commit, head])
        faults.reached("update-ref")
        try:
            if on_committed is not None:
                on_committed(commit)  # may fail (a closed stdout): the index comes first
            faults.reached("announced")
        finally:
            update_index(worktree, paths, commit)
        faults.reached("update-index")
    # what `git commit` does after every commit: pack loose objects now and then
    _run(worktree, ["maintenance", "run", "--auto", "--quiet"], check=False)
    return commit


# how long a step waits for another git command (a `git status` in a shell
# prompt, an editor) to let go of the index
INDEX_WAIT_SECONDS = 5.0


def _wait_for_index(worktree: Path) -> None:
    deadline = time.monotonic() + INDEX_WAIT_SECONDS
    while index_lock_exists(worktree):
        if time.monotonic() >= deadline:
            raise GitFailed(
                _(
                    "git's index.lock exists: another git command is running, or one crashed "
                    "(remove .git/index.lock if no git process is running)"
                )
            )
        time.sleep(0.02)


def update_index(worktree: Path, paths: Sequence[str], commit: str) -> None:
    """Bring the index entries of `paths` up to the work tree (as `commit` has them),
    waiting while another git command holds the index."""
    deadline = time.monotonic() + INDEX_WAIT_SECONDS
    while True:
        done = _run(worktree, ["update-index", "--add", "--", *paths], check=False)
        if done.returncode == 0:
            return
        # another git command held index.lock (it may be gone by now): try again
        held = "index.lock" in done.stderr or index_lock_exists(worktree)
        if not held or time.monotonic() >= deadline:
            detail = (done.stderr.strip() or f"exit {done.returncode}").splitlines()[0]
            raise IndexBehind(
                _(
                    "committed as {commit}, but git's index is behind ({detail}); "
                    "any cmplt command will bring it up to date, or run: "
                    "git update-index --add -- {paths}"
                ).format(commit=commit[:10], detail=detail, paths=" ".join(paths))
            )
        time.sleep(0.02)


def _first_commit(
    worktree: Path,
    paths: Sequence[str],
    message: str,
    author: Identity | None,
    env: dict[str, str],
    on_committed: Callable[[str], None] | None,
) -> str:
    """A repository with no commit yet (cmplt init): the porcelain is fine here.
    `git commit` is the commit point; signals wait across it as for any step."""
    _run(worktree, ["add", "--", *paths])
    env = {**env, **_fallback_identity(worktree, author)}
    with signals_deferred():
        _run(
            worktree,
            ["commit", "--no-verify", "--quiet", "--file=-", "--", *paths],
            input_text=message,
            env=env,
        )
        commit = _run(worktree, ["rev-parse", "HEAD"]).stdout.strip()
        if on_committed is not None:
            on_committed(commit)
    return commit


def _commit_tree(
    worktree: Path,
    tree: str,
    parent: str,
    message: str,
    author: Identity | None,
    env: dict[str, str],
    sign: bool = False,
) -> str:
    args = ["commit-tree", tree, "-p", parent, "-F", "-"]
    # `sign`: the policy asks for it (identity: signed), whatever commit.gpgsign says
    if sign or _signs_commits(worktree):
        # commit-tree ignores commit.gpgsign; -S signs as `git commit` would (gpg.format,
        # user.signingkey), and a key that cannot sign fails the step like git commit
        args.insert(1, "-S")
    done = _run(worktree, args, input_text=message, env=env, check=False)
    if done.returncode != 0:
        # no identity configured on this machine: commit as the acting person
        env = {**env, **_fallback_identity(worktree, author)}
        done = _run(worktree, args, input_text=message, env=env)
    return done.stdout.strip()


def _signs_commits(worktree: Path) -> bool:
    """`commit.gpgsign` as git reads it (exit 1: unset; a bad value is git's error).

    Asked of git only when some configuration could set it: a step pays a git
    process for nothing otherwise (benchmarks/mutation.py)."""
    if not _may_set_gpgsign(worktree):
        return False
    done = _run(worktree, ["config", "--type=bool", "--get", "commit.gpgsign"], check=False)
    if done.returncode > 1:
        raise _failed("config", done)
    return done.stdout.strip() == "true"


def _may_set_gpgsign(worktree: Path) -> bool:
    """Whether any of git's configuration could say `commit.gpgsign`: a setting on
    the command line or in the environment, or the word in one of the files git
    reads (the repository's, the global and system ones), or an include that
    could bring it in. A cheap look at a few small files, no process."""
    if os.environ.get("GIT_CONFIG_PARAMETERS") or os.environ.get("GIT_CONFIG_COUNT"):
        return True
    home = Path(os.environ.get("HOME", "~")).expanduser()
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    files = [xdg / "git" / "config", home / ".gitconfig"]
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        files = [Path(os.environ["GIT_CONFIG_GLOBAL"])]
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        files.append(Path(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    try:
        folder = git_dir(worktree)
    except NotFound:
        return True
    files += [folder / "config", folder / "config.worktree"]
    common = folder / "commondir"
    if common.is_file():
        shared = (folder / common.read_text(encoding="utf-8").strip()).resolve()
        files += [shared / "config", shared / "config.worktree"]
    for file in files:
        try:
            text = file.read_bytes().lower()
        except OSError:
            continue
        if b"gpgsign" in text or b"include" in text:
            return True
    return False


def _new_root_tree(worktree: Path, blobs: Mapping[str, str]) -> tuple[str, str] | None:
    """(HEAD's commit id, the id of HEAD's tree with `blobs` put in at their paths),
    or None in a repository with no commit yet."""
    folders = sorted({"/".join(p.split("/")[:i]) for p in blobs for i in range(p.count("/") + 1)})
    found = _objects(worktree, ["HEAD", "HEAD^{tree}", *(f"HEAD:{f}" for f in folders if f)])
    if found[0] is None:
        return None
    head = found[0][0]
    digest = hashlib.sha256 if len(head) == 64 else hashlib.sha1
    listings = dict(zip([f for f in folders if f], found[2:], strict=True))
    listings[""] = found[1]
    trees: dict[str, dict[bytes, tuple[bytes, bytes]]] = {
        folder: _parse_tree(listed[1] if listed else b"", digest().digest_size)
        for folder, listed in listings.items()
    }
    for path, blob in blobs.items():
        folder, _, name = path.rpartition("/")
        old = trees[folder].get(name.encode())
        mode = old[0] if old and old[0] != b"40000" else b"100644"
        trees[folder][name.encode()] = (mode, bytes.fromhex(blob))
    written: list[bytes] = []
    root = ""
    for folder in sorted(trees, key=lambda f: -f.count("/") - (1 if f else 0)):
        body = _tree_body(trees[folder])
        raw = digest(b"tree %d\0" % len(body) + body).digest()
        written.append(body)
        if folder:
            parent, _, name = folder.rpartition("/")
            trees[parent][name.encode()] = (b"40000", raw)
        else:
            root = raw.hex()
    _write_trees(worktree, written)
    return head, root


def _parse_tree(body: bytes, hash_size: int) -> dict[bytes, tuple[bytes, bytes]]:
    entries: dict[bytes, tuple[bytes, bytes]] = {}
    pos = 0
    while pos < len(body):
        space = body.index(b" ", pos)
        nul = body.index(b"\0", space)
        entries[body[space + 1 : nul]] = (body[pos:space], body[nul + 1 : nul + 1 + hash_size])
        pos = nul + 1 + hash_size
    return entries


def _tree_body(entries: Mapping[bytes, tuple[bytes, bytes]]) -> bytes:
    # git orders a tree's entries by name, a folder's name as if it ended in "/"
    def order(name: bytes) -> bytes:
        return name + b"/" if entries[name][0] == b"40000" else name

    return b"".join(
        entries[name][0] + b" " + name + b"\0" + entries[name][1]
        for name in sorted(entries, key=order)
    )


def _write_trees(worktree: Path, bodies: Sequence[bytes]) -> None:
    with tempfile.TemporaryDirectory(prefix="cmplt-trees-") as folder:
        files = []
        for index, body in enumerate(bodies):
            file = Path(folder) / str(index)
            file.write_bytes(body)
            files.append(str(file))
        _run(
            worktree,
            ["hash-object", "-w", "-t", "tree", "--stdin-paths"],
            input_text="\n".join(files) + "\n",
        )


def file_versions(
    worktree: Path, relpath: str, known: tuple[str, list[tuple[float, str]]] | None = None
) -> tuple[str, list[tuple[float, str]]]:
    """(HEAD, [(commit time, blob id)…] of each committed version of a file, oldest first).

    `known` is what an earlier call returned: only the commits since its HEAD are
    walked when that HEAD is still an ancestor (a registry's history grows by a
    commit a step; walking all of it on every hourly check would not do).
    """
    head = head_commit(worktree)
    if head is None:
        return "", []
    versions: list[tuple[float, str]] = []
    walk = ["HEAD"]
    if known is not None and known[0]:
        if known[0] == head:
            return known
        ancestor = _run(worktree, ["merge-base", "--is-ancestor", known[0], head], check=False)
        if ancestor.returncode == 0:
            versions = list(known[1])
            walk = [f"{known[0]}..HEAD"]
    log = _run(worktree, ["log", "--format=%H %ct", *walk, "--", relpath])
    commits = [line.split() for line in log.stdout.splitlines() if line.strip()]
    found = _objects(worktree, [f"{sha}:{relpath}" for sha, _ in commits])
    new = [(float(when), obj[0]) for (_, when), obj in zip(commits, found, strict=True) if obj]
    return head, versions + new[::-1]


def blob_contents(worktree: Path, blob_ids: Sequence[str]) -> list[bytes | None]:
    return [obj[1] if obj else None for obj in _objects(worktree, blob_ids)]


# what git leaves in its directory while an operation waits for a person
_IN_PROGRESS = (
    ("rebase-merge", N_("a rebase")),
    ("rebase-apply", N_("a rebase or git am")),
    ("MERGE_HEAD", N_("a merge")),
    ("CHERRY_PICK_HEAD", N_("a cherry-pick")),
    ("REVERT_HEAD", N_("a revert")),
    ("BISECT_LOG", N_("a bisect")),
)


def unfit_for_a_step(worktree: Path) -> str | None:
    """Why a step must not be committed now, or None.

    On a detached HEAD a step's commit is lost at the next `git checkout`; in
    the middle of a rebase, merge, cherry-pick, revert or bisect, the
    operation's own end (`--abort`, `--continue`) would drop or rewrite it.
    Read from git's own files: no process is started."""
    folder = git_dir(worktree)
    try:
        head = (folder / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        head = ""
    if not head.startswith("ref:"):
        return _("HEAD is detached (git switch to a branch first)")
    for name, what in _IN_PROGRESS:
        if (folder / name).exists():
            return _("{operation} is in progress (finish it or abort it first)").format(
                operation=_(what)
            )
    return None


def committed_files(
    worktree: Path, commit: str, paths: Sequence[str]
) -> tuple[list[str], list[tuple[str, bytes] | None]]:
    """A commit's parents, and (blob id, contents) of `paths` in it (None where absent)."""
    found = _objects(worktree, [commit, *(f"{commit}:{p}" for p in paths)])
    if found[0] is None:
        return [], [None for _ in paths]
    parents = [
        line.split()[1].decode()
        for line in found[0][1].split(b"\n\n", 1)[0].splitlines()
        if line.startswith(b"parent ")
    ]
    return parents, found[1:]


def index_entries(worktree: Path, paths: Sequence[str]) -> dict[str, str]:
    """The blob id the index holds for each of `paths` that it holds."""
    listed = _run(worktree, ["ls-files", "--stage", "-z", "--", *paths]).stdout
    entries: dict[str, str] = {}
    for item in listed.split("\0"):
        if item:
            meta, _tab, path = item.partition("\t")
            entries[path] = meta.split()[1]
    return entries


def head_from_files(worktree: Path) -> str | None:
    """HEAD's commit id read from git's own files (no process: a step's journal
    needs it on every step), or from git when the files are not plain (a packed or
    otherwise unusual ref); None before the first commit."""
    folder = git_dir(worktree)
    try:
        head = (folder / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref:"):
            return head if _HEX.fullmatch(head) else head_commit(worktree)
        ref = head.removeprefix("ref:").strip()
        loose = (folder / ref).read_text(encoding="utf-8").strip()
        if _HEX.fullmatch(loose):
            return loose
    except (OSError, UnicodeDecodeError):
        pass
    return head_commit(worktree)


_HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def head_commit(worktree: Path) -> str | None:
    """HEAD's commit id, or None in a repository with no commit yet.

    `rev-parse --verify --quiet` exits 1, saying nothing, for a HEAD that names no
    commit; any other failure (128: a repository git will not read, such as one owned
    by another user and not in `safe.directory`, or a broken `.git`) is GitFailed with
    git's own message, never taken for "no commits".
    """
    done = _run(worktree, ["rev-parse", "--verify", "--quiet", "HEAD"], check=False)
    if done.returncode == 0:
        return done.stdout.strip()
    if done.returncode == 1 and not done.stderr.strip():
        return None
    raise _failed("rev-parse", done)


def _failed(command: str, done: subprocess.CompletedProcess[str]) -> GitFailed:
    """A failed git command as one line: git's own verdict, without its hints."""
    lines = done.stderr.strip().splitlines()
    verdicts = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    detail = (verdicts or lines or [f"exit {done.returncode}"])[0]
    return GitFailed(_("git {command} failed: {detail}").format(command=command, detail=detail))


def has_commits(worktree: Path) -> bool:
    """Whether HEAD names a commit; GitFailed when git cannot read the repository."""
    return head_commit(worktree) is not None


def index_lock_exists(worktree: Path) -> bool:
    return (git_dir(worktree) / "index.lock").exists()


# --- history (audit, log) ---------------------------------------------------------
#
# `cmplt audit` and `cmplt log` read history in bulk: one `git log --raw` for the
# commits and the files they changed, then one `git cat-file --batch` streaming every
# blob needed. A process per commit would not do at 100,000 commits.

# One commit's header: fields separated by NUL, the message last (it ends at the NUL
# that -z puts after the format); \x01 starts each commit.
_HISTORY_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%ct%x00%B"
# Options that keep a user's git configuration (log.follow, log.showSignature,
# diff.renames, color.ui, log.showRoot, i18n.logOutputEncoding) out of what we parse.
_HISTORY_OPTIONS = (
    "--raw",
    "-z",
    "--no-abbrev",
    "--no-color",
    "--no-show-signature",
    "--no-ext-diff",
    "--root",
    "--encoding=UTF-8",
    f"--format={_HISTORY_FORMAT}",
)


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit changed, against one of its parents: blob ids, None for absent."""

    parent: str | None  # None for a root commit
    path: str  # relative to the work tree, after the change
    old: str | None
    new: str | None
    old_path: str | None = None  # where it was before, for a rename (`log --follow`)


@dataclass(frozen=True, slots=True)
class HistoryCommit:
    id: str
    parents: tuple[str, ...]
    author: str
    email: str
    authored: int  # seconds since the epoch
    committed: int
    message: str
    changes: tuple[FileChange, ...]


def _git_bytes(worktree: Path, args: Sequence[str], data: bytes | None = None) -> bytes:
    """Run git, return its raw stdout; a failure is GitFailed with git's own verdict."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(
            ["git", *args], cwd=worktree, input=data, capture_output=True, env=env, check=False
        )
    except FileNotFoundError as exc:
        raise GitFailed(_("git is not installed (cmplt needs the git command)")) from exc
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        verdicts = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        detail = (verdicts or lines or [f"exit {done.returncode}"])[0]
        raise GitFailed(_("git {command} failed: {detail}").format(command=args[0], detail=detail))
    return done.stdout


def resolve_commit(worktree: Path, rev: str) -> str | None:
    """The full id of the commit `rev` names, or None when it names none."""
    done = _run(
        worktree,
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
        check=False,
    )
    return done.stdout.strip() or None


def commit_ids(worktree: Path, revs: Sequence[str]) -> list[str]:
    """Every commit reachable from `revs` (e.g. `^REV HEAD`), newest first. `rev-list`
    reads no commit it need not (the commit-graph has the parents)."""
    out = _git_bytes(worktree, ["rev-list", *revs, "--"])
    return out.decode().split()


def commit_times(worktree: Path, ids: Sequence[str]) -> dict[str, int]:
    """{commit id: commit time} of exactly the commits `ids` lists."""
    if not ids:
        return {}
    out = _git_bytes(
        worktree,
        ["log", "--format=%H %ct", "--no-show-signature", "--no-walk=unsorted", "--stdin", "--"],
        _lines(ids),
    )
    found: dict[str, int] = {}
    for line in out.split(b"\n"):
        if line:
            sha, _, when = line.partition(b" ")
            found[sha.decode()] = int(when)
    return found


def _lines(items: Sequence[str]) -> bytes:
    return "".join(f"{item}\n" for item in items).encode()


def history_commits(
    worktree: Path,
    folder: str,
    revs: Sequence[str] = ("HEAD",),
    only: Sequence[str] | None = None,
) -> list[HistoryCommit]:
    """Every commit of `revs` that changed something in `folder` (`dir/`, relative to the
    work tree), oldest first, each with the files it changed there against each parent
    (a merge: one diff per parent); given `only`, just those commits.

    The folder is a diff filter (`--relative`), not a pathspec: a pathspec makes git
    diff every commit's trees twice, once to simplify the history and again for the
    output, which doubles the time. So every commit is walked, none simplified away
    (a side branch whose changes a merge threw away is walked too), and those that
    changed nothing in the folder are dropped here. Renames are not detected: a
    moved file is a deletion and an addition.
    """
    args = ["log", *_HISTORY_OPTIONS, "--no-renames", f"--relative={folder}"]
    if only is not None:
        if not only:
            return []
        out = _git_bytes(worktree, [*args, "--no-walk=unsorted", "--stdin", "--"], _lines(only))
    else:
        out = _git_bytes(worktree, [*args, *revs, "--"])
    commits = [c for c in _parse_history(out, folder) if c.changes or len(c.parents) > 1]
    merges = [c for c in commits if len(c.parents) > 1]
    if merges:
        per_parent = _merge_changes(worktree, merges, f":(literal){folder}")
        # a merge that changed nothing in the folder against any parent is dropped
        commits = [
            _with_changes(c, per_parent[c.id]) if c.id in per_parent else c
            for c in commits
            if c.id not in per_parent or per_parent[c.id]
        ]
    commits.reverse()
    return commits


def path_commits(worktree: Path, revs: Sequence[str], relpath: str) -> list[HistoryCommit]:
    """The commits of `revs` that changed one file (no renames followed), oldest first."""
    out = _git_bytes(worktree, ["log", *_HISTORY_OPTIONS, "--no-renames", *revs, "--", relpath])
    commits = _parse_history(out)
    commits.reverse()
    return commits


def file_history(worktree: Path, relpath: str) -> list[HistoryCommit]:
    """The commits that changed one file, oldest first, following it across renames
    (`git log --follow`); a rename is one change with `old_path` set."""
    out = _git_bytes(worktree, ["log", *_HISTORY_OPTIONS, "--follow", "HEAD", "--", relpath])
    commits = _parse_history(out)
    commits.reverse()
    return commits


def _with_changes(commit: HistoryCommit, changes: tuple[FileChange, ...]) -> HistoryCommit:
    return HistoryCommit(
        commit.id,
        commit.parents,
        commit.author,
        commit.email,
        commit.authored,
        commit.committed,
        commit.message,
        changes,
    )


def _merge_changes(
    worktree: Path, merges: Sequence[HistoryCommit], pathspec: str
) -> dict[str, tuple[FileChange, ...]]:
    """Each merge's changes against each of its parents, from one `git diff-tree --stdin`.

    `--always` prints a header for every input line, even an empty diff, so the
    answers line up with the (merge, parent) pairs asked for.
    """
    pairs = [(m.id, p) for m in merges for p in m.parents]
    out = _git_bytes(
        worktree,
        [
            "diff-tree",
            "--stdin",
            "-r",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--no-ext-diff",
            "--always",
            "--format=%x01%H",
            "--",
            pathspec,
        ],
        "".join(f"{m} {p}\n" for m, p in pairs).encode(),
    )
    found: dict[str, list[FileChange]] = {m.id: [] for m in merges}
    chunks = out.split(b"\x01")[1:]
    for (merge, parent), chunk in zip(pairs, chunks, strict=True):
        end = chunk.find(b"\0")
        found[merge].extend(_raw_changes(chunk, end + 1, len(chunk), parent))
    return {merge: tuple(changes) for merge, changes in found.items()}


def _parse_history(out: bytes, folder: str = "") -> list[HistoryCommit]:
    """Commits as `_HISTORY_FORMAT` and `--raw -z` print them; `folder` is put back in
    front of the paths that `--relative` printed without it."""
    commits: list[HistoryCommit] = []
    pos = out.find(b"\x01")
    while pos != -1:
        fields: list[bytes] = []
        start = pos + 1
        for _field in range(7):  # id, parents, name, email, authored, committed, message
            end = out.index(b"\0", start)
            fields.append(out[start:end])
            start = end + 1
        parents = tuple(fields[1].decode().split())
        following = out.find(b"\x01", start)
        body_end = len(out) if following == -1 else following
        changes = _raw_changes(out, start, body_end, parents[0] if parents else None, folder)
        commits.append(
            HistoryCommit(
                fields[0].decode(),
                parents,
                fields[2].decode("utf-8", "replace"),
                fields[3].decode("utf-8", "replace"),
                int(fields[4]),
                int(fields[5]),
                fields[6].decode("utf-8", "replace"),
                tuple(changes),
            )
        )
        pos = following
    return commits


def _raw_changes(
    out: bytes, pos: int, size: int, parent: str | None, folder: str = ""
) -> list[FileChange]:
    """`:mode mode old new status\\0path\\0` entries from `pos` up to `size` (two paths
    for a rename or copy)."""
    changes: list[FileChange] = []
    while pos < size and out[pos] in b"\n":
        pos += 1
    while pos < size and out[pos] == ord(":"):
        meta_end = out.index(b"\0", pos)
        meta = out[pos + 1 : meta_end].split()
        path_end = out.index(b"\0", meta_end + 1)
        path = out[meta_end + 1 : path_end]
        old_path: bytes | None = None
        if meta[4][:1] in (b"R", b"C"):
            old_path = path
            new_end = out.index(b"\0", path_end + 1)
            path = out[path_end + 1 : new_end]
            path_end = new_end
        old, new = meta[2].decode(), meta[3].decode()
        changes.append(
            FileChange(
                parent,
                folder + path.decode("utf-8", "surrogateescape"),
                None if not old.strip("0") else old,
                None if not new.strip("0") else new,
                folder + old_path.decode("utf-8", "surrogateescape")
                if old_path is not None
                else None,
            )
        )
        pos = path_end + 1
        while pos < size and out[pos] in b"\n":
            pos += 1
    return changes


class BlobStream:
    """The contents of many objects, in the order asked, from one `git cat-file --batch`.

    A thread writes the ids while the caller reads the answers, so neither pipe
    fills up and nothing is held in memory but the blob being read. Use it as a
    context manager (or call close()) so the process is ended if reading stops early.
    """

    def __init__(self, worktree: Path, ids: Sequence[str]) -> None:
        import threading

        self._left = len(ids)
        self._process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=worktree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
        self._writer = threading.Thread(target=self._write, args=(ids,), daemon=True)
        self._writer.start()

    def _write(self, ids: Sequence[str]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        try:
            for start in range(0, len(ids), 1000):
                stdin.write(_lines(ids[start : start + 1000]))
            stdin.close()
        except (BrokenPipeError, ValueError, OSError):  # the reader stopped early
            pass

    def __iter__(self) -> BlobStream:
        return self

    def __next__(self) -> bytes | None:
        """The next object's content, or None when git does not have it."""
        if self._left <= 0:
            raise StopIteration
        stdout = self._process.stdout
        assert stdout is not None
        header = stdout.readline()
        if not header:
            self.close()
            raise GitFailed(_("git cat-file --batch stopped before answering every request"))

        self._left -= 1
        parts = header.split()
        if len(parts) != 3 or parts[-1] == b"missing":
            return None
        size = int(parts[2])
        data = stdout.read(size + 1)[:size]
        return data

    def close(self) -> None:
        if self._process.poll() is None and self._left > 0:
            self._process.kill()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process.wait()
        self._writer.join(timeout=5)

    def __enter__(self) -> BlobStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- signatures (audit under identity: signed) -------------------------------------


@dataclass(frozen=True, slots=True)
class CommitSignature:
    """A commit's signature as git checked it against an allowed-signers file."""

    status: str  # git's %G?: G good, U a key not among the allowed signers, N none, B bad, …
    principal: str  # %GS: the allowed signer the key belongs to ("" when none)
    author_email: str
    committer_email: str


def commit_signatures(
    worktree: Path, ids: Sequence[str], allowed_signers: Path | None
) -> dict[str, CommitSignature]:
    """Each commit's author and committer emails and, given `allowed_signers`, its
    signature as git (ssh-keygen) checks it against that file (without: status "-"):
    one `git log --no-walk` for all of them."""
    if not ids:
        return {}
    verify = "%G?%x00%GS" if allowed_signers is not None else "-%x00"
    config = ["-c", f"gpg.ssh.allowedSignersFile={allowed_signers}"] if allowed_signers else []
    out = _git_bytes(
        worktree,
        [
            *config,
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "--no-show-signature",
            f"--format=%x01%H%x00{verify}%x00%ae%x00%ce",
            "--",
        ],
        _lines(ids),
    )
    found: dict[str, CommitSignature] = {}
    for chunk in out.split(b"\x01")[1:]:
        fields = chunk.rstrip(b"\n").decode("utf-8", "replace").split("\0")
        if len(fields) == 5:
            found[fields[0]] = CommitSignature(fields[1], fields[2], fields[3], fields[4])
    return found


def object_ids(worktree: Path, specs: Sequence[str]) -> list[str | None]:
    """The object id each `rev:path` spec names (None: missing), from one
    `git cat-file --batch-check`."""
    if not specs:
        return []
    out = _git_bytes(worktree, ["cat-file", "--batch-check"], _lines(specs)).decode()
    found: list[str | None] = []
    for line in out.splitlines():
        parts = line.split()
        found.append(parts[0] if len(parts) == 3 and parts[-1] != "missing" else None)
    return found


# --- the merge driver (merging.py) -------------------------------------------------

MERGE_DRIVER = "cmplt"  # the name `.gitattributes` gives it: `merge=cmplt`


def merge_driver_command(python: str) -> str:
    """The command git runs for a record changed on both sides: this cmplt, by
    the Python it runs on (the venv need not be on PATH)."""
    import shlex

    return f"{shlex.quote(python)} -m cmplt merge-driver %O %A %B %P"


def _common_config(worktree: Path) -> Path:
    """The repository's config file (a linked worktree's is its main repository's)."""
    folder = git_dir(worktree)
    common = folder / "commondir"
    if common.is_file():
        folder = (folder / common.read_text(encoding="utf-8").strip()).resolve()
    return folder / "config"


def configured_merge_driver(worktree: Path) -> str | None:
    """The driver command the repository's config names for `merge=cmplt`, read
    from the file (no process: every command asks)."""
    section = _config_section(worktree, rf'merge\s+"{MERGE_DRIVER}"')
    if section is None:
        return None
    found = re.search(r"^\s*driver\s*=\s*(.*?)\s*$", section, re.M)
    return found.group(1) if found else None


def configure_merge_driver(worktree: Path, python: str) -> None:
    """Name cmplt's merge driver in the repository's own config (`.git/config`:
    git never takes a driver from the files it merges)."""
    _run(
        worktree, ["config", f"merge.{MERGE_DRIVER}.name", "cmplt: the union of a record's events"]
    )
    _run(worktree, ["config", f"merge.{MERGE_DRIVER}.driver", merge_driver_command(python)])


def merge_file_text(ours: Path, base: Path, theirs: Path, name: str) -> int:
    """git's own line merge of three files into `ours`, with conflict markers where
    the sides differ (what git would have done without cmplt's driver); the number
    of conflicts."""
    done = subprocess.run(
        ["git", "merge-file", "-L", f"ours:{name}", "-L", "base", "-L", f"theirs:{name}",
         str(ours), str(base), str(theirs)],
        capture_output=True,
        check=False,
    )  # fmt: skip
    if done.returncode < 0:
        raise GitFailed(
            _("git {command} failed: {detail}").format(command="merge-file", detail=done.returncode)
        )
    return done.returncode


# --- clones and sync (sync.py) -------------------------------------------------------
#
# What `cmplt clone` and `cmplt sync` ask of git. Git's own messages are read in the C
# locale (a remote's "couldn't find remote ref" is told from a network failure by it).

_PLAIN = {"LC_ALL": "C", "LANGUAGE": "C"}


class RemoteFailed(Exception):
    """A fetch, push or clone that could not reach the remote: git's verdict line."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _verdict(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
    verdicts = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (verdicts or lines or [f"exit {done.returncode}"])[0]


def clone_repository(url: str, folder: Path) -> None:
    """`git clone URL FOLDER` (FOLDER absent or empty); RemoteFailed when git cannot."""
    # run where the person typed it: a relative URL is read from there, as `git clone`
    # reads it (FOLDER is absolute)
    done = _run(Path.cwd(), ["clone", "--quiet", "--", url, str(folder)], env=_PLAIN, check=False)
    if done.returncode != 0:
        raise RemoteFailed(_verdict(done))


def _config_section(worktree: Path, section: str) -> str | None:
    """The body of `[section]` in the repository's own config file, or None."""
    try:
        text = _common_config(worktree).read_text(encoding="utf-8", errors="replace")
    except (OSError, NotFound):
        return None
    found = re.search(rf"^\s*\[{section}\]\s*$(.*?)(?=^\s*\[|\Z)", text, re.M | re.S | re.I)
    return found.group(1) if found else None


def pull_mode_configured(worktree: Path) -> bool:
    """Whether the repository's own config says how `git pull` joins (pull.rebase)."""
    body = _config_section(worktree, "pull")
    return body is not None and re.search(r"^\s*rebase\s*=", body, re.M | re.I) is not None


def configure_pull_merges(worktree: Path) -> None:
    """`pull.rebase = false`: a plain `git pull` merges, through cmplt's driver, rather
    than replaying one clone's steps on top of the other's (a rebase would rewrite
    commits already made, and meets each record once per commit)."""
    _run(worktree, ["config", "pull.rebase", "false"])


@dataclass(frozen=True)
class Tracking:
    """What sync needs of a clone's config: its branch, whom it follows, its remotes."""

    branch: str | None  # None: HEAD detached
    upstream: tuple[str, str] | None  # (remote, the remote's branch)
    remotes: tuple[str, ...]


def tracking(worktree: Path) -> Tracking:
    """The branch from `.git/HEAD` (no process), the rest from one `git config`."""
    head = (git_dir(worktree) / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    branch = head.removeprefix("ref: refs/heads/") if head.startswith("ref: refs/heads/") else None
    done = _run(worktree, ["config", "-z", "--get-regexp", r"^(branch|remote)\."], check=False)
    values: dict[str, str] = {}
    remotes: list[str] = []
    for entry in done.stdout.split("\0"):
        key, _sep, value = entry.partition("\n")
        values[key] = value
        if key.startswith("remote.") and key.endswith(".url"):
            remotes.append(key[len("remote.") : -len(".url")])
    upstream = None
    if branch is not None:
        # git prints a section's name in lower case and the branch's as it is
        remote, merge = values.get(f"branch.{branch}.remote"), values.get(f"branch.{branch}.merge")
        if remote and remote != "." and merge and merge.startswith("refs/heads/"):
            upstream = (remote, merge.removeprefix("refs/heads/"))
    return Tracking(branch, upstream, tuple(remotes))


def fetch_branch(worktree: Path, remote: str, branch: str) -> str | None:
    """Fetch the remote's branch into `refs/remotes/REMOTE/BRANCH`; its commit, or None
    when the remote has no such branch yet (an empty remote). RemoteFailed otherwise."""
    tracking = f"refs/remotes/{remote}/{branch}"
    done = _run(
        worktree,
        ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", remote,
         f"+refs/heads/{branch}:{tracking}"],
        env=_PLAIN,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        if "couldn't find remote ref" in done.stderr:
            return None
        raise RemoteFailed(_verdict(done))
    return resolve_commit(worktree, tracking)


def divergence(worktree: Path, ours: str, theirs: str | None) -> tuple[int, int]:
    """(commits `theirs` has that `ours` has not, commits `ours` has that `theirs` has
    not), from one `rev-list`; `theirs` None: (0, every commit of ours)."""
    if theirs is None:
        return 0, int(_run(worktree, ["rev-list", "--count", ours, "--"]).stdout.strip())
    out = _run(worktree, ["rev-list", "--left-right", "--count", f"{theirs}...{ours}", "--"])
    incoming, outgoing = out.stdout.split()
    return int(incoming), int(outgoing)


def merge_bases(worktree: Path, one: str, other: str) -> list[str]:
    """Every best common ancestor of two commits (git merges several into one first)."""
    return _run(worktree, ["merge-base", "--all", one, other], check=False).stdout.split()


def changed_blobs(worktree: Path, old: str, new: str, folder: str) -> dict[str, str | None]:
    """{path: its blob in `new` (None: deleted)} of the files under `folder` that differ
    between two commits."""
    out = _git_bytes(
        worktree,
        ["diff-tree", "-r", "-z", "--no-abbrev", "--no-renames", "--no-ext-diff", old, new,
         "--", f":(literal){folder}"],
    )  # fmt: skip
    return {c.path: c.new for c in _raw_changes(out, 0, len(out), None)}


def merge_base(worktree: Path, one: str, other: str) -> str | None:
    done = _run(worktree, ["merge-base", one, other], check=False)
    return done.stdout.strip() or None


def changed_files(
    worktree: Path, old: str, new: str, folder: str, added_only: bool = False
) -> list[str]:
    """The files (relative to the work tree) under `folder` that differ between two
    commits; `added_only`: those `new` has and `old` had not."""
    args = ["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff"]
    if added_only:
        args.append("--diff-filter=A")
    pathspec = [f":(literal){folder}"] if folder else []
    out = _git_bytes(worktree, [*args, old, new, "--", *pathspec])
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def blobs_at(worktree: Path, rev: str, paths: Sequence[str]) -> list[bytes | None]:
    """The content of each path in commit `rev` (None where it has none)."""
    if not paths:
        return []
    return [
        found[1] if found else None for found in _objects(worktree, [f"{rev}:{p}" for p in paths])
    ]


def uncommitted_changes(worktree: Path, folder: str) -> list[str]:
    """Tracked files under `folder` changed in the work tree or the index (untracked
    files are a person's own: a merge that would overwrite one stops by itself)."""
    pathspec = [f":(literal){folder}"] if folder else []
    out = _git_bytes(
        worktree, ["status", "--porcelain", "-z", "--untracked-files=no", "--", *pathspec]
    )
    return [entry[3:].decode("utf-8", "surrogateescape") for entry in out.split(b"\0") if entry[3:]]


def merge_in_progress(worktree: Path) -> bool:
    folder = git_dir(worktree)
    return any((folder / name).exists() for name in ("MERGE_HEAD", "rebase-merge", "rebase-apply"))


def merge_commit(
    worktree: Path,
    rev: str,
    message: str,
    when: datetime | None = None,
    own: bool = True,
    driver: str | None = None,
) -> tuple[bool, str]:
    """`git merge` of `rev` into HEAD through the merge drivers `.gitattributes` names;
    `own` False: HEAD has nothing of its own, a fast-forward (and no identity needed).
    (merged, git's verdict). The repository's hooks are not run: sync validates what
    the merge wrote itself."""
    args = ["merge", "--quiet", "--no-verify", "--no-edit", "--no-stat", "--no-log"]
    if driver is not None:
        # for this merge only: `driver` runs in place of the configured command
        args = ["-c", f"merge.{MERGE_DRIVER}.driver={driver}", *args]
    if not own:
        done = _run(worktree, [*args, "--ff-only", rev], env=_PLAIN, check=False)
    else:
        env = {**_PLAIN, **_fallback_identity(worktree, None), **_dated(when)}
        done = _run(worktree, [*args, "-m", message, rev], env=env, check=False)
    if done.returncode == 0:
        return True, ""
    conflicted = _run(worktree, ["diff", "--name-only", "--diff-filter=U"], check=False)
    files = conflicted.stdout.split()
    return False, ", ".join(files[:5]) + (" …" if len(files) > 5 else "") or _verdict(done)


def restore_head(worktree: Path, head: str) -> None:
    """Back to `head` exactly: no merge in progress, index and work tree as it has them
    (sync calls this only on a clone it found clean, holding the registry lock)."""
    if (git_dir(worktree) / "MERGE_HEAD").exists():
        _run(worktree, ["merge", "--abort"], check=False)
    _run(worktree, ["reset", "--quiet", "--hard", head])


def commit_all_of(
    worktree: Path, paths: Sequence[str], message: str, when: datetime | None = None
) -> str:
    """Commit exactly `paths` as they are in the work tree (added, changed or gone):
    sync's rename of a record, a move of files `commit_paths` does not make."""
    _run(worktree, ["add", "--all", "--", *paths])
    env = {**_fallback_identity(worktree, None), **_dated(when)}
    _run(
        worktree,
        ["commit", "--quiet", "--no-verify", "--file=-", "--", *paths],
        input_text=message,
        env=env,
    )
    return _run(worktree, ["rev-parse", "HEAD"]).stdout.strip()


def push_branch(worktree: Path, remote: str, branch: str) -> str | None:
    """Push HEAD to the remote's branch, never forced: None when the remote took it,
    else why the remote refused it (someone pushed meanwhile: fetch and merge again).
    RemoteFailed when the remote could not be reached."""
    done = _run(
        worktree,
        ["push", "--porcelain", "--", remote, f"HEAD:refs/heads/{branch}"],
        env=_PLAIN,
        check=False,
    )
    refused = [ln for ln in done.stdout.splitlines() if ln.startswith("!")]
    if refused:
        return refused[0].split("\t")[-1].strip()
    if done.returncode != 0:
        raise RemoteFailed(_verdict(done))
    return None


def added_version(worktree: Path, base: str, rev: str, path: str) -> bytes | None:
    """The file as the commit that added it after `base` on the way to `rev` wrote it
    (what `cmplt new` wrote, for a record): None if no such commit."""
    out = _git_bytes(
        worktree,
        ["log", "--no-show-signature", "--diff-filter=A", "--no-renames", "--format=%H",
         f"^{base}", rev, "--", f":(literal){path}"],
    )  # fmt: skip
    commits = out.decode().split()
    if not commits:
        return None
    return blobs_at(worktree, commits[-1], [path])[0]


def _dated(when: datetime | None) -> dict[str, str]:
    """A commit dated `when` (the clock cmplt runs by, frozen in tests and replays)."""
    if when is None:
        return {}
    stamp = when.isoformat()
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
