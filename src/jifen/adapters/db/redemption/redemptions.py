"""Redemptions: held, completed, released, expired or cancelled, each exactly once.

:class:`SqlRedemptions` is the ``Redemptions`` port: these rows, with the stock they
take (``stock``) and the vouchers they issue (``vouchers``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from jifen.adapters.db.engine import upsert_insert
from jifen.adapters.db.redemption.stock import SqlStock
from jifen.adapters.db.redemption.vouchers import SqlVouchers
from jifen.adapters.db.tables import holds, redemptions
from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import Conflict
from jifen.domain.redemption import LIVE, Redemption, RedemptionKind, RedemptionStatus
from jifen.services.redemption.ports import NewRedemption

_LIVE = [s.value for s in LIVE]


class SqlRedemptions(SqlStock, SqlVouchers):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.insert = upsert_insert(conn)

    def add(self, program_id: int, new: NewRedemption, now: datetime) -> Redemption:
        row = self.conn.execute(
            insert(redemptions)
            .values(
                program_id=program_id,
                member_id=new.member_id,
                kind=new.kind,
                reward=new.reward,
                quantity=new.quantity,
                points=new.points,
                cash=new.cash,
                status=new.status,
                hold_id=new.hold_id,
                entry_id=new.entry_id,
                reference=new.reference,
                program_version=new.program_version,
                detail=new.detail,
                created_at=now,
                settled_at=None if new.status == RedemptionStatus.HELD.value else now,
            )
            .returning(*redemptions.c)
        ).one()
        return _redemption(row)

    def get(self, program_id: int, redemption_id: int) -> Redemption | None:
        row = self.conn.execute(
            select(redemptions).where(
                redemptions.c.program_id == program_id, redemptions.c.id == redemption_id
            )
        ).one_or_none()
        return None if row is None else _redemption(row)

    def settle(
        self, redemption_id: int, status: str, now: datetime, *, entry_id: int | None = None
    ) -> None:
        values: dict[str, Any] = {"status": status, "settled_at": now}
        if entry_id is not None:
            values["entry_id"] = entry_id
        moved = self.conn.execute(
            update(redemptions)
            .where(redemptions.c.id == redemption_id, redemptions.c.status.in_(_LIVE))
            .values(**values)
        ).rowcount
        if moved != 1:
            raise Conflict(
                f"redemption {redemption_id} changed under this operation; retry",
                code=RedemptionCode.REDEMPTION_CONFLICT,
            )

    def live_since(self, member_id: int, reward: str) -> list[tuple[datetime, int]]:
        found = self.conn.execute(
            select(redemptions.c.created_at, redemptions.c.quantity).where(
                redemptions.c.member_id == member_id,
                redemptions.c.reward == reward,
                redemptions.c.kind == RedemptionKind.REWARD.value,  # prizes count for no limit
                redemptions.c.status.in_(_LIVE),
            )
        )
        return [(r.created_at, r.quantity) for r in found]

    def of_member(self, member_id: int, limit: int) -> list[Redemption]:
        found = self.conn.execute(
            select(redemptions)
            .where(redemptions.c.member_id == member_id)
            .order_by(redemptions.c.id.desc())
            .limit(limit)
        )
        return [_redemption(r) for r in found]

    def lapsed(self, program_id: int, now: datetime, limit: int) -> list[Redemption]:
        found = self.conn.execute(
            select(redemptions)
            .join(holds, holds.c.id == redemptions.c.hold_id)
            .where(
                redemptions.c.program_id == program_id,
                redemptions.c.status == RedemptionStatus.HELD.value,
                or_(holds.c.status != "active", holds.c.expires_at <= now),
            )
            .order_by(redemptions.c.id)
            .limit(limit)
        )
        return [_redemption(r) for r in found]


def _redemption(row: Any) -> Redemption:
    return Redemption(
        id=row.id,
        member_id=row.member_id,
        kind=RedemptionKind(row.kind),
        reward=row.reward,
        quantity=row.quantity,
        points=row.points,
        cash=row.cash,
        status=RedemptionStatus(row.status),
        hold_id=row.hold_id,
        entry_id=row.entry_id,
        reference=row.reference,
        program_version=row.program_version,
        created_at=row.created_at,
        settled_at=row.settled_at,
        detail=dict(row.detail or {}),
    )
