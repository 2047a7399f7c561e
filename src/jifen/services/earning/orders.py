"""Orders: earn on a purchase; every point explained.

An order is evaluated against the programme's current rules and the member as
they stand (their tier, their capped rules' usage), its campaign lines are
charged to their budgets, its points credited as one entry with a lot per rule,
and what it counts towards tiers added up, all in the transaction that claims
its order id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from jifen.domain import ledger
from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.earning import Award, Context, EarningProgram, Order, evaluate_order, member_vars
from jifen.domain.ledger import EntryKind, LotSource
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services import challenges, leaderboards
from jifen.services.earning import awards, referral_rewards, weeks
from jifen.services.earning.activities import score_referrer
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.order_data import order_json, to_order
from jifen.services.earning.ports import EarningWork, NewOrderRecord
from jifen.services.earning.rule_errors import count_condition_errors
from jifen.services.earning.views import EarnResult, earn_result
from jifen.services.idempotency import Keyed, once
from jifen.services.ledger import Book
from jifen.services.ports import Clock, KeyScope
from jifen.services.rulebooks import Rulebooks
from jifen.services.tiers import count_activity


def record_order(
    uow: EarningWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: PlaceOrder,
    *,
    skew: timedelta = DEFAULT_SKEW,
) -> EarnResult:
    """Award the points of one order, once: the order id is the idempotency key.

    ``skew``: how far ahead of ``clock`` the till's ``placed_at`` may be."""
    now = clock.now()
    order = to_order(cmd, program.currency, now, skew)
    with uow:
        return record_order_in(
            uow,
            rulebooks,
            Keyed(program, cmd, order_key(cmd.order_id), now, scope=KeyScope.JIFEN),
            order,
        )


def record_order_in(
    uow: EarningWork,
    rulebooks: Rulebooks,
    call: Keyed[PlaceOrder],
    order: Order,
    *,
    commit: bool = True,
) -> EarnResult:
    """``record_order`` inside an open unit of work; ``commit=False`` leaves it open (a batch).

    ``order`` is ``to_order(call.command, ...)``, checked by the caller; ``call.key`` is
    ``order_key(order.order_id)``.
    """
    return once(uow, call, partial(_record, rulebooks=rulebooks, order=order), commit=commit)


def order_key(order_id: str) -> str:
    """An order's idempotency key: its order id."""
    return f"order:{order_id}"


