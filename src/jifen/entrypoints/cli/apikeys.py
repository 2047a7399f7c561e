"""``jifen apikey``: API keys for integrators."""

from __future__ import annotations

from typing import Annotated

import typer

from jifen.bootstrap import bootstrap
from jifen.entrypoints.cli.errors import friendly
from jifen.services import access, programs

app = typer.Typer(no_args_is_help=True, help="Manage API keys.")


@app.command("create")
@friendly
def create(
    scope: Annotated[
        list[str],
        typer.Option("--scope", "-s", help=f"repeatable: {', '.join(sorted(access.SCOPES))}"),
    ],
    name: Annotated[str, typer.Option(help="who uses the key, e.g. pos-store-3")] = "default",
    program: Annotated[str | None, typer.Option("--program", "-p")] = None,
) -> None:
    """Create a key and print it once: it is stored only as a hash."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    print(access.create_key(jf.uow(), jf.clock, found, name, scope, actor="cli"))
