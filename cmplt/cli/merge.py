"""`cmplt merge-driver`: what git runs to merge a record changed on two clones."""

from __future__ import annotations

from pathlib import Path

import click

from cmplt.i18n import _


@click.command("merge-driver", hidden=True)
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("name")
def merge_driver(base: Path, ours: Path, theirs: Path, name: str) -> None:
    """Merge THEIRS into OURS (git's %O %A %B %P): a record as the union of both
    sides' events, an improvement measure or the roster field by field. Run by git, named in the
    clone's .git/config (`merge.cmplt.driver`) for the files `.gitattributes` routes
    to it. Exit 0: merged into OURS; 1: a person must merge (OURS then holds git's
    own conflict markers)."""
    from cmplt import gitlog, ids, store
    from cmplt.errors import CmpltError
    from cmplt.merging import merge_fields, merge_record
    from cmplt.policy import Policy

    path = Path(name)
    try:
        base_raw = base.read_bytes()
        ours_raw, theirs_raw = ours.read_bytes(), theirs.read_bytes()
        if ids.COMPLAINT_ID.match(path.stem):
            root = next((f for f in path.parents if (f / store.POLICY_FILE).is_file()), Path("."))
            policy = store.validate_document(
                Policy, store.read_data(root / store.POLICY_FILE, store.POLICY_FILE), "cmplt.yaml"
            )
            merged = merge_record(base_raw or None, ours_raw, theirs_raw, name, policy)
        else:
            merged = merge_fields(base_raw or None, ours_raw, theirs_raw, name)
    except CmpltError as exc:
        gitlog.merge_file_text(ours, base, theirs, name)
        click.echo(
            "cmplt: "
            + _("{file}: needs a person to merge: {why}").format(file=name, why=exc.message),
            err=True,
        )
        raise click.exceptions.Exit(1) from None
    store.write_bytes_atomic(ours, merged)


COMMANDS = [merge_driver]
