"""A member erased: their points forfeited, their personal data removed, their ids retired.

The ledger stays whole, so ``jifen verify`` still proves every balance: the member's
points are given up by a ``forfeit`` entry posted like any other (the outbox says
``points.forfeited``), then every record that could name them is scrubbed and their row
keeps only the pseudonym ``erased-<id>``. The old id answers ``member_not_found`` from
then on, and may enrol again as a new member who inherits nothing. The erasure is
audited (``member.erase``) with the pseudonym, the points forfeited and who asked: never
with what it erased.
"""

from __future__ import annotations

from jifen.domain import ledger
from jifen.domain.error_codes import RightsCode
from jifen.domain.errors import Conflict, MemberNotFound
from jifen.domain.members import MemberStatus
from jifen.domain.programs import Program
from jifen.domain.rights import Personal
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, settled
from jifen.services.ports import Clock
from jifen.services.rights.commands import EraseMember
from jifen.services.rights.ports import RightsWork
from jifen.services.rights.views import Erased


def erase_member(
    uow: RightsWork, clock: Clock, program: Program, cmd: EraseMember, key: str
) -> Erased:
    """Erase the member ``cmd.member``; the same key replays the first answer."""
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _erase)


def _erase(uow: RightsWork, call: Keyed[EraseMember]) -> Erased:
    program, now, cmd = call.program, call.now, call.command
    member = uow.members.lock(program.id, cmd.member)
    if member is None:
        raise MemberNotFound(cmd.member)
    if member.status is MemberStatus.ERASED:  # asked again by its pseudonym: done already
        erased_at = uow.rights.erased_at(member.id) or now
        return Erased(member.external_id, member.status.value, 0, None, erased_at)
    book = Book(program, member)
    account = settled(uow, book, now)
    if book.member.balances.held:
        raise Conflict(
            f"member {cmd.member} has {book.member.balances.held} points on hold",
            code=RightsCode.ERASURE_WHILE_HELD,
            held=book.member.balances.held,
        )
    posting = ledger.forfeit(account, actor=cmd.actor)
    if posting is not None:
        book.apply(uow, posting, now)
    personal = Personal.of(book.member)
    uow.rights.erase(program.id, member.id, personal, now, keep_key=call.key)
    forfeited = posting.amount if posting else 0
    entry_id = book.entry_ids[0] if book.entry_ids else None
    detail = {"forfeited": forfeited, "entry_id": entry_id}
    uow.audit.record(program.id, cmd.actor, "member.erase", personal.pseudonym, detail, now)
    uow.outbox.add(program.id, "member.erased", {"member": personal.pseudonym, **detail}, now)
    return Erased(personal.pseudonym, MemberStatus.ERASED.value, forfeited, entry_id, now)
