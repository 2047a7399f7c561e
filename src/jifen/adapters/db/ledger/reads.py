"""Reading the ledger: lots, entries, holds and what a chain of entries drew."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from jifen.adapters.db import rows
from jifen.adapters.db.tables import draws, entries, holds, lots, members
from jifen.domain.ledger import Entry, EntryKind, Hold, HoldStatus, Lot
from jifen.domain.members import MemberStatus
from jifen.services.ledger.ports import Page, Standing

# Built once: these run before every spend.
_OPEN_LOTS = (
    select(lots)
    .where(lots.c.member_id == bindparam("b_member"), lots.c.remaining > 0)
    .order_by(lots.c.id)
)
_MEMBER_DUE_HOLDS = (
    select(holds)
    .where(
        holds.c.member_id == bindparam("b_member"),
        holds.c.status == HoldStatus.ACTIVE.value,
        holds.c.expires_at <= bindparam("b_now"),
    )
    .order_by(holds.c.id)
    .limit(bindparam("b_limit"))
)

# A balance read: the member, whether ``as_settled`` would move anything, and what
# expires soon, in one statement (each part an index range on the member's lots or holds).
# "Due" is ``book._anything_due`` and ``due_holds`` said in SQL; test_balance_reads holds
# the two to each other, case by case.
_LOT_DUE = exists().where(
    lots.c.member_id == members.c.id,
    lots.c.remaining > 0,
    or_(
        and_(lots.c.pending, lots.c.available_at <= bindparam("b_now")),
        lots.c.expires_at <= bindparam("b_now"),
    ),
)
_HOLD_DUE = exists().where(
    holds.c.member_id == members.c.id,
    holds.c.status == HoldStatus.ACTIVE.value,
    holds.c.expires_at <= bindparam("b_now"),
)


def _expiring_sum(member: Any, now: Any, until: Any) -> Select[Any]:
    """Points of the member's spendable lots ending in ``(now, until]``."""
    return select(func.coalesce(func.sum(lots.c.remaining), literal_column("0"))).where(
        lots.c.member_id == member,
        lots.c.remaining > 0,
        lots.c.pending.is_(False),
        lots.c.expires_at > now,
        lots.c.expires_at <= until,
    )


STANDING = select(
    members,
    or_(_LOT_DUE, _HOLD_DUE).label("jifen_due"),
    _expiring_sum(members.c.id, bindparam("b_now"), bindparam("b_until"))
    .scalar_subquery()
    .label("jifen_expiring"),
).where(
    members.c.program_id == bindparam("b_program"),
    members.c.external_id == bindparam("b_external"),
)


NO_CURSOR = 2**63 - 1
_HISTORY = (
    select(entries)
    .where(entries.c.member_id == bindparam("b_member"), entries.c.id < bindparam("b_before"))
    .order_by(entries.c.id.desc())
    .limit(bindparam("b_limit"))
)
# the member's id a subquery evaluated once, then the same backward index scan
MEMBER_HISTORY = (
    select(entries)
    .where(
        entries.c.member_id
        == select(members.c.id)
        .where(
            members.c.program_id == bindparam("b_program"),
            members.c.external_id == bindparam("b_external"),
            members.c.status != MemberStatus.ERASED.value,
        )
        .scalar_subquery(),
        entries.c.id < bindparam("b_before"),
    )
    .order_by(entries.c.id.desc())
    .limit(bindparam("b_limit"))
)


class SqlLedgerReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def open_lots(self, member_id: int) -> list[Lot]:
        return [rows.lot(r) for r in self.conn.execute(_OPEN_LOTS, {"b_member": member_id})]

    def entry(self, program_id: int, entry_id: int) -> Entry | None:
        row = self.conn.execute(
            select(entries).where(entries.c.id == entry_id, entries.c.program_id == program_id)
        ).one_or_none()
        return None if row is None else rows.entry(row)

    def reversals_of(self, entry_id: int) -> list[Entry]:
        result = self.conn.execute(
            select(entries).where(entries.c.reverses_entry_id == entry_id).order_by(entries.c.id)
        )
        return [rows.entry(r) for r in result]

    def lots_of(self, entry_id: int) -> list[tuple[Lot, str | None]]:
        result = self.conn.execute(
            select(lots)
            .where(lots.c.entry_id == entry_id, lots.c.parent_lot_id.is_(None))
            .order_by(lots.c.id)
        )
        return [(rows.lot(r), r.rule_id) for r in result]

    def expired_from(self, lot_id: int) -> int:
        """Points of a lot that expired, also in the grace lots reissued for it."""
        family = select(lots.c.id).where(lots.c.id == lot_id).cte("family", recursive=True)
        family = family.union_all(select(lots.c.id).where(lots.c.parent_lot_id == family.c.id))
        total = self.conn.execute(
            select(func.coalesce(func.sum(draws.c.amount), 0))
            .join(entries, entries.c.id == draws.c.entry_id)
            .where(
                draws.c.lot_id.in_(select(family.c.id)),
                entries.c.kind == EntryKind.EXPIRE.value,
            )
        ).scalar_one()
        return int(total)

    def net_drawn(
        self, *, entry_id: int | None = None, hold_id: int | None = None
    ) -> list[tuple[Lot, int]]:
        """Per lot, what a chain of entries drew and has not yet given back.

        The chain is an entry with its reversals, or every entry of one hold.
        Points given back as a fresh lot (the original had expired) count as
        given back to the original lot.
        """
        if hold_id is not None:
            chain = entries.c.hold_id == hold_id
        else:
            chain = (entries.c.id == entry_id) | (entries.c.reverses_entry_id == entry_id)
        drawn = (
            select(draws.c.lot_id.label("lot_id"), draws.c.amount.label("n"))
            .join(entries, entries.c.id == draws.c.entry_id)
            .where(chain)
        )
        reissued = (
            select(lots.c.parent_lot_id.label("lot_id"), (-lots.c.amount).label("n"))
            .join(entries, entries.c.id == lots.c.entry_id)
            .where(chain, lots.c.parent_lot_id.is_not(None))
        )
        moves = union_all(drawn, reissued).subquery()
        net = (
            select(moves.c.lot_id, func.sum(moves.c.n).label("net"))
            .group_by(moves.c.lot_id)
            .having(func.sum(moves.c.n) > 0)
            .subquery()
        )
        result = self.conn.execute(
            select(lots, net.c.net).join(net, net.c.lot_id == lots.c.id).order_by(lots.c.id)
        )
        return [(rows.lot(r), int(r.net)) for r in result]

    def hold(self, program_id: int, hold_id: int) -> Hold | None:
        row = self.conn.execute(
            select(holds).where(holds.c.id == hold_id, holds.c.program_id == program_id)
        ).one_or_none()
        return None if row is None else rows.hold(row)

    def due_holds(
        self, program_id: int, now: datetime, limit: int, *, member_id: int | None = None
    ) -> list[Hold]:
        if member_id is not None:
            params = {"b_member": member_id, "b_now": now, "b_limit": limit}
            return [rows.hold(r) for r in self.conn.execute(_MEMBER_DUE_HOLDS, params)]
        query = select(holds).where(
            holds.c.program_id == program_id,
            holds.c.status == HoldStatus.ACTIVE.value,
            holds.c.expires_at <= now,
        )
        result = self.conn.execute(query.order_by(holds.c.id).limit(limit))
        return [rows.hold(r) for r in result]

    def members_due(self, program_id: int, now: datetime, limit: int) -> list[int]:
        due = and_(lots.c.pending.is_(True), lots.c.available_at <= now) | (
            lots.c.expires_at <= now
        )
        result = self.conn.execute(
            select(lots.c.member_id)
            .where(lots.c.program_id == program_id, lots.c.remaining > 0, due)
            .group_by(lots.c.member_id)
            .order_by(lots.c.member_id)
            .limit(limit)
        )
        return [int(r.member_id) for r in result]

    def history(self, member_id: int, before: int | None, limit: int) -> Page:
        return self._page(_HISTORY, {"b_member": member_id}, before, limit)

    def member_history(
        self, program_id: int, external_id: str, before: int | None, limit: int
    ) -> Page:
        params = {"b_program": program_id, "b_external": external_id}
        return self._page(MEMBER_HISTORY, params, before, limit)

    def _page(
        self, query: Select[Any], params: dict[str, Any], before: int | None, limit: int
    ) -> Page:
        # no cursor: before the largest id there can be (ids are int64)
        params |= {"b_before": NO_CURSOR if before is None else before, "b_limit": limit + 1}
        # all(): the driver's rows at once (iterating fetches them one call at a time)
        found = [rows.entry(r) for r in self.conn.execute(query, params).all()]
        more = len(found) > limit
        found = found[:limit]
        return Page(found, found[-1].id if more else None)

    def earned_spans(self, entry_ids: list[int]) -> dict[int, tuple[datetime, datetime]]:
        if not entry_ids:
            return {}
        result = self.conn.execute(
            select(draws.c.entry_id, func.min(lots.c.created_at), func.max(lots.c.created_at))
            .join(lots, lots.c.id == draws.c.lot_id)
            .where(draws.c.entry_id.in_(entry_ids))
            .group_by(draws.c.entry_id)
        )
        return {int(r[0]): (r[1], r[2]) for r in result}

    def expiring_lots(
        self, member_id: int, now: datetime, until: datetime
    ) -> list[tuple[datetime, int]]:
        result = self.conn.execute(
            select(lots.c.expires_at, lots.c.remaining)
            .where(
                lots.c.member_id == member_id,
                lots.c.remaining > 0,
                lots.c.expires_at > now,
                lots.c.expires_at <= until,
            )
            .order_by(lots.c.expires_at, lots.c.id)
        )
        return [(r.expires_at, int(r.remaining)) for r in result]

    def expiring(self, member_id: int, now: datetime, until: datetime) -> int:
        return int(self.conn.execute(_expiring_sum(member_id, now, until)).scalar_one())

    def standing(
        self, program_id: int, external_id: str, now: datetime, until: datetime
    ) -> Standing | None:
        row = self.conn.execute(
            STANDING,
            {"b_program": program_id, "b_external": external_id, "b_now": now, "b_until": until},
        ).one_or_none()
        if row is None:
            return None
        return Standing(rows.member(row), bool(row.jifen_due), int(row.jifen_expiring))
