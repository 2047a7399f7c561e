"""Chaining entries as they are written, and reading chains back to prove them.

The hot path (``SqlLedger.apply``, ``write_credits``) hashes in Python before its INSERT,
from the very rows it writes, chained to the member's head: a member row locked by
``SqlMembers`` leaves its head here for the transaction, so an order costs no extra round
trip. Set-based writers (the nightly pipeline, ``credit_many``) insert first, then chain
what they wrote with :func:`chain_written`, reading it back as ``jifen verify`` does.
Every head moves by a guarded update (``chain_head IS NOT DISTINCT FROM`` the one hashed
against), under the member row's lock that moves the balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Connection, Transaction, bindparam, select, update

from jifen.adapters.db.tables import draws, entries, holds, lots, members
from jifen.domain.errors import LedgerConflict
from jifen.domain.ledger import Draw, NewHold
from jifen.domain.ledger.chain import ChainedEntry, ChainedLot, entry_hash

_heads: WeakKeyDictionary[Connection, tuple[Transaction | None, dict[int, str | None]]] = (
    WeakKeyDictionary()
)

SET_HEAD = (
    update(members)
    .where(
        members.c.id == bindparam("b_member"),
        members.c.chain_head.is_not_distinct_from(bindparam("b_prev")),
    )
    .values(chain_head=bindparam("b_head"))
)
_SET_HASH = (
    update(entries)
    .where(entries.c.id == bindparam("b_entry"))
    .values(prev_hash=bindparam("b_prev"), hash=bindparam("b_hash"))
)


def _cache(conn: Connection) -> dict[int, str | None]:
    txn = conn.get_transaction()
    held = _heads.get(conn)
    if held is None or held[0] is not txn:
        held = (txn, {})
        _heads[conn] = held
    return held[1]


def remember(conn: Connection, member_id: int, head: str | None) -> None:
    """The head of a member whose row this transaction holds locked."""
    _cache(conn)[member_id] = head


def forget(conn: Connection) -> None:
    """A savepoint rolled back: heads learnt since may be gone."""
    _heads.pop(conn, None)


def head_of(conn: Connection, member_id: int) -> str | None:
    cache = _cache(conn)
    if member_id not in cache:
        cache[member_id] = conn.execute(
            select(members.c.chain_head).where(members.c.id == member_id)
        ).scalar_one_or_none()
    return cache[member_id]


def chained(
    entry: Mapping[str, Any],
    lot_rows: Sequence[Mapping[str, Any]],
    drawn: Sequence[Draw],
    hold: NewHold | None = None,
) -> ChainedEntry:
    """The hashed content of an entry about to be written, from its rows."""
    return ChainedEntry(
        member_id=entry["member_id"],
        kind=entry["kind"],
        amount=entry["amount"],
        delta_available=entry["delta_available"],
        delta_pending=entry["delta_pending"],
        delta_held=entry["delta_held"],
        reference=entry["reference"],
        reverses_entry_id=entry["reverses_entry_id"],
        created_at=entry["created_at"],
        lots=tuple(
            ChainedLot(
                amount=r["amount"],
                repaid=r["amount"] - r["remaining"],
                available_at=r["available_at"],
                expires_at=r["issued_expires_at"],
                source=r["source"],
                source_ref=r["source_ref"],
                rule_id=r["rule_id"],
                parent_lot_id=r["parent_lot_id"],
                created_at=r["created_at"],
            )
            for r in lot_rows
        ),
        draws=tuple((d.lot_id, d.amount) for d in drawn),
        hold=None if hold is None else (hold.amount, hold.expires_at, hold.reference),
    )


def link(conn: Connection, entry: dict[str, Any], content: ChainedEntry) -> tuple[str | None, str]:
    """Set ``entry``'s prev_hash and hash; return (previous head, new head)."""
    prev = head_of(conn, content.member_id)
    digest = entry_hash(prev, content)
    entry["prev_hash"] = prev
    entry["hash"] = digest
    _cache(conn)[content.member_id] = digest
    return prev, digest


def head_moved(conn: Connection, member_id: int, prev: str | None) -> bool:
    """After a guarded move missed: was it the head (not the balance) that differed?"""
    now_at = conn.execute(
        select(members.c.chain_head).where(members.c.id == member_id)
    ).scalar_one_or_none()
    return bool(now_at != prev)


