"""Members: join, update, look up, read the history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jifen.domain.errors import Conflict, InvalidInput, NotFound
from jifen.domain.ledger import EntryKind
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.commands import CreateMember, UpdateMember
from jifen.services.idempotency import once
from jifen.services.ports import Clock, NewMember, UnitOfWork
from jifen.services.results import History, HistoryItem, MemberView

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
EXPIRING_WINDOW = timedelta(days=30)
UPDATABLE = frozenset({"phone", "email", "birthday", "attributes", "status"})


def create_member(
    uow: UnitOfWork, clock: Clock, program: Program, cmd: CreateMember, key: str
) -> MemberView:
    require_external_id(cmd.external_id)
    now = clock.now()
    with uow:

        def work() -> MemberView:
            if uow.members.get(program.id, cmd.external_id) is not None:
                raise Conflict(
                    f"member {cmd.external_id} already exists",
                    code="member_exists",
                    member=cmd.external_id,
                )
            new = NewMember(
                cmd.external_id, cmd.phone, cmd.email, cmd.birthday, dict(cmd.attributes)
            )
            return _view(join(uow, program, new, now), 0)

        return once(uow, program.id, key, cmd, now, MemberView, work)


def require_external_id(external_id: str) -> str:
    if not EXTERNAL_ID.match(external_id):
        raise InvalidInput(
            "external_id must be 1-128 letters, digits or ._:@-", field="external_id"
        )
    return external_id


def join(uow: UnitOfWork, program: Program, new: NewMember, now: datetime) -> Member:
    """Add a member and announce it (``member.created``); inside ``with uow``."""
    member = uow.members.add(program.id, new, now)
    uow.outbox.add(program.id, "member.created", {"member": member.external_id}, now)
    return member


def update_member(
    uow: UnitOfWork, clock: Clock, program: Program, cmd: UpdateMember, key: str
) -> MemberView:
    unknown = set(cmd.changes) - UPDATABLE
    if unknown:
        raise InvalidInput(f"cannot update {', '.join(sorted(unknown))}", fields=sorted(unknown))
    changes: dict[str, Any] = dict(cmd.changes)
    if "status" in changes:
        try:
            status = MemberStatus(changes["status"])
        except ValueError:
            raise InvalidInput("status must be active or blocked", field="status") from None
        if status is MemberStatus.ERASED:
            raise InvalidInput(
                "members are erased through the erasure process, not an update", field="status"
            )
        changes["status"] = status.value
    now = clock.now()
    with uow:

        def work() -> MemberView:
            member = uow.members.lock(program.id, cmd.external_id)
            if member is None or member.status is MemberStatus.ERASED:
                raise NotFound(
                    f"member {cmd.external_id} not found",
                    code="member_not_found",
                    member=cmd.external_id,
                )
            updated = uow.members.update(member.id, changes, now)
            uow.outbox.add(
                program.id,
                "member.updated",
                {"member": updated.external_id, "fields": sorted(changes)},
                now,
            )
            expiring = uow.ledger.expiring(member.id, now, now + EXPIRING_WINDOW)
            return _view(updated, expiring)

        return once(uow, program.id, key, cmd, now, MemberView, work)


def get_member(uow: UnitOfWork, clock: Clock, program: Program, external_id: str) -> MemberView:
    now = clock.now()
    with uow:
        member = find_member(uow, program, external_id)
        return _view(member, uow.ledger.expiring(member.id, now, now + EXPIRING_WINDOW))


def history(
    uow: UnitOfWork, program: Program, external_id: str, cursor: str | None, limit: int
) -> History:
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200", field="limit")
    before = None
    if cursor is not None:
        if not cursor.isdigit():
            raise InvalidInput("cursor is not one this API returned", field="cursor")
        before = int(cursor)
    with uow:
        member = find_member(uow, program, external_id)
        page = uow.ledger.history(member.id, before, limit)
        spans = uow.ledger.earned_spans([e.id for e in page.entries if e.kind is EntryKind.EXPIRE])
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
        )
        for e in page.entries
    )
    return History(items, None if page.next_cursor is None else str(page.next_cursor))


def find_member(uow: UnitOfWork, program: Program, external_id: str) -> Member:
    member = uow.members.get(program.id, external_id)
    if member is None or member.status is MemberStatus.ERASED:
        raise NotFound(
            f"member {external_id} not found", code="member_not_found", member=external_id
        )
    return member


def _view(member: Member, expiring: int) -> MemberView:
    b = member.balances
    return MemberView(
        external_id=member.external_id,
        status=member.status.value,
        phone=member.phone,
        email=member.email,
        birthday=member.birthday,
        attributes=member.attributes,
        available=b.available,
        pending=b.pending,
        held=b.held,
        expiring_30d=expiring,
        created_at=member.created_at,
        updated_at=member.updated_at,
        tier=member.tier,
    )


@dataclass(frozen=True)
class LotView:
    amount: int
    remaining: int
    available_at: datetime
    expires_at: datetime | None
    pending: bool
    source: str


def open_lots(uow: UnitOfWork, program: Program, external_id: str) -> list[LotView]:
    """The member's lots with points left, soonest to expire first: what a spend draws."""
    with uow:
        member = find_member(uow, program, external_id)
        lots = uow.ledger.open_lots(member.id)
    return [
        LotView(x.amount, x.remaining, x.available_at, x.expires_at, x.pending, x.source.value)
        for x in lots
    ]


@dataclass(frozen=True)
class Found:
    external_id: str
    phone: str | None
    email: str | None
    tier: str | None
    available: int
    status: str


def search(uow: UnitOfWork, program: Program, text: str, limit: int = 20) -> list[Found]:
    """The console's member search: by member id, phone or email, or their beginning."""
    text = text.strip()
    if not text:
        return []
    with uow:
        found = uow.members.search(program.id, text[:128], limit)
    return [
        Found(m.external_id, m.phone, m.email, m.tier, m.balances.available, m.status.value)
        for m in found
    ]
