"""A redemption after the claim: captured, released, cancelled, or lapsed with its hold.

Stock a redemption took comes back when it is released, cancelled or lapses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.errors import InvalidInput, RedemptionNotCancellable
from jifen.domain.ledger import Hold, HoldStatus
from jifen.domain.programs import Program
from jifen.domain.redemption import Redemption, RedemptionStatus, VoucherStatus
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, Reverse, reverse_in, settled
from jifen.services.ports import Clock, WorkFactory
from jifen.services.redemption.commands import SettleRedemption
from jifen.services.redemption.issuing import issue_vouchers
from jifen.services.redemption.ports import RedemptionWork
from jifen.services.redemption.records import find_redemption, finish
from jifen.services.redemption.views import RedemptionView
from jifen.services.rulebooks import Rulebooks

ACTIONS = ("capture", "release", "cancel")


def settle_redemption(
    uow: RedemptionWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: SettleRedemption,
    key: str,
) -> RedemptionView:
    """Capture or release a held redemption; cancel a completed one."""
    if cmd.action not in ACTIONS:
        raise InvalidInput(f"action is one of {', '.join(ACTIONS)}", field="action")
    with uow:
        call = Keyed(program, cmd, key, clock.now())
        return once(uow, call, partial(_settle, rulebooks=rulebooks))


def _settle(
    uow: RedemptionWork, call: Keyed[SettleRedemption], *, rulebooks: Rulebooks
) -> RedemptionView:
    program, cmd, now = call.program, call.command, call.now
    found = find_redemption(uow, program, cmd.redemption_id)
    book = Book(program, uow.members.lock_by_id(found.member_id))
    redemption = find_redemption(uow, program, cmd.redemption_id)  # as of the lock
    rules = rulebooks.current(uow, program)
    if cmd.action == "cancel":
        return _cancel(uow, program, rules, book, redemption, cmd, now)
    redemption.require_held()
    assert redemption.hold_id is not None
    held = uow.ledger.hold(program.id, redemption.hold_id)
    assert held is not None
    if cmd.action == "capture":
        return _capture(uow, rules, book, redemption, held, now)
    if held.status is not HoldStatus.ACTIVE:
        ledger.require_active(held, now)
    drawn = uow.ledger.net_drawn(hold_id=held.id)
    book.apply(
        uow, ledger.release(book.account(uow), held, drawn, now=now, policy=program.policy), now
    )
    return give_back(uow, program, book, redemption, RedemptionStatus.RELEASED, now)


def _capture(
    uow: RedemptionWork,
    rules: ProgramDefinition,
    book: Book,
    redemption: Redemption,
    held: Hold,
    now: datetime,
) -> RedemptionView:
    """The held points spent; a voucher reward's vouchers issued now."""
    program = book.program
    drawn = uow.ledger.net_drawn(hold_id=held.id)
    for posting in ledger.capture(
        book.account(uow), held, drawn, amount=None, now=now, policy=program.policy
    ):
        book.apply(uow, posting, now)
    completed = RedemptionStatus.COMPLETED
    uow.redemptions.settle(redemption.id, completed, now, entry_id=book.entry_ids[0])
    done = replace(redemption, status=completed, settled_at=now)
    if redemption.reward is not None:
        reward = rules.redemption.catalogue.rewards.get(redemption.reward)
        if reward is not None:
            issue_vouchers(uow, program, reward, done, now)
    return finish(uow, program, book.member, done, now)


def lapse_held(
    uow_factory: WorkFactory[RedemptionWork], clock: Clock, program: Program, *, limit: int = 500
) -> int:
    """Held redemptions whose hold has ended: give their stock back. How many."""
    now = clock.now()
    done = 0
    while True:
        uow = uow_factory()
        with uow:
            found = uow.redemptions.lapsed(program.id, now, limit)
            for stale in found:
                book = Book(program, uow.members.lock_by_id(stale.member_id))
                settled(uow, book, now)  # releases the hold if its end has come
                current = find_redemption(uow, program, stale.id)
                if current.status is not RedemptionStatus.HELD or current.hold_id is None:
                    continue
                held = uow.ledger.hold(program.id, current.hold_id)
                assert held is not None
                if held.status is HoldStatus.CAPTURED:  # captured through /v1/holds
                    uow.redemptions.settle(current.id, RedemptionStatus.COMPLETED, now)
                    continue
                status = (
                    RedemptionStatus.RELEASED
                    if held.status is HoldStatus.RELEASED
                    else RedemptionStatus.EXPIRED
                )
                give_back(uow, program, book, current, status, now)
                done += 1
            uow.commit()
        if len(found) < limit:
            return done


def _cancel(
    uow: RedemptionWork,
    program: Program,
    rules: ProgramDefinition,
    book: Book,
    redemption: Redemption,
    cmd: SettleRedemption,
    now: datetime,
) -> RedemptionView:
    redemption.require_cancellable(now, timedelta(days=rules.redemption.cancel_days))
    for voucher in uow.redemptions.vouchers_of_redemption(redemption.id):
        if voucher.status is VoucherStatus.CONSUMED:
            raise RedemptionNotCancellable(
                f"redemption {redemption.id}'s voucher {voucher.code} was used",
                redemption=redemption.id,
                voucher=voucher.code,
            )
        uow.redemptions.set_voucher(voucher.id, VoucherStatus.CANCELLED, now)
    assert redemption.entry_id is not None
    receipt = reverse_in(
        uow,
        program,
        Reverse(redemption.entry_id, None, cmd.reason or "redemption cancelled", cmd.actor),
        now,
    )
    book.member = replace(
        book.member,
        balances=replace(
            book.member.balances,
            available=receipt.available,
            pending=receipt.pending,
            held=receipt.held,
        ),
    )
    return give_back(uow, program, book, redemption, RedemptionStatus.CANCELLED, now)


def give_back(
    uow: RedemptionWork,
    program: Program,
    book: Book,
    redemption: Redemption,
    status: RedemptionStatus,
    now: datetime,
) -> RedemptionView:
    uow.redemptions.settle(redemption.id, status, now)
    # A reward published without a stock took none: there is none to give back.
    if redemption.reward is not None and redemption.detail.get("stocked", True):
        uow.redemptions.return_stock(program.id, redemption.reward, redemption.quantity, now)
    done = replace(redemption, status=status, settled_at=now)
    return finish(uow, program, book.member, done, now)
