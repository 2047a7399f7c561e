"""Spending points: catalogue rewards and the cash offset, in one or two phases.

Each write locks the member's row first, settles what is due, then decides:
the reward's window and tiers, the member's limits, the points; it writes the
debit and the redemption, and takes the stock last of all: the stock row is
the one place concurrent claims of a reward meet, so it is held only from its
``UPDATE`` to the commit. A reward already sold out is refused before any lock,
from the count last committed. Any refusal raises before commit, so a refused
redemption writes nothing. Every write runs once per idempotency key.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.errors import (
    InvalidInput,
    NotFound,
    RedemptionNotCancellable,
    RewardOutOfStock,
    RuleViolation,
)
from jifen.domain.ledger import EntryKind, HoldStatus
from jifen.domain.members import Member
from jifen.domain.money import to_minor
from jifen.domain.programs import Program
from jifen.domain.redemption import (
    Redemption,
    RedemptionKind,
    RedemptionStatus,
    Reward,
    RewardKind,
    Voucher,
    VoucherStatus,
)
from jifen.domain.redemption import vouchers as codes
from jifen.domain.redemption.cash_offset import CashOffsetPolicy
from jifen.services import ledger as ledger_service
from jifen.services.commands import PayWithPoints, RedeemReward, Reverse, SettleRedemption
from jifen.services.idempotency import once
from jifen.services.ports import Clock, NewRedemption, UnitOfWork, UnitOfWorkFactory
from jifen.services.posting import Book, lock_member, settled
from jifen.services.results import OffsetQuoteView, RedemptionView, VoucherView
from jifen.services.rulebooks import Rulebooks

MAX_QUANTITY = 100
ACTIONS = ("capture", "release", "cancel")


def redeem_reward(
    uow: UnitOfWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: RedeemReward,
    key: str,
) -> RedemptionView:
    if isinstance(cmd.quantity, bool) or not 1 <= cmd.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity is 1 to {MAX_QUANTITY}", field="quantity")
    ttl = _ttl(program, cmd.ttl_seconds)
    now = clock.now()
    with uow:

        def work() -> RedemptionView:
            rules = rulebooks.current(uow, program)
            reward = _reward(rules, cmd.reward)
            if reward.stock is not None:
                # Sold out is said at once, without queueing for the member's row: after a
                # flash sale's last unit, the crowd's every request is this refusal.
                level = uow.redemptions.stock_of(program.id, reward.code)
                if level is not None and level.remaining_for(reward.stock) < cmd.quantity:
                    raise _out_of_stock(reward)
            book = Book(program, lock_member(uow, program, cmd.member))
            book.member.require_active()
            tier = (
                rules.tiers.effective(book.member.tiering, now).code if rules.tiers.levels else None
            )
            reward.check(now, tier)
            local = now.astimezone(program.tz)
            used: Counter[str] = Counter()
            for when, units in uow.redemptions.live_since(book.member.id, reward.code):
                for limit in reward.limits:
                    used[limit.key(when.astimezone(program.tz))] += units
            reward.check_limits(local, used, cmd.quantity)
            points = reward.points * cmd.quantity
            account = settled(uow, book, now)
            reference = f"reward:{reward.code}"
            if cmd.hold:
                posting = ledger.hold(
                    account, points, ttl=ttl, policy=program.policy, now=now, reference=reference
                )
            else:
                posting = ledger.debit(
                    account, points, kind=EntryKind.REDEEM, now=now, reference=reference
                )
            book.apply(uow, posting, now)
            redemption = uow.redemptions.add(
                program.id,
                NewRedemption(
                    member_id=book.member.id,
                    kind=RedemptionKind.REWARD.value,
                    reward=reward.code,
                    quantity=cmd.quantity,
                    points=points,
                    cash=reward.cash * cmd.quantity,
                    status=(
                        RedemptionStatus.HELD if cmd.hold else RedemptionStatus.COMPLETED
                    ).value,
                    hold_id=book.hold_id,
                    entry_id=None if cmd.hold else book.entry_ids[-1],
                    reference=None,
                    program_version=rules.earning.version,
                    detail={
                        "name": dict(reward.name),
                        "kind": reward.kind.value,
                        "stocked": reward.stock is not None,  # what to give back
                    },
                ),
                now,
            )
            issued = [] if cmd.hold else issue_vouchers(uow, program, reward, redemption, now)
            view = _finish(uow, program, book.member, redemption, now, issued)
            # The stock last: its row is where every claim of the reward meets, held from
            # here to the commit. Refused, the transaction and all the above roll back.
            if reward.stock is not None and not uow.redemptions.take_stock(
                program.id, reward.code, reward.stock, cmd.quantity, now
            ):
                raise _out_of_stock(reward)
            return view

        return once(uow, program.id, key, cmd, now, RedemptionView, work)


def quote_offset(
    uow: UnitOfWork,
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
            raise NotFound(f"member {member_ref} not found", code="member_not_found")
        available = member.balances.available
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
    uow: UnitOfWork,
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
    ttl = _ttl(program, cmd.ttl_seconds)
    now = clock.now()
    with uow:

        def work() -> RedemptionView:
            rules = rulebooks.current(uow, program)
            policy = _offset_policy(rules)
            book = Book(program, lock_member(uow, program, cmd.member))
            book.member.require_active()
            account = settled(uow, book, now)
            quote = policy.quote(total, available=account.available, points=cmd.points)
            if quote.points < 1:
                raise RuleViolation(
                    "these points buy no discount on this order",
                    code="offset_too_small",
                    order_total=total,
                )
            reference = f"order:{cmd.order_reference}"
            if cmd.hold:
                posting = ledger.hold(
                    account,
                    quote.points,
                    ttl=ttl,
                    policy=program.policy,
                    now=now,
                    reference=reference,
                )
            else:
                posting = ledger.debit(
                    account, quote.points, kind=EntryKind.REDEEM, now=now, reference=reference
                )
            book.apply(uow, posting, now)
            redemption = uow.redemptions.add(
                program.id,
                NewRedemption(
                    member_id=book.member.id,
                    kind=RedemptionKind.CASH_OFFSET.value,
                    reward=None,
                    quantity=1,
                    points=quote.points,
                    cash=quote.discount,
                    status=(
                        RedemptionStatus.HELD if cmd.hold else RedemptionStatus.COMPLETED
                    ).value,
                    hold_id=book.hold_id,
                    entry_id=None if cmd.hold else book.entry_ids[-1],
                    reference=cmd.order_reference,
                    program_version=rules.earning.version,
                    detail={"order_total": total, "payable": quote.payable},
                ),
                now,
            )
            return _finish(uow, program, book.member, redemption, now)

        return once(uow, program.id, key, cmd, now, RedemptionView, work)


def settle_redemption(
    uow: UnitOfWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: SettleRedemption,
    key: str,
) -> RedemptionView:
    """Capture or release a held redemption; cancel a completed one."""
    if cmd.action not in ACTIONS:
        raise InvalidInput(f"action is one of {', '.join(ACTIONS)}", field="action")
    now = clock.now()
    with uow:

        def work() -> RedemptionView:
            found = _redemption(uow, program, cmd.redemption_id)
            book = Book(program, uow.members.lock_by_id(found.member_id))
            redemption = _redemption(uow, program, cmd.redemption_id)  # as of the lock
            rules = rulebooks.current(uow, program)
            if cmd.action == "cancel":
                return _cancel(uow, program, rules, book, redemption, cmd, now)
            redemption.require_held()
            assert redemption.hold_id is not None
            held = uow.ledger.hold(program.id, redemption.hold_id)
            assert held is not None
            drawn = uow.ledger.net_drawn(hold_id=held.id)
            if cmd.action == "capture":
                for posting in ledger.capture(
                    book.account(uow), held, drawn, amount=None, now=now, policy=program.policy
                ):
                    book.apply(uow, posting, now)
                uow.redemptions.settle(
                    redemption.id, RedemptionStatus.COMPLETED.value, now, entry_id=book.entry_ids[0]
                )
                done = replace(redemption, status=RedemptionStatus.COMPLETED, settled_at=now)
                if redemption.reward is not None:
                    reward = rules.redemption.catalogue.rewards.get(redemption.reward)
                    if reward is not None:
                        issue_vouchers(uow, program, reward, done, now)
                return _finish(uow, program, book.member, done, now)
            if held.status is not HoldStatus.ACTIVE:
                ledger.require_active(held, now)
            book.apply(
                uow,
                ledger.release(book.account(uow), held, drawn, now=now, policy=program.policy),
                now,
            )
            return _give_back(uow, program, book, redemption, RedemptionStatus.RELEASED, now)

        return once(uow, program.id, key, cmd, now, RedemptionView, work)


def lapse_held(
    uow_factory: UnitOfWorkFactory, clock: Clock, program: Program, *, limit: int = 500
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
                current = _redemption(uow, program, stale.id)
                if current.status is not RedemptionStatus.HELD or current.hold_id is None:
                    continue
                held = uow.ledger.hold(program.id, current.hold_id)
                assert held is not None
                if held.status is HoldStatus.CAPTURED:  # captured through /v1/holds
                    uow.redemptions.settle(current.id, RedemptionStatus.COMPLETED.value, now)
                    continue
                status = (
                    RedemptionStatus.RELEASED
                    if held.status is HoldStatus.RELEASED
                    else RedemptionStatus.EXPIRED
                )
                _give_back(uow, program, book, current, status, now)
                done += 1
            uow.commit()
        if len(found) < limit:
            return done


def get_redemption(uow: UnitOfWork, program: Program, redemption_id: int) -> RedemptionView:
    with uow:
        redemption = _redemption(uow, program, redemption_id)
        member = uow.members.by_id(redemption.member_id)
        if member is None:
            raise NotFound(f"member #{redemption.member_id} not found", code="member_not_found")
        return _view(uow, member, redemption)


def redemptions_of(
    uow: UnitOfWork, program: Program, member_ref: str, limit: int = 50
) -> list[RedemptionView]:
    with uow:
        member = uow.members.get(program.id, member_ref)
        if member is None:
            raise NotFound(f"member {member_ref} not found", code="member_not_found")
        found = uow.redemptions.of_member(member.id, limit)
        issued = uow.redemptions.vouchers_of_redemptions([r.id for r in found])
        return [_view(uow, member, r, issued.get(r.id, [])) for r in found]


# --------------------------------------------------------------------------- helpers


def _cancel(
    uow: UnitOfWork,
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
        uow.redemptions.set_voucher(voucher.id, VoucherStatus.CANCELLED.value, now)
    assert redemption.entry_id is not None
    receipt = ledger_service.reverse_in(
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
    return _give_back(uow, program, book, redemption, RedemptionStatus.CANCELLED, now)


def _give_back(
    uow: UnitOfWork,
    program: Program,
    book: Book,
    redemption: Redemption,
    status: RedemptionStatus,
    now: datetime,
) -> RedemptionView:
    uow.redemptions.settle(redemption.id, status.value, now)
    # A reward published without a stock took none: there is none to give back.
    if redemption.reward is not None and redemption.detail.get("stocked", True):
        uow.redemptions.return_stock(program.id, redemption.reward, redemption.quantity, now)
    done = replace(redemption, status=status, settled_at=now)
    return _finish(uow, program, book.member, done, now)


def _out_of_stock(reward: Reward) -> RewardOutOfStock:
    return RewardOutOfStock(f"reward {reward.code!r} is out of stock", reward=reward.code)


def issue_vouchers(
    uow: UnitOfWork, program: Program, reward: Reward, redemption: Redemption, now: datetime
) -> list[Voucher]:
    if reward.kind is not RewardKind.VOUCHER or reward.voucher is None:
        return []
    terms = reward.voucher
    issued = []
    for _ in range(redemption.quantity):
        voucher = None
        while voucher is None:  # a clash of 80 random bits: in theory only
            voucher = uow.redemptions.add_voucher(
                program.id,
                redemption,
                codes.new_code(),
                terms.face_value,
                terms.min_spend,
                now + timedelta(days=terms.valid_days),
                now,
            )
        issued.append(voucher)
    return issued


def _finish(
    uow: UnitOfWork,
    program: Program,
    member: Member,
    redemption: Redemption,
    now: datetime,
    issued: list[Voucher] | None = None,
) -> RedemptionView:
    view = _view(uow, member, redemption, issued)
    uow.outbox.add(
        program.id,
        f"redemption.{redemption.status.value}",
        {
            "redemption_id": redemption.id,
            "member": member.external_id,
            "kind": redemption.kind.value,
            "reward": redemption.reward,
            "quantity": redemption.quantity,
            "points": redemption.points,
            "cash": redemption.cash,
            "reference": redemption.reference,
            "vouchers": [v.code for v in view.vouchers],
        },
        now,
    )
    return view


def _view(
    uow: UnitOfWork,
    member: Member,
    redemption: Redemption,
    issued: list[Voucher] | None = None,
) -> RedemptionView:
    if issued is None:
        issued = uow.redemptions.vouchers_of_redemption(redemption.id)
    b = member.balances
    return RedemptionView(
        id=redemption.id,
        member=member.external_id,
        kind=redemption.kind.value,
        reward=redemption.reward,
        quantity=redemption.quantity,
        points=redemption.points,
        cash=redemption.cash,
        status=redemption.status.value,
        hold_id=redemption.hold_id,
        reference=redemption.reference,
        created_at=redemption.created_at,
        settled_at=redemption.settled_at,
        vouchers=tuple(voucher_view(v) for v in issued),
        available=b.available,
        pending=b.pending,
        held=b.held,
    )


def voucher_view(v: Voucher, member: str | None = None) -> VoucherView:
    return VoucherView(
        v.code,
        v.reward,
        v.status.value,
        v.face_value,
        v.min_spend,
        v.expires_at,
        v.consumed_at,
        v.consumed_reference,
        member,
    )


def _redemption(uow: UnitOfWork, program: Program, redemption_id: int) -> Redemption:
    found = uow.redemptions.get(program.id, redemption_id)
    if found is None:
        raise NotFound(
            f"redemption {redemption_id} not found",
            code="redemption_not_found",
            redemption=redemption_id,
        )
    return found


def _reward(rules: ProgramDefinition, code: str) -> Reward:
    found = rules.redemption.catalogue.rewards.get(code)
    if found is None:
        raise NotFound(f"no reward {code!r} in the catalogue", code="reward_not_found", reward=code)
    return found


def _offset_policy(rules: ProgramDefinition) -> CashOffsetPolicy:
    if rules.redemption.cash_offset is None:
        raise RuleViolation(
            "this programme does not let points pay at checkout", code="cash_offset_not_offered"
        )
    return rules.redemption.cash_offset


def _ttl(program: Program, seconds: int | None) -> timedelta:
    if seconds is None:
        return program.policy.hold_ttl
    if isinstance(seconds, bool) or not 1 <= seconds <= 30 * 86400:
        raise InvalidInput("ttl_seconds is 1 second to 30 days", field="ttl_seconds")
    return timedelta(seconds=seconds)
