"""Published programme versions: the text of each, kept forever."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from jifen.adapters.db.tables import program_versions, programs
from jifen.services.ports import VersionInfo


class SqlProgramVersions:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, version: int, source: str, actor: str, now: datetime) -> None:
        self.conn.execute(
            insert(program_versions).values(
                program_id=program_id,
                version=version,
                source=source,
                published_at=now,
                published_by=actor,
            )
        )

    def latest(self, program_id: int) -> VersionInfo | None:
        every = self.all(program_id)
        return every[-1] if every else None

    def source(self, program_id: int, version: int) -> str | None:
        return self.conn.execute(
            select(program_versions.c.source).where(
                program_versions.c.program_id == program_id, program_versions.c.version == version
            )
        ).scalar_one_or_none()

    def all(self, program_id: int) -> list[VersionInfo]:
        result = self.conn.execute(
            select(
                program_versions.c.version,
                program_versions.c.published_at,
                program_versions.c.published_by,
            )
            .where(program_versions.c.program_id == program_id)
            .order_by(program_versions.c.version)
        )
        return [VersionInfo(r.version, r.published_at, r.published_by) for r in result]

    def current(self, program_id: int) -> int | None:
        value = self.conn.execute(
            select(programs.c.current_version).where(programs.c.id == program_id)
        ).scalar_one_or_none()
        return None if value is None else int(value)

    def set_current(self, program_id: int, version: int) -> None:
        self.conn.execute(
            update(programs).where(programs.c.id == program_id).values(current_version=version)
        )
