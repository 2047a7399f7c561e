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
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from jifen.domain.errors import Conflict, InvalidInput, JifenError
from jifen.domain.programs import Program
from jifen.services.opening_balances import BalanceRows
from jifen.services.order_rows import OrderRows
from jifen.services.ports import Clock, ImportCounts, ImportRecord, UnitOfWork, UnitOfWorkFactory
from jifen.services.rulebooks import Rulebooks

Row = tuple[int, dict[str, Any]]
MAX_EXAMPLES = 100
T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)


@dataclass(frozen=True)
class ImportFile:
    """What identifies a file across runs: its checkpoint is kept under ``fingerprint``."""

    fingerprint: str
    name: str
    size: int


@dataclass(frozen=True)
class Rejected:
    line: int
    subject: str | None  # what the row is about: its order id, its member
    reason: str

    @property
    def order_id(self) -> str | None:
        """The subject of a row of an order file."""
        return self.subject


class Written(Protocol):
    """What a handler's ``write`` returns: an ``EarnResult``, a ``Receipt``."""

    @property
    def points(self) -> int: ...

    @property
    def replayed(self) -> bool: ...


class RowHandler(Protocol[T]):
    """One kind of row: what it means, checked and then written."""

    def start(self, uow: UnitOfWork) -> None:
        """Raise to refuse the whole import before the first row is read."""

    def subject(self, record: object) -> str | None:
        """What a record is about, to name it when it is rejected."""

    def check(self, record: object, now: datetime) -> T:
        """The row's command, checked without the database; ``InvalidInput`` otherwise."""

    def write(self, uow: UnitOfWork, item: T, now: datetime) -> Written:
        """Write one row inside an open unit of work, without committing it."""


@runtime_checkable
class BatchWriter(Protocol[T_contra]):
    """A handler that can also write a whole batch at once, faster."""

    def write_many(
        self, uow: UnitOfWork, items: Sequence[T_contra], now: datetime
    ) -> Sequence[Written | JifenError]:
        """Each row's outcome, as ``write`` would have it row by row, without committing.

        Any exception means the batch is to be written again row by row.
        """


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
    batches_redone: int = 0  # batches written at once that failed and were redone row by row
    examples: list[Rejected] = field(default_factory=list)  # this run's first rejections

    @property
    def counts(self) -> ImportCounts:
        return ImportCounts(self.imported, self.skipped_existing, self.rejected, self.points)


@dataclass(frozen=True)
class ImportOptions:
    """How to run an import; see ``run_import``."""

    batch_size: int = 500
    progress: Callable[[ImportSummary], None] | None = None
    checkpoint: ImportFile | None = None
    rejects: Callable[[Sequence[Rejected]], None] | None = None


@dataclass(frozen=True)
class _Job(Generic[T]):
    uow_factory: UnitOfWorkFactory
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
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    program: Program,
    handler: RowHandler[T],
    rows: Iterable[Row],
    options: ImportOptions,
) -> ImportSummary:
    """Write every row of ``rows`` with ``handler``; see the module's docstring.

    With a ``checkpoint`` the progress is kept in the database and a second run
    on the same file resumes an unfinished import. ``progress`` is called after
    each committed batch, ``rejects`` with each committed batch's rejected rows.
    """
    if options.batch_size < 1:
        raise InvalidInput("the batch size must be at least 1", field="batch_size")
    started = time.monotonic()
    record = _open(uow_factory, clock, program, handler, options.checkpoint)
    summary = _summary_of(record)
    job = _Job(uow_factory, clock, handler, record, options.rejects)
    todo = (row for row in rows if row[0] > summary.resumed_after)
    for batch in _batches(todo, options.batch_size):
        _run_batch(job, batch, summary)
        summary.seconds = time.monotonic() - started
        if options.progress is not None:
            options.progress(summary)
    if record is not None:
        with uow_factory() as uow:
            uow.imports.finish(record.id, clock.now())
            uow.commit()
    summary.seconds = time.monotonic() - started
    return summary


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
    """Record every order of ``rows`` as ``POST /v1/orders`` would; see ``run_import``."""
    options = ImportOptions(batch_size, progress, checkpoint, rejects)
    return run_import(uow_factory, clock, program, OrderRows(rulebooks, program), rows, options)


def import_balances(
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
    """Credit every opening balance of ``rows`` (see ``opening_balances``) and ``run_import``."""
    options = ImportOptions(batch_size, progress, checkpoint, rejects)
    return run_import(uow_factory, clock, program, BalanceRows(rulebooks, program), rows, options)


def unfinished_import(
    uow: UnitOfWork, program: Program, checkpoint: ImportFile
) -> ImportRecord | None:
    """An interrupted import of this file, which the next import resumes."""
    with uow:
        return uow.imports.unfinished(program.id, checkpoint.fingerprint)


def _open(
    uow_factory: UnitOfWorkFactory,
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
    uow: UnitOfWork, job: _Job[T], checked: list[_Checked[T] | Rejected], summary: ImportSummary
) -> list[Outcome]:
    """The batch at once if the handler can, else (or if that fails) row by row."""
    rows = [x for x in checked if not isinstance(x, Rejected)]
    if rows and isinstance(job.handler, BatchWriter):
        try:
            with uow.savepoint():
                written = iter(job.handler.write_many(uow, [x.item for x in rows], job.clock.now()))
        except Exception:  # undone whole; row by row then says which row, if any
            summary.batches_redone += 1
        else:
            return [x if isinstance(x, Rejected) else _outcome(x, next(written)) for x in checked]
    return [x if isinstance(x, Rejected) else _write(uow, job, x) for x in checked]


def _outcome(row: _Checked[T], written: Written | JifenError) -> Outcome:
    if isinstance(written, JifenError):
        return Rejected(row.line, row.subject, _reason(written))
    return written


def _write(uow: UnitOfWork, job: _Job[T], row: _Checked[T]) -> Outcome:
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
