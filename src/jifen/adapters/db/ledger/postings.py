"""Applying a posting: with ``credits``, the only code that changes balances, lots and holds.

Every change is a guarded update: a lot's ``remaining`` only moves when the
result stays within ``0..amount``, a hold only changes while ``active``, and a
member's balance only drops below zero when the posting says the programme's
debt policy allows it. A plan made on stale data therefore fails loudly
instead of corrupting the ledger. The member row is locked (``SELECT ... FOR
UPDATE``) before any plan is made, so stale plans should not happen at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update

from jifen.adapters.db.ledger import chain
from jifen.adapters.db.ledger.credits import SqlCredits
from jifen.adapters.db.ledger.statements import (
    INSERT_LOTS,
    MOVE_AND_CHAIN,
    NO_FLOOR,
    entry_row,
    lot_row,
)
from jifen.adapters.db.tables import draws, entries, holds, lots
from jifen.domain.errors import HoldNotActive, InsufficientPoints, LedgerConflict
from jifen.domain.ledger import HoldStatus, NewLot, Posting

_take_from_lot = (
    update(lots)
    .where(
        lots.c.id == bindparam("b_lot"),
        lots.c.member_id == bindparam("b_member"),
        lots.c.remaining - bindparam("b_amount") >= 0,
        lots.c.remaining - bindparam("b_amount") <= lots.c.amount,
    )
    .values(remaining=lots.c.remaining - bindparam("b_amount"))
)


# Hot statements are built once: building ``.values(...)`` per call costs more
# than executing it.
_insert_entry = insert(entries).returning(entries.c.id)
_add_lots = insert(lots)


class SqlLedger(SqlCredits):
    def apply(self, program_id: int, posting: Posting, now: datetime) -> tuple[int, int | None]:
        row = entry_row(program_id, posting, now)
        lot_rows = [lot_row(program_id, posting.member_id, 0, new, now) for new in posting.new_lots]
        prev, head = chain.link(
            self.conn, row, chain.chained(row, lot_rows, posting.draws, posting.new_hold)
        )
        entry_id = int(self.conn.execute(_insert_entry, row).scalar_one())
        if lot_rows:
            self._insert_lots(entry_id, posting.new_lots, lot_rows)
        if posting.draws:
            self._draw(posting, entry_id)
        if posting.matured_lot_ids:
            self._mature(posting)
        hold_id = None
        if posting.new_hold is not None:
            hold_id = self._insert_hold(program_id, posting, entry_id, now)
        if posting.hold_transition is not None:
            self._transition_hold(posting, now)
        self._move_balances(posting, now, prev, head)
        return entry_id, hold_id

    def _insert_lots(
        self, entry_id: int, news: Sequence[NewLot], params: list[dict[str, Any]]
    ) -> None:
        """A posting's lots in one statement (an order's rules each credit a lot)."""
        for row in params:
            row["entry_id"] = entry_id
        if not any(new.repaid for new in news):
            self.conn.execute(_add_lots, params)  # no ids needed: one plain INSERT
            return
        lot_ids = list(self.conn.execute(INSERT_LOTS, params).scalars())
        repaid = [
            {"entry_id": entry_id, "lot_id": lot_id, "amount": new.repaid}
            for new, lot_id in zip(news, lot_ids, strict=True)
            if new.repaid
        ]
        if repaid:
            self.conn.execute(insert(draws), repaid)

    def _draw(self, p: Posting, entry_id: int) -> None:
        params = [
            {"b_lot": d.lot_id, "b_member": p.member_id, "b_amount": d.amount} for d in p.draws
        ]
        result = self.conn.execute(_take_from_lot, params)
        if result.rowcount != len(params):
            raise LedgerConflict("a lot changed under this operation; retry")
        self.conn.execute(
            insert(draws),
            [{"entry_id": entry_id, "lot_id": d.lot_id, "amount": d.amount} for d in p.draws],
        )

    def _mature(self, p: Posting) -> None:
        result = self.conn.execute(
            update(lots)
            .where(lots.c.id.in_(p.matured_lot_ids), lots.c.pending.is_(True))
            .values(pending=False)
        )
        if result.rowcount != len(p.matured_lot_ids):
            raise LedgerConflict("pending points changed under this operation")

    def _insert_hold(self, program_id: int, p: Posting, entry_id: int, now: datetime) -> int:
        assert p.new_hold is not None
        hold_id = self.conn.execute(
            insert(holds)
            .values(
                program_id=program_id,
                member_id=p.member_id,
                entry_id=entry_id,
                amount=p.new_hold.amount,
                captured=0,
                status=HoldStatus.ACTIVE.value,
                expires_at=p.new_hold.expires_at,
                reference=p.new_hold.reference,
                created_at=now,
            )
            .returning(holds.c.id)
        ).scalar_one()
        self.conn.execute(update(entries).where(entries.c.id == entry_id).values(hold_id=hold_id))
        return int(hold_id)

    def _transition_hold(self, p: Posting, now: datetime) -> None:
        t = p.hold_transition
        assert t is not None
        result = self.conn.execute(
            update(holds)
            .where(holds.c.id == t.hold_id, holds.c.status == HoldStatus.ACTIVE.value)
            .values(status=t.to.value, captured=t.captured, settled_at=now)
        )
        if result.rowcount != 1:
            raise HoldNotActive(f"hold {t.hold_id} is no longer active", hold=t.hold_id)

    def _move_balances(self, p: Posting, now: datetime, prev: str | None, head: str) -> None:
        da = p.delta_available
        guarded = da < 0 and not p.allow_negative
        result = self.conn.execute(
            MOVE_AND_CHAIN,
            {
                "b_prev": prev,
                "b_head": head,
                "b_member": p.member_id,
                "b_da": da,
                "b_dp": p.delta_pending,
                "b_dh": p.delta_held,
                "b_now": now,
                "b_floor": 0 if guarded else NO_FLOOR,
            },
        )
        if result.rowcount != 1:
            if chain.head_moved(self.conn, p.member_id, prev):
                raise chain.stale(self.conn, p.member_id)
            raise InsufficientPoints(
                "the balance does not cover this operation", requested=max(-da, 0)
            )
