"""``jifen apikey``: API keys for integrators."""

from __future__ import annotations

import json
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


ProgramOpt = Annotated[str | None, typer.Option("--program", "-p")]


@app.command("list")
@friendly
def list_(program: ProgramOpt = None) -> None:
    """List the programme's keys (never their secrets), one JSON object a line."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    for key in access.list_keys(jf.uow(write=False), found):
        print(json.dumps(_shown(key), ensure_ascii=False))


@app.command("revoke")
@friendly
def revoke(key_id: int, program: ProgramOpt = None) -> None:
    """Revoke key KEY_ID (from ``list``): it stops working within a second everywhere."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    done = access.revoke_key(jf.uow(), jf.clock, found, key_id, actor="cli")
    print(json.dumps(_shown(done), ensure_ascii=False))


@app.command("rotate")
@friendly
def rotate(key_id: int, program: ProgramOpt = None) -> None:
    """Replace key KEY_ID with a new one of the same name and scopes; print it once."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    key, _ = access.rotate_key(jf.uow(), jf.clock, found, key_id, actor="cli")
    print(key)


def _shown(key: access.ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": key.scopes,
        "active": key.active,
        "created_at": key.created_at.isoformat() if key.created_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "replaced_by": key.replaced_by,
    }
