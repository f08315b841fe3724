"""Whose hand typed a step: the policy's `identity` (README, "Identities: names, git,
signed"). No I/O here: the git identity of the clone and its signing key come in.

- `names`: the name in `--by` is trusted; a step records the git identity that typed
  it as `entered_by` when that is someone else (the reading below).
- `git`: the git identity running the step must be the actor's roster email; a step
  the policy lets be typed on someone's behalf is taken from a typist on the roster
  (by email) and records `entered_by`.
- `signed`: as `git`, and the commit is signed with the roster key of the actor (or,
  on behalf, of the typist), with git's own SSH signing.

The reading of "differs" (README, "Readings…"): the actor has a roster email and
git's user.email is not it, or git's user.email is the roster email of a different
person. Emails are compared without regard to case. With no email on either side
there is nothing to compare, and nothing is recorded: a registry without emails keeps
byte-identical files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cmplt.errors import StepRefused
from cmplt.gitlog import GitUser
from cmplt.i18n import _
from cmplt.policy import NEVER_ON_BEHALF, Policy, Roster
from cmplt.sshkeys import key_of


def watches(policy: Policy, roster: Roster) -> bool:
    """Whether a step needs git's identity at all: under `names` with no email on the
    roster nothing could be compared, and a step spends no git process on it."""
    return policy.identity.mode != "names" or any(m.email for m in roster.staff.values())


def person_by_email(roster: Roster, email: str) -> str | None:
    """The roster name whose email this is (compared without regard to case)."""
    wanted = email.casefold()
    if not wanted:
        return None
    return next(
        (name for name, m in roster.staff.items() if m.email and m.email.casefold() == wanted),
        None,
    )


def carries_approval(action: str, fields: Mapping[str, Any]) -> bool:
    """An approval, or a step that carries its own (an approver's extension, work order
    or reclassification; an archive with a callback waived)."""
    if action == "approve":
        return True
    if fields.get("approved_by") and not fields.get("requested"):
        return True
    return action == "close" and bool(fields.get("waived"))


def may_be_on_behalf(policy: Policy, action: str, fields: Mapping[str, Any]) -> bool:
    """Whether the policy lets this step be typed in for someone else: listed in
    `identity.on_behalf`, and never an approval or a callback (回访制度 1-4: the
    caller's own call)."""
    step = "new" if action == "received" else action
    if step in NEVER_ON_BEHALF or carries_approval(action, fields):
        return False
    return step in policy.identity.on_behalf


@dataclass(frozen=True)
class Binding:
    """What a step records of who typed it, and whose key must sign it."""

    entered_by: str | None = None
    signer: str | None = None  # the roster name whose key signs (identity: signed)


def bind(
    policy: Policy,
    roster: Roster,
    actor: str,
    action: str,
    fields: Mapping[str, Any],
    user: GitUser,
    clone_key: str | None,
) -> Binding:
    """Check the step's actor against the git identity typing it, as the policy's
    `identity` says; StepRefused (nothing written yet) when it does not hold.
    `clone_key`: the public key this clone signs with (identity: signed), or None."""
    mode = policy.identity.mode
    step = "new" if action == "received" else action  # the command a person typed
    member = roster.staff.get(actor)
    actor_email = member.email if member is not None and member.email else ""
    typist = person_by_email(roster, user.email)
    same = bool(actor_email) and actor_email.casefold() == user.email.casefold()
    if mode == "names":
        if not user.email or same:
            return Binding()
        differs = bool(actor_email) or (typist is not None and typist != actor)
        return Binding(entered_by=user.git_form() if differs else None)
    if not user.email:
        raise StepRefused(
            _(
                "identity {mode}: git has no user.email in this clone, so it cannot say who "
                "is typing for {actor} (git config user.email …)"
            ).format(mode=mode, actor=actor)
        )
    binding = Binding(signer=actor)
    if not same:
        if not may_be_on_behalf(policy, action, fields):
            raise StepRefused(
                _(
                    "identity {mode}: this clone's git identity is {user}, not {actor} "
                    "({email}); {step} is not typed on someone's behalf"
                ).format(
                    mode=mode,
                    user=user.git_form(),
                    actor=actor,
                    email=actor_email or _("no email on the roster"),
                    step=step,
                )
            )
        if typist is None or roster.staff[typist].removed:
            raise StepRefused(
                _(
                    "identity {mode}: {user} types {step} for {actor}, but nobody on the "
                    "roster has the email {email} (cmplt staff set NAME --email …)"
                ).format(mode=mode, user=user.git_form(), step=step, actor=actor, email=user.email)
            )
        binding = Binding(entered_by=user.git_form(), signer=typist)
    if mode == "signed":
        _require_key(roster, binding.signer or actor, user, clone_key)
    return binding


def _require_key(roster: Roster, signer: str, user: GitUser, clone_key: str | None) -> None:
    """identity: signed: the clone signs with SSH, with the signer's roster key."""
    wanted = roster.staff[signer].signing_key
    if wanted is None:
        raise StepRefused(
            _(
                "identity signed: {name} has no signing key on the roster "
                "(cmplt staff set {name} --signing-key …)"
            ).format(name=signer)
        )
    if user.gpg_format != "ssh":
        raise StepRefused(
            _(
                "identity signed: this clone signs with {format}, not ssh "
                "(git config gpg.format ssh)"
            ).format(format=user.gpg_format)
        )
    if clone_key is None:
        raise StepRefused(
            _(
                "identity signed: this clone has no signing key (git config user.signingkey "
                "PATH-TO-KEY.pub) for {name}"
            ).format(name=signer)
        )
    if key_of(clone_key) != key_of(wanted):
        raise StepRefused(
            _(
                "identity signed: this clone's signing key ({key}) is not {name}'s roster key; "
                "nothing was written"
            ).format(key=_short(clone_key), name=signer)
        )


def _short(key: str) -> str:
    kind, _sep, rest = key_of(key).partition(" ")
    return f"{kind} …{rest[-12:]}"


# --- audit: each step commit against the roster as it stood -----------------------------


@dataclass(frozen=True)
class CommitFacts:
    """What `audit` knows of a step commit under `identity: git` or `signed`: the
    policy and roster of its parent (as they stood when the step was taken; a person
    is never judged by a roster change of their own), and what git says of it."""

    policy: Policy
    roster: Roster
    author_email: str
    committer_email: str
    # signed: git's %G? against an allowed-signers file of the parent's roster, and the
    # roster name whose key made the signature (None: no roster key did)
    signature: str | None = None
    signed_by: str | None = None


def _email_of(git_form: str) -> str:
    return git_form.rpartition("<")[2].rstrip(">").strip()


def commit_unbound(facts: CommitFacts, event: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, why) when the commit of a step (`event`: the one it added) is not bound
    to the person the policy says it must be; None when it is."""
    mode = facts.policy.identity.mode
    actor = str(event.get("by") or "")
    action = str(event.get("action") or "")
    member = facts.roster.staff.get(actor)
    actor_email = member.email if member is not None and member.email else ""
    problems: list[str] = []
    entered_by = event.get("entered_by")
    signer = actor
    typist_email = actor_email
    if isinstance(entered_by, str) and entered_by:
        typist_email = _email_of(entered_by)
        typist = person_by_email(facts.roster, typist_email)
        if not may_be_on_behalf(facts.policy, action, event):
            problems.append(
                _("{step} is not typed on someone's behalf, but {typist} typed it for {actor}")
                .format(step=action, typist=entered_by, actor=actor)
            )  # fmt: skip
        elif typist is None:
            problems.append(
                _("typed by {typist}, whose email is nobody's on the roster").format(
                    typist=entered_by
                )
            )
        else:
            signer = typist
    if not actor_email or facts.author_email.casefold() != actor_email.casefold():
        problems.append(
            _("authored as {email}, not {actor}'s roster email ({roster})").format(
                email=facts.author_email or "-",
                actor=actor,
                roster=actor_email or _("no email on the roster"),
            )
        )
    elif not typist_email or facts.committer_email.casefold() != typist_email.casefold():
        problems.append(
            _("committed by {email}, not {name}'s roster email").format(
                email=facts.committer_email or "-", name=signer
            )
        )
    kind = "wrong-identity"
    if mode == "signed":
        signature = facts.signature or "N"
        if signature == "N":
            kind = "unsigned"
            problems.insert(
                0, _("not signed; {name}'s roster key must sign it").format(name=signer)
            )
        elif signature != "G" or facts.signed_by != signer:
            kind = "wrong-signature"
            by = (
                _("{name}'s key").format(name=facts.signed_by)
                if signature == "G" and facts.signed_by
                else _("a key not on the roster")
                if signature in ("G", "U")
                else _("a signature git cannot verify ({status})").format(status=signature)
            )
            problems.insert(
                0, _("signed with {by}, not {name}'s roster key").format(by=by, name=signer)
            )
    if not problems:
        return None
    return kind, _("identity {mode}: ").format(mode=mode) + "; ".join(problems)
