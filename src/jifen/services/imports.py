"""Importing order history in bulk: batched, idempotent, resumable, in bounded memory.

Rows are ``(line number, record)`` in increasing line order, read lazily. Each
batch of rows is one transaction, committed together with the import's
checkpoint (the last line of the batch), so an interrupted import resumes
after its last committed batch and never does a batch twice. Each order runs
inside a savepoint: an order the database refuses (unknown or blocked member,
an order id reused for a different order) is undone alone and rejected, and
the rest of its batch is kept. An order that is already recorded is a replay,
counted as ``skipped_existing``: importing a file twice changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from jifen.domain.earning.orders import Order
from jifen.domain.errors import Conflict, IdempotencyConflict, InvalidInput, JifenError
from jifen.domain.programs import Program
from jifen.services import orders
from jifen.services.commands import PlaceOrder
from jifen.services.import_records import command_from
from jifen.services.ports import Clock, ImportCounts, ImportRecord, UnitOfWork, UnitOfWorkFactory
from jifen.services.results import EarnResult
from jifen.services.rulebooks import Rulebooks

Row = tuple[int, dict[str, Any]]
MAX_EXAMPLES = 100


@dataclass(frozen=True)
class ImportFile:
    """What identifies a file across runs: its checkpoint is kept under ``fingerprint``."""

    fingerprint: str
    name: str
    size: int


@dataclass(frozen=True)
class Rejected:
    line: int
    order_id: str | None
    reason: str


@dataclass
class ImportSummary:
    """Counts for the whole file (earlier, interrupted runs included)."""

    imported: int = 0
    skipped_existing: int = 0
    rejected: int = 0
    points: int = 0
    rows: int = 0  # rows this run handled
    resumed_after: int = 0  # the checkpoint this run started from (0: from the top)
    last_line: int = 0  # the checkpoint now: every row up to it is committed
    seconds: float = 0.0  # this run
    examples: list[Rejected] = field(default_factory=list)  # this run's first rejections

    @property
    def counts(self) -> ImportCounts:
        return ImportCounts(self.imported, self.skipped_existing, self.rejected, self.points)


@dataclass(frozen=True)
class _Job:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    rulebooks: Rulebooks
    program: Program
    record: ImportRecord | None
    rejects: Callable[[Sequence[Rejected]], None] | None


@dataclass(frozen=True)
class _Ready:
    line: int
    cmd: PlaceOrder
    order: Order


Outcome = EarnResult | Rejected


def import_orders(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    rows: Iterable[Row],
    *,
    batch_size: int = 500,
    progress: Callable[[ImportSummary], None] | None = None,
    checkpoint: ImportFile | None = None,
    rejects: Callable[[Sequence[Rejected]], None] | None = None,
) -> ImportSummary:
    """Record every order of ``rows``; see the module's docstring.

    With a ``checkpoint`` the progress is kept in the database and a second run
    on the same file resumes an unfinished import. ``progress`` is called after
    each committed batch, ``rejects`` with each committed batch's rejected rows.
    """
    if batch_size < 1:
        raise InvalidInput("the batch size must be at least 1", field="batch_size")
    started = time.monotonic()
    record = _open(uow_factory, clock, rulebooks, program, checkpoint)
    summary = _summary_of(record)
    job = _Job(uow_factory, clock, rulebooks, program, record, rejects)
    todo = (row for row in rows if row[0] > summary.resumed_after)
    for batch in _batches(todo, batch_size):
        _run_batch(job, batch, summary)
        summary.seconds = time.monotonic() - started
        if progress is not None:
            progress(summary)
    if record is not None:
        with uow_factory() as uow:
            uow.imports.finish(record.id, clock.now())
            uow.commit()
    summary.seconds = time.monotonic() - started
    return summary


def unfinished_import(
    uow: UnitOfWork, program: Program, checkpoint: ImportFile
) -> ImportRecord | None:
    """An interrupted import of this file, which the next import resumes."""
    with uow:
        return uow.imports.unfinished(program.id, checkpoint.fingerprint)


def _open(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    checkpoint: ImportFile | None,
) -> ImportRecord | None:
    with uow_factory() as uow:
        rulebooks.current(uow, program)  # no published rules: stop before the first row
        if checkpoint is None:
            return None
        found = uow.imports.unfinished(program.id, checkpoint.fingerprint)
        if found is not None:
            return found
        new = uow.imports.start(
            program.id, checkpoint.fingerprint, checkpoint.name, checkpoint.size, clock.now()
        )
        uow.commit()
        return new


def _summary_of(record: ImportRecord | None) -> ImportSummary:
    if record is None:
        return ImportSummary()
    c = record.counts
    return ImportSummary(
        imported=c.imported,
        skipped_existing=c.skipped_existing,
        rejected=c.rejected,
        points=c.points,
        resumed_after=record.last_line,
        last_line=record.last_line,
    )


def _batches(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    while batch := list(islice(rows, size)):
        yield batch


def _run_batch(job: _Job, batch: list[Row], summary: ImportSummary) -> None:
    """One transaction: the batch's orders and the checkpoint, committed together."""
    now = job.clock.now()
    ready = [_prepare(line, record, job.program.currency, now) for line, record in batch]
    last = batch[-1][0]
    with job.uow_factory() as uow:
        outcomes = [x if isinstance(x, Rejected) else _record(uow, job, x) for x in ready]
        counts = _tally(summary.counts, outcomes)
        if job.record is not None and not uow.imports.advance(
            job.record.id, summary.last_line, last, counts, job.clock.now()
        ):
            raise Conflict(
                "another run is importing this file at the same time", code="import_in_progress"
            )
        uow.commit()
    rejected = [x for x in outcomes if isinstance(x, Rejected)]
    summary.imported, summary.skipped_existing = counts.imported, counts.skipped_existing
    summary.rejected, summary.points = counts.rejected, counts.points
    summary.rows += len(batch)
    summary.last_line = last
    summary.examples.extend(rejected[: MAX_EXAMPLES - len(summary.examples)])
    if rejected and job.rejects is not None:
        job.rejects(rejected)


def _prepare(line: int, record: dict[str, Any], currency: str, now: datetime) -> _Ready | Rejected:
    """Everything that can be checked without the database."""
    try:
        cmd = command_from(record)
        return _Ready(line, cmd, orders.to_order(cmd, currency, now))
    except InvalidInput as exc:
        order_id = record.get("order_id") if isinstance(record, dict) else None
        return Rejected(line, order_id if isinstance(order_id, str) else None, _reason(exc))


def _record(uow: UnitOfWork, job: _Job, item: _Ready) -> Outcome:
    try:
        with uow.savepoint():
            return orders.record_order_in(
                uow, job.rulebooks, job.program, item.cmd, item.order, job.clock.now(), commit=False
            )
    except IdempotencyConflict:
        reason = "order_id_reused: this order id is already recorded with different details"
        return Rejected(item.line, item.cmd.order_id, reason)
    except JifenError as exc:
        return Rejected(item.line, item.cmd.order_id, _reason(exc))


def _tally(before: ImportCounts, outcomes: list[Outcome]) -> ImportCounts:
    done = [x for x in outcomes if isinstance(x, EarnResult)]
    fresh = [x for x in done if not x.replayed]
    return ImportCounts(
        imported=before.imported + len(fresh),
        skipped_existing=before.skipped_existing + len(done) - len(fresh),
        rejected=before.rejected + len(outcomes) - len(done),
        points=before.points + sum(x.points for x in fresh),
    )


def _reason(exc: JifenError) -> str:
    return f"{exc.code}: {exc.detail}"
