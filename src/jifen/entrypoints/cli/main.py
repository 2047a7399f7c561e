"""``jifen``: initialise, serve, verify and administer a jifen installation."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jifen.bootstrap import bootstrap
from jifen.domain.errors import InvalidInput
from jifen.entrypoints.cli import apikeys, demo, inbound, simulate
from jifen.entrypoints.cli import imports as imports_cli
from jifen.entrypoints.cli import jobs as jobs_cli
from jifen.entrypoints.cli import operators as operators_cli
from jifen.entrypoints.cli import program as program_cli
from jifen.entrypoints.cli import redemption as redemption_cli
from jifen.entrypoints.cli import rights as rights_cli
from jifen.entrypoints.cli import tiers as tiers_cli
from jifen.entrypoints.cli.errors import friendly
from jifen.entrypoints.cli.server import run_server
from jifen.entrypoints.worker import run_worker
from jifen.services import ledger, nightly, programs

app = typer.Typer(
    name="jifen",
    no_args_is_help=True,
    add_completion=False,
    help="jifen (积分): a loyalty-points platform with a money-grade ledger.",
)
app.add_typer(apikeys.app, name="apikey")
app.add_typer(inbound.app, name="inbound")
app.add_typer(operators_cli.app, name="operator")
app.add_typer(operators_cli.app, name="operators", hidden=True)  # the plural reads as well
app.add_typer(program_cli.app, name="program")
app.add_typer(imports_cli.app, name="import")
app.add_typer(tiers_cli.app, name="tier")
app.add_typer(jobs_cli.app, name="jobs")
app.add_typer(redemption_cli.rewards_app, name="rewards")
app.add_typer(redemption_cli.vouchers_app, name="vouchers")
app.add_typer(redemption_cli.redemptions_app, name="redemptions")
app.add_typer(rights_cli.app, name="members")
app.command("simulate-order")(simulate.simulate_order)
app.command("demo")(demo.demo)
console = Console(stderr=True)
ProgramOpt = Annotated[
    str | None, typer.Option("--program", "-p", help="programme code (default: the only one)")
]


@app.command()
@friendly
def init(
    program: Annotated[Path | None, typer.Option(help="a programme file to register")] = None,
) -> None:
    """Create or migrate the database; publish a programme file."""
    jf = bootstrap()
    # read the file first: a broken file changes nothing and prints only its error
    definition = None if program is None else jf.read_program_definition(program)
    jf.migrate()
    console.print(f"database ready: {jf.engine.url.render_as_string(hide_password=True)}")
    if definition is not None:
        saved, version = programs.publish_program(
            jf.uow(), jf.clock, jf.compile, definition.source, str(program), actor="cli"
        )
        console.print(f"programme {saved.code} registered, version {version} current")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default JIFEN_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="default JIFEN_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="default JIFEN_WORKERS")] = None,
) -> None:
    """Serve the HTTP API."""
    run_server(bootstrap().settings, host, port, workers)


@app.command()
@friendly
def verify(
    against: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="an anchor: every chain must extend its heads"),
    ] = None,
    anchor: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="if all is well, write an anchor here (or in DIR)"),
    ] = None,
) -> None:
    """Recompute every balance and hash chain; exit 1 if anything disagrees."""
    jf = bootstrap()
    kept = None if against is None else jf.read_anchor(against)
    report = ledger.verify(jf.uow, jf.rulebooks, kept)
    print(json.dumps(report, indent=2, default=str))
    if not report["ok"]:
        raise typer.Exit(1)
    if anchor is not None:
        written = jf.write_anchor(anchor)
        console.print(f"anchor written: {written}")


@app.command()
@friendly
def settle(program: ProgramOpt = None) -> None:
    """Settle what is due right now: the settlement steps of `jobs run`, cut-off = now."""
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    done = nightly.settle_due(jf.uow, jf.clock, found, chunk=jf.settings.pipeline_chunk)
    console.print(f"settled {done.members} members with {done.entries} entries")


@app.command()
@friendly
def worker(
    once: Annotated[bool, typer.Option("--once", help="one round, then exit (for cron)")] = False,
    run_at: Annotated[
        str | None,
        typer.Option("--run-at", metavar="HH:MM", help="default JIFEN_WORKER_RUN_AT (02:00)"),
    ] = None,
) -> None:
    """Drain the outbox; run each programme's nightly pipeline once a day at a local time."""
    jf = bootstrap()
    at = jf.settings.worker_run_at if run_at is None else _clock_time(run_at)
    run_worker(jf, at, once=once)


def _clock_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--run-at must be a time such as 02:00, not {text!r}") from None


if __name__ == "__main__":  # pragma: no cover
    app()
