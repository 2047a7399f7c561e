"""Tiers in motion: what an order, refund or activity counts, the upgrade it earns,
and the nudge near the next tier.

Upgrades happen in the transaction of the order or activity that crosses the
threshold (the member row is already locked there); the new tier's multiplier
applies from the next order.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jifen.domain.programs import Program
from jifen.domain.tiers import (
    Gap,
    Stats,
    TierPolicy,
    month_of,
)
from jifen.services.ledger import Book
from jifen.services.tiers.changes import apply_decision
from jifen.services.tiers.ports import TierWork


def month_in(program: Program, when: datetime) -> int:
    return month_of(when.astimezone(ZoneInfo(program.timezone)))


def count_activity(
    uow: TierWork,
    policy: TierPolicy,
    book: Book,
    when: datetime,
    now: datetime,
    *,
    spend: int = 0,
    points: int = 0,
    orders: int = 0,
) -> None:
    """Count what an order, refund or activity did (refunds: negative), then reconsider."""
    counted = month_in(book.program, when)
    if not policy or not (spend > 0 or points > 0 or orders > 0):
        uow.tiers.add_stats(book.member.id, counted, spend=spend, points=points, orders=orders)
        return
    window = policy.window.span(month_in(book.program, now), book.member.tiering.counted_from)
    added = Stats(spend, points, orders)
    reconsider(
        uow, policy, book, now, uow.tiers.add_then_sum(book.member.id, counted, added, *window)
    )


def reconsider(uow: TierWork, policy: TierPolicy, book: Book, now: datetime, stats: Stats) -> None:
    """Upgrade a member who now qualifies higher; clear a risk the member has made up.

    ``stats`` is the member's activity over the policy's window, this one counted.
    """
    state = book.member.tiering
    month = month_in(book.program, now)
    decision = policy.upgrade(state, stats, now, month)
    if decision is None and state.at_risk and state.review_month is not None:
        first, _ = policy.review.window(state.review_month, at_risk=True)
        decision = policy.recover(state, uow.tiers.stats(book.member.id, first, month))
    if decision is not None:
        book.member = apply_decision(uow, book.program, policy, book.member, decision, now)[0]
        return
    _nudge(uow, policy, book, stats, now)


def _nudge(uow: TierWork, policy: TierPolicy, book: Book, stats: Stats, now: datetime) -> None:
    """Tell a member once when they come within reach of the next tier."""
    state = book.member.tiering
    p = policy.progress(state, now, stats, Stats())
    if p.next is None or not p.close or state.nudged == p.next.code:
        return
    new = replace(state, nudged=p.next.code)
    uow.tiers.save([(book.member.id, book.member.tier, new)], now)
    book.member = replace(book.member, tiering=new)
    uow.outbox.add(
        book.program.id,
        "tier.nearly_reached",
        {
            "member": book.member.external_id,
            "tier": p.current.code,
            "next": p.next.code,
            "routes": [[gap_json(g) for g in route] for route in p.routes],
        },
        now,
    )


def gap_json(g: Gap) -> dict[str, Any]:
    return {"metric": g.metric.value, "have": g.have, "need": g.need, "missing": g.missing}
