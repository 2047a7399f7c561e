"""The outbox: events written in each use case's transaction, drained after commit.

``SqlOutbox`` adds events beside the write they announce; ``SqlOutboxRelay`` is how the
worker takes the unpublished ones (in id order, locked) and marks them published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from jifen.adapters.db.many import execute_many
from jifen.adapters.db.tables import outbox
from jifen.services.ports import OutboxEvent

_OUTBOX = insert(outbox).inline()  # no RETURNING: it may go out in a pipeline


class SqlOutbox:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None:
        self.conn.execute(
            _OUTBOX,
            {
                "program_id": program_id,
                "topic": topic,
                "payload": payload,
                "created_at": now,
            },
        )

    def add_many(
        self, program_id: int, topic: str, payloads: Sequence[dict[str, Any]], now: datetime
    ) -> None:
        if payloads:
            rows = [
                {"program_id": program_id, "topic": topic, "payload": p, "created_at": now}
                for p in payloads
            ]
            execute_many(self.conn, _OUTBOX, rows)

    def add_events(
        self, program_id: int, events: Sequence[tuple[str, dict[str, Any], datetime]]
    ) -> None:
        if events:
            rows = [
                {"program_id": program_id, "topic": t, "payload": p, "created_at": at}
                for t, p, at in events
            ]
            execute_many(self.conn, _OUTBOX, rows)


class SqlOutboxRelay:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def unpublished(self, limit: int) -> list[OutboxEvent]:
        result = self.conn.execute(
            select(outbox)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update()
        )
        return [
            OutboxEvent(r.id, r.program_id, r.topic, dict(r.payload), r.created_at) for r in result
        ]

    def latest(self, program_id: int, topic: str, limit: int) -> list[OutboxEvent]:
        result = self.conn.execute(
            select(outbox)
            .where(outbox.c.program_id == program_id, outbox.c.topic == topic)
            .order_by(outbox.c.id.desc())
            .limit(limit)
        )
        return [
            OutboxEvent(r.id, r.program_id, r.topic, dict(r.payload), r.created_at) for r in result
        ]

    def mark_published(self, ids: Sequence[int], now: datetime) -> int:
        if not ids:
            return 0
        result = self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(ids)), outbox.c.published_at.is_(None))
            .values(published_at=now)
        )
        return int(result.rowcount)