def stale(conn: Connection, member_id: int) -> LedgerConflict:
    """A head moved under this transaction (not locked as it should be): retry."""
    _cache(conn).pop(member_id, None)
    return LedgerConflict("the member's ledger changed under this operation; retry")


@dataclass(frozen=True)
class Stored:
    id: int
    member_id: int
    prev_hash: str | None
    hash: str | None
    content: ChainedEntry


def read_chains(conn: Connection, where: ColumnElement[bool]) -> Iterator[Stored]:
    """Entries matching ``where`` (on ``entries``), as stored, in (member, id) order."""
    found = conn.execute(select(entries).where(where).order_by(entries.c.member_id, entries.c.id))
    rows = found.all()
    if not rows:
        return
    # lots and draws of the same entries, by subquery: no list of ids to bind
    picked = select(entries.c.id).where(where).scalar_subquery()
    issued: dict[int, list[Any]] = defaultdict(list)
    lot_entry: dict[int, int] = {}
    for lot in conn.execute(select(lots).where(lots.c.entry_id.in_(picked))):
        issued[lot.entry_id].append(lot)
        lot_entry[lot.id] = lot.entry_id
    placed = {
        h.entry_id: (h.amount, h.expires_at, h.reference)
        for h in conn.execute(select(holds).where(holds.c.entry_id.in_(picked)))
    }
    repaid: dict[int, int] = defaultdict(int)
    drawn: dict[int, list[tuple[int, int]]] = defaultdict(list)
    found_draws = select(draws).where(draws.c.entry_id.in_(picked)).order_by(draws.c.id)
    for d in conn.execute(found_draws):
        if lot_entry.get(d.lot_id) == d.entry_id:
            repaid[d.lot_id] += d.amount
        else:
            drawn[d.entry_id].append((d.lot_id, d.amount))
    for r in rows:
        content = _content(r, issued, repaid, drawn, placed.get(r.id))
        yield Stored(r.id, r.member_id, r.prev_hash, r.hash, content)


def _content(
    r: Any,
    issued: Mapping[int, list[Any]],
    repaid: Mapping[int, int],
    drawn: Mapping[int, list[tuple[int, int]]],
    hold: tuple[int, datetime, str | None] | None,
) -> ChainedEntry:
    return ChainedEntry(
        member_id=r.member_id,
        kind=r.kind,
        amount=r.amount,
        delta_available=r.delta_available,
        delta_pending=r.delta_pending,
        delta_held=r.delta_held,
        reference=r.reference,
        reverses_entry_id=r.reverses_entry_id,
        created_at=r.created_at,
        lots=tuple(
            ChainedLot(
                amount=lot.amount,
                repaid=repaid.get(lot.id, 0),
                available_at=lot.available_at,
                expires_at=lot.issued_expires_at,
                source=lot.source,
                source_ref=lot.source_ref,
                rule_id=lot.rule_id,
                parent_lot_id=lot.parent_lot_id,
                created_at=lot.created_at,
            )
            for lot in issued.get(r.id, ())
        ),
        draws=tuple(drawn.get(r.id, ())),
        hold=hold,
    )


def chain_written(conn: Connection, where: ColumnElement[bool]) -> int:
    """Chain entries just written without hashes (``where`` picks them); return how many."""
    written = list(read_chains(conn, where))
    if not written:
        return 0
    member_ids = sorted({s.member_id for s in written})
    heads = dict(
        conn.execute(
            select(members.c.id, members.c.chain_head).where(members.c.id.in_(member_ids))
        ).all()
    )
    hashes, moves = _link_all(written, heads)
    conn.execute(_SET_HASH, hashes)
    if conn.execute(SET_HEAD, moves).rowcount != len(moves):
        raise LedgerConflict("a member's ledger changed under this operation; retry")
    for move in moves:
        remember(conn, move["b_member"], move["b_head"])
    return len(written)


def _link_all(
    written: Iterable[Stored], heads: Mapping[int, str | None]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hashes: list[dict[str, Any]] = []
    now_at = dict(heads)
    for s in written:  # in (member, id) order
        prev = now_at.get(s.member_id)
        digest = entry_hash(prev, s.content)
        hashes.append({"b_entry": s.id, "b_prev": prev, "b_hash": digest})
        now_at[s.member_id] = digest
    moves = [
        {"b_member": m, "b_prev": heads.get(m), "b_head": head}
        for m, head in sorted(now_at.items())
        if head != heads.get(m)
    ]
    return hashes, moves
