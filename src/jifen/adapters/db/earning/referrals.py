"""Referrals: one row per referee (its key), so a member has one referrer, ever; what the
referral paid, and the hint on the member that it still waits (``referral_open``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, insert, null, select, update

from jifen.adapters.db.tables import members, orders, referrals
from jifen.domain.earning import Usage
from jifen.services.earning.ports import Referral, ReferralPaid, ReferralStatus


def referral(row: Any) -> Referral:
    status = ReferralStatus(row.status)
    paid = None
    if status is not ReferralStatus.JOINED and row.rule_id is not None:
        paid = ReferralPaid(
            rule_id=row.rule_id,
            order_id=row.order_id,
            friend_entry_id=row.friend_entry_id,
            referrer_entry_id=row.referrer_entry_id,
            friend_points=row.friend_points,
            referrer_points=row.referrer_points,
            available_at=row.available_at or row.converted_at,
        )
    return Referral(
        referee_id=row.referee_id,
        referrer_id=row.referrer_id,
        status=status,
        created_at=row.created_at,
        converted_at=row.converted_at,
        paid=paid,
        voided_at=row.voided_at,
        void_reason=row.void_reason,
    )


class SqlReferrals:
    conn: Connection

    def referral_of(self, referee_id: int) -> Referral | None:
        row = self.conn.execute(select(referrals).where(referrals.c.referee_id == referee_id))
        found = row.first()
        return None if found is None else referral(found)

    def add_referral(
        self, program_id: int, referee_id: int, referrer_id: int, now: datetime
    ) -> None:
        self.conn.execute(
            insert(referrals).values(
                referee_id=referee_id,
                program_id=program_id,
                referrer_id=referrer_id,
                created_at=now,
                status=ReferralStatus.JOINED.value,
            )
        )
        self._open(referee_id, True)

    def convert_referral(self, referee_id: int, paid: ReferralPaid, now: datetime) -> None:
        self.conn.execute(
            update(referrals)
            .where(referrals.c.referee_id == referee_id)
            .values(
                status=ReferralStatus.CONVERTED.value,
                converted_at=now,
                rule_id=paid.rule_id,
                order_id=paid.order_id,
                friend_entry_id=paid.friend_entry_id,
                referrer_entry_id=paid.referrer_entry_id,
                friend_points=paid.friend_points,
                referrer_points=paid.referrer_points,
                available_at=paid.available_at,
            )
        )
        self._open(referee_id, False)

    def reopen_referral(self, referee_id: int) -> None:
        self.conn.execute(
            update(referrals)
            .where(referrals.c.referee_id == referee_id)
            .values(
                status=ReferralStatus.JOINED.value,
                converted_at=null(),
                rule_id=null(),
                order_id=null(),
                friend_entry_id=null(),
                referrer_entry_id=null(),
                friend_points=0,
                referrer_points=0,
                available_at=null(),
            )
        )
        self._open(referee_id, True)

    def void_referral(self, referee_id: int, reason: str, now: datetime) -> None:
        self.conn.execute(
            update(referrals)
            .where(referrals.c.referee_id == referee_id)
            .values(status=ReferralStatus.VOIDED.value, voided_at=now, void_reason=reason)
        )
        self._open(referee_id, False)

    def referrer_tally(self, referrer_id: int, since: datetime | None) -> Usage:
        r = referrals.c
        query = select(func.coalesce(func.sum(r.referrer_points), 0), func.count()).where(
            r.referrer_id == referrer_id,
            r.status == ReferralStatus.CONVERTED.value,
            r.referrer_points > 0,
        )
        if since is not None:
            query = query.where(r.converted_at >= since)
        points, times = self.conn.execute(query).one()
        return Usage(int(points), int(times))

    def has_kept_order(self, member_id: int) -> bool:
        kept = exists().where(orders.c.member_id == member_id, orders.c.paid > orders.c.refunded)
        return bool(self.conn.execute(select(kept)).scalar())

    def _open(self, member_id: int, waiting: bool) -> None:
        self.conn.execute(
            update(members).where(members.c.id == member_id).values(referral_open=waiting)
        )
