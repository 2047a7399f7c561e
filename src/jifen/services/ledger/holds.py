"""Two-phase spending: place a hold, then capture or release it."""

from __future__ import annotations

from datetime import timedelta

from jifen.domain import ledger
from jifen.domain.errors import NotFound
from jifen.domain.ledger import EntryKind, Hold, HoldStatus
from jifen.domain.points import require_points
from jifen.domain.programs import Program
from jifen.services.idempotency import once
from jifen.services.ledger.book import Book, lock_member, settled
from jifen.services.ledger.commands import CaptureHold, PlaceHold, ReleaseHold
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ledger.views import Receipt
from jifen.services.ports import Clock


def place_hold(
    uow: LedgerWork, clock: Clock, program: Program, cmd: PlaceHold, key: str
) -> Receipt:
    require_points(cmd.points)
    ttl = program.policy.hold_ttl if cmd.ttl_seconds is None else timedelta(seconds=cmd.ttl_seconds)
    now = clock.now()
    with uow:

        def work() -> Receipt:
            book = Book(program, lock_member(uow, program, cmd.member))
            book.member.require_active()
            account = settled(uow, book, now)
            book.apply(
                uow,
                ledger.hold(
                    account,
                    cmd.points,
                    ttl=ttl,
                    policy=program.policy,
                    now=now,
                    reference=cmd.reference,
                ),
                now,
            )
            return book.receipt(EntryKind.HOLD.value, now, HoldStatus.ACTIVE)

        return once(uow, program.id, key, cmd, now, Receipt, work)


def capture_hold(
    uow: LedgerWork, clock: Clock, program: Program, cmd: CaptureHold, key: str
) -> Receipt:
    if cmd.points is not None:
        require_points(cmd.points)
    now = clock.now()
    with uow:

        def work() -> Receipt:
            book, held = _locked_hold(uow, program, cmd.hold_id)
            drawn = uow.ledger.net_drawn(hold_id=held.id)
            for posting in ledger.capture(
                book.account(uow), held, drawn, amount=cmd.points, now=now, policy=program.policy
            ):
                book.apply(uow, posting, now)
            book.hold_id = held.id
            return book.receipt(EntryKind.CAPTURE.value, now, HoldStatus.CAPTURED)

        return once(uow, program.id, key, cmd, now, Receipt, work)


def release_hold(
    uow: LedgerWork, clock: Clock, program: Program, cmd: ReleaseHold, key: str
) -> Receipt:
    now = clock.now()
    with uow:

        def work() -> Receipt:
            book, held = _locked_hold(uow, program, cmd.hold_id)
            if held.status is not HoldStatus.ACTIVE:
                ledger.require_active(held, now)
            drawn = uow.ledger.net_drawn(hold_id=held.id)
            book.apply(
                uow,
                ledger.release(book.account(uow), held, drawn, now=now, policy=program.policy),
                now,
            )
            book.hold_id = held.id
            return book.receipt(EntryKind.RELEASE.value, now, HoldStatus.RELEASED)

        return once(uow, program.id, key, cmd, now, Receipt, work)


def _locked_hold(uow: LedgerWork, program: Program, hold_id: int) -> tuple[Book, Hold]:
    """Lock the hold's member, then read the hold: its state may have moved meanwhile."""
    found = uow.ledger.hold(program.id, hold_id)
    if found is None:
        raise NotFound(f"hold {hold_id} not found", code="hold_not_found", hold=hold_id)
    book = Book(program, uow.members.lock_by_id(found.member_id))
    held = uow.ledger.hold(program.id, hold_id)
    assert held is not None
    return book, held
