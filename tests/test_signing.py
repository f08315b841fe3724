"""A registry whose git signs its commits (`commit.gpgsign`): cmplt's commits are
signed as `git commit`'s would be, with a real SSH key; without the setting they
are not; a key that cannot sign fails the step in one line and changes nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import NOW, Reg, run_cli

# ssh-keygen (Debian's openssh-client) makes the keys; .ci/run installs it when missing
assert shutil.which("ssh-keygen"), "ssh-keygen is needed: apt-get install openssh-client"

# the committer of every test commit (conftest's global git config)
COMMITTER = "runner@example.invalid"


def signing_key(folder: Path) -> Path:
    """A fresh ed25519 key without a passphrase; its public half's path."""
    key = folder / "signing-key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cmplt test", "-f", str(key)],
        check=True,
    )
    return key.with_suffix(".pub")


def sign_with(root: Path, public_key: Path, allowed: Path) -> None:
    """Configure the repository to sign with the key, and to trust it when verifying."""
    allowed.write_text(f"{COMMITTER} {public_key.read_text(encoding='utf-8')}", encoding="utf-8")
    for key, value in (
        ("gpg.format", "ssh"),
        ("user.signingkey", str(public_key)),
        ("gpg.ssh.allowedSignersFile", str(allowed)),
        ("commit.gpgsign", "true"),
    ):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)


def verify(root: Path, rev: str = "HEAD") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "verify-commit", "--raw", rev],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def signed(reg: Reg, tmp_path: Path) -> Reg:
    sign_with(reg.root, signing_key(tmp_path), tmp_path / "allowed_signers")
    return reg


def test_a_step_in_a_signing_repository_is_a_signed_commit(signed: Reg) -> None:
    cid = signed.new()
    assert verify(signed.root).returncode == 0, verify(signed.root).stderr
    signed.ok("note", cid, "--by", "张三", "--text", "客户又来电")
    checked = verify(signed.root)
    assert checked.returncode == 0, checked.stderr
    assert "GOODSIG" in checked.stderr or "Good" in checked.stderr
    shown = signed.git("log", "--show-signature", "-1", "--format=%G? %s")
    assert f'Good "git" signature for {COMMITTER}' in shown
    assert shown.rstrip().endswith(f"G {cid}: note 客户又来电")
    # what was signed is still what cmplt commits: one file, the usual trailers
    assert signed.git("show", "--name-only", "--format=", "HEAD").split() == [
        signed.record(cid).relative_to(signed.root).as_posix()
    ]
    assert signed.ok("audit").out == ""


def test_without_gpgsign_the_commit_is_not_signed(reg: Reg, tmp_path: Path) -> None:
    sign_with(reg.root, signing_key(tmp_path), tmp_path / "allowed_signers")
    reg.git("config", "commit.gpgsign", "false")
    reg.new()
    assert verify(reg.root).returncode != 0
    assert reg.git("log", "-1", "--format=%G?").strip() == "N"
    reg.git("config", "--unset", "commit.gpgsign")
    reg.new(summary="门禁坏了")
    assert reg.git("log", "-1", "--format=%G?").strip() == "N"


def test_a_key_that_cannot_sign_fails_the_step_and_changes_nothing(
    signed: Reg, tmp_path: Path
) -> None:
    cid = signed.new()
    record = signed.record(cid).read_bytes()
    head = signed.head()
    signed.git("config", "user.signingkey", str(tmp_path / "no-such-key.pub"))
    for args in (
        ["note", cid, "--by", "张三", "--text", "客户又来电"],
        ["new", "--by", "张三", "--channel=phone", "--customer=李女士", "--unit=5-301",
         "--phone=13900139000", "--severity=minor", "--nature=valid-1",
         "--subject=facilities", "--category=repair", "--summary=水管漏水"],
    ):  # fmt: skip
        result = signed.run(*args)
        assert result.code == 8, result
        assert result.out == ""
        assert len(result.err.splitlines()) == 1, result
        assert result.err.startswith("cmplt: git commit-tree failed: "), result
        assert "no-such-key.pub" in result.err
        assert signed.head() == head
        assert signed.record(cid).read_bytes() == record
        assert signed.git("status", "--porcelain", "--untracked-files=all") == ""


def test_init_signs_its_first_commit_in_a_repository_that_signs(tmp_path: Path) -> None:
    """`cmplt init` commits through `git commit`, which honours the setting itself."""
    root = tmp_path / "registry"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    sign_with(root, signing_key(tmp_path), tmp_path / "allowed_signers")
    result = run_cli("init", str(root), env={"CMPLT_NOW": NOW})
    assert result.code == 0, result
    checked = verify(root)
    assert checked.returncode == 0, checked.stderr
    # and the next step, through commit-tree, signs too
    registry = Reg(root)
    registry.ok("staff", "add", "张三", "--role", "clerk", "--department", "客服中心")
    assert verify(root).returncode == 0
    assert len(registry.git("rev-list", "HEAD").split()) == 2
