"""SSH public keys as the roster keeps them and git's allowed-signers file reads them.

Pure: a key is checked by its own structure (the base64 blob starts with its type,
length-prefixed, as OpenSSH writes it), so that a roster with a mistyped key is
refused when it is written rather than when a signature is first checked.
"""

from __future__ import annotations

import base64
import binascii
import struct

from cmplt.i18n import _

# the key types OpenSSH signs with (ssh-keygen -Y sign), as git's allowed-signers reads them
KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def key_problem(text: str) -> str | None:
    """Why `text` is not one public key line `type base64 [comment]`, or None."""
    if "\n" in text.strip() or "\r" in text:
        return _("a signing key is one line: type, key and an optional comment")
    parts = text.split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return _("not an SSH public key (it starts with its type: {types})").format(
            types=", ".join(KEY_TYPES[:2]) + ", …"
        )
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (size,) = struct.unpack(">I", blob[:4])
        named = blob[4 : 4 + size].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError):
        return _("not an SSH public key: its key part is not what ssh-keygen writes")
    if named != parts[0]:
        return _("not an SSH public key: a {named} key labelled {said}").format(
            named=named, said=parts[0]
        )
    return None


def key_of(text: str) -> str:
    """`type base64` of a checked key line: what two keys are compared by (the comment
    is the owner's label, not the key)."""
    parts = text.split(None, 2)
    return f"{parts[0]} {parts[1]}"


def allowed_signers(principals: dict[str, str]) -> str:
    """An allowed-signers file (ssh-keygen(1) ALLOWED SIGNERS) naming each key by a
    principal of ours, for git's signatures only (`namespaces="git"`)."""
    return "".join(
        f'{principal} namespaces="git" {key_of(key)}\n' for principal, key in principals.items()
    )
