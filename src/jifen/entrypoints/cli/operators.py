"""``jifen operator``: the people who sign in to the console."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from jifen.bootstrap import bootstrap
from jifen.entrypoints.cli.errors import friendly
from jifen.services import access

app = typer.Typer(
    no_args_is_help=True, help="Console operators: admin, operator, analyst, cashier."
)
out = Console(highlight=False, soft_wrap=True)


@app.command("create")
@friendly
def create(
    username: str,
    role: Annotated[str, typer.Option(help="admin, operator, analyst or cashier")],
    name: Annotated[str, typer.Option(help="the name shown in the audit log")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Create an operator who signs in to /console/ with USERNAME and a password."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    jf = bootstrap()
    made = access.create_operator(
        jf.uow(), jf.clock, jf.passwords, username, name, role, password, "cli"
    )
    out.print(f"operator {made.username} ({made.role.value}) created")


@app.command("unlock")
@friendly
def unlock(username: str) -> None:
    """Let USERNAME try to sign in again now, after too many failed sign-ins."""
    jf = bootstrap()
    forgotten = access.unlock(
        jf.uow(), jf.clock, username, jf.settings.secret_key, by=None, actor="cli"
    )
    out.print(f"operator {username} unlocked ({forgotten} failed sign-ins forgotten)")
