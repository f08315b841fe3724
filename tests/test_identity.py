"""Names bound to people (policy `identity`): the roster's emails and SSH keys, the
git identity that typed each step (`entered_by`), steps refused under `git` and
`signed` when typed by the wrong person or signed with the wrong key, and `audit`
catching signatures forged or missing. Real keys from ssh-keygen, real repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import INTAKE, NOW, Reg, commit_policy_lines

assert shutil.which("ssh-keygen"), "ssh-keygen is needed: apt-get install openssh-client"

EMAILS = {
    "张三": "zhang@wy.example",
    "陈主管": "chen@wy.example",
    "赵经理": "zhao@wy.example",
    "李工": "li@wy.example",
}
# the policy in force from before every step of the tests (validate reads it as of then)
EARLY = "2026-01-01T00:00:00+08:00"


def keypair(folder: Path, name: str) -> Path:
    """A fresh ed25519 key without a passphrase; its public half's path."""
    key = folder / f"{name}-key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key.with_suffix(".pub")


def typing_as(reg: Reg, name: str, email: str, key: Path | None = None) -> None:
    """This clone's git identity (and signing key) from now on."""
    reg.git("config", "user.name", name)
    reg.git("config", "user.email", email)
    if key is not None:
        reg.git("config", "gpg.format", "ssh")
        reg.git("config", "user.signingkey", str(key))


def with_emails(reg: Reg, keys: dict[str, Path] | None = None) -> None:
    """Give the roster's people their emails (and keys), as the manager does."""
    for name, email in EMAILS.items():
        args = ["staff", "set", name, "--email", email, "--by", "赵经理"]
        if keys and name in keys:
            args += ["--signing-key", str(keys[name])]
        reg.ok(*args)


def identity(reg: Reg, mode: str) -> None:
    commit_policy_lines(reg, {r"^identity: .*": f"identity: {mode}"}, EARLY)


def events(reg: Reg, cid: str) -> list[dict[str, object]]:
    data = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))
    return list(data["events"])


def state(reg: Reg) -> tuple[str, str, dict[str, bytes]]:
    """HEAD, git status and every file's bytes: what a refused step must leave alone."""
    files = {
        p.relative_to(reg.root).as_posix(): p.read_bytes()
        for p in reg.root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(reg.root).parts
    }
    status = reg.git("status", "--porcelain", "--untracked-files=all")
    return reg.head(), status, files


def refused(reg: Reg, *args: str) -> str:
    """The step is refused in one line (exit 4) and nothing changes."""
    before = state(reg)
    result = reg.run(*args)
    assert result.code == 4, result
    assert result.out == ""
    assert len(result.err.splitlines()) == 1, result
    assert state(reg) == before
    return result.err


# --- the roster -----------------------------------------------------------------------


def test_the_roster_keeps_an_email_and_a_signing_key(reg: Reg, tmp_path: Path) -> None:
    public = keypair(tmp_path, "wu")
    reg.ok(
        "staff", "add", "吴工", "--role", "staff", "--department", "工程部",
        "--email", "wu@wy.example", "--signing-key", str(public), "--by", "赵经理",
    )  # fmt: skip
    listed = {p["name"]: p for p in json.loads(reg.ok("staff", "list", "--format", "json").out)}
    assert listed["吴工"]["email"] == "wu@wy.example"
    assert listed["吴工"]["signing_key"] == public.read_text(encoding="utf-8").strip()
    assert "ssh-ed25519" in reg.ok("staff", "list").out
    # the key typed as its line works as well as its file; set changes both
    other = keypair(tmp_path, "wu2").read_text(encoding="utf-8").strip()
    reg.ok("staff", "set", "吴工", "--email", "wu.gong@wy.example", "--signing-key", other,
           "--by", "赵经理")  # fmt: skip
    roster = yaml.safe_load((reg.root / "staff.yaml").read_text(encoding="utf-8"))
    assert roster["staff"]["吴工"]["email"] == "wu.gong@wy.example"
    assert roster["staff"]["吴工"]["signing_key"] == other
    # the private half given by mistake is refused, and not echoed
    before = state(reg)
    private = public.with_suffix("")
    result = reg.run("staff", "set", "吴工", "--signing-key", str(private), "--by", "赵经理")
    assert result.code == 2, result
    assert result.err.startswith("cmplt: --signing-key: "), result
    assert "must be one line" in result.err and "PRIVATE" not in result.err
    assert state(reg) == before
    schema = json.loads(reg.ok("schema", "roster").out)
    member = schema["$defs"]["StaffMember"]["properties"]
    assert {"email", "signing_key"} <= set(member)
    assert "identity" in json.loads(reg.ok("schema", "policy").out)["properties"]
    assert reg.ok("validate", "-q").out == ""


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--email", "not an address", "--email: not an email address"),
        ("--signing-key", "ssh-ed25519 bm90IGEga2V5", "--signing-key: not an SSH public key"),
        ("--signing-key", "ssh-rsa", "--signing-key: not an SSH public key"),
    ],
)
def test_a_wrong_email_or_key_is_refused(reg: Reg, option: str, value: str, said: str) -> None:
    before = state(reg)
    for args in (
        ["staff", "add", "吴工", "--role", "staff", option, value, "--by", "赵经理"],
        ["staff", "set", "张三", option, value, "--by", "赵经理"],
    ):
        result = reg.run(*args)
        assert result.code == 2, result
        assert len(result.err.splitlines()) == 1 and said in result.err, result
        assert state(reg) == before


