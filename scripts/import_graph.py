"""Which of cmplt's modules import which (read from the source, nothing imported).

    python scripts/import_graph.py

Prints one line a module (`module -> the cmplt modules it imports`), then the
two rules the layout keeps: no command module of `cmplt/cli/` imports another,
and no domain module imports click. Exits 1 when either is broken.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cmplt"
# what every command shares (not commands): the context, option types, help words, completion
SHARED_CLI = {
    "cmplt.cli",
    "cmplt.cli.context",
    "cmplt.cli.options",
    "cmplt.cli.words",
    "cmplt.cli.completion",
}


def module_name(path: Path) -> str:
    name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return name.removesuffix(".__init__")


def imports(path: Path, known: set[str]) -> tuple[set[str], bool]:
    """The cmplt modules `path` imports, and whether it imports click."""
    found: set[str] = set()
    click = False
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            click = click or node.module.split(".")[0] == "click"
            if node.module.startswith("cmplt"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                click = click or alias.name.split(".")[0] == "click"
                if alias.name.startswith("cmplt"):
                    found.add(alias.name)
    return found, click


def main() -> int:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {module_name(p) for p in paths}
    graph: dict[str, set[str]] = {}
    clicks: set[str] = set()
    for path in paths:
        name = module_name(path)
        found, click = imports(path, known)
        graph[name] = found - {name, "cmplt"}
        if click:
            clicks.add(name)
    for name, found in graph.items():
        print(f"{name:24} -> {', '.join(sorted(m.removeprefix('cmplt.') for m in found))}")
    commands = {m for m in graph if m.startswith("cmplt.cli.") and m not in SHARED_CLI}
    crossing = sorted((m, d) for m in commands for d in graph[m] if d in commands)
    domain_click = sorted(m for m in clicks if not m.startswith("cmplt.cli"))
    print(f"\ncommand modules importing another command module: {crossing or 'none'}")
    print(f"domain modules importing click: {domain_click or 'none'}")
    return 1 if crossing or domain_click else 0


if __name__ == "__main__":
    sys.exit(main())
