"""Importing files in bulk: batched, idempotent, resumable, in bounded memory.

Rows are ``(line number, record)`` in increasing line order, read lazily. A
``RowHandler`` says what one kind of row means (an order, an opening balance):
``check`` it without the database, then ``write`` it. Each batch of rows is one
transaction, committed together with the import's checkpoint (the last line of
the batch), so an interrupted import resumes after its last committed batch and
never does a batch twice. Each row is written inside a savepoint: a row the
database refuses (unknown or blocked member, a key reused for different
details) is undone alone and rejected, and the rest of its batch is kept. A
row that is already recorded is a replay, counted as ``skipped_existing``:
importing a file twice changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Generic

from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.error_codes import ImportCode
from jifen.domain.errors import Conflict, InvalidInput, JifenError, Unavailable
from jifen.domain.programs import Program
from jifen.services.imports.lanes import ONE_LANE, Lane
from jifen.services.imports.opening_balances import BalanceRows
from jifen.services.imports.order_rows import OrderRows
from jifen.services.imports.ports import ImportCounts, ImportRecord, ImportWork
from jifen.services.imports.rows import (
    MAX_EXAMPLES,
    BatchWriter,
    ImportFile,
    ImportOptions,
    ImportSummary,
    Rejected,
    Row,
    RowHandler,
    T,
    Written,
)
from jifen.services.ports import Clock, WorkFactory
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class _Job(Generic[T]):
    uow_factory: WorkFactory[ImportWork]
    clock: Clock
    handler: RowHandler[T]
    record: ImportRecord | None
    rejects: Callable[[Sequence[Rejected]], None] | None


@dataclass(frozen=True)
class _Checked(Generic[T]):
    line: int
    subject: str | None
    item: T


Outcome = Written | Rejected


def run_import(
    uow_factory: WorkFactory[ImportWork],
    clock: Clock,
    program: Program,
    handler: RowHandler[T],
    rows: Iterable[Row],
    options: ImportOptions,
) -> ImportSummary:
    """Write every row of ``rows`` (of ``options.lane``) with ``handler``; see the module's
    docstring and ``lanes``.

    With a ``checkpoint`` the progress is kept in the database and a second run
    on the same file resumes an unfinished import. ``progress`` is called after
    each committed batch, ``rejects`` with each committed batch's rejected rows.
    """
    if options.batch_size < 1:
        raise InvalidInput("the batch size must be at least 1", field="batch_size")
    started = time.monotonic()
    lane = options.lane or ONE_LANE
    checkpoint = None if options.checkpoint is None else lane.checkpoint(options.checkpoint)
    record = _open(uow_factory, clock, program, handler, checkpoint)
    summary = _summary_of(record)
    job = _Job(uow_factory, clock, handler, record, options.rejects)
    todo = (row for row in rows if row[0] > summary.resumed_after)
    if lane.count > 1:  # (a handler that is never run in lanes need not name members)
        todo = (row for row in todo if lane.holds(handler.member(row[1])))
    for n, batch in enumerate(_batches(todo, options.batch_size), start=1):
        _run_batch(job, batch, summary)
        summary.seconds = time.monotonic() - started
        if options.progress is not None:  # first: what is committed is said, come what may
            options.progress(summary)
        # after batches 1, 2, 4, 8...: as often as the tables double; by one lane only
        # (two ANALYZE of one table at once can fail: "tuple concurrently updated")
        if n & (n - 1) == 0 and lane.index == 1:
            _refresh_statistics(uow_factory)
    if record is not None and lane.count == 1:  # lanes finish together: ``finish_lanes``
        with uow_factory() as uow:
            uow.imports.finish(record.id, clock.now())
            uow.commit()
    summary.seconds = time.monotonic() - started
    return summary


def _refresh_statistics(uow_factory: WorkFactory[ImportWork]) -> None:
    """The planner's statistics of the growing tables, in a transaction of their own."""
    with uow_factory() as uow:
        uow.imports.refresh_statistics()
        uow.commit()


