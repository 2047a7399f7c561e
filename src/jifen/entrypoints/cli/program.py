"""``jifen program``: validate, publish and list programme versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jifen.bootstrap import bootstrap
from jifen.entrypoints.cli.errors import friendly
from jifen.services import programs

app = typer.Typer(no_args_is_help=True, help="Programme files and their versions.")
console = Console()
FileArg = Annotated[Path, typer.Argument(help="a programme file (YAML)")]


@app.command()
@friendly
def validate(file: FileArg) -> None:
    """Check a programme file: exit 0 if it is valid, else print where it is not."""
    definition = bootstrap().read_program_definition(file)
    earning = definition.earning
    console.print(
        f"{file}: valid: programme {definition.program.code}, "
        f"{len(earning.rules)} rules, {len(earning.campaigns)} campaigns, "
        f"{len(earning.tiers)} tiers"
    )


@app.command()
@friendly
def publish(file: FileArg) -> None:
    """Publish a programme file as the next version (no-op if unchanged)."""
    jf = bootstrap()
    source = jf.read_program_definition(file).source
    jf.migrate()
    program, version = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, source, str(file), actor="cli"
    )
    console.print(f"programme {program.code}: version {version} is current")


@app.command()
@friendly
def versions(
    program: Annotated[str | None, typer.Option("--program", "-p")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the published versions of a programme."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    info = programs.versions(jf.uow(write=False), found)
    if as_json:
        print(
            json.dumps(
                {
                    "current": info.current,
                    "versions": [
                        {
                            "version": v.version,
                            "published_at": v.published_at.isoformat(),
                            "published_by": v.published_by,
                        }
                        for v in info.versions
                    ],
                }
            )
        )
        return
    table = Table("version", "published", "by", title=f"{found.code}")
    for v in info.versions:
        mark = " (current)" if v.version == info.current else ""
        table.add_row(f"{v.version}{mark}", f"{v.published_at:%Y-%m-%d %H:%M}", v.published_by)
    console.print(table)