def test_one_email_is_one_person(reg: Reg) -> None:
    reg.ok("staff", "set", "张三", "--email", "desk@wy.example", "--by", "赵经理")
    before = state(reg)
    result = reg.run("staff", "set", "陈主管", "--email", "Desk@wy.example", "--by", "赵经理")
    assert result.code == 2, result
    assert result.err == "cmplt: --email: Desk@wy.example is 张三's email already\n"
    assert state(reg) == before
    # written by hand, validate says so
    roster = reg.root / "staff.yaml"
    text = roster.read_text(encoding="utf-8")
    roster.write_text(
        text.replace("  陈主管:\n", "  陈主管:\n    email: Desk@wy.example\n"), encoding="utf-8"
    )
    result = reg.run("validate")
    assert result.code == 1, result
    assert "staff.陈主管.email: Desk@wy.example is 张三's email too" in result.out


# --- names: entered_by per the reading ---------------------------------------------------


def test_names_records_who_typed_a_step_for_someone_else(reg: Reg) -> None:
    with_emails(reg)
    typing_as(reg, "张三", EMAILS["张三"])
    cid = reg.new()  # 张三 at their own desk: nothing to record
    reg.ok("note", cid, "--by", "张三", "--text", "客户又来电")
    # 张三's clone, a note by 陈主管: 张三 typed it
    reg.ok("note", cid, "--by", "陈主管", "--text", "主管已知悉")
    # a person without an email (王主管), typed by a roster email: recorded
    reg.ok("note", cid, "--by", "王主管", "--text", "已到场")
    # a clone whose git email is nobody's on the roster: 王主管 has no email, nothing to
    # compare; 陈主管 has one, and this is not it
    typing_as(reg, "前台电脑", "desk-pc@wy.example")
    reg.ok("note", cid, "--by", "王主管", "--text", "材料已订")
    reg.ok("note", cid, "--by", "陈主管", "--text", "已回电")
    found = [(e["by"], e.get("entered_by")) for e in events(reg, cid)]
    assert found == [
        ("张三", None),
        ("张三", None),
        ("陈主管", "张三 <zhang@wy.example>"),
        ("王主管", "张三 <zhang@wy.example>"),
        ("王主管", None),
        ("陈主管", "前台电脑 <desk-pc@wy.example>"),
    ]
    text = reg.record(cid).read_text(encoding="utf-8")
    assert "    by: 陈主管\n    entered_by: 张三 <zhang@wy.example>\n" in text
    shown = reg.ok("show", cid).out
    assert "entered by: 张三 <zhang@wy.example>" in shown
    logged = reg.ok("log", cid).out
    assert "张三 <zhang@wy.example>" in logged
    assert reg.ok("validate", "-q").out == ""
    assert reg.ok("audit").out == ""


