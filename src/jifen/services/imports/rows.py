"""What an import reads and reports: a file, its rows, the handler of one kind of row,
the summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from jifen.domain.errors import JifenError
from jifen.services.imports.ports import ImportCounts, ImportWork

if TYPE_CHECKING:
    from jifen.services.imports.lanes import Lane

Row = tuple[int, dict[str, Any]]
#: rejected rows a summary keeps as examples (``--rejects`` lists them all)
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

    def start(self, uow: ImportWork) -> None:
        """Raise to refuse the whole import before the first row is read."""

    def subject(self, record: object) -> str | None:
        """What a record is about, to name it when it is rejected."""

    def member(self, record: object) -> str | None:
        """Whose row it is: an import in lanes splits the rows by member."""

    def check(self, record: object, now: datetime) -> T:
        """The row's command, checked without the database; ``InvalidInput`` otherwise."""

    def write(self, uow: ImportWork, item: T, now: datetime) -> Written:
        """Write one row inside an open unit of work, without committing it."""


@runtime_checkable
class BatchWriter(Protocol[T_contra]):
    """A handler that can also write a whole batch at once, faster."""

    def write_many(
        self, uow: ImportWork, items: Sequence[T_contra], now: datetime
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
    lane: Lane | None = None  # in lanes: this lane's rows only, and its own checkpoint
