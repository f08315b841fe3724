"""The language people read: Simplified Chinese or English, through gettext.

The catalogs are `cmplt/locale/<lang>/LC_MESSAGES/cmplt.po`, msgids in English,
each compiled to the `cmplt.mo` beside it by `scripts/catalogs.py`. A catalog's
`.mo` is read the first time a message is translated, and kept for the rest of
the process; a command that prints nothing translated never reads one. YAML keys
and values are never translated: only what is shown to people goes through `_()`
and `label()`.

The language, first match wins: `--lang`, env `CMPLT_LANG`, the registry
policy's `language:` (only when cmplt.yaml sets it), the locale (LANGUAGE,
LC_ALL, LC_MESSAGES, LANG), then zh-CN.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cmplt.errors import UsageError

if TYPE_CHECKING:
    import gettext

DEFAULT = "zh-CN"
LANGUAGES = ("zh-CN", "en")
DOMAIN = "cmplt"
# the catalog folder of each language code
_FOLDERS = {"zh-CN": "zh_CN", "en": "en"}
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_explicit: str | None = None
_policy_language: Callable[[], str | None] = lambda: None  # noqa: E731
_active: str | None = None
_translations: dict[str, gettext.NullTranslations] = {}
# as gettext's `.mo` files write them (cmplt.catalogs.compile_mo)
_MO_MAGIC = 0x950412DE
CONTEXT_SEPARATOR = "\x04"  # between a label's kind (msgctxt) and its value
_compiled: dict[str, bytes] = {}  # language -> its .mo
_read: dict[str, dict[str, str]] = {}  # language -> the .mo's pairs


def normalise(language: str | None) -> str | None:
    """ "zh", "zh_CN", "zh-Hans", "zh_CN.UTF-8" -> "zh-CN"; "en_US.UTF-8" -> "en"; else None."""
    if not language:
        return None
    # LANGUAGE may list several ("zh_CN:en"); the first one we know wins
    for part in language.split(":"):
        code = part.split(".")[0].split("@")[0].strip().lower().replace("_", "-")
        if code in ("", "c", "posix"):
            continue
        if code == "zh" or code.startswith("zh-"):
            return "zh-CN"
        if code == "en" or code.startswith("en-"):
            return "en"
    return None


def _unknown(language: str) -> UsageError:
    return UsageError(
        _("unknown language {language!r}; use one of: {known}").format(
            language=language, known=", ".join(LANGUAGES)
        )
    )


def use(language: str) -> None:
    """Select the language explicitly (raises UsageError for one we have no catalog of)."""
    global _active, _explicit
    code = normalise(language)
    if code is None:
        raise _unknown(language)
    _explicit = code
    _active = code


def configure(explicit: str | None, policy_language: Callable[[], str | None]) -> None:
    """Once per CLI invocation: remember where the language comes from; resolve it lazily.

    `policy_language` returns the policy's `language:` or None; it must not raise.
    """
    global _explicit, _policy_language, _active
    _explicit, _policy_language, _active = None, policy_language, None
    if explicit is not None:
        code = normalise(explicit)
        if code is None:
            raise _unknown(explicit)
        _explicit = code


def _resolve() -> str:
    if _explicit is not None:
        return _explicit
    code = normalise(os.environ.get("CMPLT_LANG"))
    if code is not None:
        return code
    try:
        code = normalise(_policy_language())
    except Exception:  # a broken policy must not break the message that reports it
        code = None
    if code is not None:
        return code
    for name in LOCALE_VARIABLES:
        # "C", "POSIX" and languages we have no catalog of are passed over
        code = normalise(os.environ.get(name))
        if code is not None:
            return code
    return DEFAULT


def current() -> str:
    """The active language code, "zh-CN" or "en"."""
    global _active
    if _active is None:
        _active = _resolve()
    return _active


def _catalog_file(language: str, suffix: str) -> Path:
    # the package is installed as files (a wheel, an editable checkout): a path beside
    # this module, without importlib.resources on the start-up path
    return (
        Path(__file__).with_name("locale") / _FOLDERS[language] / "LC_MESSAGES" / (DOMAIN + suffix)
    )


def catalog_text(language: str) -> str:
    """The `.po` text of a language's catalog, from the installed package."""
    return _catalog_file(language, ".po").read_text(encoding="utf-8")