def test_names_without_emails_writes_the_same_bytes_whoever_types(reg: Reg, tmp_path: Path) -> None:
    other = Reg(tmp_path / "other")
    shutil.copytree(reg.root, other.root, symlinks=True)
    typing_as(other, "前台电脑", "desk-pc@wy.example")
    seeded = {"CMPLT_SEED": "identity"}
    for registry in (reg, other):
        intake = [f"--{k.replace('_', '-')}={v}" for k, v in INTAKE.items()]
        cid = registry.ok("new", "--by", "张三", *intake, env=seeded).out.split()[0]
        registry.ok("note", cid, "--by", "陈主管", "--text", "已知悉", env=seeded)
    files = [sorted((r.root / "complaints").rglob("*.yaml")) for r in (reg, other)]
    assert [p.name for p in files[0]] == [p.name for p in files[1]]
    assert [p.read_bytes() for p in files[0]] == [p.read_bytes() for p in files[1]]
    assert b"entered_by" not in files[0][0].read_bytes()


# --- git: the git identity must be the actor, but for steps typed on someone's behalf ---


@pytest.fixture
def bound(reg: Reg) -> Reg:
    """Emails on the roster, `identity: git`, this clone 张三's."""
    with_emails(reg)
    identity(reg, "git")
    typing_as(reg, "张三", EMAILS["张三"])
    return reg


def test_git_refuses_a_step_typed_as_someone_else(bound: Reg) -> None:
    cid = bound.new()
    err = refused(bound, "escalate", cid, "--by", "陈主管", "--to", "赵经理", "--reason", "急")
    assert err == (
        "cmplt: identity git: this clone's git identity is 张三 <zhang@wy.example>, not 陈主管 "
        "(chen@wy.example); escalate is not typed on someone's behalf\n"
    )
    # a person without an email cannot be bound to anyone
    err = refused(bound, "escalate", cid, "--by", "王主管", "--to", "赵经理", "--reason", "急")
    assert "not 王主管 (no email on the roster)" in err
    # `new` is typed for others only while the policy lists it
    commit_policy_lines(
        bound, {r"^identity: .*": "identity: {mode: git, on_behalf: [note]}"}, EARLY
    )
    intake = [f"--{k.replace('_', '-')}={v}" for k, v in INTAKE.items()]
    err = refused(bound, "new", "--by", "陈主管", *intake)
    assert err.endswith("(chen@wy.example); new is not typed on someone's behalf\n")
    # a clone git knows no email for
    bound.git("config", "user.email", "")
    assert "git has no user.email" in refused(bound, "note", cid, "--by", "张三", "--text", "x")


def test_git_takes_a_step_typed_on_someone_s_behalf_and_records_the_typist(bound: Reg) -> None:
    cid = bound.new(by="陈主管")  # `new` is on the policy's on_behalf list
    first = events(bound, cid)[0]
    assert first["by"] == "陈主管" and first["entered_by"] == "张三 <zhang@wy.example>"
    # the author is the actor, the committer the typist
    assert bound.git("log", "-1", "--format=%an <%ae> / %cn <%ce>").strip() == (
        "陈主管 <chen@wy.example> / 张三 <zhang@wy.example>"
    )
    bound.ok("note", cid, "--by", "张三", "--text", "客户又来电")  # 张三's own: nothing
    assert "entered_by" not in events(bound, cid)[-1]
    assert bound.ok("validate", "-q").out == ""
    assert bound.ok("audit").out == ""


