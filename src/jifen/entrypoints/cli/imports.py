"""``jifen import orders FILE``: order history in bulk, batched and resumable."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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
from jifen.domain.programs import Program
from jifen.entrypoints.cli.errors import friendly
from jifen.services import imports, programs
from jifen.services.imports import ImportFile, ImportSummary, Rejected, Row

app = typer.Typer(no_args_is_help=True, help="Bring data in from files.")
err = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)
SHOWN_REJECTIONS = 5
INTERRUPTED = 130
Sink = Callable[[Sequence[Rejected]], None]


class Source(Protocol):
    """What the command needs of an order file (``Jifen.order_file``)."""

    path: Path
    size: int
    position: int
    identity: ImportFile

    def rows(self) -> Iterator[Row]: ...


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


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
missing field, bad money, an unknown or blocked member, an order id already
used for a different order) is rejected with its reason and the rest is
imported. If an import is interrupted, run the same command again: it resumes
after the last committed batch.

Exit status: 0 when every row was imported or skipped; 1 when some rows were
rejected (--rejects FILE lists them all); 130 when interrupted; 2 to 5, with a
one-line error, when the file, its format or the programme cannot be used.
"""


@app.command("orders", help=ORDERS_HELP)
@friendly
def import_orders(
    file: Annotated[Path, typer.Argument(help="a .jsonl, .ndjson or .csv file")],
    program: Annotated[
        str | None, typer.Option("--program", "-p", help="programme code (default: the only one)")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="orders per transaction")
    ] = 500,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="write every rejected row here, as CSV: line,order_id,reason"
        ),
    ] = None,
    fmt: Annotated[
        Format | None, typer.Option("--format", help="default: from the file's extension")
    ] = None,
) -> None:
    jf = bootstrap()
    source = jf.order_file(file, fmt.value if fmt else None)
    found = programs.find_program(jf.uow(write=False), program)
    earlier = imports.unfinished_import(jf.uow(write=False), found, source.identity)
    if earlier is not None:
        err.print(f"resuming the import of {file.name} after line {earlier.last_line}")
    sink = None if rejects is None else jf.rejects_file(rejects, append=earlier is not None)
    try:
        summary = _run(jf, found, source, batch_size, sink)
    finally:
        if sink is not None:
            sink.close()
    _report(summary, rejects)
    raise typer.Exit(1 if summary.rejected else 0)


def _run(
    jf: Jifen, program: Program, source: Source, batch_size: int, sink: Sink | None
) -> ImportSummary:
    seen: list[ImportSummary] = []
    with _progress() as bar:
        task = bar.add_task(source.path.name, total=source.size or None, rows=0, rate=0)

        def tick(summary: ImportSummary) -> None:
            seen[:] = [summary]
            rate = summary.rows / summary.seconds if summary.seconds else 0
            bar.update(task, completed=source.position, rows=summary.rows, rate=rate)

        try:
            return imports.import_orders(
                jf.uow,
                jf.clock,
                jf.rulebooks,
                program,
                source.rows(),
                batch_size=batch_size,
                progress=tick,
                checkpoint=source.identity,
                rejects=sink,
            )
        except KeyboardInterrupt:
            bar.stop()
            line = seen[0].last_line if seen else None
            done = f"rows up to line {line} are committed" if line else "no batch was committed"
            err.print(f"interrupted: {done}; run the same command again to resume")
            raise typer.Exit(INTERRUPTED) from None


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TextColumn("{task.fields[rate]:,.0f} orders/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )


def _report(summary: ImportSummary, rejects: Path | None) -> None:
    rate = summary.rows / summary.seconds if summary.seconds else 0.0
    if summary.resumed_after:
        out.print(f"resumed after line {summary.resumed_after}; counts cover the whole file")
    out.print(f"imported          {summary.imported:,}")
    out.print(f"skipped_existing  {summary.skipped_existing:,}")
    out.print(f"rejected          {summary.rejected:,}")
    out.print(f"points awarded    {summary.points:,}")
    out.print(f"seconds           {summary.seconds:.1f} ({rate:,.0f} rows/s)")
    for x in summary.examples[:SHOWN_REJECTIONS]:
        out.print(f"  line {x.line}: order {x.order_id or '?'}: {x.reason}", markup=False)
    if summary.rejected:
        where = f"every one is in {rejects}" if rejects else "use --rejects FILE to list them all"
        out.print(f"{summary.rejected:,} rows rejected: {where}")
