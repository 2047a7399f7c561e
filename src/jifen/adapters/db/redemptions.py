"""Redemptions, reward stock and vouchers.

Stock is one row per reward with a stock: ``taken`` moves by a guarded
``UPDATE ... SET taken = taken + n WHERE taken + n <= total``. Concurrent
claims queue on that one row (not on any wider lock) and each sees the count
the previous one committed, so a reward is never oversold; the table's check
constraint says so a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jifen.adapters.db.tables import holds, redemptions, reward_stock, vouchers
from jifen.domain.errors import Conflict
from jifen.domain.redemption import (
    LIVE,
    Redemption,
    RedemptionKind,
    RedemptionStatus,
    Voucher,
    VoucherStatus,
)
from jifen.services.redemption.ports import NewRedemption, StockLevel

_LIVE = [s.value for s in LIVE]
_TAKE = (
    update(reward_stock)
    .where(
        reward_stock.c.program_id == bindparam("b_program"),
        reward_stock.c.reward == bindparam("b_reward"),
        reward_stock.c.declared == bindparam("b_declared"),
        or_(
            reward_stock.c.total.is_(None),
            reward_stock.c.taken + bindparam("b_n") <= reward_stock.c.total,
        ),
    )
    .values(taken=reward_stock.c.taken + bindparam("b_n"), updated_at=bindparam("b_now"))
)


class SqlRedemptions:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

    # ------------------------------------------------------------------ stock

    def take_stock(
        self, program_id: int, reward: str, declared: int, quantity: int, now: datetime
    ) -> bool:
        params = {
            "b_program": program_id,
            "b_reward": reward,
            "b_declared": declared,
            "b_n": quantity,
            "b_now": now,
        }
        if self.conn.execute(_TAKE, params).rowcount == 1:
            return True
        # No count yet, or one made from another version of the file: settle it, try again.
        row = self._locked(program_id, reward)
        if row is None:
            # The first claims of a reward race to create its count: one wins, the others
            # then queue on its row like any later claim.
            first = self._insert(reward_stock).values(
                program_id=program_id,
                reward=reward,
                declared=declared,
                total=declared,
                taken=0,
                updated_at=now,
            )
            self.conn.execute(first.on_conflict_do_nothing(index_elements=["program_id", "reward"]))
        elif row.declared != declared:
            total = StockLevel(reward, row.declared, row.total, row.taken).total_for(declared)
            self.conn.execute(
                update(reward_stock)
                .where(reward_stock.c.program_id == program_id, reward_stock.c.reward == reward)
                .values(declared=declared, total=total, updated_at=now)
            )
        else:
            return False
        return bool(self.conn.execute(_TAKE, params).rowcount == 1)

    def return_stock(self, program_id: int, reward: str, quantity: int, now: datetime) -> None:
        self.conn.execute(
            update(reward_stock)
            .where(
                reward_stock.c.program_id == program_id,
                reward_stock.c.reward == reward,
                reward_stock.c.taken >= quantity,
            )
            .values(taken=reward_stock.c.taken - quantity, updated_at=now)
        )

    def set_remaining(
        self, program_id: int, reward: str, declared: int | None, remaining: int, now: datetime
    ) -> StockLevel:
        row = self._locked(program_id, reward)
        if row is None:
            self.conn.execute(
                insert(reward_stock).values(
                    program_id=program_id,
                    reward=reward,
                    declared=declared,
                    total=remaining,
                    taken=0,
                    updated_at=now,
                )
            )
            return StockLevel(reward, declared, remaining, 0)
        self.conn.execute(
            update(reward_stock)
            .where(reward_stock.c.program_id == program_id, reward_stock.c.reward == reward)
            .values(declared=declared, total=row.taken + remaining, updated_at=now)
        )
        return StockLevel(reward, declared, row.taken + remaining, row.taken)

    def stock(self, program_id: int) -> dict[str, StockLevel]:
        found = self.conn.execute(
            select(reward_stock).where(reward_stock.c.program_id == program_id)
        )
        return {r.reward: StockLevel(r.reward, r.declared, r.total, r.taken) for r in found}

    def stock_of(self, program_id: int, reward: str) -> StockLevel | None:
        row = self._row(program_id, reward)
        return None if row is None else StockLevel(row.reward, row.declared, row.total, row.taken)

    def _locked(self, program_id: int, reward: str) -> Any:
        return self._row(program_id, reward, lock=True)

    def _row(self, program_id: int, reward: str, *, lock: bool = False) -> Any:
        found = select(reward_stock).where(
            reward_stock.c.program_id == program_id, reward_stock.c.reward == reward
        )
        return self.conn.execute(found.with_for_update() if lock else found).one_or_none()

    # ------------------------------------------------------------------ redemptions

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
                code="redemption_conflict",
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

    # ------------------------------------------------------------------ vouchers

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
            self._insert(vouchers)
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
                "the voucher changed under this operation; retry", code="voucher_conflict"
            )


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
