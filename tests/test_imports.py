"""What a command imports: `--help` and completion start without pydantic or ruamel,
each command imports its own module alone, and the table `cmplt --help` lists
agrees with the commands themselves. (How fast is for benchmarks/startup.py.)"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from cmplt.cli import COMMANDS, CommandTable, cli

COMMAND_MODULES = sorted({f"cmplt.cli.{module}" for module, _help in COMMANDS.values()})
# what only a command that reads or writes the registry needs
HEAVY = ("pydantic", "pydantic_core", "ruamel.yaml", "tabulate", "importlib.metadata", "openpyxl")

# Runs the console script's main() with the given argv and environment, then
# prints the names of the modules imported by then as JSON on stderr's last line.
PROBE = r"""
import json, sys
from cmplt.cli import main
try:
    main(sys.argv[1:])
except SystemExit:  # shell completion exits
    pass
finally:
    sys.stdout.flush()
    print("\n" + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def imported(*args: str, cwd: Path, env: dict[str, str] | None = None) -> set[str]:
    """The modules `cmplt ARGS` has imported when it is done, in a fresh interpreter."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("CMPLT_", "_CMPLT_"))}
    full.update(env or {})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        check=False,
    )
    last = done.stderr.rstrip().rsplit("\n", 1)[-1]
    return set(json.loads(last))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--help",), {}),
        (("--version",), {}),
        ((), {"_CMPLT_COMPLETE": "bash_complete", "COMP_WORDS": "cmplt re", "COMP_CWORD": "1"}),
        ((), {"_CMPLT_COMPLETE": "zsh_complete", "COMP_WORDS": "cmplt ", "COMP_CWORD": "1"}),
    ],
    ids=["help", "version", "complete-bash", "complete-zsh"],
)
def test_help_and_completion_import_no_command(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    modules = imported(*args, cwd=tmp_path, env=env)
    assert "cmplt.cli" in modules
    assert heavy(modules) == []
    assert sorted(m for m in modules if m in COMMAND_MODULES) == []


@pytest.mark.parametrize(
    ("args", "module"),
    [
        (("resolve", "--help"), "cmplt.cli.records"),
        (("new", "--help"), "cmplt.cli.records"),
        (("list", "--help"), "cmplt.cli.query"),
        (("staff", "list", "--help"), "cmplt.cli.admin"),
        (("schema", "--help"), "cmplt.cli.trust_files"),
    ],
)
def test_a_command_help_imports_its_module_alone(
    tmp_path: Path, args: tuple[str, ...], module: str
) -> None:
    modules = imported(*args, cwd=tmp_path)
    assert heavy(modules) == []
    assert sorted(m for m in modules if m in COMMAND_MODULES) == [module]


def test_option_completion_imports_no_model(tmp_path: Path) -> None:
    env = {"_CMPLT_COMPLETE": "bash_complete", "COMP_WORDS": "cmplt new --", "COMP_CWORD": "2"}
    modules = imported(cwd=tmp_path, env=env)
    assert heavy(modules) == []
    assert sorted(m for m in modules if m in COMMAND_MODULES) == ["cmplt.cli.records"]


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_no_command_module_imports_another(module: str) -> None:
    # imported first in a fresh interpreter: only cmplt.cli's own modules may come along
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout))
    assert sorted(m for m in modules if m in COMMAND_MODULES) == [module]


def _defined() -> dict[str, tuple[str, click.Command]]:
    found: dict[str, tuple[str, click.Command]] = {}
    for module in COMMAND_MODULES:
        for command in importlib.import_module(module).COMMANDS:
            assert command.name not in found, f"{command.name} defined twice"
            found[str(command.name)] = (module.rsplit(".", 1)[1], command)
    return found


def test_the_table_names_every_command_where_it_is_defined() -> None:
    defined = _defined()
    assert sorted(COMMANDS) == sorted(defined)
    for name, (module, _command) in defined.items():
        assert COMMANDS[name][0] == module, name


def test_the_table_lists_each_command_as_the_command_itself_would() -> None:
    table = CommandTable()  # nothing loaded: every command listed from the table
    for name, (_module, command) in _defined().items():
        listed = table.listed(name)
        assert listed.hidden == command.hidden
        for limit in range(5, 200):
            assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), name


def test_the_group_runs_the_command_of_its_module() -> None:
    defined = _defined()
    ctx = click.Context(cli)
    for name in COMMANDS:
        assert cli.get_command(ctx, name) is defined[name][1]
    assert cli.get_command(ctx, "no-such-command") is None


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "registry"


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--as-of", "2026-11-28T09:00+08:00", "--format", "json"),
        ("list", "--format", "json"),
        ("validate",),
        ("report", "--period", "2026-11", "--format", "json"),
    ],
    ids=["check", "list", "validate", "report"],
)
def test_a_reading_command_never_imports_the_round_trip_writer(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    """ruamel is the writer's (it keeps comments when a step changes a record); every
    reading command reads through libyaml alone, and so starts faster."""
    modules = imported(
        "--registry", str(EXAMPLE), *args, cwd=tmp_path, env={"CMPLT_NOW": "2026-12-01T09:00+08:00"}
    )
    assert "cmplt.snapshot" in modules  # it did read the registry
    assert not any(m.startswith("ruamel") for m in modules)
    assert "cmplt.registry" not in modules
