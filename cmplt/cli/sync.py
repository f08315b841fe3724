"""`cmplt clone` and `cmplt sync`: a team's clones of one registry (README: Teams and sites)."""

from __future__ import annotations

from pathlib import Path

import click

from cmplt.cli.context import Context, merge_driver_ready, pass_context
from cmplt.cli.options import PathType
from cmplt.i18n import _


def _say(line: str) -> None:
    click.echo(line)


@click.command("clone")
@click.argument("url")
@click.argument("folder", type=PathType(file_okay=False, path_type=Path))
def clone(url: str, folder: Path) -> None:
    """Clone the registry at URL into FOLDER and set the clone up to merge by itself.

    URL is whatever git clones: a bare repository on a file share (/srv/share/estate.git),
    ssh://host/estate.git, git://…, https://…. The clone gets cmplt's merge driver for
    records and `pull.rebase=false` in its .git/config. Refused, leaving nothing behind,
    when URL holds no registry (no cmplt.yaml at its top) or is a working folder (holding
    .git) rather than a bare remote. Exit 11: URL could not be reached.
    """
    from cmplt.sync import clone_registry

    root = clone_registry(url, folder)
    merge_driver_ready(root, quiet=True)
    click.echo(_("registry cloned into {folder}; each day: cmplt sync").format(folder=root))


@click.command("sync")
@click.argument("remote", required=False)
@pass_context
def sync(obj: Context, remote: str | None) -> None:
    """Bring the other clones' steps in and send this clone's out: fetch, merge, validate,
    push.

    REMOTE: default the branch's upstream, else origin. A complaint this clone received
    under an ID the remote took meanwhile is renamed first (the old ID keeps working
    here). Never forces a push; when someone pushed meanwhile it merges again (5 times
    at most). Exit 0 synced, 1 nothing to do, 11 the remote could not be reached, 12 a
    person must settle something (the line says what); on any failure the clone is left
    as it was. Refused with uncommitted changes.
    """
    from cmplt.sync import find_root, step_interrupted
    from cmplt.sync import sync as run_sync

    root = find_root(obj.registry_option, Path.cwd())
    if root is None or step_interrupted(root):
        root = obj.registry.root  # says why there is no registry, or settles the step
    merge_driver_ready(root)
    code = run_sync(root, remote, _say, obj.now(), seed=obj.seed())
    if code:
        raise click.exceptions.Exit(code)


COMMANDS = [clone, sync]
