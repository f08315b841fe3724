"""One exception tree; each class carries the exit code the CLI uses for it.

A person's mistake becomes one line on stderr; anything not derived from
`CmpltError` is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A message names the field a wrong value was given for, never the command-line
# option: the domain knows fields (`at`, `requested_deadline`), the CLI knows
# which option each is typed in (`--at`, `--deadline`), and says it at the end.
_FIELD = re.compile(r"⟦([a-z_]+)⟧")


def field_ref(name: str) -> str:
    """A field named in a message, for whoever shows it to say as it should."""
    return f"⟦{name}⟧"


def name_fields(message: str, name_of: Callable[[str], str]) -> str:
    """`message` with every field it names said as `name_of` says it."""
    return _FIELD.sub(lambda m: name_of(m[1]), message)


class CmpltError(Exception):
    """Base of every expected failure."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # outside the command line, a field is said by its own name
        return name_fields(self.message, lambda name: name)


class UsageError(CmpltError):
    """A wrong value on the command line: unknown name, enum value or time."""

    exit_code = 2


class NoRegistry(UsageError):
    """No registry here (no cmplt.yaml in the folder or above): exit 2 for every
    command, the same "could not run" a cron job of `check` or a hook of `validate`
    tells from "something was found"."""


class NotFound(CmpltError):
    """No record, registry or staff member by that name."""

    exit_code = 3


class AmbiguousId(CmpltError):
    """An ID prefix that matches more than one record."""

    exit_code = 3


class StepRefused(CmpltError):
    """The state machine does not allow this step now (or a time is out of order)."""

    exit_code = 4

    def __init__(self, message: str, event_index: int | None = None) -> None:
        super().__init__(message)
        # set when replaying a file's events: which event is out of order
        self.event_index = event_index


class DirtyRecord(CmpltError):
    """The record file has uncommitted changes that a write would overwrite."""

    exit_code = 5


class InvalidFile(CmpltError):
    """A policy, roster or record file that cannot be read or does not validate."""

    exit_code = 6

    def __init__(
        self,
        path: str,
        line: int | None,
        field: str | None,
        reason: str,
        column: int | None = None,
    ) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f"{field}: {reason}" if field else reason
        super().__init__(f"{where}: {what}")
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason


class RegistryBusy(CmpltError):
    """Another cmplt process held the registry lock for longer than we wait."""

    exit_code = 7


class RegistryReadOnly(CmpltError):
    """The registry lock (`.git/cmplt.lock`) cannot be created or opened: this user may
    read the registry but not change it (a read-only checkout). Nothing was changed."""

    exit_code = 10


class GitFailed(CmpltError):
    """A git command failed; the registry was restored to how it was."""

    exit_code = 8


class IndexBehind(CmpltError):
    """The step is committed, but git's index could not be brought up to date
    (another git command held it): a warning with the one command that settles it."""

    exit_code = 9


class InterruptedAfterCommit(CmpltError):
    """Ctrl-C arrived once the step was committed: it is done, and saying "nothing
    was committed" would be a lie. (SIGTERM and SIGHUP wait across the commit point
    too, then end the process; the next command settles what is left.)"""

    exit_code = 130


class CouldNotRun(CmpltError):
    """`check`, `validate` or `audit` could not run at all (no registry, no repository,
    git failing): exit 2, so that cron and CI tell it from "something was found" (1)."""

    exit_code = 2


# `cmplt sync` (sync.py) tells a script which of four outcomes it had (README: Exit
# status): 0 synced, 1 nothing to do, 11 the remote could not be reached, 12 a person
# must decide. "Nothing to do" is not 0 so that a script can tell "something came in
# or went out" (the `git diff --exit-code` convention); both leave the clone sound.
SYNCED = 0
NOTHING_TO_SYNC = 1


class RemoteUnreachable(CmpltError):
    """`clone` or `sync` could not reach the remote (no network, wrong URL, no access);
    the clone is as it was."""

    exit_code = 11


class NeedsPerson(CmpltError):
    """`sync` met what a person must settle (a conflict the merge driver could not
    merge, a merged result that does not validate, a push the remote refuses); the
    clone is as it was, and the message says what to do."""

    exit_code = 12
