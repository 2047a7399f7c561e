"""``jifen import orders|balances FILE``: order history or opening balances in bulk, resumable."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Protocol

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from jifen.bootstrap import Jifen, bootstrap
from jifen.domain.errors import InvalidInput
from jifen.domain.programs import Program
from jifen.entrypoints.cli.errors import friendly
from jifen.entrypoints.cli.import_lanes import Job, LaneInterrupted, run_in_lanes
from jifen.services import imports, programs
from jifen.services.imports import ImportFile, ImportSummary, Rejected, Row

app = typer.Typer(no_args_is_help=True, help="Bring data in from files.")
err = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
SHOWN_REJECTIONS = 5
INTERRUPTED = 130
Sink = Callable[[Sequence[Rejected]], None]


class Source(Protocol):
    """What the commands need of a file (``Jifen.order_file``, ``Jifen.balance_file``)."""

    path: Path
    size: int
    position: int
    identity: ImportFile

    @property
    def subject(self) -> str:
        """The rejects file's column naming a row: order_id, member."""

    def rows(self) -> Iterator[Row]: ...


@dataclass(frozen=True)
class Kind:
    """What differs between the import commands: the service and a few words."""

    run: Callable[..., ImportSummary]  # imports.import_orders, imports.import_balances
    rate: str  # "orders/s"
    subject: str  # "order X9" in the rejected examples
    points: str  # the summary's points line
    takes_skew: bool  # the service takes the clock skew allowed for a row's date


ORDERS = Kind(imports.import_orders, "orders/s", "order", "points awarded", takes_skew=True)
BALANCES = Kind(imports.import_balances, "balances/s", "member", "points credited", False)


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


ProgramOpt = Annotated[
    str | None, typer.Option("--program", "-p", help="programme code (default: the only one)")
]
BatchOpt = Annotated[
    int, typer.Option("--batch-size", min=1, max=10_000, help="rows per transaction")
]
FormatOpt = Annotated[
    Format | None, typer.Option("--format", help="default: from the file's extension")
]
LanesOpt = Annotated[
    int | None,
    typer.Option(
        "--lanes",
        min=1,
        max=imports.MAX_LANES,
        help="processes side by side, the rows split by member (default: one per core on "
        "PostgreSQL; SQLite has one writer: 1)",
    ),
]


ORDERS_HELP = """Import orders from a JSON Lines or a CSV file and award their points.

JSON Lines (.jsonl, .ndjson): one order a line, with the fields of the body of
POST /v1/orders: order_id, member, paid, placed_at (ISO 8601 with an offset;
required here), lines [{sku, quantity, unit_price, category, tags, discount}],
channel, store, discount, points_paid. Money is a string, such as "12.50".

CSV (.csv): one order line a row, with the columns order_id, member,
placed_at, paid, channel, store, sku, quantity, unit_price, category, tags
(tags separated by |). Consecutive rows with the same order_id are one order.

Orders are recorded as POST /v1/orders records them, in file order, many to a
transaction (--batch-size). An order already recorded is skipped
(skipped_existing), so importing a file twice changes nothing. A bad row (a
missing field, bad money, paid that disagrees with its lines, a placed_at in
the future or before 2000, an unknown or blocked member, an order id already
used for a different order) is rejected with its reason and the rest is
imported. If an import is interrupted, run the same command again: it resumes
after the last committed batch.

On PostgreSQL the file is split by member over processes side by side
(--lanes, default one a core): a member's orders stay in one lane, in file
order. Each lane keeps its own checkpoint and resumes on its own.

Exit status: 0 when every row was imported or skipped; 1 when some rows were
rejected (--rejects FILE lists them all); 130 when interrupted; 2 to 5, with a
one-line error, when the file, its format or the programme cannot be used; 8
when the database, or a lane, stopped: run the same command again.
"""


BALANCES_HELP = """Import the points members bring from another system: one opening lot a row.

CSV (.csv): the header member,points,expires_at,earned_at,reference; only member
and points are required. JSON Lines (.jsonl, .ndjson): the same fields.
points is a whole number from 1 to 1,000,000,000. expires_at and earned_at are
an ISO 8601 date (read in the programme's timezone: an expires_at date keeps the
points to the end of that day) or a time with an offset. Without expires_at the
lot expires under the programme's expiry policy, counted from earned_at (or
from now); a lot already expired is rejected (already_expired). earned_at
cannot be in the future. reference (default "opening") names the lot: give a
member's lots distinct references.

A member who has not joined yet joins with the balance; a blocked or erased one
is rejected. Each row is credited once, keyed by member and reference:
importing a file twice changes nothing (skipped_existing), and a second row
with a member and reference already used for other points is rejected
(reference_reused). Rows are credited many to a transaction (--batch-size); if
an import is interrupted, run the same command again: it resumes after the
last committed batch. On PostgreSQL the rows are split by member over processes
side by side (--lanes), as for orders.

Exit status: 0 when every row was imported or skipped; 1 when some rows were
rejected (--rejects FILE lists them all); 130 when interrupted; 2 to 5, with a
one-line error, when the file, its format or the programme cannot be used.
"""


@app.command("orders", help=ORDERS_HELP)
@friendly
def import_orders(
    file: Annotated[Path, typer.Argument(help="a .jsonl, .ndjson or .csv file")],
    program: ProgramOpt = None,
    batch_size: BatchOpt = 500,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="write every rejected row here, as CSV: line,order_id,reason"
        ),
    ] = None,
    fmt: FormatOpt = None,
    lanes: LanesOpt = None,
) -> None:
    jf = bootstrap()
    source = jf.order_file(file, fmt.value if fmt else None)
    _import(jf, ORDERS, source, program, batch_size, rejects, lanes)


