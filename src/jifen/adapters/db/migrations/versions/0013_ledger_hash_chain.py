"""each member's entries chained by hash

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:30:00.000000

Every entry gets ``prev_hash`` and ``hash`` (``jifen.entry.v1``, see
``jifen.domain.ledger.chain`` and ADR 0001), every member ``chain_head``, every lot the
expiry it was issued with (``issued_expires_at``: taken as its expiry today, the best
there is for lots written before). The chains are backfilled member by member, entries
in id order, as ``jifen verify`` recomputes them. The encoder is imported, not copied:
it is versioned, and verify must keep recomputing v1 chains for as long as they exist.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from jifen.domain.ledger.chain import ChainedEntry, ChainedLot, entry_hash

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CHUNK = 1000


def upgrade() -> None:
    op.add_column("members", sa.Column("chain_head", sa.String(64)))
    op.add_column("entries", sa.Column("prev_hash", sa.String(64)))
    op.add_column("entries", sa.Column("hash", sa.String(64)))
    op.add_column("lots", sa.Column("issued_expires_at", sa.DateTime(timezone=True)))
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE lots SET issued_expires_at = expires_at"))
    after = 0
    while True:
        ids = list(
            bind.execute(
                sa.text("SELECT id FROM members WHERE id > :a ORDER BY id LIMIT :n"),
                {"a": after, "n": CHUNK},
            ).scalars()
        )
        if not ids:
            return
        _backfill(bind, ids[0], ids[-1])
        after = ids[-1]


def _backfill(bind: Any, lo: int, hi: int) -> None:
    span = {"lo": lo, "hi": hi}
    rows = bind.execute(
        sa.text(
            "SELECT id, member_id, kind, amount, delta_available, delta_pending, delta_held,"
            " reference, reverses_entry_id, created_at FROM entries"
            " WHERE member_id BETWEEN :lo AND :hi ORDER BY member_id, id"
        ),
        span,
    ).all()
    issued: dict[int, list[Any]] = defaultdict(list)
    lot_entry: dict[int, int] = {}
    for lot in bind.execute(
        sa.text(
            "SELECT id, entry_id, amount, available_at, issued_expires_at, source, source_ref,"
            " rule_id, parent_lot_id, created_at FROM lots WHERE member_id BETWEEN :lo AND :hi"
        ),
        span,
    ):
        issued[lot.entry_id].append(lot)
        lot_entry[lot.id] = lot.entry_id
    repaid: dict[int, int] = defaultdict(int)
    drawn: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for d in bind.execute(
        sa.text(
            "SELECT d.entry_id, d.lot_id, d.amount FROM draws d JOIN entries e"
            " ON e.id = d.entry_id WHERE e.member_id BETWEEN :lo AND :hi ORDER BY d.id"
        ),
        span,
    ):
        if lot_entry.get(d.lot_id) == d.entry_id:
            repaid[d.lot_id] += d.amount
        else:
            drawn[d.entry_id].append((d.lot_id, d.amount))
    placed = {
        h.entry_id: (h.amount, _at(h.expires_at), h.reference)
        for h in bind.execute(
            sa.text(
                "SELECT entry_id, amount, expires_at, reference FROM holds"
                " WHERE member_id BETWEEN :lo AND :hi"
            ),
            span,
        )
    }
    heads: dict[int, str] = {}
    hashes = []
    for r in rows:
        content = ChainedEntry(
            member_id=r.member_id,
            kind=r.kind,
            amount=r.amount,
            delta_available=r.delta_available,
            delta_pending=r.delta_pending,
            delta_held=r.delta_held,
            reference=r.reference,
            reverses_entry_id=r.reverses_entry_id,
            created_at=_at(r.created_at),
            lots=[
                ChainedLot(
                    amount=lot.amount,
                    repaid=repaid.get(lot.id, 0),
                    available_at=_at(lot.available_at),
                    expires_at=_at(lot.issued_expires_at),
                    source=lot.source,
                    source_ref=lot.source_ref,
                    rule_id=lot.rule_id,
                    parent_lot_id=lot.parent_lot_id,
                    created_at=_at(lot.created_at),
                )
                for lot in issued.get(r.id, ())
            ],
            draws=drawn.get(r.id, ()),
            hold=placed.get(r.id),
        )
        prev = heads.get(r.member_id)
        heads[r.member_id] = entry_hash(prev, content)
        hashes.append({"i": r.id, "p": prev, "h": heads[r.member_id]})
    if hashes:
        bind.execute(sa.text("UPDATE entries SET prev_hash = :p, hash = :h WHERE id = :i"), hashes)
        bind.execute(
            sa.text("UPDATE members SET chain_head = :h WHERE id = :m"),
            [{"m": m, "h": h} for m, h in heads.items()],
        )


def _at(value: Any) -> Any:
    """SQLite hands timestamps back as text here (no column types in a raw query)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of lots or entries
    # would drop a table other rows point to
    for table, column in (
        ("lots", "issued_expires_at"),
        ("entries", "hash"),
        ("entries", "prev_hash"),
        ("members", "chain_head"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