def import_orders(
    uow_factory: WorkFactory[ImportWork],
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    rows: Iterable[Row],
    *,
    batch_size: int = 500,
    progress: Callable[[ImportSummary], None] | None = None,
    checkpoint: ImportFile | None = None,
    rejects: Callable[[Sequence[Rejected]], None] | None = None,
    skew: timedelta = DEFAULT_SKEW,
    lane: Lane | None = None,
) -> ImportSummary:
    """Record every order of ``rows`` as ``POST /v1/orders`` would; see ``run_import``."""
    options = ImportOptions(batch_size, progress, checkpoint, rejects, lane)
    handler = OrderRows(rulebooks, program, skew)
    return run_import(uow_factory, clock, program, handler, rows, options)


def import_balances(
    uow_factory: WorkFactory[ImportWork],
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    rows: Iterable[Row],
    *,
    batch_size: int = 500,
    progress: Callable[[ImportSummary], None] | None = None,
    checkpoint: ImportFile | None = None,
    rejects: Callable[[Sequence[Rejected]], None] | None = None,
    lane: Lane | None = None,
) -> ImportSummary:
    """Credit every opening balance of ``rows`` (see ``opening_balances``) and ``run_import``."""
    options = ImportOptions(batch_size, progress, checkpoint, rejects, lane)
    return run_import(uow_factory, clock, program, BalanceRows(rulebooks, program), rows, options)


def _open(
    uow_factory: WorkFactory[ImportWork],
    clock: Clock,
    program: Program,
    handler: RowHandler[T],
    checkpoint: ImportFile | None,
) -> ImportRecord | None:
    with uow_factory() as uow:
        handler.start(uow)
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


def _run_batch(job: _Job[T], batch: list[Row], summary: ImportSummary) -> None:
    """One transaction: the batch's rows and the checkpoint, committed together."""
    now = job.clock.now()
    checked = [_check(job.handler, line, record, now) for line, record in batch]
    last = batch[-1][0]
    with job.uow_factory() as uow:
        outcomes = _write_batch(uow, job, checked, summary)
        counts = _tally(summary.counts, outcomes)
        if job.record is not None and not uow.imports.advance(
            job.record.id, summary.last_line, last, counts, job.clock.now()
        ):
            raise Conflict(
                "another run is importing this file at the same time", code=ImportCode.IN_PROGRESS
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


def _check(
    handler: RowHandler[T], line: int, record: dict[str, Any], now: datetime
) -> _Checked[T] | Rejected:
    """Everything that can be checked without the database."""
    subject = handler.subject(record)
    try:
        return _Checked(line, subject, handler.check(record, now))
    except InvalidInput as exc:
        return Rejected(line, subject, _reason(exc))


def _write_batch(
    uow: ImportWork, job: _Job[T], checked: list[_Checked[T] | Rejected], summary: ImportSummary
) -> list[Outcome]:
    """The batch at once if the handler can, else (or if that fails) row by row."""
    rows = [x for x in checked if not isinstance(x, Rejected)]
    if rows and isinstance(job.handler, BatchWriter):
        try:
            with uow.savepoint():
                written = iter(job.handler.write_many(uow, [x.item for x in rows], job.clock.now()))
        except Unavailable:  # the database is gone: no row would do better alone
            raise
        except Exception:  # undone whole; row by row then says which row, if any
            summary.batches_redone += 1
        else:
            return [x if isinstance(x, Rejected) else _outcome(x, next(written)) for x in checked]
    return [x if isinstance(x, Rejected) else _write(uow, job, x) for x in checked]


def _outcome(row: _Checked[T], written: Written | JifenError) -> Outcome:
    if isinstance(written, JifenError):
        return Rejected(row.line, row.subject, _reason(written))
    return written


def _write(uow: ImportWork, job: _Job[T], row: _Checked[T]) -> Outcome:
    try:
        with uow.savepoint():
            return job.handler.write(uow, row.item, job.clock.now())
    except JifenError as exc:
        return Rejected(row.line, row.subject, _reason(exc))


def _tally(before: ImportCounts, outcomes: list[Outcome]) -> ImportCounts:
    done = [x for x in outcomes if not isinstance(x, Rejected)]
    fresh = [x for x in done if not x.replayed]
    return ImportCounts(
        imported=before.imported + len(fresh),
        skipped_existing=before.skipped_existing + len(done) - len(fresh),
        rejected=before.rejected + len(outcomes) - len(done),
        points=before.points + sum(x.points for x in fresh),
    )


def _reason(exc: JifenError) -> str:
    return f"{exc.code}: {exc.detail}"
