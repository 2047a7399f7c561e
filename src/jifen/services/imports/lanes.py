"""A file imported in lanes side by side, its rows split by member.

An import is bound by the Python of each row, one core's worth; on PostgreSQL,
which writes for many connections at once, the rows are split over the
machine's cores. Lane ``k`` of ``n`` takes the rows whose member hashes to
``k`` (CRC-32 of the member id: the same split on every run and machine), in
file order. All of a member's rows are in one lane, in their order, so
everything decided per member (the week's first purchase, a rule's cap, the
tier's months, the ledger's chain) is decided as it is in one lane. Lanes meet
only on rows members share (a campaign's budget, a referrer), where the
database's row locks put them in an order: across lanes, which of two members
draws a budget's last points is the order they reach it, not the file's.

Each lane keeps its own checkpoint, under the file's fingerprint and ``#k/n``,
so an interrupted import resumes every lane after its own last committed batch,
with the lanes it began with. The lanes' checkpoints are finished together, by
``finish_lanes``, once every lane is through: an import is finished only when
all of it is.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from jifen.domain.programs import Program
from jifen.services.imports.ports import ImportRecord, ImportWork
from jifen.services.imports.rows import MAX_EXAMPLES, ImportFile, ImportSummary, Rejected
from jifen.services.ports import Clock, WorkFactory

MAX_LANES = 8


@dataclass(frozen=True)
class Lane:
    """Lane ``index`` (from 1) of ``count``."""

    index: int
    count: int

    def checkpoint(self, file: ImportFile) -> ImportFile:
        """Where this lane keeps its progress: the file's own checkpoint in one lane."""
        if self.count == 1:
            return file
        return ImportFile(f"{file.fingerprint}#{self.index}/{self.count}", file.name, file.size)

    def holds(self, member: str | None) -> bool:
        """Whether the rows of ``member`` are this lane's (a row without one: lane 1's)."""
        if self.count == 1:
            return True
        return lane_of(member, self.count) == self.index


ONE_LANE = Lane(1, 1)


def lane_of(member: str | None, count: int) -> int:
    """The lane, from 1, of a member's rows among ``count``."""
    if not member:
        return 1
    # (a lone surrogate, which JSON lets through, is encoded too: the row is rejected later)
    return zlib.crc32(member.encode("utf-8", "surrogatepass")) % count + 1


def lanes(count: int) -> tuple[Lane, ...]:
    return tuple(Lane(i, count) for i in range(1, count + 1))


@dataclass(frozen=True)
class Begun:
    """An unfinished import of a file: its lanes and their checkpoints so far."""

    lanes: int
    records: tuple[ImportRecord, ...]  # a lane that had not committed a batch has none

    @property
    def resumed_after(self) -> int:
        """Every row up to this line is committed, in every lane."""
        if len(self.records) < self.lanes:
            return 0
        return min(r.last_line for r in self.records)


def _checkpoints(file: ImportFile) -> dict[str, int]:
    """Every checkpoint name an import of ``file`` may have used, with its lane count."""
    names = {file.fingerprint: 1}
    for count in range(2, MAX_LANES + 1):
        names.update({lane.checkpoint(file).fingerprint: count for lane in lanes(count)})
    return names


def begun_import(uow: ImportWork, program: Program, file: ImportFile) -> Begun | None:
    """An interrupted import of this file, in however many lanes, which the next resumes."""
    names = _checkpoints(file)
    with uow:
        found = uow.imports.unfinished_among(program.id, list(names))
    if not found:
        return None
    count = names[found[0].fingerprint]  # the newest
    return Begun(count, tuple(r for r in found if names[r.fingerprint] == count))


def finish_lanes(
    uow_factory: WorkFactory[ImportWork], clock: Clock, program: Program, file: ImportFile, n: int
) -> None:
    """Mark the import of every lane finished, once all of them are through."""
    names = [lane.checkpoint(file).fingerprint for lane in lanes(n)]
    with uow_factory() as uow:
        for record in uow.imports.unfinished_among(program.id, names):
            uow.imports.finish(record.id, clock.now())
        uow.commit()


def merged(summaries: Sequence[ImportSummary], seconds: float) -> ImportSummary:
    """The lanes' summaries as one: counts added, the checkpoint the lowest lane's."""
    examples: list[Rejected] = sorted(
        (x for s in summaries for x in s.examples), key=lambda x: x.line
    )
    return ImportSummary(
        imported=sum(s.imported for s in summaries),
        skipped_existing=sum(s.skipped_existing for s in summaries),
        rejected=sum(s.rejected for s in summaries),
        points=sum(s.points for s in summaries),
        rows=sum(s.rows for s in summaries),
        resumed_after=min((s.resumed_after for s in summaries), default=0),
        last_line=min((s.last_line for s in summaries), default=0),
        seconds=seconds,
        batches_redone=sum(s.batches_redone for s in summaries),
        examples=examples[:MAX_EXAMPLES],
    )
