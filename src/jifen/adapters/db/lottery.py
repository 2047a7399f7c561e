"""Lottery draws and donations: rows appended, never changed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, Row, distinct, func, insert, select

from jifen.adapters.db.tables import donations, lottery_draws
from jifen.services.redemption.ports import CauseTotal, DrawRecord, NewDraw


class SqlDraws:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, program_id: int, new: NewDraw, now: datetime) -> DrawRecord:
        row = self.conn.execute(
            insert(lottery_draws)
            .values(program_id=program_id, created_at=now, **asdict(new))
            .returning(*lottery_draws.c)
        ).one()
        return _draw(row)

    def since(self, member_id: int, lottery: str) -> list[datetime]:
        found = self.conn.execute(
            select(lottery_draws.c.created_at).where(
                lottery_draws.c.member_id == member_id, lottery_draws.c.lottery == lottery
            )
        )
        return list(found.scalars())

    def of_member(self, member_id: int, limit: int) -> list[DrawRecord]:
        found = self.conn.execute(
            select(lottery_draws)
            .where(lottery_draws.c.member_id == member_id)
            .order_by(lottery_draws.c.id.desc())
            .limit(limit)
        )
        return [_draw(r) for r in found]


def _draw(row: Row[tuple[object, ...]]) -> DrawRecord:
    fields = row._asdict()
    fields.pop("program_id")
    return DrawRecord(**fields)


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
