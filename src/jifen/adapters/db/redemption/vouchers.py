"""Vouchers: issued with a unique code, then consumed or cancelled once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select, update

from jifen.adapters.db.tables import vouchers
from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import Conflict
from jifen.domain.redemption import Redemption, Voucher, VoucherStatus


class SqlVouchers:
    """Part of :class:`~jifen.adapters.db.redemption.SqlRedemptions`: vouchers."""

    conn: Connection
    insert: Any  # the dialect's INSERT, with ON CONFLICT

    def add_voucher(
        self,
        program_id: int,
        redemption: Redemption,
        code: str,
        face_value: int,
        min_spend: int,
        expires_at: datetime,
        now: datetime,
    ) -> Voucher | None:
        row = self.conn.execute(
            self.insert(vouchers)
            .values(
                program_id=program_id,
                code=code,
                redemption_id=redemption.id,
                member_id=redemption.member_id,
                reward=redemption.reward or "",
                face_value=face_value,
                min_spend=min_spend,
                status=VoucherStatus.ISSUED.value,
                expires_at=expires_at,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(*vouchers.c)
        ).one_or_none()
        return None if row is None else _voucher(row)

    def voucher(self, program_id: int, code: str, *, lock: bool = False) -> Voucher | None:
        query = select(vouchers).where(vouchers.c.code == code)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).one_or_none()
        if row is None or row.program_id != program_id:
            return None
        return _voucher(row)

    def vouchers_of_redemption(self, redemption_id: int) -> list[Voucher]:
        return self.vouchers_of_redemptions([redemption_id]).get(redemption_id, [])

    def vouchers_of_redemptions(self, redemption_ids: Sequence[int]) -> dict[int, list[Voucher]]:
        found: dict[int, list[Voucher]] = {}
        if not redemption_ids:
            return found
        rows = self.conn.execute(
            select(vouchers)
            .where(vouchers.c.redemption_id.in_(list(redemption_ids)))
            .order_by(vouchers.c.id)
        )
        for row in rows:
            found.setdefault(row.redemption_id, []).append(_voucher(row))
        return found

    def vouchers_of_member(self, member_id: int) -> list[Voucher]:
        found = self.conn.execute(
            select(vouchers).where(vouchers.c.member_id == member_id).order_by(vouchers.c.id.desc())
        )
        return [_voucher(r) for r in found]

    def set_voucher(
        self, voucher_id: int, status: str, now: datetime, reference: str | None = None
    ) -> None:
        issued = VoucherStatus.ISSUED.value
        values: dict[str, Any] = {"status": status}
        if status == VoucherStatus.CONSUMED.value:
            values |= {"consumed_at": now, "consumed_reference": reference}
        moved = self.conn.execute(
            update(vouchers)
            .where(and_(vouchers.c.id == voucher_id, vouchers.c.status == issued))
            .values(**values)
        ).rowcount
        if moved != 1:
            raise Conflict(
                "the voucher changed under this operation; retry",
                code=RedemptionCode.VOUCHER_CONFLICT,
            )


def _voucher(row: Any) -> Voucher:
    return Voucher(
        id=row.id,
        code=row.code,
        redemption_id=row.redemption_id,
        member_id=row.member_id,
        reward=row.reward,
        face_value=row.face_value,
        min_spend=row.min_spend,
        status=VoucherStatus(row.status),
        expires_at=row.expires_at,
        created_at=row.created_at,
        consumed_at=row.consumed_at,
        consumed_reference=row.consumed_reference,
    )
