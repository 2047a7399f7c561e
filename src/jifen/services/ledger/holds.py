"""Two-phase spending: place a hold, then capture or release it."""

from __future__ import annotations

from datetime import timedelta

from jifen.domain import ledger
from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import NotFound
from jifen.domain.ledger import EntryKind, Hold, HoldStatus
from jifen.domain.points import require_points
from jifen.domain.programs import Program
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger.book import Book, settled
from jifen.services.ledger.commands import CaptureHold, PlaceHold, ReleaseHold
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ledger.views import Receipt
from jifen.services.ports import Clock


def place_hold(
    uow: LedgerWork, clock: Clock, program: Program, cmd: PlaceHold, key: str
) -> Receipt:
    """Reserve points for a spend that is not final yet (a checkout, a booking)."""
    require_points(cmd.points)
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _place)


def _place(uow: LedgerWork, call: Keyed[PlaceHold]) -> Receipt:
    cmd, program, now = call.command, call.program, call.now
    ttl = program.policy.hold_ttl if cmd.ttl_seconds is None else timedelta(seconds=cmd.ttl_seconds)
    book = Book.locked(uow, program, cmd.member)
    book.member.require_active()
    account = settled(uow, book, now)
    posting = ledger.hold(
        account, cmd.points, ttl=ttl, policy=program.policy, now=now, reference=cmd.reference
    )
    book.apply(uow, posting, now)
    return book.receipt(EntryKind.HOLD.value, now, HoldStatus.ACTIVE)


def capture_hold(
    uow: LedgerWork, clock: Clock, program: Program, cmd: CaptureHold, key: str
) -> Receipt:
    """Spend what a hold reserved: all of it, or ``points`` of it (the rest goes back)."""
    if cmd.points is not None:
        require_points(cmd.points)
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _capture)


def _capture(uow: LedgerWork, call: Keyed[CaptureHold]) -> Receipt:
    program, now = call.program, call.now
    book, held = _locked_hold(uow, program, call.command.hold_id)
    drawn = uow.ledger.net_drawn(hold_id=held.id)
    for posting in ledger.capture(
        book.account(uow), held, drawn, amount=call.command.points, now=now, policy=program.policy
    ):
        book.apply(uow, posting, now)
    book.hold_id = held.id
    return book.receipt(EntryKind.CAPTURE.value, now, HoldStatus.CAPTURED)


def release_hold(
    uow: LedgerWork, clock: Clock, program: Program, cmd: ReleaseHold, key: str
) -> Receipt:
    """Give a hold's points back to the lots they came from."""
    with uow:
        return once(uow, Keyed(program, cmd, key, clock.now()), _release)


def _release(uow: LedgerWork, call: Keyed[ReleaseHold]) -> Receipt:
    program, now = call.program, call.now
    book, held = _locked_hold(uow, program, call.command.hold_id)
    if held.status is not HoldStatus.ACTIVE:
        ledger.require_active(held, now)
    drawn = uow.ledger.net_drawn(hold_id=held.id)
    book.apply(
        uow, ledger.release(book.account(uow), held, drawn, now=now, policy=program.policy), now
    )
    book.hold_id = held.id
    return book.receipt(EntryKind.RELEASE.value, now, HoldStatus.RELEASED)


def _locked_hold(uow: LedgerWork, program: Program, hold_id: int) -> tuple[Book, Hold]:
    """Lock the hold's member, then read the hold: its state may have moved meanwhile."""
    found = uow.ledger.hold(program.id, hold_id)
    if found is None:
        raise NotFound(f"hold {hold_id} not found", code=LedgerCode.HOLD_NOT_FOUND, hold=hold_id)
    book = Book(program, uow.members.lock_by_id(found.member_id))
    held = uow.ledger.hold(program.id, hold_id)
    assert held is not None
    return book, held