def _record(
    uow: EarningWork, call: Keyed[PlaceOrder], *, rulebooks: Rulebooks, order: Order
) -> EarnResult:
    program, now = call.program, call.now
    definition = rulebooks.current(uow, program)
    earning = definition.earning
    book = Book.locked(uow, program, call.command.member)
    book.member.require_active()
    # a backdated order's points are earned on its date, and expire counted from it
    expires = awards.expiry_of(earning, min(order.placed_at, now), book.member.tier)
    # legacy: points that expired before they were recorded credit nothing, and the order
    # is out of its week's reckoning (ADR 0018)
    dead = expires is not None and expires <= now
    place = (
        weeks.NOT_FIRST
        if dead
        else weeks.take_place(uow, rulebooks, program, earning, book.member.id, order)
    )
    award, snapshot = evaluate(uow, earning, book.member, order, first=place.first)
    count_condition_errors(uow, earning, program.id, book.member.id, award, order.order_id, now)
    if dead:
        award = awards.expired_before_recorded(award)
    award, spends = awards.take_budgets(uow, program, earning, award, book.member.id)
    entry_id = _credit(uow, book, award, order, earning, now, expires)
    for campaign, rule, shard, points in spends:
        assert entry_id is not None, "a budget is only taken for points credited"
        uow.earning.record_spend(entry_id, campaign, rule, shard, points)
    uow.earning.add_usage(book.member.id, awards.usage_rows(award))
    progressed = challenges.NOTHING
    if not dead:  # what it adds to challenges, in this transaction; a reward of its own
        rewarded = Book(book.program, book.member)
        available = max(awards.available_from(earning, order.placed_at), now)
        progressed = challenges.on_order(
            uow, definition, rewarded, order, snapshot["member"], now, available_at=available
        )
        book.member = rewarded.member
    count_activity(
        uow, definition.tiers, book, order.placed_at, now,
        spend=order.paid, points=book.points + sum(r.points for r in progressed.reached), orders=1,
    )  # fmt: skip
    uow.earning.add_order(  # and counts it on the member
        NewOrderRecord(
            program_id=program.id,
            member_id=book.member.id,
            order_id=order.order_id,
            version=earning.version,
            placed_at=order.placed_at,
            paid=order.paid,
            entry_id=entry_id,
            snapshot=snapshot,
            award=awards.award_json(award),
            created_at=now,
            arrived_expired=dead,
            challenges=progressed.added or None,
        )
    )
    meta: dict[str, Any] = {}
    if progressed.reached:  # the rounds it completed: their rewards
        meta["challenges"] = [r.told() for r in progressed.reached]
    if place.moved_from is not None:  # what the order that was first gave back, by rule
        moved = weeks.give_back(uow, rulebooks, book, place.demoted, order.order_id, now)
        meta |= {"first_of_week_moved_from": place.moved_from, "by_rule": moved}
    scored = book.points + sum(r.points for r in progressed.reached)
    if not dead:  # a referred friend's first qualifying purchase pays their referral
        paid = referral_rewards.pay_on_purchase(uow, definition, book, order, now)
        if paid is not None:
            meta["referral"] = told = referral_rewards.told(paid)
            scored += int(str(told["points"]))
        leaderboards.on_scored(  # last: after every member row the order locks
            uow, definition, program, book.member, now,
            points=scored, challenges=len(progressed.reached), store=order.store,
        )  # fmt: skip
        if paid is not None:
            score_referrer(uow, definition, program, paid, now)
    return earn_result(book, order.order_id, awards.view(award, earning.version), now, meta)


def evaluate(
    uow: EarningWork,
    earning: EarningProgram,
    member: Member,
    order: Order,
    *,
    first: bool | None = None,
) -> tuple[Award, dict[str, Any]]:
    """The order's award under ``earning``, and the snapshot a refund evaluates it again on.

    ``first``: whether it is the first of the member's week (default: as the orders
    recorded so far say, see ``weeks``)."""
    local = order.placed_at.astimezone(earning.tz)
    keys = awards.cap_keys(earning, local)
    usage = uow.earning.usage(member.id, keys)
    variables = member_vars(member, local, earning.currency)
    if first is None:
        first = weeks.is_first(uow, earning, member.id, order)[0]
    variables[weeks.FIRST] = first
    ctx = Context(now=local, member=variables, tier=member.tier, usage=usage)
    snapshot = {
        "member": variables,
        "tier": member.tier,
        "usage": [[rule, key, u.points, u.times] for (rule, key), u in usage.items()],
        "order": order_json(order),
    }
    return evaluate_order(earning, order, ctx), snapshot


def _credit(
    uow: EarningWork,
    book: Book,
    award: Award,
    order: Order,
    earning: EarningProgram,
    now: datetime,
    expires: datetime | None,
) -> int | None:
    """The member's lines as one entry, a lot per rule; its id (None: nothing to credit)."""
    lines = awards.member_lines(award)
    if not lines:
        return None
    posting = ledger.credit_parts(
        ledger.Account(book.member, ()),
        [(x.points, x.rule_id) for x in lines],
        kind=EntryKind.EARN,
        source=LotSource.ORDER,
        now=now,
        available_at=max(awards.available_from(earning, order.placed_at), now),
        expires_at=expires,
        reference=order.order_id,
        version=earning.version,
        earned_at=min(order.placed_at, now),
        # enough to tell the member why: "Order 1042 at Store 3: base 100, Gold x1.5 50"
        meta={
            "order": order.order_id,
            "store": order.store,
            "lines": [[x.rule_id, x.points] for x in lines],
        },
    )
    book.apply(uow, posting, now)
    return book.entry_ids[-1]
