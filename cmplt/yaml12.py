"""The YAML that registry files are written in, read fast: libyaml through PyYAML.

PyYAML's C loader parses a record about three times faster than ruamel's
(a first `check` or `validate` of a fresh clone reads every file), but it
speaks YAML 1.1, where `yes`, `off` and `12:30` are a boolean and a number.
cmplt writes with ruamel in YAML 1.2, so this loader resolves plain scalars
exactly as ruamel's YAML 1.2 safe loader does (ruamel.yaml.resolver and
constructor, copied as regular expressions and small functions), with the
timestamp type switched off (times are text: `store` explains why), and
refuses duplicate keys as ruamel does. `tests/test_reader.py` holds the two
readers to the same data.

Nothing here is a trust boundary on its own: `store` refuses anchors,
aliases, tags and deep nesting before a file reaches this loader. In flow
collections (`[…]`, `{…}`), which cmplt writes only for small mappings of
its own, libyaml 0.2.5 accepts a few odd plain scalars (`[?]`) that ruamel's
older libyaml refuses; both read every file cmplt writes the same.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

try:  # the C parser; PyYAML built without libyaml still reads, only slower
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - wheels for our platforms carry libyaml
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

YAMLError = yaml.YAMLError
__all__ = ["MappingNode", "RegistryLoader", "ScalarNode", "SequenceNode", "YAMLError"]

# ruamel.yaml's YAML 1.2 implicit resolvers (VersionedResolver, version (1, 2)),
# without the timestamp: (tag, pattern, first characters)
_RESOLVERS: tuple[tuple[str, str, list[str]], ...] = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (
        "float",
        r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        list("-+0123456789."),
    ),
    (
        "int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        list("-+0123456789"),
    ),
    ("merge", r"^(?:<<)$", ["<"]),
    ("null", r"^(?: ~ |null|Null|NULL | )$", ["~", "n", "N", ""]),  # "": the empty scalar
    ("value", r"^(?:=)$", ["="]),
)


class RegistryLoader(_Base):
    """A safe loader that reads plain scalars as YAML 1.2 (ruamel's reading)."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 - PyYAML's own class-level table, emptied

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        # ruamel refuses a key given twice (`status: open` then `status: closed`);
        # PyYAML would silently keep the last one
        if not isinstance(node, MappingNode):
            raise ConstructorError(
                None, None, f"expected a mapping, but found {type(node).__name__}", node.start_mark
            )
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list):
                key = tuple(key)  # as ruamel does: `? [a, b]` is a tuple key
            try:
                seen = key in mapping
            except TypeError as exc:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found unhashable key",
                    key_node.start_mark,
                ) from exc
            if seen:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f'found duplicate key "{key}"',
                    key_node.start_mark,
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _scalar(loader: RegistryLoader, node: Node) -> str:
    assert isinstance(node, ScalarNode)
    return str(loader.construct_scalar(node))


def _not_a(kind: str, node: Node) -> ConstructorError:
    return ConstructorError(None, None, f"not a {kind}", node.start_mark)


def _int(loader: RegistryLoader, node: Node) -> int:
    text = _scalar(loader, node).replace("_", "")
    if text in ("", "+", "-"):  # `!!int ''`: ruamel fails here with an IndexError
        raise _not_a("number", node)
    sign = -1 if text[0] == "-" else 1
    if text[0] in "+-":
        text = text[1:]
    if text == "0":
        return 0
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text)  # YAML 1.2: a leading 0 is decimal, not octal


def _float(loader: RegistryLoader, node: Node) -> float:
    text = _scalar(loader, node).replace("_", "").lower()
    if text in ("", "+", "-"):
        raise _not_a("number", node)
    sign = -1 if text[0] == "-" else 1
    if text[0] in "+-":
        text = text[1:]
    if text == ".inf":
        return sign * float("inf")
    if text == ".nan":
        return float("nan")
    return sign * float(text)


# what ruamel's constructor takes for a boolean once it is one (an explicit `!!bool`;
# a plain `yes` is text in YAML 1.2 and never gets here)
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def _bool(loader: RegistryLoader, node: Node) -> bool:
    text = _scalar(loader, node).lower()
    if text not in _BOOLS:
        raise _not_a("boolean", node)
    return _BOOLS[text]


for _name, _pattern, _first in _RESOLVERS:
    RegistryLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_name}", re.compile(_pattern, re.X), _first
    )
RegistryLoader.add_constructor("tag:yaml.org,2002:int", _int)
RegistryLoader.add_constructor("tag:yaml.org,2002:float", _float)
RegistryLoader.add_constructor("tag:yaml.org,2002:bool", _bool)
# `=` (YAML's value key) has no meaning in a registry file: refused, as ruamel does
RegistryLoader.add_constructor(
    "tag:yaml.org,2002:value",
    RegistryLoader.construct_undefined,  # type: ignore[type-var]
)


def load(text: str) -> Any:
    """Plain data (dicts, lists, str, int, float, bool, None) from one document."""
    loader = RegistryLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def compose(text: str) -> Node | None:
    """The document's node tree, with each node's line and column (for findings)."""
    loader = RegistryLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def events(text: str) -> Any:
    """The parser's events, in C: what the hostile-construct scan walks."""
    return yaml.parse(text, Loader=RegistryLoader)
