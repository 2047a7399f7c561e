"""Programmes and their versions: the batch's current version, read once."""

from __future__ import annotations

from datetime import datetime

from jifen.domain.programs import Program
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through
from jifen.services.ports import Programs, ProgramVersions, VersionInfo


class BatchVersions(Through[ProgramVersions]):
    """Keeps: the batch's programme's ``current`` version, read once (it writes nothing,
    so it reads without writing first). ``set_current`` forgets it. The rest pass through."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.versions)

    def current(self, program_id: int) -> int | None:
        if program_id != self.batch.program_id:
            return self.db.current(program_id)
        if self.batch.version is None:
            self.batch.version = self.db.current(program_id)
        return self.batch.version

    def set_current(self, program_id: int, version: int) -> None:
        self.written().set_current(program_id, version)
        self.batch.version = None

    # -- passing through ------------------------------------------------------------

    def add(self, program_id: int, version: int, source: str, actor: str, now: datetime) -> None:
        self.written().add(program_id, version, source, actor, now)

    def latest(self, program_id: int) -> VersionInfo | None:
        return self.written().latest(program_id)

    def source(self, program_id: int, version: int) -> str | None:
        return self.written().source(program_id, version)

    def all(self, program_id: int) -> list[VersionInfo]:
        return self.written().all(program_id)


class BatchPrograms(Through[Programs]):
    """Not wrapped: every method writes what is kept first."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.programs)

    def by_code(self, code: str) -> Program | None:
        return self.written().by_code(code)

    def by_id(self, program_id: int) -> Program | None:
        return self.written().by_id(program_id)

    def all(self) -> list[Program]:
        return self.written().all()

    def save(self, program: Program, now: datetime) -> Program:
        return self.written().save(program, now)