@app.command("balances", help=BALANCES_HELP)
@friendly
def import_balances(
    file: Annotated[Path, typer.Argument(help="a .csv, .jsonl or .ndjson file")],
    program: ProgramOpt = None,
    batch_size: BatchOpt = 500,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="write every rejected row here, as CSV: line,member,reason"),
    ] = None,
    fmt: FormatOpt = None,
    lanes: LanesOpt = None,
) -> None:
    jf = bootstrap()
    source = jf.balance_file(file, fmt.value if fmt else None)
    _import(jf, BALANCES, source, program, batch_size, rejects, lanes)


def _import(
    jf: Jifen,
    kind: Kind,
    source: Source,
    program: str | None,
    batch_size: int,
    rejects: Path | None,
    lanes: int | None,
) -> None:
    found = programs.find_program(jf.uow(write=False), program)
    count = _lanes(jf, lanes)
    earlier = imports.begun_import(jf.uow(write=False), found, source.identity)
    if earlier is not None:
        in_lanes = f" in {earlier.lanes} lanes" if earlier.lanes > 1 else ""
        err.print(
            f"resuming the import of {source.path.name}{in_lanes} "
            f"after line {earlier.resumed_after}"
        )
        count = earlier.lanes
    sink = None
    if rejects is not None:
        sink = jf.rejects_file(rejects, append=earlier is not None, subject=source.subject)
    try:
        summary = _run(jf, kind, found, source, batch_size, sink, count)
    finally:
        if sink is not None:
            sink.close()
    _report(kind, summary, rejects)
    raise typer.Exit(1 if summary.rejected else 0)


def _lanes(jf: Jifen, asked: int | None) -> int:
    if asked is None:
        return jf.import_lanes
    if asked > 1 and jf.engine.dialect.name == "sqlite":
        raise InvalidInput(
            "SQLite has one writer: an import on SQLite runs in one lane", field="lanes"
        )
    return asked


def _run(
    jf: Jifen,
    kind: Kind,
    program: Program,
    source: Source,
    batch_size: int,
    sink: Sink | None,
    lanes: int,
) -> ImportSummary:
    seen: list[ImportSummary] = []
    # in lanes, no refresh thread: the lanes are forked from this process, and a fork
    # takes no thread along (nor what a thread had locked); each lane's batch refreshes it
    with _progress(kind, auto_refresh=lanes == 1) as bar:
        task = bar.add_task(source.path.name, total=source.size or None, rows=0, rate=0)

        ctrl_c: list[int] = []

        def tick(summary: ImportSummary) -> None:
            seen[:] = [summary]
            rate = summary.rows / summary.seconds if summary.seconds else 0
            bar.update(task, completed=source.position, rows=summary.rows, rate=rate)
            if ctrl_c:  # between two batches: the one just committed stays
                raise KeyboardInterrupt

        def lanes_tick(position: int, rows: int, seconds: float) -> None:
            rate = rows / seconds if seconds else 0
            bar.update(task, completed=position, rows=rows, rate=rate, refresh=True)

        try:
            if lanes > 1:
                job = Job(jf, kind, program, source, batch_size)
                return run_in_lanes(job, lanes, lanes_tick, sink)
            # Ctrl-C raises a flag, read after each batch: a KeyboardInterrupt raised where
            # it fell could land in a callback of the garbage collector, which swallows it
            # (the import then ran to its end)
            asked = signal.signal(signal.SIGINT, lambda *_: ctrl_c.append(1))
            try:
                return kind.run(
                    jf.uow,
                    jf.clock,
                    jf.rulebooks,
                    program,
                    source.rows(),
                    batch_size=batch_size,
                    progress=tick,
                    checkpoint=source.identity,
                    rejects=sink,
                    **({"skew": jf.clock_skew} if kind.takes_skew else {}),
                )
            finally:
                signal.signal(signal.SIGINT, asked)
        except (KeyboardInterrupt, LaneInterrupted) as exc:
            bar.stop()
            if isinstance(exc, LaneInterrupted):
                seen[:] = [exc.summary] if exc.summary is not None else []
            line = seen[0].last_line if seen else None
            done = f"rows up to line {line} are committed" if line else "no batch was committed"
            if isinstance(exc, LaneInterrupted) and exc.summary is None:
                done = "each lane's committed batches are kept"
            err.print(f"interrupted: {done}; run the same command again to resume")
            raise typer.Exit(INTERRUPTED) from None


def _progress(kind: Kind, *, auto_refresh: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TextColumn("{task.fields[rate]:,.0f} " + kind.rate),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        auto_refresh=auto_refresh,
    )


def _report(kind: Kind, summary: ImportSummary, rejects: Path | None) -> None:
    rate = summary.rows / summary.seconds if summary.seconds else 0.0
    if summary.resumed_after:
        out.print(f"resumed after line {summary.resumed_after}; counts cover the whole file")
    out.print(f"imported          {summary.imported:,}")
    out.print(f"skipped_existing  {summary.skipped_existing:,}")
    out.print(f"rejected          {summary.rejected:,}")
    out.print(f"{kind.points:<18}{summary.points:,}")
    out.print(f"seconds           {summary.seconds:.1f} ({rate:,.0f} rows/s)")
    if summary.batches_redone:
        out.print(f"{summary.batches_redone:,} batches failed at once and were written row by row")
    for x in summary.examples[:SHOWN_REJECTIONS]:
        out.print(f"  line {x.line}: {kind.subject} {x.subject or '?'}: {x.reason}", markup=False)
    if summary.rejected:
        where = f"every one is in {rejects}" if rejects else "use --rejects FILE to list them all"
        out.print(f"{summary.rejected:,} rows rejected: {where}")
