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
from jifen.services import access, programs
from jifen.services import demo as demo_history

console = Console(soft_wrap=True)


@friendly
def demo(
    program: Annotated[Path, typer.Option(help="the programme file")] = Path(
        "programs/fresh-market.yaml"
    ),
    members: Annotated[int, typer.Option(help="synthetic members to create")] = 80,
    serve: Annotated[bool, typer.Option(help="start the server afterwards")] = True,
) -> None:
    """Initialise a database with the demo programme and members, then serve it."""
    os.environ["JIFEN_DEMO"] = "true"  # the developer mailbox shows the portal's sign-in codes
    jf = bootstrap()
    jf.migrate()
    source = jf.read_program_definition(program).source
    # published where the demo's history begins, so its first members earn by it
    began = demo_history.DemoClock(demo_history.start_of(jf.clock.now()))
    saved, _ = programs.publish_program(
        jf.uow(), began, jf.compile, source, str(program), actor="demo"
    )
    with console.status(f"playing fifteen months of history for {members} members"):
        created = demo_history.seed_demo(jf.uow, jf.clock, jf.locks, jf.rulebooks, saved, members)
    key = access.create_key(jf.uow(), jf.clock, saved, "demo", ["admin"], actor="demo")
    password = secrets.token_urlsafe(12)
    try:
        access.create_operator(
            jf.uow(), jf.clock, jf.passwords, "demo", "Demo", "admin", password, "demo"
        )
        console_login = f"demo / {password}"
    except Conflict:
        console_login = "demo / (the password printed when it was created)"
    base = f"http://{jf.settings.host}:{jf.settings.port}"
    seeded = f"{created} members" if created else "seeded before, left as it is"
    console.print(f"[bold]jifen demo[/bold]: programme {saved.code}, {seeded}")
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
