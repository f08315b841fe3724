"""Evidence kept with a complaint: the customer's written opinion (流程及技巧 3: 要求业主
填写客户意见作为凭证), photos of the damage and of the repair, an approval on paper.

A file is taken in only when its content is one of the policy's types (JPEG,
PNG, PDF by default, told by the content, never by the name), no larger than
the policy's limit, and a regular file (not a link, a folder or a device). An
image is read and written again by Pillow, without the metadata that locates a
person (EXIF GPS, and XMP, which may repeat it). It is stored in the registry
at a path made of the record's ID and the content's SHA-256, so that a file
name typed by someone never becomes a path, and `validate` can tell it is
there and unchanged.

No I/O here but reading the file given; Pillow is imported only when an image
is taken in (a step's start-up time is measured: benchmarks/).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from cmplt import store
from cmplt.errors import NotFound, UsageError
from cmplt.i18n import _
from cmplt.policy import Policy
from cmplt.terms import ATTACHMENT_KINDS

KINDS = ATTACHMENT_KINDS
ATTACHMENTS_DIR = "attachments"

# each type: how its content starts, and the file-name endings that may say it
_SIGNATURES = {
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
}
EXTENSIONS = {"jpeg": (".jpg", ".jpeg"), "png": (".png",), "pdf": (".pdf",)}
STORED_PATH = re.compile(
    r"^attachments/20\d\d/\d\d/\d{6}-[0-9A-HJKMNP-TV-Z]{6}/[0-9a-f]{64}\.(jpg|png|pdf)$"
)
# an image larger than this many pixels is refused (a decompression bomb)
MAX_PIXELS = 60_000_000
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Evidence:
    """A file ready to be stored: its bytes as kept, and what the event says of it."""

    data: bytes
    type: str  # jpeg, png, pdf
    sha256: str
    name: str  # the file's own name, as given (shown, never used as a path)
    stripped: bool  # metadata that locates a person was removed


def sniff(head: bytes) -> str | None:
    """The type the content says it is, by its first bytes (None: not one we know)."""
    for kind, signatures in _SIGNATURES.items():
        if head.startswith(signatures):
            return kind
    return None


def read_evidence(path: Path, policy: Policy) -> Evidence:
    """The file at `path` as it will be stored, or UsageError (one line) saying why
    it is refused: a link, not a regular file, over the size limit, a type the policy
    does not take, a name that says another type than the content, a broken image."""
    rules = policy.desk.attachments
    shown = str(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError as exc:
        raise NotFound(_("{file}: no such file").format(file=shown)) from exc
    except OSError as exc:
        raise UsageError(
            _("{file}: cannot read: {reason}").format(file=shown, reason=exc.strerror or exc)
        ) from exc
    if stat.S_ISLNK(st.st_mode):
        raise UsageError(_("{file} is a symbolic link; give the file itself").format(file=shown))
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(
            _("{file} is not a regular file (a folder, device, FIFO or socket)").format(file=shown)
        )
    if st.st_size > rules.max_bytes:
        raise UsageError(_too_big(shown, st.st_size, rules.max_bytes))
    try:
        # O_NOFOLLOW: a link swapped in after the look above is not followed either
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(rules.max_bytes + 1)
    except OSError as exc:
        raise UsageError(
            _("{file}: cannot read: {reason}").format(file=shown, reason=exc.strerror or exc)
        ) from exc
    if len(data) > rules.max_bytes:
        raise UsageError(_too_big(shown, len(data), rules.max_bytes))
    kind = sniff(data[:16])
    if kind is None or kind not in rules.types:
        raise UsageError(
            _("{file}: its content is not one of the types taken ({types})").format(
                file=shown, types=", ".join(rules.types)
            )
        )
    suffix = path.suffix.lower()
    known = {s for endings in EXTENSIONS.values() for s in endings}
    if suffix and suffix in known and suffix not in EXTENSIONS[kind]:
        raise UsageError(
            _("{file}: its name says {suffix} but its content is {kind}").format(
                file=shown, suffix=suffix, kind=kind.upper()
            )
        )
    stripped = False
    if kind in ("jpeg", "png"):
        data, stripped = _without_location(data, kind, shown)
    name = " ".join(path.name.split())[:200] or "-"
    return Evidence(data, kind, hashlib.sha256(data).hexdigest(), name, stripped)


def _too_big(shown: str, size: int, limit: int) -> str:
    return _(
        "{file} is {size} bytes, more than the {limit} taken (policy desk.attachments.max_bytes)"
    ).format(file=shown, size=f"{size:,}", limit=f"{limit:,}")


def _without_location(data: bytes, kind: str, shown: str) -> tuple[bytes, bool]:
    """The image written again without GPS (EXIF) and XMP; the rest of EXIF (the
    orientation, the time taken) stays. A JPEG keeps its quantisation tables
    (quality "keep"), so it loses as little as a re-encoding can."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UsageError(
            _("{file}: not a readable image ({reason})").format(file=shown, reason=exc)
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UsageError(
            _("{file}: the image is larger than {pixels} pixels").format(
                file=shown, pixels=f"{MAX_PIXELS:,}"
            )
        ) from exc
    exif = image.getexif()
    had_location = GPS_IFD in exif or "xmp" in image.info or "XML:com.adobe.xmp" in image.info
    exif.pop(GPS_IFD, None)
    out = io.BytesIO()
    options: dict[str, object] = {"exif": exif.tobytes()} if len(exif) else {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if kind == "jpeg":
        image.save(out, "JPEG", quality="keep", **options)
    else:
        image.save(out, "PNG", **options)
    return out.getvalue(), had_location


def stored_path(complaint_id: str, evidence: Evidence) -> str:
    """Where the file is kept, relative to the registry: by the record and the hash."""
    year, month = f"20{complaint_id[:2]}", complaint_id[2:4]
    ending = EXTENSIONS[evidence.type][0]
    return f"{ATTACHMENTS_DIR}/{year}/{month}/{complaint_id}/{evidence.sha256}{ending}"


def attachment_problem(root: Path, complaint_id: str, relpath: str, sha256: str) -> str | None:
    """Why the file an `attach` event names is not there as it was stored (None: it is)."""
    if not STORED_PATH.match(relpath) or f"/{complaint_id}/" not in relpath:
        return _("{path} is not where cmplt keeps this record's attachments").format(path=relpath)
    path = root / relpath
    if store.symlink_on_path(root, path) is not None:
        return _("{path} is not a regular file (a link or a folder)").format(path=relpath)
    try:
        st = os.lstat(path)
    except OSError:
        return _("{path} is missing").format(path=relpath)
    if not stat.S_ISREG(st.st_mode):
        return _("{path} is not a regular file (a link or a folder)").format(path=relpath)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != sha256 or not relpath.rsplit("/", 1)[1].startswith(sha256):
        return _("{path} was changed after it was attached (its SHA-256 differs)").format(
            path=relpath
        )
    return None