def catalog_bytes(language: str) -> bytes:
    """The compiled (`.mo`) catalog of a language, read once per process; compiled
    from the `.po` when it is missing (a checkout before `scripts/catalogs.py`)."""
    found = _compiled.get(language)
    if found is None:
        try:
            found = _catalog_file(language, ".mo").read_bytes()
        except FileNotFoundError:
            from cmplt.catalogs import compile_mo, parse_po

            path = f"{_FOLDERS[language]}/{DOMAIN}.po"
            found = compile_mo(parse_po(catalog_text(language), path))
        _compiled[language] = found
    return found


def read_mo(data: bytes, path: str = "<mo>") -> dict[str, str]:
    """The (key, translation) pairs of `.mo` bytes as `compile_mo` writes them: a key
    with a context is `context + CONTEXT_SEPARATOR + msgid`."""
    import struct

    try:
        magic, _revision, count, originals_at, translations_at = struct.unpack_from("<5I", data)
        if magic != _MO_MAGIC:
            raise ValueError(f"{path}: not a little-endian GNU .mo file")
        found: dict[str, str] = {}
        for index in range(count):
            length, start = struct.unpack_from("<2I", data, originals_at + 8 * index)
            value_length, value_start = struct.unpack_from("<2I", data, translations_at + 8 * index)
            key = data[start : start + length].decode("utf-8")
            found[key] = data[value_start : value_start + value_length].decode("utf-8")
    except (struct.error, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: a damaged .mo file ({exc})") from exc
    return found


def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of a language, from its compiled catalog, once per process."""
    found = _translations.get(language)
    if found is None:
        # imported here: a command that shows no message pays for none of this
        import gettext
        import io

        found = gettext.GNUTranslations(io.BytesIO(catalog_bytes(language)))
        _translations[language] = found
    return found


def has_label(kind: str, value: str) -> bool:
    """Whether the catalog labels this value (a role a team added to its policy has
    no label, and is shown by the policy's own name)."""
    return kind + CONTEXT_SEPARATOR + value in _pairs(current())


def _pairs(language: str) -> dict[str, str]:
    """Every (key, translation) of a language's compiled catalog, read once."""
    found = _read.get(language)
    if found is None:
        found = read_mo(catalog_bytes(language), f"{_FOLDERS[language]}/{DOMAIN}.mo")
        _read[language] = found
    return found


def _(message: str) -> str:
    """`message` (an English msgid) in the active language."""
    return translations(current()).gettext(message)


def N_(message: str) -> str:
    """Mark a constant for extraction; translate it with `_()` where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def label(kind: str, value: str) -> str:
    """How an enum or list value (`kind` "status", "severity", ...) is shown to people.

    A value without a translation (a category a team added to its policy) is
    shown as it is stored.
    """
    return translations(current()).pgettext(kind, value)


# --- values typed in either language ---------------------------------------------------

_catalog_labels: dict[str, list[tuple[str, str, str]]] = {}  # language -> (kind, value, label)


def fold(text: str) -> str:
    """How a typed value is compared: NFKC (full-width letters, digits and brackets as
    their ASCII selves), case-folded, `_`, `-` and spaces alike."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return " ".join(folded.replace("_", " ").replace("-", " ").split())


def labels_of(language: str) -> list[tuple[str, str, str]]:
    """(kind, value, label) of every label in a language's catalog."""
    found = _catalog_labels.get(language)
    if found is None:
        found = []
        for key, shown in _pairs(language).items():
            kind, separator, value = key.partition(CONTEXT_SEPARATOR)
            if separator and shown:
                found.append((kind, value, shown))
        _catalog_labels[language] = found
    return found


def value_of(kind: str, text: str, values: tuple[str, ...] | list[str] | None = None) -> str | None:
    """The stored value a person means by `text`: the value itself or its label in either
    catalog (`重要`, `Important`, `ｉｍｐｏｒｔａｎｔ` -> `important`); None when it is
    none of them. `values`: the values allowed (None: any the catalogs label)."""
    if values is not None and text in values:
        return text  # what scripts type: no catalog read
    wanted = fold(text)
    if values is not None:
        for value in values:
            if fold(value) == wanted:
                return value
    for language in LANGUAGES:
        for each_kind, value, shown in labels_of(language):
            if each_kind != kind or (values is not None and value not in values):
                continue
            if fold(shown) == wanted or fold(value) == wanted:
                return value
    return None


def choices_text(kind: str, values: tuple[str, ...] | list[str]) -> str:
    """`minor (轻微), important (重要), major (重大)`: the values people may type, each
    with its label in the active language when that says more than the value."""
    shown = []
    for value in values:
        text = label(kind, value)
        shown.append(f"{value} ({text})" if fold(text) != fold(value) else value)
    return ", ".join(shown)
