"""Inbound sources: the platforms that may say a task was done, and their secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.tables import inbound_sources
from jifen.services.engagement.ports import InboundSource


def _source(row: Any) -> InboundSource:
    return InboundSource(
        name=row.name,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_until=row.previous_until,
        created_at=row.created_at,
        rotated_at=row.rotated_at,
    )


class SqlInboundSources:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, name: str, secret: str, now: datetime) -> bool:
        row = upsert_insert(self.conn)(inbound_sources).values(
            program_id=program_id, name=name, secret=secret, created_at=now
        )
        done = self.conn.execute(row.on_conflict_do_nothing().returning(inbound_sources.c.id))
        return done.first() is not None

    def get(self, program_id: int, name: str) -> InboundSource | None:
        s = inbound_sources.c
        row = self.conn.execute(
            select(inbound_sources).where(s.program_id == program_id, s.name == name)
        ).first()
        return None if row is None else _source(row)

    def rotate(
        self, program_id: int, name: str, secret: str, previous_until: datetime, now: datetime
    ) -> None:
        s = inbound_sources.c
        self.conn.execute(
            update(inbound_sources)
            .where(s.program_id == program_id, s.name == name)
            .values(
                previous_secret=s.secret,
                previous_until=previous_until,
                secret=secret,
                rotated_at=now,
            )
        )

    def all(self, program_id: int) -> list[InboundSource]:
        s = inbound_sources.c
        rows = self.conn.execute(
            select(inbound_sources).where(s.program_id == program_id).order_by(s.name)
        )
        return [_source(row) for row in rows]
