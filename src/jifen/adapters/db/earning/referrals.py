"""Referrals: one row per referee (its key), so a member has one referrer, ever."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, exists, insert, select, update

from jifen.adapters.db.tables import orders, referrals
from jifen.services.earning.ports import Referral


class SqlReferrals:
    conn: Connection

    def referral_of(self, referee_id: int) -> Referral | None:
        row = self.conn.execute(
            select(referrals.c.referrer_id, referrals.c.converted_at).where(
                referrals.c.referee_id == referee_id
            )
        ).first()
        return None if row is None else Referral(row.referrer_id, row.converted_at is not None)

    def add_referral(
        self, program_id: int, referee_id: int, referrer_id: int, now: datetime
    ) -> None:
        self.conn.execute(
            insert(referrals).values(
                referee_id=referee_id,
                program_id=program_id,
                referrer_id=referrer_id,
                created_at=now,
            )
        )

    def convert_referral(self, referee_id: int, now: datetime) -> None:
        self.conn.execute(
            update(referrals).where(referrals.c.referee_id == referee_id).values(converted_at=now)
        )

    def has_kept_order(self, member_id: int) -> bool:
        kept = exists().where(orders.c.member_id == member_id, orders.c.paid > orders.c.refunded)
        return bool(self.conn.execute(select(kept)).scalar())
