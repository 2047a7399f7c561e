"""The checkpoints of file imports (``jifen import orders``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from jifen.adapters.db.tables import imports
from jifen.services.imports.ports import ImportCounts, ImportRecord


def _record(row: Any) -> ImportRecord:
    return ImportRecord(
        id=row.id,
        fingerprint=row.fingerprint,
        file_name=row.file_name,
        last_line=row.last_line,
        counts=ImportCounts(row.imported, row.skipped_existing, row.rejected, row.points),
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


class SqlImports:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def unfinished(self, program_id: int, fingerprint: str) -> ImportRecord | None:
        row = self.conn.execute(
            select(imports)
            .where(
                imports.c.program_id == program_id,
                imports.c.fingerprint == fingerprint,
                imports.c.finished_at.is_(None),
            )
            .order_by(imports.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _record(row)

    def unfinished_among(self, program_id: int, fingerprints: Sequence[str]) -> list[ImportRecord]:
        rows = self.conn.execute(
            select(imports)
            .where(
                imports.c.program_id == program_id,
                imports.c.fingerprint.in_(fingerprints),
                imports.c.finished_at.is_(None),
            )
            .order_by(imports.c.id.desc())
        )
        return [_record(row) for row in rows]

    def start(
        self, program_id: int, fingerprint: str, file_name: str, file_size: int, now: datetime
    ) -> ImportRecord:
        row = self.conn.execute(
            insert(imports)
            .values(
                program_id=program_id,
                fingerprint=fingerprint,
                file_name=file_name,
                file_size=file_size,
                last_line=0,
                imported=0,
                skipped_existing=0,
                rejected=0,
                points=0,
                started_at=now,
                updated_at=now,
            )
            .returning(*imports.c)
        ).one()
        return _record(row)

    def advance(
        self, import_id: int, from_line: int, to_line: int, counts: ImportCounts, now: datetime
    ) -> bool:
        done = self.conn.execute(
            update(imports)
            .where(imports.c.id == import_id, imports.c.last_line == from_line)
            .values(
                last_line=to_line,
                imported=counts.imported,
                skipped_existing=counts.skipped_existing,
                rejected=counts.rejected,
                points=counts.points,
                updated_at=now,
            )
        )
        return done.rowcount == 1

    def finish(self, import_id: int, now: datetime) -> None:
        self.conn.execute(
            update(imports).where(imports.c.id == import_id).values(finished_at=now, updated_at=now)
        )

    def refresh_statistics(self) -> None:
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text(f"ANALYZE {', '.join(_GROWN)}"))
        # SQLite plans these lookups by their indexes without statistics


#: the tables a batch looks rows up in (by key, member or id) that an import grows; the
#: tables it only appends to (entries, lots, outbox, spends) need no statistics for that
_GROWN = ("idempotency_keys", "orders", "member_months", "rule_usage", "members")
