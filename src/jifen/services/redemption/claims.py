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

from datetime import datetime, timedelta
from functools import partial

from jifen.domain import ledger
from jifen.domain.definition import ProgramDefinition
from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import InvalidInput, NotFound, RewardOutOfStock
from jifen.domain.ledger import Account, EntryKind
from jifen.domain.programs import Program
from jifen.domain.redemption import RedemptionKind, RedemptionStatus, Reward
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book, settled
from jifen.services.ports import Clock
from jifen.services.redemption.commands import RedeemReward
from jifen.services.redemption.issuing import issue_vouchers
from jifen.services.redemption.limits import check_allowed
from jifen.services.redemption.ports import NewRedemption, RedemptionWork
from jifen.services.redemption.records import finish
from jifen.services.redemption.views import RedemptionView
from jifen.services.rulebooks import Rulebooks

MAX_QUANTITY = 100


def redeem_reward(
    uow: RedemptionWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: RedeemReward,
    key: str,
) -> RedemptionView:
    """A member claims a catalogue reward: points spent (or held), the stock taken."""
    if isinstance(cmd.quantity, bool) or not 1 <= cmd.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity is 1 to {MAX_QUANTITY}", field="quantity")
    ttl = hold_ttl(program, cmd.ttl_seconds)
    with uow:
        call = Keyed(program, cmd, key, clock.now())
        return once(uow, call, partial(_claim, rulebooks=rulebooks, ttl=ttl))


def _claim(
    uow: RedemptionWork, call: Keyed[RedeemReward], *, rulebooks: Rulebooks, ttl: timedelta
) -> RedemptionView:
    """Check, pay, record; the stock last of all (see the module's docstring)."""
    program, cmd, now = call.program, call.command, call.now
    rules = rulebooks.current(uow, program)
    reward = find_reward(rules, cmd.reward)
    _refuse_if_sold_out(uow, program, reward, cmd.quantity)
    book = Book.locked(uow, program, cmd.member)
    taken = uow.redemptions.live_since(book.member.id, reward.code)
    check_allowed(rules, book, reward, taken, cmd.quantity, now)
    account = settled(uow, book, now)
    points, reference = reward.points * cmd.quantity, f"reward:{reward.code}"
    spend_or_hold(uow, book, account, points, hold=cmd.hold, ttl=ttl, reference=reference, now=now)
    redemption = uow.redemptions.add(program.id, _claimed(rules, book, reward, cmd), now)
    issued = [] if cmd.hold else issue_vouchers(uow, program, reward, redemption, now)
    view = finish(uow, program, book.member, redemption, now, issued)
    # The stock last: its row is where every claim of the reward meets, held from
    # here to the commit. Refused, the transaction and all the above roll back.
    if reward.stock is not None and not uow.redemptions.take_stock(
        program.id, reward.code, reward.stock, cmd.quantity, now
    ):
        raise out_of_stock(reward)
    return view


def _refuse_if_sold_out(
    uow: RedemptionWork, program: Program, reward: Reward, quantity: int
) -> None:
    """Sold out is said at once, without queueing for the member's row: after a flash
    sale's last unit, the crowd's every request is this refusal."""
    if reward.stock is None:
        return
    level = uow.redemptions.stock_of(program.id, reward.code)
    if level is not None and level.remaining_for(reward.stock) < quantity:
        raise out_of_stock(reward)


def spend_or_hold(
    uow: RedemptionWork,
    book: Book,
    account: Account,
    points: int,
    *,
    hold: bool,
    ttl: timedelta,
    reference: str,
    now: datetime,
) -> None:
    """Debit the points from the (settled) account, or hold them for a later capture."""
    policy = book.program.policy
    posting = (
        ledger.hold(account, points, ttl=ttl, policy=policy, now=now, reference=reference)
        if hold
        else ledger.debit(account, points, kind=EntryKind.REDEEM, now=now, reference=reference)
    )
    book.apply(uow, posting, now)


def _claimed(
    rules: ProgramDefinition, book: Book, reward: Reward, cmd: RedeemReward
) -> NewRedemption:
    return NewRedemption(
        member_id=book.member.id,
        kind=RedemptionKind.REWARD,
        reward=reward.code,
        quantity=cmd.quantity,
        points=reward.points * cmd.quantity,
        cash=reward.cash * cmd.quantity,
        status=RedemptionStatus.HELD if cmd.hold else RedemptionStatus.COMPLETED,
        hold_id=book.hold_id,
        entry_id=None if cmd.hold else book.entry_ids[-1],
        reference=None,
        program_version=rules.earning.version,
        detail={
            "name": dict(reward.name),
            "kind": reward.kind.value,
            "stocked": reward.stock is not None,  # what to give back
        },
    )


def out_of_stock(reward: Reward) -> RewardOutOfStock:
    return RewardOutOfStock(f"reward {reward.code!r} is out of stock", reward=reward.code)


def find_reward(rules: ProgramDefinition, code: str) -> Reward:
    found = rules.redemption.catalogue.rewards.get(code)
    if found is None:
        raise NotFound(
            f"no reward {code!r} in the catalogue",
            code=RedemptionCode.REWARD_NOT_FOUND,
            reward=code,
        )
    return found


def hold_ttl(program: Program, seconds: int | None) -> timedelta:
    if seconds is None:
        return program.policy.hold_ttl
    if isinstance(seconds, bool) or not 1 <= seconds <= 30 * 86400:
        raise InvalidInput("ttl_seconds is 1 second to 30 days", field="ttl_seconds")
    return timedelta(seconds=seconds)
