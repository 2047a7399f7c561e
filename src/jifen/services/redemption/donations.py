"""Points given to a cause, and each cause's public running total.

A gift is a debit like any redemption (FIFO from the member's lots, settled
first) and a row in ``donations``; the totals are summed from those rows, so
concurrent gifts never queue on a shared counter and the total is always the
sum of what was given.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import NotFound
from jifen.domain.ledger import EntryKind
from jifen.domain.points import require_points
from jifen.domain.programs import Program
from jifen.domain.redemption import Cause
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, settled
from jifen.services.ports import Clock
from jifen.services.redemption.commands import Donate
from jifen.services.redemption.ports import CauseTotal, RedemptionWork
from jifen.services.redemption.views import CauseView, DonationView
from jifen.services.rulebooks import Rulebooks


def donate(
    uow: RedemptionWork, clock: Clock, rulebooks: Rulebooks, program: Program, cmd: Donate, key: str
) -> DonationView:
    require_points(cmd.points)
    with uow:
        return once(
            uow, Keyed(program, cmd, key, clock.now()), partial(_donate, rulebooks=rulebooks)
        )


def _donate(uow: RedemptionWork, call: Keyed[Donate], *, rulebooks: Rulebooks) -> DonationView:
    program, cmd, now = call.program, call.command, call.now
    cause = _cause(rulebooks.current(uow, program), cmd.cause)
    cause.check(cmd.points, now)
    book = Book.locked(uow, program, cmd.member)
    book.member.require_active()
    account = settled(uow, book, now)
    reference = f"cause:{cause.code}"
    given = ledger.debit(account, cmd.points, kind=EntryKind.REDEEM, now=now, reference=reference)
    book.apply(uow, given, now)
    gift = uow.donations.add(
        program.id, book.member.id, cause.code, cmd.points, book.entry_ids[-1], now
    )
    total = uow.donations.totals(program.id).get(cause.code)
    worth = cause.pledge.worth(cmd.points) if cause.pledge else None
    uow.outbox.add(
        program.id,
        "donation.made",
        {
            "donation_id": gift,
            "member": book.member.external_id,
            "cause": cause.code,
            "points": cmd.points,
            "worth": worth,
        },
        now,
    )
    b = book.member.balances
    return DonationView(
        gift,
        book.member.external_id,
        cause.code,
        cmd.points,
        worth,
        total.points if total else cmd.points,
        b.available,
        b.pending,
        b.held,
        now,
    )


def causes(
    uow: RedemptionWork, clock: Clock, rulebooks: Rulebooks, program: Program
) -> list[CauseView]:
    """Every cause with what has been given to it so far."""
    now = clock.now()
    with uow:
        rules = rulebooks.current(uow, program)
        totals = uow.donations.totals(program.id)
    return [_view(c, totals.get(c.code), now) for c in rules.redemption.causes.values()]


def _view(cause: Cause, total: CauseTotal | None, now: datetime) -> CauseView:
    points = total.points if total else 0
    return CauseView(
        cause.code,
        dict(cause.name),
        dict(cause.description),
        cause.min_points,
        cause.step,
        cause.goal,
        points,
        total.donors if total else 0,
        total.gifts if total else 0,
        cause.pledge.worth(points) if cause.pledge else None,
        (cause.starts is None or now >= cause.starts) and (cause.ends is None or now < cause.ends),
        cause.starts,
        cause.ends,
    )


def _cause(rules: ProgramDefinition, code: str) -> Cause:
    found = rules.redemption.causes.get(code)
    if found is None:
        raise NotFound(f"no cause {code!r}", code=RedemptionCode.CAUSE_NOT_FOUND, cause=code)
    return found
