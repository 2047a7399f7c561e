"""``jifen members``: a member's data exported, a member erased, points adjusted by hand."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jifen.bootstrap import bootstrap
from jifen.entrypoints.cli.errors import friendly
from jifen.services import ledger, programs, rights
from jifen.services.idempotency import encode
from jifen.services.ledger import Adjust
from jifen.services.rights import EraseMember

app = typer.Typer(no_args_is_help=True, help="Members: export their data, erase them, adjust.")
err = Console(stderr=True, highlight=False, soft_wrap=True)
ProgramOpt = Annotated[str | None, typer.Option("--program", "-p", help="programme code")]
KeyOpt = Annotated[
    str | None, typer.Option("--key", help="idempotency key (default: a new one per run)")
]
ActorOpt = Annotated[str, typer.Option("--actor", help="who asks (kept in the audit log)")]


@app.command("export")
@friendly
def export(
    member: str,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to FILE")] = None,
    program: ProgramOpt = None,
) -> None:
    """MEMBER's data as JSON (jifen.member-export/1), on stdout or to FILE."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    data = rights.export_member(jf.uow(write=False), jf.clock, found, member)
    text = json.dumps(encode(data), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        err.print(f"exported {member} to {out}")


@app.command("erase")
@friendly
def erase(
    member: str,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    actor: ActorOpt = "cli",
    key: KeyOpt = None,
    program: ProgramOpt = None,
) -> None:
    """Erase MEMBER: points forfeited, personal data removed, the id retired. Irreversible."""
    if not yes:
        typer.confirm(f"Erase member {member}? This cannot be undone", abort=True)
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    done = rights.erase_member(
        jf.uow(), jf.clock, found, EraseMember(member, actor), key or _key("erase")
    )
    print(json.dumps(encode(done), indent=2))


@app.command("adjust")
@friendly
def adjust(
    member: str,
    points: Annotated[int, typer.Argument(help="positive credits, negative debits")],
    reason: Annotated[str, typer.Option(help="internal: kept in the audit log only")],
    note: Annotated[str | None, typer.Option(help="for the member: shown in their history")] = None,
    expires: Annotated[
        datetime | None, typer.Option(help="when credited points expire (ISO, with a zone)")
    ] = None,
    actor: ActorOpt = "cli",
    key: KeyOpt = None,
    program: ProgramOpt = None,
) -> None:
    """Credit or debit MEMBER's points by hand, with an internal reason and a note."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    cmd = Adjust(member, points, reason, actor, expires, note)
    receipt = ledger.adjust(jf.uow(), jf.clock, found, cmd, key or _key("adjust"))
    print(json.dumps(encode(receipt), indent=2))


def _key(what: str) -> str:
    return f"cli:{what}:{secrets.token_hex(8)}"
