"""Aggregates for the dashboard: a few GROUP BY queries, never a Python loop over rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from jifen.adapters.db.types import UTCDateTime
from jifen.services.reporting.ports import DayFigures, PeriodFigures

# Issued: earned, and credited by hand; redeemed: spent in one step or captured, less
# what was given back since (a cancelled redemption, a reversed spend: the reversals that
# name the entry, found by ix_entries_reverses), in the period the points were spent.
_KINDS = """SUM(CASE WHEN kind = 'earn' OR (kind = 'adjust' AND delta_available + delta_pending > 0)
                THEN amount ELSE 0 END) AS issued,
       SUM(CASE WHEN kind IN ('redeem', 'capture')
                THEN amount - COALESCE((SELECT SUM(back.amount) FROM entries back
                                        WHERE back.reverses_entry_id = entries.id
                                          AND back.kind = 'reverse'), 0)
                ELSE 0 END) AS redeemed,
       SUM(CASE WHEN kind = 'expire' THEN amount ELSE 0 END) AS expired"""
_DAY = {
    "postgresql": "FLOOR((EXTRACT(EPOCH FROM created_at) + :off) / 86400)",
    "sqlite": "CAST(((julianday(created_at) - 2440587.5) * 86400 + :off) / 86400 AS INTEGER)",
}


class SqlReports:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def period(self, program_id: int, start: datetime, end: datetime) -> PeriodFigures:
        window = {"p": program_id, "a": start, "b": end}
        moved = self.conn.execute(
            text(
                f"SELECT {_KINDS}, COUNT(DISTINCT member_id) AS active FROM entries "
                "WHERE program_id = :p AND created_at >= :a AND created_at < :b"
            ).bindparams(*_times()),
            window,
        ).one()
        members, outstanding = self.conn.execute(
            text(
                "SELECT COUNT(*), COALESCE(SUM(available + pending + held), 0) FROM members "
                "WHERE program_id = :p AND status <> 'erased'"
            ),
            {"p": program_id},
        ).one()
        tiers = self.conn.execute(
            text(
                "SELECT COALESCE(tier, ''), COUNT(*) FROM members WHERE program_id = :p "
                "AND status = 'active' GROUP BY COALESCE(tier, '') ORDER BY 2 DESC"
            ),
            {"p": program_id},
        ).all()
        rewards = self.conn.execute(
            text(
                "SELECT reward, SUM(quantity), SUM(points) FROM redemptions "
                "WHERE program_id = :p AND reward IS NOT NULL AND status IN ('held', 'completed') "
                "AND created_at >= :a AND created_at < :b "
                "GROUP BY reward ORDER BY 2 DESC, 1 LIMIT 5"
            ).bindparams(*_times()),
            window,
        ).all()
        return PeriodFigures(
            members=int(members),
            active=int(moved.active or 0),
            issued=int(moved.issued or 0),
            redeemed=int(moved.redeemed or 0),
            expired=int(moved.expired or 0),
            outstanding=int(outstanding),
            tiers=[(str(t), int(n)) for t, n in tiers],
            rewards=[(str(r), int(q), int(p)) for r, q, p in rewards],
        )

    def by_day(
        self, program_id: int, start: datetime, end: datetime, offset_seconds: int
    ) -> list[DayFigures]:
        day = _DAY[self.conn.dialect.name]
        found = self.conn.execute(
            text(
                f"SELECT {day} AS d, {_KINDS} FROM entries "
                "WHERE program_id = :p AND created_at >= :a AND created_at < :b "
                f"GROUP BY {day} ORDER BY 1"
            ).bindparams(*_times()),
            {"p": program_id, "a": start, "b": end, "off": offset_seconds},
        )
        return [
            DayFigures(int(r.d), int(r.issued or 0), int(r.redeemed or 0), int(r.expired or 0))
            for r in found
        ]


def _times() -> list[Any]:
    return [bindparam("a", type_=UTCDateTime()), bindparam("b", type_=UTCDateTime())]
