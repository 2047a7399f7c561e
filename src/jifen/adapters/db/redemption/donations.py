"""Donations of points to causes: appended, never changed, totalled per cause."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, distinct, func, insert, select

from jifen.adapters.db.tables import donations
from jifen.services.redemption.ports import CauseTotal


class SqlDonations:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, program_id: int, member_id: int, cause: str, points: int, entry_id: int, now: datetime
    ) -> int:
        return int(
            self.conn.execute(
                insert(donations)
                .values(
                    program_id=program_id,
                    member_id=member_id,
                    cause=cause,
                    points=points,
                    entry_id=entry_id,
                    created_at=now,
                )
                .returning(donations.c.id)
            ).scalar_one()
        )

    def totals(self, program_id: int) -> dict[str, CauseTotal]:
        found = self.conn.execute(
            select(
                donations.c.cause,
                func.sum(donations.c.points),
                func.count(distinct(donations.c.member_id)),
                func.count(),
            )
            .where(donations.c.program_id == program_id)
            .group_by(donations.c.cause)
        )
        return {
            cause: CauseTotal(cause, int(points), int(donors), int(gifts))
            for cause, points, donors, gifts in found
        }
