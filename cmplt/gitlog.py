"""Every git call cmplt makes, and the pure functions that shape its commits.

The write path calls the git command directly rather than through
GitPython: importing GitPython costs about 0.1 s on every command, a third
of what a whole commit may cost (see benchmarks/), and its index API
rewrites the whole index (3.1 s against 0.34 s at 100,000 records).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cmplt.errors import DirtyRecord, GitFailed, NotFound


@dataclass(frozen=True)
class Identity:
    name: str
    email: str = ""

    def git_form(self) -> str:
        return f"{self.name} <{self.email}>"


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
        raise NotFound(f"{dot}: not a git directory")
    target = Path(text.removeprefix("gitdir:").strip())
    return target if target.is_absolute() else (worktree / target).resolve()


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
        raise GitFailed("git is not installed (cmplt needs the git command)") from exc
    if check and result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        # git's own verdict is the "fatal:"/"error:" line; hints follow it
        verdicts = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        detail = (verdicts or lines or [f"exit {result.returncode}"])[0]
        raise GitFailed(f"git {args[0]} failed: {detail}")
    return result


def init_repository(folder: Path) -> None:
    _run(folder, ["init", "--quiet"])


def uncommitted(worktree: Path, paths: Sequence[str]) -> list[str]:
    """Which of `paths` differ from HEAD in the index or the work tree (or are untracked)."""
    if not paths:
        return []
    result = _run(
        worktree,
        ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=no", "--", *paths],
    )
    entries = [e for e in result.stdout.split("\0") if e]
    return [entry[3:] for entry in entries if len(entry) > 3]


def require_committed(worktree: Path, relpath: str, label: str) -> None:
    if uncommitted(worktree, [relpath]):
        raise DirtyRecord(
            f"{label} has uncommitted changes; commit or discard them first (git diff -- {relpath})"
        )


FALLBACK = Identity("cmplt")


def _committer_env(worktree: Path, author: Identity | None) -> dict[str, str]:
    """The machine's git identity commits; where it has none, the acting person does.

    A front-desk PC often has no `user.name`; refusing to record a complaint
    for that reason would help nobody.
    """
    if "GIT_COMMITTER_NAME" in os.environ:
        return {}
    probe = _run(worktree, ["var", "GIT_COMMITTER_IDENT"], check=False)
    if probe.returncode == 0:
        return {}
    who = author or FALLBACK
    env = {"GIT_COMMITTER_NAME": who.name, "GIT_COMMITTER_EMAIL": who.email}
    if author is None:
        env.update({"GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email})
    return env


def commit_paths(
    worktree: Path,
    paths: Sequence[str],
    message: str,
    author: Identity | None,
    new_paths: Sequence[str] = (),
    when: datetime | None = None,
) -> str:
    """Commit exactly `paths` as they are in the work tree; nothing else staged goes in.

    `git commit --only` commits the named paths from a temporary index and
    then updates just those paths in the real one, so a person's own staged
    or unstaged work elsewhere stays as it was.
    """
    # --no-status: the status summary in the editor template costs a whole-tree scan
    if index_lock_exists(worktree):
        raise GitFailed(
            "git's index.lock exists: another git command is running, or one crashed "
            "(remove .git/index.lock if no git process is running)"
        )
    args = ["commit", "--only", "--no-verify", "--no-status", "--no-edit", "--file=-"]
    if author is not None:
        args.append(f"--author={author.git_form()}")
    env = _committer_env(worktree, author)
    if when is not None:
        # the commit is dated when the step was recorded, the event's `recorded_at`
        stamp = when.isoformat()
        env.update({"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})
    if new_paths:
        _run(worktree, ["add", "--", *new_paths])
    try:
        done = _run(worktree, [*args, "--", *paths], input_text=message, env=env)
    except GitFailed:
        if new_paths:
            _run(
                worktree,
                ["rm", "--cached", "--quiet", "--ignore-unmatch", "--", *new_paths],
                check=False,
            )
        raise
    # git prints "[main 1a2b3c4] subject"; reading the id from there saves a process
    match = _COMMIT_LINE.search(done.stdout)
    if match:
        return match.group(1)
    return _run(worktree, ["rev-parse", "HEAD"]).stdout.strip()  # pragma: no cover


_COMMIT_LINE = re.compile(r"^\[[^\]]*?([0-9a-f]{7,64})\]", re.MULTILINE)


def has_commits(worktree: Path) -> bool:
    return _run(worktree, ["rev-parse", "--verify", "--quiet", "HEAD"], check=False).returncode == 0


def index_lock_exists(worktree: Path) -> bool:
    return (git_dir(worktree) / "index.lock").exists()
