"""Consents: appended, never updated; the latest row per purpose and channel is the answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from jifen.adapters.db.tables import consents
from jifen.domain.engagement.enrolment import Consent


class SqlConsents:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(
        self,
        program_id: int,
        member_id: int,
        given: Sequence[Consent],
        source: str,
        now: datetime,
    ) -> None:
        rows = [
            {
                "program_id": program_id,
                "member_id": member_id,
                "purpose": c.purpose,
                "channel": c.channel,
                "granted": c.granted,
                "source": source,
                "recorded_at": now,
            }
            for c in given
        ]
        if rows:
            self.conn.execute(insert(consents), rows)

    def of(self, member_id: int) -> list[Consent]:
        c = consents.c
        latest = (
            select(func.max(c.id))
            .where(c.member_id == member_id)
            .group_by(c.purpose, c.channel)
            .scalar_subquery()
        )
        found = self.conn.execute(
            select(c.purpose, c.channel, c.granted)
            .where(c.id.in_(latest))
            .order_by(c.purpose, c.channel)
        )
        return [Consent(r.purpose, r.channel, bool(r.granted)) for r in found]
