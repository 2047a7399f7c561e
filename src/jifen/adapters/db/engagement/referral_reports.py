"""The referral report's reads: referrers counted, their friends listed, their devices."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from jifen.adapters.db.tables import member_devices, members, referrals
from jifen.services.earning.ports import ReferralStatus
from jifen.services.engagement.ports import FriendRow, ReferrerRow

CONVERTED = ReferralStatus.CONVERTED.value
VOIDED = ReferralStatus.VOIDED.value


def _counts(now: datetime) -> list[Any]:
    r = referrals.c
    converted = r.status == CONVERTED
    pending = and_(converted, r.available_at > now)
    return [
        func.count().label("friends"),
        func.sum(case((converted, 1), else_=0)).label("converted"),
        func.sum(case((r.status == VOIDED, 1), else_=0)).label("voided"),
        func.sum(case((converted, r.referrer_points), else_=0)).label("points"),
        func.sum(case((pending, r.referrer_points), else_=0)).label("pending"),
    ]


def _referrer(row: Any) -> ReferrerRow:
    return ReferrerRow(
        member_id=row.id,
        external_id=row.external_id,
        display_name=row.display_name,
        friends=int(row.friends),
        converted=int(row.converted or 0),
        voided=int(row.voided or 0),
        points=int(row.points or 0),
        pending=int(row.pending or 0),
    )


class SqlReferralReports:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def referrers(self, program_id: int, now: datetime, limit: int) -> list[ReferrerRow]:
        r, m = referrals.c, members.c
        counted = (
            select(r.referrer_id, *_counts(now))
            .where(r.program_id == program_id)
            .group_by(r.referrer_id)
            .subquery()
        )
        query = (
            select(m.id, m.external_id, m.display_name, *counted.c[1:])
            .join(counted, counted.c.referrer_id == m.id)
            .order_by(counted.c.friends.desc(), counted.c.converted.desc(), m.id)
            .limit(limit)
        )
        return [_referrer(row) for row in self.conn.execute(query)]

    def referrer(self, member_id: int, now: datetime) -> ReferrerRow | None:
        r, m = referrals.c, members.c
        query = (
            select(m.id, m.external_id, m.display_name, *_counts(now))
            .join(referrals, r.referrer_id == m.id)
            .where(m.id == member_id)
            .group_by(m.id, m.external_id, m.display_name)
        )
        row = self.conn.execute(query).first()
        return None if row is None else _referrer(row)

    def totals(self, program_id: int, now: datetime) -> dict[str, int]:
        r = referrals.c
        converted = r.status == CONVERTED
        pending = and_(converted, r.available_at > now)
        both = r.friend_points + r.referrer_points
        row = self.conn.execute(
            select(
                func.count(),
                func.sum(case((converted, 1), else_=0)),
                func.sum(case((pending, 1), else_=0)),
                func.sum(case((r.status == VOIDED, 1), else_=0)),
                func.sum(case((converted, both), else_=0)),
                func.sum(case((pending, both), else_=0)),
            ).where(r.program_id == program_id)
        ).one()
        names = ("joined", "converted", "pending", "voided", "points", "points_pending")
        return {name: int(value or 0) for name, value in zip(names, row, strict=True)}

    def friends(self, referrer_ids: Collection[int]) -> list[FriendRow]:
        if not referrer_ids:
            return []
        r, m = referrals.c, members.c
        query = (
            select(
                r.referrer_id,
                r.referee_id,
                m.external_id,
                m.display_name,
                m.phone,
                m.email,
                r.status,
                r.created_at,
                r.converted_at,
                r.order_id,
                r.friend_points,
                r.referrer_points,
                r.available_at,
                r.void_reason,
                m.orders_count,
                m.last_order_at,
            )
            .join(members, m.id == r.referee_id)
            .where(r.referrer_id.in_(sorted(referrer_ids)))
            .order_by(r.created_at.desc(), r.referee_id.desc())
        )
        return [
            FriendRow(
                referrer_id=row.referrer_id,
                member_id=row.referee_id,
                external_id=row.external_id,
                display_name=row.display_name,
                phone=row.phone,
                email=row.email,
                status=row.status,
                joined_at=row.created_at,
                converted_at=row.converted_at,
                order_id=row.order_id,
                friend_points=int(row.friend_points),
                referrer_points=int(row.referrer_points),
                available_at=row.available_at,
                void_reason=row.void_reason,
                orders_count=int(row.orders_count),
                last_order_at=row.last_order_at,
            )
            for row in self.conn.execute(query)
        ]

    def devices(self, member_ids: Collection[int]) -> dict[int, set[str]]:
        d = member_devices.c
        found: dict[int, set[str]] = {}
        if not member_ids:
            return found
        query = select(d.member_id, d.device_hash).where(d.member_id.in_(sorted(member_ids)))
        for member_id, device in self.conn.execute(query):
            found.setdefault(member_id, set()).add(device)
        return found