def test_git_never_takes_approvals_or_callbacks_on_behalf(bound: Reg) -> None:
    commit_policy_lines(
        bound,
        {r"^identity: .*": "identity: {mode: git, on_behalf: [new, note, resolve, dispatch]}"},
        EARLY,
    )
    cid = bound.new()
    # an approver's dispatch carries its approval (规程 4.3.1): only the approver types it
    err = refused(bound, "dispatch", cid, "--by", "陈主管", "--to", "工程部")
    assert "dispatch is not typed on someone's behalf" in err
    bound.ok("dispatch", cid, "--by", "张三", "--to", "工程部")  # 张三's own: a request
    assert "approve is not typed" in refused(bound, "approve", cid, "--by", "陈主管")
    typing_as(bound, "陈主管", EMAILS["陈主管"])
    bound.ok("approve", cid, "--by", "陈主管")
    typing_as(bound, "李工", EMAILS["李工"])
    bound.ok("accept", cid, "--by", "李工")
    typing_as(bound, "陈主管", EMAILS["陈主管"])
    bound.ok("resolve", cid, "--by", "李工", "--result", "已更换按钮")  # on behalf, recorded
    assert events(bound, cid)[-1]["entered_by"] == "陈主管 <chen@wy.example>"
    err = refused(bound, "callback", cid, "--by", "赵经理", "--satisfaction", "satisfied")
    assert "callback is not typed on someone's behalf" in err
    # a typist who is not on the roster by email types nothing for anyone
    typing_as(bound, "前台电脑", "desk-pc@wy.example")
    err = refused(bound, "note", cid, "--by", "张三", "--text", "客户来电")
    assert "nobody on the roster has the email desk-pc@wy.example" in err
    # nor is the roster changed by someone else's hand
    err = refused(bound, "staff", "set", "张三", "--role", "supervisor", "--by", "赵经理")
    assert "not 赵经理 (zhao@wy.example); staff is not typed" in err
    bad = "identity: {mode: git, on_behalf: [note, callback]}"
    commit_policy_lines(bound, {r"^identity: .*": bad}, EARLY)
    result = bound.run("validate")
    assert result.code == 1, result
    assert "callback can never be typed on someone's behalf" in result.out


# --- signed: commits signed with the roster key of whoever must sign -------------------


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    return {name: keypair(tmp_path, f"k{index}") for index, name in enumerate(EMAILS)}


@pytest.fixture
def signed(reg: Reg, keys: dict[str, Path]) -> Reg:
    """Emails and keys on the roster, `identity: signed`, this clone 张三's."""
    with_emails(reg, keys)
    identity(reg, "signed")
    typing_as(reg, "张三", EMAILS["张三"], keys["张三"])
    return reg


def signature(reg: Reg, keys: dict[str, Path], rev: str = "HEAD") -> str:
    """%G? and the signer, checked against every roster key (principal: the email)."""
    allowed = reg.root.parent / "allowed"
    allowed.write_text(
        "".join(f"{EMAILS[n]} {k.read_text(encoding='utf-8')}" for n, k in keys.items()),
        encoding="utf-8",
    )
    return reg.git(
        "-c", f"gpg.ssh.allowedSignersFile={allowed}", "log", "-1", "--format=%G? %GS", rev
    ).strip()


def test_signed_steps_are_signed_with_the_actor_s_roster_key(
    signed: Reg, keys: dict[str, Path]
) -> None:
    cid = signed.new()
    assert signature(signed, keys) == f"G {EMAILS['张三']}"
    # commit.gpgsign is false here (conftest): the policy signs all the same
    assert signed.git("config", "commit.gpgsign").strip() == "false"
    # on behalf: signed by the typist, who is on the roster with this key
    signed.ok("note", cid, "--by", "陈主管", "--text", "主管已知悉")
    assert signature(signed, keys) == f"G {EMAILS['张三']}"
    assert events(signed, cid)[-1]["entered_by"] == "张三 <zhang@wy.example>"
    assert signed.ok("audit").out == ""


def test_signed_refuses_a_clone_whose_key_is_not_the_roster_s(
    signed: Reg, keys: dict[str, Path], tmp_path: Path
) -> None:
    cid = signed.new()
    signed.git("config", "user.signingkey", str(keys["陈主管"]))
    err = refused(signed, "note", cid, "--by", "张三", "--text", "客户又来电")
    assert err.startswith("cmplt: identity signed: this clone's signing key (ssh-ed25519 …")
    assert err.endswith(" is not 张三's roster key; nothing was written\n")
    stranger = keypair(tmp_path, "stranger")
    signed.git("config", "user.signingkey", f"key::{stranger.read_text(encoding='utf-8')}")
    assert "is not 张三's roster key" in refused(signed, "note", cid, "--by", "张三", "--text", "x")
    signed.git("config", "--unset", "user.signingkey")
    assert "has no signing key" in refused(signed, "note", cid, "--by", "张三", "--text", "x")
    signed.git("config", "user.signingkey", str(keys["张三"]))
    signed.git("config", "gpg.format", "openpgp")
    assert "signs with openpgp, not ssh" in refused(
        signed, "note", cid, "--by", "张三", "--text", "x"
    )
    # nobody gives themself an email (or a key) under `signed`: 孙总 is not on the
    # roster by this clone's email yet
    signed.git("config", "gpg.format", "ssh")
    typing_as(signed, "孙总", "sun@wy.example")
    err = refused(signed, "staff", "set", "孙总", "--email", "sun@wy.example", "--by", "孙总")
    assert "not 孙总 (no email on the roster)" in err


