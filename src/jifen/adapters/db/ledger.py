"""Applying postings: the only code that changes balances, lots and holds.

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

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from jifen.adapters.db.ledger_reads import SqlLedgerReads
from jifen.adapters.db.tables import draws, entries, holds, lots, members
from jifen.domain.errors import Conflict, HoldNotActive, InsufficientPoints
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
# executemany, ids in the order of the rows
_insert_entries = insert(entries).returning(entries.c.id, sort_by_parameter_order=True)
_insert_lots = insert(lots).returning(lots.c.id, sort_by_parameter_order=True)
_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('entries', 'id')) FROM generate_series(1, :n)"
)
NO_FLOOR = -(2**62)  # an unguarded available balance (credits, or the debt policy)
_move_balances = (
    update(members)
    .where(
        members.c.id == bindparam("b_member"),
        members.c.available + bindparam("b_da") >= bindparam("b_floor"),
        members.c.pending + bindparam("b_dp") >= 0,
        members.c.held + bindparam("b_dh") >= 0,
    )
    .values(
        available=members.c.available + bindparam("b_da"),
        pending=members.c.pending + bindparam("b_dp"),
        held=members.c.held + bindparam("b_dh"),
        updated_at=bindparam("b_now"),
    )
)


class SqlLedger(SqlLedgerReads):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._granted = 0  # SQLite: the last entry id next_entry_ids handed out

    def apply(self, program_id: int, posting: Posting, now: datetime) -> tuple[int, int | None]:
        entry_id = self._insert_entry(program_id, posting, now)
        if posting.new_lots:
            self._insert_lots(program_id, posting.member_id, entry_id, posting.new_lots, now)
        if posting.draws:
            self._draw(posting, entry_id)
        if posting.matured_lot_ids:
            self._mature(posting)
        hold_id = None
        if posting.new_hold is not None:
            hold_id = self._insert_hold(program_id, posting, entry_id, now)
        if posting.hold_transition is not None:
            self._transition_hold(posting, now)
        self._move_balances(posting, now)
        return entry_id, hold_id

    def credit_many(self, program_id: int, postings: Sequence[Posting], now: datetime) -> list[int]:
        if not postings:
            return []
        for p in postings:
            if p.draws or p.matured_lot_ids or p.new_hold or p.hold_transition or p.delta_held:
                raise ValueError("credit_many takes credits only")
        entry_ids = [
            int(i)
            for i in self.conn.execute(
                _insert_entries, [self._entry_row(program_id, p, now) for p in postings]
            ).scalars()
        ]
        news = [
            (p.member_id, entry_id, new)
            for p, entry_id in zip(postings, entry_ids, strict=True)
            for new in p.new_lots
        ]
        lot_ids = self.conn.execute(
            _insert_lots, [self._lot_row(program_id, m, e, new, now) for m, e, new in news]
        ).scalars()
        repaid = [
            {"entry_id": e, "lot_id": lot_id, "amount": new.repaid}
            for (_, e, new), lot_id in zip(news, lot_ids, strict=True)
            if new.repaid
        ]
        if repaid:
            self.conn.execute(insert(draws), repaid)
        moves = [
            {
                "b_member": p.member_id,
                "b_da": p.delta_available,
                "b_dp": p.delta_pending,
                "b_dh": 0,
                "b_now": now,
                "b_floor": NO_FLOOR,
            }
            for p in postings
        ]
        moved = self.conn.execute(_move_balances, moves).rowcount
        if moved != len(moves):
            raise Conflict("a member changed under this operation; retry", code="ledger_conflict")
        return entry_ids

    def next_entry_ids(self, count: int) -> list[int]:
        if count <= 0:
            return []
        if self.conn.dialect.name == "postgresql":
            return [int(i) for i in self.conn.execute(_NEXT_IDS, {"n": count}).scalars()]
        # SQLite: this transaction began IMMEDIATE, so nobody else writes entries
        # until it ends; ids are handed out above every row and every earlier grant.
        top = int(self.conn.execute(select(func.coalesce(func.max(entries.c.id), 0))).scalar_one())
        first = max(top, self._granted) + 1
        self._granted = first + count - 1
        return list(range(first, first + count))

    def write_credits(
        self, program_id: int, credits: Sequence[tuple[int, Posting, datetime]]
    ) -> None:
        if not credits:
            return
        for _, p, _ in credits:
            if p.draws or p.matured_lot_ids or p.new_hold or p.hold_transition or p.delta_held:
                raise ValueError("write_credits takes credits only")
            if any(new.repaid for new in p.new_lots):
                raise ValueError("write_credits takes credits that repay nothing")
        self.conn.execute(
            insert(entries),
            [{"id": entry_id, **self._entry_row(program_id, p, at)} for entry_id, p, at in credits],
        )
        self.conn.execute(
            insert(lots),
            [
                self._lot_row(program_id, p.member_id, entry_id, new, at)
                for entry_id, p, at in credits
                for new in p.new_lots
            ],
        )
        moves: dict[int, dict[str, Any]] = {}
        for _, p, at in credits:
            move = moves.setdefault(
                p.member_id,
                {"b_member": p.member_id, "b_da": 0, "b_dp": 0, "b_dh": 0, "b_floor": NO_FLOOR},
            )
            move["b_da"] += p.delta_available
            move["b_dp"] += p.delta_pending
            move["b_now"] = at
        moved = self.conn.execute(_move_balances, list(moves.values())).rowcount
        if moved != len(moves):
            raise Conflict("a member changed under this operation; retry", code="ledger_conflict")

    def _insert_entry(self, program_id: int, p: Posting, now: datetime) -> int:
        params = self._entry_row(program_id, p, now)
        return int(self.conn.execute(_insert_entry, params).scalar_one())

    @staticmethod
    def _entry_row(program_id: int, p: Posting, now: datetime) -> dict[str, Any]:
        return {
            "program_id": program_id,
            "member_id": p.member_id,
            "kind": p.kind.value,
            "amount": p.amount,
            "delta_available": p.delta_available,
            "delta_pending": p.delta_pending,
            "delta_held": p.delta_held,
            "reason": p.reason,
            "actor": p.actor,
            "reference": p.reference,
            "reverses_entry_id": p.reverses_entry_id,
            "hold_id": p.hold_id,
            "program_version": p.program_version,
            "meta": p.meta,
            "created_at": now,
        }

    def _insert_lots(
        self,
        program_id: int,
        member_id: int,
        entry_id: int,
        news: Sequence[NewLot],
        now: datetime,
    ) -> None:
        """A posting's lots in one statement (an order's rules each credit a lot)."""
        params = [self._lot_row(program_id, member_id, entry_id, new, now) for new in news]
        if not any(new.repaid for new in news):
            self.conn.execute(_add_lots, params)  # no ids needed: one plain INSERT
            return
        lot_ids = list(self.conn.execute(_insert_lots, params).scalars())
        repaid = [
            {"entry_id": entry_id, "lot_id": lot_id, "amount": new.repaid}
            for new, lot_id in zip(news, lot_ids, strict=True)
            if new.repaid
        ]
        if repaid:
            self.conn.execute(insert(draws), repaid)

    @staticmethod
    def _lot_row(
        program_id: int, member_id: int, entry_id: int, new: NewLot, now: datetime
    ) -> dict[str, Any]:
        return {
            "program_id": program_id,
            "member_id": member_id,
            "entry_id": entry_id,
            "amount": new.amount,
            "remaining": new.amount - new.repaid,
            "available_at": new.available_at,
            "expires_at": new.expires_at,
            "pending": new.pending,
            "source": new.source.value,
            "source_ref": new.source_ref,
            "rule_id": new.rule_id,
            "parent_lot_id": new.parent_lot_id,
            "created_at": now,
        }

    def _draw(self, p: Posting, entry_id: int) -> None:
        params = [
            {"b_lot": d.lot_id, "b_member": p.member_id, "b_amount": d.amount} for d in p.draws
        ]
        result = self.conn.execute(_take_from_lot, params)
        if result.rowcount != len(params):
            raise Conflict("a lot changed under this operation; retry", code="ledger_conflict")
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
            raise Conflict("pending points changed under this operation", code="ledger_conflict")

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

    def _move_balances(self, p: Posting, now: datetime) -> None:
        da = p.delta_available
        guarded = da < 0 and not p.allow_negative
        result = self.conn.execute(
            _move_balances,
            {
                "b_member": p.member_id,
                "b_da": da,
                "b_dp": p.delta_pending,
                "b_dh": p.delta_held,
                "b_now": now,
                "b_floor": 0 if guarded else NO_FLOOR,
            },
        )
        if result.rowcount != 1:
            raise InsufficientPoints(
                "the balance does not cover this operation", requested=max(-da, 0)
            )
