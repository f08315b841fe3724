"""What `audit` needs to judge step commits under `identity: git` or `signed`
(identity.commit_unbound): the policy and roster of each commit's parent, the
commit's author and committer emails, and its signature as git verifies it against
an allowed-signers file built from that roster. Git through gitlog.

The roster a step is judged by is its parent's (as it stood before the step), for
roster changes too: nobody is bound by a key or an email they give themself.
A registry whose policy never said `git` or `signed` costs only a look at the
policy's versions, which `validate` keeps too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from cmplt import gitlog, store
from cmplt.errors import CmpltError, InvalidFile
from cmplt.gitlog import HistoryCommit
from cmplt.identity import CommitFacts, commit_unbound
from cmplt.policy import Policy, Roster
from cmplt.sshkeys import allowed_signers


def commit_facts(
    worktree: Path, prefix: str, commits: Sequence[HistoryCommit]
) -> dict[str, CommitFacts]:
    """{commit id: facts} of the step commits (one parent) made under `git` or `signed`."""
    steps = [c for c in commits if len(c.parents) == 1]
    if not steps or not _ever_bound(worktree, prefix):
        return {}
    policies = _files_at(worktree, [c.parents[0] for c in steps], prefix + store.POLICY_FILE)
    bound: list[tuple[HistoryCommit, Policy]] = []
    for commit in steps:
        policy = policies.get(commit.parents[0])
        if isinstance(policy, Policy) and policy.identity.mode != "names":
            bound.append((commit, policy))
    if not bound:
        return {}
    rosters = _files_at(
        worktree, [c.parents[0] for c, _ in bound], prefix + store.ROSTER_FILE, Roster
    )
    groups: dict[int, tuple[Roster, list[tuple[HistoryCommit, Policy]]]] = {}
    nobody = Roster()
    for commit, policy in bound:
        roster = rosters.get(commit.parents[0])
        roster = roster if isinstance(roster, Roster) else nobody
        groups.setdefault(id(roster), (roster, []))[1].append((commit, policy))
    found: dict[str, CommitFacts] = {}
    with tempfile.TemporaryDirectory(prefix="cmplt-signers-") as folder:
        for index, (roster, members) in enumerate(groups.values()):
            keyed = {name: m.signing_key for name, m in roster.staff.items() if m.signing_key}
            principals = {f"staff-{n}": name for n, name in enumerate(keyed)}
            allowed = Path(folder) / f"allowed-{index}"
            allowed.write_text(
                allowed_signers({p: keyed[name] for p, name in principals.items()}),
                encoding="utf-8",
            )
            verify = any(policy.identity.mode == "signed" for _, policy in members)
            checked = gitlog.commit_signatures(
                worktree, [c.id for c, _ in members], allowed if verify else None
            )
            for commit, policy in members:
                said = checked.get(commit.id)
                if said is None:
                    continue
                signed = policy.identity.mode == "signed"
                found[commit.id] = CommitFacts(
                    policy,
                    roster,
                    said.author_email,
                    said.committer_email,
                    said.status if signed else None,
                    principals.get(said.principal) if signed else None,
                )
    return found


def _ever_bound(worktree: Path, prefix: str) -> bool:
    """Whether any committed version of the policy says `git` or `signed`: its
    versions as `validate` reads them (snapshot.policy_timeline, remembered under
    .git/ and walked only since the last time), with HEAD's version as the newest
    (an uncommitted edit of the file must not hide what history says)."""
    from cmplt.snapshot import policy_timeline

    root = worktree / prefix if prefix else worktree
    relpath = prefix + store.POLICY_FILE
    _parents, (committed,) = gitlog.committed_files(worktree, "HEAD", [relpath])
    if committed is None:
        return False
    try:
        head = store.validate_loaded(Policy, store.load_bytes(committed[1], relpath))
    except InvalidFile:
        return True  # HEAD's policy cannot be read: judge by each commit's own
    if head.identity.mode != "names":
        return True
    try:
        timeline = policy_timeline(root, worktree, head)
    except CmpltError:
        return True
    return any(policy.identity.mode != "names" for _when, policy in timeline.versions)


def _files_at(
    worktree: Path, revs: Sequence[str], relpath: str, model: type[Policy | Roster] = Policy
) -> dict[str, Policy | Roster | None]:
    """{rev: the file at rev, read as `model`} (None where missing or unreadable); each
    distinct version read once."""
    unique = sorted(set(revs))
    blobs = gitlog.object_ids(worktree, [f"{rev}:{relpath}" for rev in unique])
    distinct = sorted({b for b in blobs if b is not None})
    read: dict[str, Policy | Roster | None] = {}
    for blob, raw in zip(distinct, gitlog.blob_contents(worktree, distinct), strict=True):
        if raw is None or (model is Policy and b"identity" not in raw):
            read[blob] = None  # a policy that never says `identity` is under `names`
            continue
        try:
            read[blob] = store.validate_loaded(model, store.load_bytes(raw, relpath))
        except InvalidFile:
            read[blob] = None
    return {rev: read.get(blob) if blob else None for rev, blob in zip(unique, blobs, strict=True)}


def roster_changes_unbound(
    worktree: Path, prefix: str, revs: Sequence[str], only: set[str]
) -> list[tuple[HistoryCommit, str, str]]:
    """(commit, kind, why) of each of the roster changes among `only` not bound to their
    actor under `git` or `signed`: a roster change is never typed on someone's behalf,
    and one made without cmplt (no `Actor` trailer) is bound to nobody."""
    relpath = prefix + store.ROSTER_FILE
    if not _ever_bound(worktree, prefix):
        return []
    changes = [c for c in gitlog.path_commits(worktree, revs, relpath) if c.id in only]
    facts = commit_facts(worktree, prefix, changes)
    found: list[tuple[HistoryCommit, str, str]] = []
    for commit in changes:
        known = facts.get(commit.id)
        if known is None:
            continue
        actor = gitlog.parse_trailers(commit.message).get("Actor", "")
        if not known.roster.staff:
            continue  # the first person adds themself: nobody to be bound to yet
        unbound = commit_unbound(known, {"by": actor, "action": "staff"})
        if unbound is not None:
            found.append((commit, *unbound))
    return found
