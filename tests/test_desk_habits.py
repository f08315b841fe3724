"""The same habits everywhere (issue 14, item 6 and the inconsistencies list): --note
on every step, one exit code for "no registry here", init refusing to nest by
accident, validate saying in one line that all is well."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import Reg, git, run_cli, run_process


def test_note_takes_note_as_every_step_does(reg: Reg) -> None:
    cid = reg.new()
    reg.ok("note", cid, "--by", "张三", "--note", "客户来电催办")
    reg.ok("note", cid, "--by", "张三", "--text", "再次来电")  # the first name still works
    events = yaml.safe_load(reg.record(cid).read_text(encoding="utf-8"))["events"]
    assert [e.get("text") for e in events[-2:]] == ["客户来电催办", "再次来电"]


def test_no_registry_here_is_exit_2_for_every_command(tmp_path: Path) -> None:
    for args in (["list"], ["check"], ["show", "261128-ABCDEF"], ["validate"], ["report"]):
        result = run_cli(*args, cwd=tmp_path)
        assert result.code == 2, (args, result)
        assert result.err.count("\n") == 1 and "no registry here" in result.err, result


def test_init_inside_another_registry_or_repository_needs_nested(reg: Reg, tmp_path: Path) -> None:
    head = reg.head()
    inner = run_cli("init", "branch-office", cwd=reg.root)
    assert inner.code == 2 and "--nested" in inner.err and str(reg.root) in inner.err, inner
    assert reg.head() == head and not (reg.root / "branch-office").exists()
    # a repository of one's own: its top is the folder, nothing to ask
    own = tmp_path / "own"
    own.mkdir()
    git(own, "init", "-q")
    assert run_cli("init", str(own)).code == 0
    # inside another repository, on purpose
    outer = tmp_path / "office"
    outer.mkdir()
    git(outer, "init", "-q")
    assert run_cli("init", "estate", cwd=outer).code == 2
    assert run_cli("init", "estate", "--nested", cwd=outer).code == 0
    assert (outer / "estate" / "cmplt.yaml").is_file()


def _complete(reg: Reg, words: str, shell: str = "bash") -> list[str]:
    env = {
        "_CMPLT_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    done = run_process(cwd=reg.root, env=env)
    assert done.code == 0, done
    return [line.split(",", 1)[1] for line in done.out.splitlines() if "," in line]


def test_completion_of_ids_names_departments_and_values_in_both_languages(reg: Reg) -> None:
    cid = reg.new()
    assert _complete(reg, "cmplt respond ") == [cid]
    assert "王主管" in _complete(reg, "cmplt respond X --by ")
    assert _complete(reg, "cmplt dispatch X --to 工") == ["工程部"]
    severities = _complete(reg, "cmplt new --severity ")
    assert {"minor", "important", "major", "轻微", "重要", "重大"} <= set(severities)
    assert _complete(reg, "cmplt list --status 已受") == ["已受理"]
    assert "网上" in _complete(reg, "cmplt new --channel ")
    # fish takes the same words
    env = {"_CMPLT_COMPLETE": "fish_complete", "COMP_WORDS": "cmplt respond ", "COMP_CWORD": ""}
    fish = run_process(cwd=reg.root, env=env)
    assert fish.code == 0 and cid in fish.out, fish


def test_every_parameter_of_a_kind_completes_through_click_s_public_hook() -> None:
    # completion by name is given through the parameter's type (click's documented
    # `ParamType.shell_complete`), never a private attribute of click
    import click

    from cmplt.cli import COMMANDS, cli
    from cmplt.cli.completion import BY_NAME, Completing

    ctx = click.Context(cli)
    seen: set[str] = set()

    def walk(command: click.Command) -> None:
        for param in command.params:
            if param.name in BY_NAME and not hasattr(param.type, "kind"):  # a Term has its own
                assert isinstance(param.type, Completing), (command.name, param.name)
                assert param.type.completer is BY_NAME[param.name]
                seen.add(param.name)
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        walk(command)
    assert {"complaint", "by", "owner", "approved_by", "person", "department", "name"} <= seen


def test_every_command_and_option_says_what_it_is_for() -> None:
    # a help page is read at the desk in either language: no option without its text
    import click

    from cmplt.cli import COMMANDS, cli

    ctx = click.Context(cli)
    bare: list[str] = []

    def walk(command: click.Command, path: str) -> None:
        if not (command.help or command.short_help):
            bare.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                bare.append(f"{path} {param.opts[0]}")
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        walk(command, name)
    assert bare == [], bare
