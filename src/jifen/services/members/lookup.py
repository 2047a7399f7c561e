"""Members looked up: by id for the API, or by the beginning of an id, phone or email
for the console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.engagement.codes import MEMBER_CODE_DIGITS, member_code, shown_member_code
from jifen.domain.errors import InvalidInput, MemberNotFound
from jifen.domain.members import Member, MemberStatus
from jifen.domain.programs import Program
from jifen.services.ledger import as_settled
from jifen.services.ledger.ports import AsyncLedgerReads, LedgerWork
from jifen.services.members.views import MemberView
from jifen.services.ports import Clock

EXPIRING_WINDOW = timedelta(days=30)


def get_member(uow: LedgerWork, clock: Clock, program: Program, external_id: str) -> MemberView:
    now = clock.now()
    with uow:
        found = uow.ledger.standing(program.id, external_id, now, now + EXPIRING_WINDOW)
        if found is None or found.member.status is MemberStatus.ERASED:
            raise MemberNotFound(external_id)
        if found.due:  # the balances move at the next write: show them as it will find them
            return member_view_of(uow, program, found.member, now)
        return member_view(found.member, found.expiring)


async def get_member_at_once(
    reads: AsyncLedgerReads, clock: Clock, program: Program, external_id: str
) -> MemberView | None:
    """``get_member`` in one statement without a thread; None when the member's balances
    are due to move (a lot to mature or expire, a hold to release): ``get_member`` then
    shows them as the next write will find them."""
    now = clock.now()
    found = await reads.standing(program.id, external_id, now, now + EXPIRING_WINDOW)
    if found is None or found.member.status is MemberStatus.ERASED:
        raise MemberNotFound(external_id)
    return None if found.due else member_view(found.member, found.expiring)


def get_member_by_code(uow: LedgerWork, clock: Clock, program: Program, code: str) -> MemberView:
    """The member whose membership code this is (the till's scan, a POS), as ``get_member``
    shows them; a code with a wrong check digit is refused before any lookup."""
    now = clock.now()
    with uow:
        member = _by_code(uow, program, code, "code")
        return member_view_of(uow, program, member, now)


def find_member_by_code(
    uow: LedgerWork, program: Program, code: str, field: str = "member_code"
) -> Member:
    """The member whose membership code this is (an order a till names by its scan)."""
    with uow:
        return _by_code(uow, program, code, field)


def _by_code(uow: LedgerWork, program: Program, code: str, field: str) -> Member:
    found = member_code(code)
    if found is None:
        raise InvalidInput(
            f"a membership code is {MEMBER_CODE_DIGITS} digits with a check digit", field=field
        )
    member = uow.members.by_member_code(program.id, found)
    if member is None or member.status is MemberStatus.ERASED:
        raise MemberNotFound(shown_member_code(found))
    return member


def member_view_of(uow: LedgerWork, program: Program, member: Member, now: datetime) -> MemberView:
    """The member as ``get_member`` shows them at ``now``, their balances as a write at
    ``now`` would find them (``as_settled``); call inside ``with uow``."""
    member = as_settled(uow, program, member, now)
    return member_view(member, uow.ledger.expiring(member.id, now, now + EXPIRING_WINDOW))


def find_member(uow: LedgerWork, program: Program, external_id: str) -> Member:
    member = uow.members.get(program.id, external_id)
    if member is None or member.status is MemberStatus.ERASED:
        raise MemberNotFound(external_id)
    return member


def member_view(member: Member, expiring: int) -> MemberView:
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
        display_name=member.display_name,
        language=member.language,
        member_code=member.member_code,
        referral_code=member.referral_code,
    )


@dataclass(frozen=True)
class Found:
    external_id: str
    phone: str | None
    email: str | None
    tier: str | None
    available: int
    status: str


def search(
    uow: LedgerWork, clock: Clock, program: Program, text: str, limit: int = 20
) -> list[Found]:
    """The console's member search: by member id, phone or email, or their beginning;
    each member's points available as of now (``as_settled``)."""
    text = text.strip()
    if not text:
        return []
    now = clock.now()
    with uow:
        found = [
            as_settled(uow, program, m, now)
            for m in uow.members.search(program.id, text[:128], limit)
        ]
    return [
        Found(m.external_id, m.phone, m.email, m.tier, m.balances.available, m.status.value)
        for m in found
    ]
