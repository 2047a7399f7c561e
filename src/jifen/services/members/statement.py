"""A member's movements and open lots, as the ledger has them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jifen.domain.bounds import require_row_id
from jifen.domain.errors import InvalidInput, MemberNotFound
from jifen.domain.ledger import EntryKind
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.ledger.ports import AsyncLedgerReads, LedgerWork, Page
from jifen.services.members.lookup import find_member
from jifen.services.members.views import History, HistoryItem


def history(
    uow: LedgerWork, program: Program, external_id: str, cursor: str | None, limit: int
) -> History:
    _check_limit(limit)
    before = parse_cursor(cursor)
    with uow:
        # one statement: the page, found by the member's id (an erased member has none)
        page = uow.ledger.member_history(program.id, external_id, before, limit)
        if not page.entries:  # no such member, or none on this page: which is it
            find_member(uow, program, external_id)
        return _history(uow, page)


async def history_at_once(
    reads: AsyncLedgerReads, program: Program, external_id: str, cursor: str | None, limit: int
) -> History:
    """``history`` without a thread: the page in one statement; the member only when the
    page is empty, the earned spans only when it shows an expiry."""
    _check_limit(limit)
    before = parse_cursor(cursor)
    page = await reads.member_history(program.id, external_id, before, limit)
    if not page.entries:
        member = await reads.member(program.id, external_id)
        if member is None or member.status is MemberStatus.ERASED:
            raise MemberNotFound(external_id)
    spans = await reads.earned_spans(_expiries(page))
    return _items(page, spans)


def parse_cursor(cursor: str | None) -> int | None:
    """A page's cursor as ``history`` returned it: the entry id to read before."""
    if cursor is None:
        return None
    return require_row_id(cursor, field="cursor")


def history_of(uow: LedgerWork, member: Member, before: int | None, limit: int) -> History:
    """``history`` for a member already read, before entry ``before``; call inside ``with uow``."""
    _check_limit(limit)
    return _history(uow, uow.ledger.history(member.id, before, limit))


def _history(uow: LedgerWork, page: Page) -> History:
    return _items(page, uow.ledger.earned_spans(_expiries(page)))


def _expiries(page: Page) -> list[int]:
    return [e.id for e in page.entries if e.kind is EntryKind.EXPIRE]


def _items(page: Page, spans: dict[int, tuple[datetime, datetime]]) -> History:
    items = tuple(
        HistoryItem(
            id=e.id,
            kind=e.kind.value,
            points=e.points,
            available_change=e.delta_available,
            pending_change=e.delta_pending,
            held_change=e.delta_held,
            created_at=e.created_at,
            reason=e.reason,
            actor=e.actor,
            reference=e.reference,
            reverses_entry_id=e.reverses_entry_id,
            hold_id=e.hold_id,
            meta=e.meta,
            earned_from=spans[e.id][0] if e.id in spans else None,
            earned_to=spans[e.id][1] if e.id in spans else None,
            occurred_at=occurred_at(e.meta, e.created_at),
        )
        for e in page.entries
    )
    return History(items, None if page.next_cursor is None else str(page.next_cursor))


def occurred_at(meta: dict[str, Any], created_at: datetime) -> datetime:
    """When an entry's movement happened: the order's or activity's own date it carries
    (``meta.occurred_at``), else when it was written."""
    found = meta.get("occurred_at")
    return datetime.fromisoformat(found).astimezone(UTC) if isinstance(found, str) else created_at


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200", field="limit")


@dataclass(frozen=True)
class LotView:
    amount: int
    remaining: int
    available_at: datetime
    expires_at: datetime | None
    pending: bool
    source: str


def open_lots(uow: LedgerWork, program: Program, external_id: str) -> list[LotView]:
    """The member's lots with points left, soonest to expire first: what a spend draws."""
    with uow:
        member = find_member(uow, program, external_id)
        lots = uow.ledger.open_lots(member.id)
    return [
        LotView(x.amount, x.remaining, x.available_at, x.expires_at, x.pending, x.source.value)
        for x in lots
    ]
