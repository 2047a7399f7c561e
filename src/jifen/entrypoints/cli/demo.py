"""``jifen demo``: the demo programme, seeded and served."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jifen.bootstrap import bootstrap
from jifen.domain.errors import Conflict
from jifen.entrypoints.cli.errors import friendly
from jifen.entrypoints.cli.server import run_server
from jifen.services import apikeys, operators, programs
from jifen.services import demo as demo_data

console = Console(soft_wrap=True)


@friendly
def demo(
    program: Annotated[Path, typer.Option(help="the programme file")] = Path(
        "programs/fresh-market.yaml"
    ),
    members: Annotated[int, typer.Option(help="synthetic members to create")] = 40,
    serve: Annotated[bool, typer.Option(help="start the server afterwards")] = True,
) -> None:
    """Initialise a database with the demo programme and members, then serve it."""
    os.environ["JIFEN_DEMO"] = "true"  # the developer mailbox shows the portal's sign-in codes
    jf = bootstrap()
    jf.migrate()
    source = jf.read_program_definition(program).source
    saved, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, str(program), actor="demo"
    )
    demo_data.seed_demo(jf.uow, jf.clock, jf.rulebooks, saved, members)
    key = apikeys.create_key(jf.uow(), jf.clock, saved, "demo", ["admin"], actor="demo")
    password = secrets.token_urlsafe(12)
    try:
        operators.create_operator(
            jf.uow(), jf.clock, jf.passwords, "demo", "Demo", "admin", password, "demo"
        )
        console_login = f"demo / {password}"
    except Conflict:
        console_login = "demo / (the password printed when it was created)"
    base = f"http://{jf.settings.host}:{jf.settings.port}"
    console.print(f"[bold]jifen demo[/bold]: programme {saved.code}, {members} members")
    console.print(
        f"  portal     {base}/portal/  (sign in as M00001; the code is at {base}/dev/mailbox)"
    )
    console.print(f"  console    {base}/console/  (sign in as {console_login})")
    console.print(f"  API docs   {base}/docs")
    console.print(f"  health     {base}/healthz")
    console.print(f"  API key    {key}")
    console.print(f"  try        curl -H 'Authorization: Bearer {key}' {base}/v1/members/M00001")
    if serve:
        run_server(jf.settings)