# --- audit: every step's commit against the roster as it stood ------------------------


def plain_git(reg: Reg, *args: str) -> None:
    """git itself, dated at the tests' frozen now (so that nothing looks backdated)."""
    dates = {"GIT_AUTHOR_DATE": NOW, "GIT_COMMITTER_DATE": NOW}
    subprocess.run(["git", *args], cwd=reg.root, env={**os.environ, **dates}, check=True)


def audit(reg: Reg) -> list[dict[str, object]]:
    result = reg.run("audit", "--format", "json")
    assert result.code in (0, 1), result
    findings: list[dict[str, object]] = json.loads(result.out)["findings"]
    return findings


def test_audit_catches_a_forged_signature_and_an_unsigned_step(
    signed: Reg, keys: dict[str, Path], tmp_path: Path
) -> None:
    cid = signed.new()
    signed.ok("note", cid, "--by", "张三", "--text", "客户又来电")
    assert audit(signed) == []
    # 陈主管's note, committed with plain git and the right trailers, signed with a key
    # that is not 陈主管's (a stranger's: the clone pretends to be 陈主管)
    stranger = keypair(tmp_path, "forger")
    typing_as(signed, "陈主管", EMAILS["陈主管"], stranger)
    path = signed.record(cid)
    relpath = path.relative_to(signed.root).as_posix()
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "  - id: 7QF3ZK2M\n    action: note\n    at: '2026-11-28T09:00:00+08:00'\n"
        "    recorded_at: '2026-11-28T09:00:00+08:00'\n    by: 陈主管\n    text: 已安排维修\n",
        encoding="utf-8",
    )
    message = f"{cid}: note 已安排维修\n\nComplaint-Id: {cid}\nAction: note\nActor: 陈主管\n"
    plain_git(signed, "commit", "-q", "-S", "--author", f"陈主管 <{EMAILS['陈主管']}>",
              "-m", message, "--", relpath)  # fmt: skip
    forged = signed.head()
    # and 张三's next step, committed unsigned
    typing_as(signed, "张三", EMAILS["张三"], keys["张三"])
    signed.ok("note", cid, "--by", "张三", "--text", "已告知客户")
    plain_git(signed, "commit", "-q", "--amend", "--no-edit", "--no-gpg-sign")
    unsigned = signed.head()
    found = audit(signed)
    assert [(f["commit"], f["what"], f["path"]) for f in found] == [
        (forged, "wrong-signature", relpath),
        (unsigned, "unsigned", relpath),
    ]
    assert found[0]["message"] == (
        "identity signed: signed with a key not on the roster, not 陈主管's roster key"
    )
    assert found[1]["message"] == "identity signed: not signed; 张三's roster key must sign it"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[int(str(found[0]["line"])) - 1] == "  - id: 7QF3ZK2M"
    # a commit signed by another person's roster key is theirs, not the actor's
    typing_as(signed, "张三", EMAILS["张三"], keys["赵经理"])
    plain_git(signed, "commit", "-q", "--amend", "--no-edit", "-S")
    found = audit(signed)
    assert found[-1]["what"] == "wrong-signature"
    assert found[-1]["message"] == (
        "identity signed: signed with 赵经理's key, not 张三's roster key"
    )
    text_out = signed.run("audit").out
    assert f"commit {signed.head()[:10]} 张三: {relpath}:" in text_out
    # an uncommitted edit of the policy back to names hides nothing from a fresh audit
    policy = signed.root / "cmplt.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("identity: signed", "identity: names"),
        encoding="utf-8",
    )
    (signed.root / ".git" / "cmplt-audit.json").unlink()
    assert [f["what"] for f in audit(signed)] == ["wrong-signature", "wrong-signature"]


