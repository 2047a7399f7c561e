"""``jifen jobs run``: the nightly pipeline for one local day, by hand or from cron."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from jifen.bootstrap import Jifen, bootstrap
from jifen.domain.errors import InvalidInput, JifenError
from jifen.domain.programs import Program
from jifen.entrypoints.cli.errors import friendly
from jifen.services import nightly, programs
from jifen.services.nightly import Night, StepProgress

app = typer.Typer(no_args_is_help=True, help="Run the scheduled jobs by hand.")
err = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
INTERRUPTED = 130
COLUMNS = ("members", "entries", "lots", "points", "holds", "in_debt", "events", "changed")

RUN_HELP = """Run the nightly pipeline for one local day of the programme.

Steps, in order: release_holds (expired holds give their points back),
mature_pending (pending points become available), expire_lots (points past
their end expire), expiry_reminders (points.expiry_approached events for points
ending in 30, 7 and 1 days).

--as-of DATE runs the night of that local day: everything due by its first
instant (00:00) in the programme's timezone is settled, and the entries are
dated at that instant. The default is today in the programme's timezone.

The run is idempotent and resumable: each chunk of members commits with the
step's checkpoint, so running the same day again changes nothing, and a run
that was interrupted resumes after its last committed chunk.

Exit status: 0 when the night is done; 130 when interrupted; 4 when another
worker is running it; 2 or 3 with a one-line error when the date or the
programme cannot be used; 1 when a step failed (committed chunks are kept).
"""


@app.command("run", help=RUN_HELP)
@friendly
def run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="YYYY-MM-DD", help="the local day to run")
    ] = None,
    program: Annotated[
        str | None, typer.Option("--program", "-p", help="programme code (default: the only one)")
    ] = None,
    chunk: Annotated[
        int | None,
        typer.Option(
            "--chunk", min=1, help="members per transaction (default JIFEN_PIPELINE_CHUNK)"
        ),
    ] = None,
) -> None:
    jf = bootstrap()
    day = _day(as_of)
    found = programs.find_program(jf.uow(write=False), program)
    night = _run(jf, found, day, chunk or jf.settings.pipeline_chunk)
    _report(found, night)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--as-of must be a date such as 2026-03-10, not {text!r}", field="as_of"
        ) from None


def _run(jf: Jifen, program: Program, day: date | None, chunk: int) -> Night:
    span = max(nightly.members_span(jf.uow, program), 1)
    with _progress() as bar:
        tasks: dict[str, TaskID] = {
            step.name: bar.add_task(step.name, total=span, entries=0)
            for step in nightly.nightly(jf.rulebooks)
        }

        def tick(p: StepProgress) -> None:
            done = span if p.done else min(p.cursor, span)
            bar.update(tasks[p.step], completed=done, entries=p.counts.get("entries", 0))

        try:
            night = nightly.run_night(
                jf.uow,
                jf.clock,
                jf.locks,
                jf.rulebooks,
                program,
                day,
                chunk=chunk,
                progress=tick,
                lanes=jf.lanes,
            )
        except KeyboardInterrupt:
            bar.stop()
            err.print("interrupted: committed chunks are kept; run the same command to resume")
            raise typer.Exit(INTERRUPTED) from None
        except JifenError:
            bar.stop()
            raise
        except Exception as exc:  # one readable line, not a traceback
            bar.stop()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            print(
                f"error: pipeline_failed: {type(exc).__name__}: {first} "
                "(committed chunks are kept; run the same command to resume)",
                file=sys.stderr,
            )
            raise typer.Exit(1) from None
        for report in night.steps:
            bar.update(tasks[report.name], completed=span)
    return night


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<17}"),
        BarColumn(),
        TextColumn("{task.fields[entries]:>10,} entries"),
        TimeElapsedColumn(),
        console=err,
        transient=True,  # the summary table replaces it
    )


def _report(program: Program, night: Night) -> None:
    local = night.cutoff.astimezone(program.tz)
    out.print(
        f"night of {night.day} for {program.code}: cut-off {local:%Y-%m-%d %H:%M} "
        f"{program.timezone} ({night.cutoff:%Y-%m-%d %H:%M} UTC)"
    )
    table = Table(*("step", *COLUMNS, "note"), box=None, pad_edge=False)
    for step in night.steps:
        note = "already done" if step.already_done else ""
        if step.resumed_after is not None:
            note = f"resumed after member {step.resumed_after}"
        table.add_row(
            step.name,
            *(f"{step.counts[c]:,}" if c in step.counts else "" for c in COLUMNS),
            note,
        )
    out.print(table)
    if night.boards_frozen:
        out.print(f"leaderboards: {night.boards_frozen} finished period(s) frozen, prizes paid")
    if night.already_done:
        out.print("nothing to do: this night was already done")
