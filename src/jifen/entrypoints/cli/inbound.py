"""``jifen inbound``: the platforms that may say a task was done, and their secrets."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from jifen.bootstrap import bootstrap
from jifen.entrypoints.cli.errors import friendly
from jifen.services import engagement, programs

app = typer.Typer(no_args_is_help=True, help="Manage the sources of signed task webhooks.")
ProgramOpt = Annotated[str | None, typer.Option("--program", "-p")]


@app.command("add")
@friendly
def add(name: str, program: ProgramOpt = None) -> None:
    """Add source NAME; print its secret once, for the platform to sign with."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    made = engagement.add_source(jf.uow(), jf.clock, found, name, actor="cli")
    print(json.dumps({"name": made.name, "secret": made.secret,
                      "url": f"/inbound/{found.code}/{made.name}"}))  # fmt: skip


@app.command("rotate")
@friendly
def rotate(name: str, program: ProgramOpt = None) -> None:
    """Give source NAME a new secret (printed once); the old one works a day more."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    made = engagement.rotate_source(jf.uow(), jf.clock, found, name, actor="cli")
    print(json.dumps({"name": made.name, "secret": made.secret}))


@app.command("list")
@friendly
def list_(program: ProgramOpt = None) -> None:
    """List the sources (never their secrets), one JSON object a line."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    for s in engagement.list_sources(jf.uow(write=False), found):
        print(json.dumps({
            "name": s.name,
            "created_at": s.created_at.isoformat(),
            "rotated_at": s.rotated_at.isoformat() if s.rotated_at else None,
            "previous_until": s.previous_until.isoformat() if s.previous_until else None,
        }))  # fmt: skip
