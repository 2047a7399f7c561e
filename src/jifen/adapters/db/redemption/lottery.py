"""Lottery draws: appended, never changed, with enough to check each draw again."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, Row, insert, select

from jifen.adapters.db.tables import lottery_draws
from jifen.domain.redemption import PrizeKind
from jifen.services.redemption.ports import DrawRecord, NewDraw


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
    kind = fields.pop("prize_kind")
    return DrawRecord(**fields, prize_kind=None if kind is None else PrizeKind(kind))
