"""Points as money off an order (the cash offset): a quote, then the points held or spent."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import InvalidInput, MemberNotFound, RuleViolation
from jifen.domain.money import to_minor
from jifen.domain.programs import Program
from jifen.domain.redemption import (
    CashOffsetPolicy,
    RedemptionKind,
    RedemptionStatus,
)
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, as_settled, settled
from jifen.services.ports import Clock
from jifen.services.redemption.claims import hold_ttl, spend_or_hold
from jifen.services.redemption.commands import PayWithPoints
from jifen.services.redemption.ports import NewRedemption, RedemptionWork
from jifen.services.redemption.records import finish
from jifen.services.redemption.views import OffsetQuoteView, RedemptionView
from jifen.services.rulebooks import Rulebooks


def quote_offset(
    uow: RedemptionWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    member_ref: str,
    order_total: str,
    points: int | None = None,
) -> OffsetQuoteView:
    """What points would take off an order now; writes nothing."""
    total = to_minor(order_total, program.currency, field="order_total")
    with uow:
        policy = _offset_policy(rulebooks.current(uow, program))
        member = uow.members.get(program.id, member_ref)
        if member is None:
            raise MemberNotFound(member_ref)
        available = as_settled(uow, program, member, clock.now()).balances.available
        quote = policy.quote(total, available=available, points=points)
        return OffsetQuoteView(
            member_ref,
            total,
            quote.points,
            quote.discount,
            quote.payable,
            available,
            policy.max_discount(total),
        )


def pay_with_points(
    uow: RedemptionWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: PayWithPoints,
    key: str,
) -> RedemptionView:
    """Points off an order: the quote, held (or spent) at once."""
    total = to_minor(cmd.order_total, program.currency, field="order_total")
    if not cmd.order_reference.strip():
        raise InvalidInput("an order reference is required", field="order_reference")
    ttl = hold_ttl(program, cmd.ttl_seconds)
    with uow:
        call = Keyed(program, cmd, key, clock.now())
        return once(uow, call, partial(_pay, rulebooks=rulebooks, total=total, ttl=ttl))


def _pay(
    uow: RedemptionWork,
    call: Keyed[PayWithPoints],
    *,
    rulebooks: Rulebooks,
    total: int,
    ttl: timedelta,
) -> RedemptionView:
    program, cmd, now = call.program, call.command, call.now
    rules = rulebooks.current(uow, program)
    policy = _offset_policy(rules)
    book = Book.locked(uow, program, cmd.member)
    book.member.require_active()
    account = settled(uow, book, now)
    quote = policy.quote(total, available=account.available, points=cmd.points)
    if quote.points < 1:
        raise RuleViolation(
            "these points buy no discount on this order",
            code=RedemptionCode.OFFSET_TOO_SMALL,
            order_total=total,
        )
    reference = f"order:{cmd.order_reference}"
    spend_or_hold(
        uow, book, account, quote.points, hold=cmd.hold, ttl=ttl, reference=reference, now=now
    )
    offset = NewRedemption(
        member_id=book.member.id,
        kind=RedemptionKind.CASH_OFFSET,
        reward=None,
        quantity=1,
        points=quote.points,
        cash=quote.discount,
        status=RedemptionStatus.HELD if cmd.hold else RedemptionStatus.COMPLETED,
        hold_id=book.hold_id,
        entry_id=None if cmd.hold else book.entry_ids[-1],
        reference=cmd.order_reference,
        program_version=rules.earning.version,
        detail={"order_total": total, "payable": quote.payable},
    )
    redemption = uow.redemptions.add(program.id, offset, now)
    return finish(uow, program, book.member, redemption, now)


def _offset_policy(rules: ProgramDefinition) -> CashOffsetPolicy:
    if rules.redemption.cash_offset is None:
        raise RuleViolation(
            "this programme does not let points pay at checkout",
            code=RedemptionCode.OFFSET_NOT_OFFERED,
        )
    return rules.redemption.cash_offset
