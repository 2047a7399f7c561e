"""The checkpoints of file imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jifen.services.earning.ports import EarningWork


@dataclass(frozen=True)
class ImportCounts:
    imported: int = 0
    skipped_existing: int = 0
    rejected: int = 0
    points: int = 0


@dataclass(frozen=True)
class ImportRecord:
    """How far the import of one file has come: rows up to ``last_line`` are done."""

    id: int
    fingerprint: str
    file_name: str
    last_line: int
    counts: ImportCounts
    started_at: datetime
    finished_at: datetime | None


class Imports(Protocol):
    def unfinished(self, program_id: int, fingerprint: str) -> ImportRecord | None:
        """The newest import of this file that has not finished, if any."""

    def unfinished_among(self, program_id: int, fingerprints: Sequence[str]) -> list[ImportRecord]:
        """The imports under any of ``fingerprints`` that have not finished, newest first."""

    def start(
        self, program_id: int, fingerprint: str, file_name: str, file_size: int, now: datetime
    ) -> ImportRecord: ...

    def advance(
        self, import_id: int, from_line: int, to_line: int, counts: ImportCounts, now: datetime
    ) -> bool:
        """Move the checkpoint on; False if it is no longer at ``from_line``."""

    def finish(self, import_id: int, now: datetime) -> None: ...

    def refresh_statistics(self) -> None:
        """Bring the query planner's statistics of the tables an import grows up to date:
        planned for the empty tables of a new programme, a batch's key lookups would read
        every key of the programme instead of its own (ADR 0026)."""


class ImportWork(EarningWork, Protocol):
    """What importing files needs: earning's repositories, and the import checkpoints."""

    imports: Imports