def test_audit_under_git_reports_a_step_authored_by_another_email(bound: Reg) -> None:
    cid = bound.new()
    bound.ok("note", cid, "--by", "陈主管", "--text", "主管已知悉")  # on behalf: fine
    assert audit(bound) == []
    plain_git(bound, "commit", "-q", "--amend", "--no-edit",
              "--author", "陈主管 <boss@elsewhere.example>")  # fmt: skip
    found = audit(bound)
    assert [(f["what"], f["message"]) for f in found] == [
        (
            "wrong-identity",
            "identity git: authored as boss@elsewhere.example, not 陈主管's roster email "
            "(chen@wy.example)",
        )
    ]
    assert found[0]["commit"] == bound.head()


def test_audit_binds_roster_changes_under_signed(signed: Reg, keys: dict[str, Path]) -> None:
    # the manager, in their own clone, with their own key: bound
    typing_as(signed, "赵经理", EMAILS["赵经理"], keys["赵经理"])
    signed.ok("staff", "set", "张三", "--role", "cs_supervisor", "--by", "赵经理")
    assert audit(signed) == []
    # 张三 gives themself another key by hand, with trailers claiming the manager did
    roster = signed.root / "staff.yaml"
    text = roster.read_text(encoding="utf-8")
    roster.write_text(text.replace("  张三:\n", "  张三:\n    phone: '13900000000'\n"), "utf-8")
    typing_as(signed, "张三", EMAILS["张三"], keys["张三"])
    message = "staff: set 张三\n\nAction: staff-set\nActor: 赵经理\n"
    plain_git(signed, "commit", "-q", "-S", "--author", f"赵经理 <{EMAILS['赵经理']}>",
              "-m", message, "--", "staff.yaml")  # fmt: skip
    found = audit(signed)
    assert [(f["commit"], f["path"], f["what"]) for f in found] == [
        (signed.head(), "staff.yaml", "wrong-signature")
    ]
    assert found[0]["message"] == (
        "identity signed: signed with 张三's key, not 赵经理's roster key; "
        "committed by zhang@wy.example, not 赵经理's roster email"
    )


def test_validate_knows_what_was_never_typed_on_behalf(bound: Reg) -> None:
    cid = bound.new(by="陈主管")  # typed by 张三 on 陈主管's behalf: fine
    assert bound.ok("validate", "-q").out == ""
    # 赵经理's note typed by 张三, written in by hand
    path = bound.record(cid)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "  - id: 7QF3ZK2M\n    action: note\n    at: '2026-11-28T09:00:00+08:00'\n"
        "    recorded_at: '2026-11-28T09:00:00+08:00'\n    by: 赵经理\n"
        "    entered_by: 张三 <zhang@wy.example>\n    text: 已回访\n",
        encoding="utf-8",
    )
    assert bound.ok("validate", "-q").out == ""  # a note may be typed on behalf
    # under a policy that lets only `new` be typed for someone else, it may not
    commit_policy_lines(bound, {r"^identity: .*": "identity: {mode: git, on_behalf: [new]}"}, EARLY)
    result = bound.run("validate", str(path))
    assert result.code == 1, result
    assert result.out.endswith(
        "events.1.entered_by: identity git then: note is not typed on someone's behalf\n"
    )


def test_an_odd_git_name_is_still_a_git_identity(reg: Reg) -> None:
    with_emails(reg)
    cid = reg.new()
    typing_as(reg, "", "desk-pc@wy.example")
    reg.ok("note", cid, "--by", "陈主管", "--text", "已知悉")
    typing_as(reg, "前台 <电脑>", "desk-pc@wy.example")
    reg.ok("note", cid, "--by", "陈主管", "--text", "已回电")
    assert [e.get("entered_by") for e in events(reg, cid)[-2:]] == [
        "desk-pc@wy.example <desk-pc@wy.example>",
        "前台 电脑 <desk-pc@wy.example>",
    ]
