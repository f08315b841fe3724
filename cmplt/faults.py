"""A test-only hook that stops a step at a named point, as a crash would.

`CMPLT_TEST_FAULT=kill:update-ref` makes a step kill itself (SIGKILL, the
one signal nothing can catch) when it reaches the point `update-ref`;
`interrupt:<point>` sends itself SIGINT there (a person's Ctrl-C). The
crash tests (tests/test_crash.py) walk every point of a step this way and
check that the registry is either as it was or fully stepped, after at
most one recovery. Unset, as it always is outside tests, `reached` costs a
dictionary lookup.
"""

from __future__ import annotations

import os
import signal

# the points of a step, in order (registry._commit and gitlog.commit_paths)
POINTS = (
    "journal",  # the step's journal is written; nothing else yet
    "write",  # the record file is replaced
    "objects",  # the blob, trees and commit are in git's object store
    "update-ref",  # HEAD moved: the step is committed
    "announced",  # the step's line is printed (steps that print one: new and the
    # lifecycle steps; staff and improve print once the command is done)
    "update-index",  # the index has the new record
    "done",  # the journal is cleared
)


def reached(point: str) -> None:
    spec = os.environ.get("CMPLT_TEST_FAULT")
    if not spec:
        return
    how, _, where = spec.partition(":")
    if where != point:
        return
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif how == "interrupt":
        os.kill(os.getpid(), signal.SIGINT)
