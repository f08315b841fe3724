"""One writer at a time per repository.

The lock is an `fcntl.flock` on `.git/cmplt.lock`: the kernel releases it
when its holder exits, however it exits, so a killed process never leaves
the registry locked. The file also records who holds it (process id, host,
start time) so that a person told to wait knows whom they are waiting for.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cmplt.errors import RegistryBusy, RegistryReadOnly
from cmplt.i18n import _

DEFAULT_WAIT_SECONDS = 60.0


def wait_seconds() -> float:
    try:
        wait = float(os.environ.get("CMPLT_LOCK_WAIT", DEFAULT_WAIT_SECONDS))
    except ValueError:
        return DEFAULT_WAIT_SECONDS
    # nan or inf would wait forever; a negative wait means "do not wait"
    return max(wait, 0.0) if math.isfinite(wait) else DEFAULT_WAIT_SECONDS


@contextmanager
def registry_lock(lock_file: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the lock for the block; wait up to `wait` seconds for another holder."""
    limit = wait_seconds() if wait is None else wait
    try:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        # taken before anything is written: a reader's checkout stays as it was
        raise RegistryReadOnly(
            _(
                "cannot change the registry here: cannot open its lock file {file} "
                "({reason}); changing it needs write access to .git/"
            ).format(file=lock_file, reason=exc.strerror or exc)
        ) from exc
    try:
        deadline = time.monotonic() + limit
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RegistryBusy(
                        _(
                            "registry is busy: {holder} has held {file} for more than {limit} s"
                        ).format(
                            holder=describe_holder(lock_file), file=lock_file, limit=f"{limit:g}"
                        )
                    ) from None

                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def held_if_free(lock_file: Path) -> Iterator[str]:
    """Hold the lock for the block if no one holds it now ("held"); "busy" if a step
    holds it, "closed" if the lock cannot be opened (a read-only .git). A reading
    command settling what an interrupted step left never waits for a running step."""
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except OSError:
        yield "closed"
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield "busy"
            return
        try:
            yield "held"
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# the signals a person or a system sends to stop a command
_STOPPING = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait until the block is over: across a step's
    commit point, so that HEAD, the index, the journal and the step's printed line
    move together. (SIGKILL cannot wait; the next command's recovery settles it.)"""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the mask as it is
    try:
        # a signal that arrived just before is raised by this call itself, after the
        # mask is set: the `finally` still restores it
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOPPING)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def describe_holder(lock_file: Path) -> str:
    try:
        holder = json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder:
        return _("another cmplt process")
    return _("process {pid} on {host} (since {started})").format(
        pid=holder.get("pid"), host=holder.get("host"), started=holder.get("started")
    )
