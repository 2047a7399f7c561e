"""Credits in bulk: many members' credits in a few statements.

The nightly's gifts (``credit_many``) and the import write-behind (``next_entry_ids``,
``write_credits``). Credits only: nothing drawn, matured or held, so the balance move is
unguarded (``NO_FLOOR``); every member's move still checks its row count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from jifen.adapters.db.ledger import chain
from jifen.adapters.db.ledger.reads import SqlLedgerReads
from jifen.adapters.db.ledger.statements import (
    INSERT_LOTS,
    MOVE_AND_CHAIN,
    MOVE_BALANCES,
    NO_FLOOR,
    entry_row,
    lot_row,
)
from jifen.adapters.db.many import execute_many
from jifen.adapters.db.tables import draws, entries, lots
from jifen.domain.errors import LedgerConflict
from jifen.domain.ledger import Posting

# executemany, ids in the order of the rows
_insert_entries = insert(entries).returning(entries.c.id, sort_by_parameter_order=True)
#: one row, an array: a row per id costs a fetch each
_NEXT_IDS = text(
    "SELECT array_agg(nextval(pg_get_serial_sequence('entries', 'id'))) FROM generate_series(1, :n)"
)


# no RETURNING of ids nothing reads
_ADD_ENTRY = insert(entries).inline()
_ADD_LOT = insert(lots).inline()


class SqlCredits(SqlLedgerReads):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._granted = 0  # SQLite: the last entry id next_entry_ids handed out

    def credit_many(self, program_id: int, postings: Sequence[Posting], now: datetime) -> list[int]:
        if not postings:
            return []
        for p in postings:
            if p.draws or p.matured_lot_ids or p.new_hold or p.hold_transition or p.delta_held:
                raise ValueError("credit_many takes credits only")
        entry_ids = [
            int(i)
            for i in self.conn.execute(
                _insert_entries, [entry_row(program_id, p, now) for p in postings]
            ).scalars()
        ]
        news = [
            (p.member_id, entry_id, new)
            for p, entry_id in zip(postings, entry_ids, strict=True)
            for new in p.new_lots
        ]
        lot_ids = self.conn.execute(
            INSERT_LOTS, [lot_row(program_id, m, e, new, now) for m, e, new in news]
        ).scalars()
        repaid = [
            {"entry_id": e, "lot_id": lot_id, "amount": new.repaid}
            for (_, e, new), lot_id in zip(news, lot_ids, strict=True)
            if new.repaid
        ]
        if repaid:
            self.conn.execute(insert(draws), repaid)
        chain.chain_written(self.conn, entries.c.id.in_(entry_ids))
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
        moved = self.conn.execute(MOVE_BALANCES, moves).rowcount
        if moved != len(moves):
            raise LedgerConflict()
        return entry_ids

    def next_entry_ids(self, count: int) -> list[int]:
        if count <= 0:
            return []
        if self.conn.dialect.name == "postgresql":
            return sorted(int(i) for i in self.conn.execute(_NEXT_IDS, {"n": count}).scalar_one())
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
        rows, lot_rows, moves = credit_rows(self.conn, program_id, credits)
        execute_many(self.conn, _ADD_ENTRY, rows)
        execute_many(self.conn, _ADD_LOT, lot_rows)
        moved = execute_many(self.conn, MOVE_AND_CHAIN, list(moves.values()))
        if moved != len(moves):
            raise LedgerConflict()


def credit_rows(
    conn: Connection, program_id: int, credits: Sequence[tuple[int, Posting, datetime]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The entries (chained to their members' heads) and lots of ``credits``, and each
    member's move: ``b_member``, ``b_da``, ``b_dp``, ``b_prev`` (the head it moves from),
    ``b_head``, ``b_now``."""
    for _, p, _ in credits:
        if p.draws or p.matured_lot_ids or p.new_hold or p.hold_transition or p.delta_held:
            raise ValueError("write_credits takes credits only")
        if any(new.repaid for new in p.new_lots):
            raise ValueError("write_credits takes credits that repay nothing")
    rows, lot_rows = [], []
    moves: dict[int, dict[str, Any]] = {}
    for entry_id, p, at in sorted(credits, key=lambda c: c[0]):  # the chain's order
        row = {"id": entry_id, **entry_row(program_id, p, at)}
        issued = [lot_row(program_id, p.member_id, entry_id, new, at) for new in p.new_lots]
        prev, head = chain.link(conn, row, chain.chained(row, issued, ()))
        rows.append(row)
        lot_rows.extend(issued)
        move = moves.setdefault(
            p.member_id,
            {"b_member": p.member_id, "b_da": 0, "b_dp": 0, "b_dh": 0, "b_floor": NO_FLOOR},
        )
        move.setdefault("b_prev", prev)
        move["b_head"] = head
        move["b_da"] += p.delta_available
        move["b_dp"] += p.delta_pending
        move["b_now"] = at
    return rows, lot_rows, moves
