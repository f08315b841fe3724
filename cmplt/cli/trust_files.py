"""Commands that let other tools trust the registry's files: `schema`."""

from __future__ import annotations

import click


@click.command("schema")
@click.argument(
    "kind",
    type=click.Choice(["record", "policy", "roster", "sites"]),
    default="record",
    required=False,
)
def schema(kind: str) -> None:
    """Print the JSON Schema (draft 2020-12) of a record, the policy or the roster.

    For editors and CI tools that check YAML files against a schema, e.g.
    `cmplt schema record > record.json && check-jsonschema --schemafile record.json
    complaints/*/*/*.yaml`. The meaning of a record (event order, derived fields,
    names on the roster) is what `cmplt validate` checks. `sites`: the sites file of
    `check --sites` and `report --sites`.
    """
    from cmplt.schema import schema_text

    click.echo(schema_text(kind), nl=False)


COMMANDS = [schema]
