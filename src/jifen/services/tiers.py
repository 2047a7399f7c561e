"""Tiers in motion: upgrades as members earn, operator floors, reviews, and the member's view.

Upgrades happen in the transaction of the order or activity that crosses the
threshold (the member row is already locked there); the new tier's multiplier
applies from the next order. Reviews run in the nightly pipeline, a chunk of
members at a time: their statistics are read in one statement per chunk, the
decisions are pure (:mod:`jifen.domain.tiers`), and the writes go out together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jifen.domain.errors import InvalidInput
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.domain.tiers import (
    Decision,
    Level,
    Progress,
    Reason,
    Stats,
    TierPolicy,
    TierState,
    month_of,
)
from jifen.services.commands import SetTierFloor
from jifen.services.idempotency import once
from jifen.services.members import find_member
from jifen.services.ports import Clock, TierChange, Tiered, UnitOfWork, UnitOfWorkFactory
from jifen.services.posting import Book, lock_member
from jifen.services.rulebooks import Rulebooks
from jifen.services.steps import EVERYONE, Chunk, Step, StepFn, current_rules, run_through

HISTORY = 50


def month_in(program: Program, when: datetime) -> int:
    return month_of(when.astimezone(ZoneInfo(program.timezone)))


def count_activity(
    uow: UnitOfWork,
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


def reconsider(
    uow: UnitOfWork, policy: TierPolicy, book: Book, now: datetime, stats: Stats
) -> None:
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
        book.member = _apply(uow, book.program, policy, book.member, decision, now)[0]
        return
    _nudge(uow, policy, book, stats, now)


def _nudge(uow: UnitOfWork, policy: TierPolicy, book: Book, stats: Stats, now: datetime) -> None:
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
        "tier.nearly_there",
        {
            "member": book.member.external_id,
            "tier": p.current.code,
            "next": p.next.code,
            "routes": [[_gap(g) for g in route] for route in p.routes],
        },
        now,
    )


def set_floor(
    uow: UnitOfWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: SetTierFloor,
    key: str,
) -> TierView:
    """An operator's floor: the member is at least ``cmd.tier`` until ``cmd.until``."""
    now = clock.now()
    if not cmd.reason.strip():
        raise InvalidInput("a tier override needs a reason", field="reason")
    with uow:

        def work() -> TierView:
            policy = rulebooks.current(uow, program).tiers
            if cmd.tier is not None:
                if cmd.tier not in {lvl.code for lvl in policy.levels}:
                    raise InvalidInput(f"unknown tier {cmd.tier!r}", field="tier")
                if cmd.until is None or cmd.until <= now:
                    raise InvalidInput("a tier override needs an end in the future", field="until")
            member = lock_member(uow, program, cmd.member)
            member.require_active()
            state = replace(
                member.tiering, floor=cmd.tier, floor_until=cmd.until if cmd.tier else None
            )
            detail = {"reason": cmd.reason, "until": cmd.until.isoformat() if cmd.until else None}
            member, _ = _apply(
                uow,
                program,
                policy,
                member,
                Decision(state, Reason.FLOOR_SET),
                now,
                actor=cmd.actor,
                detail=detail,
                always=True,
            )
            uow.audit.record(
                program.id,
                cmd.actor,
                "tier.override",
                member.external_id,
                {"tier": cmd.tier, **detail},
                now,
            )
            return _view(uow, program, policy, member, now)

        return once(uow, program.id, key, cmd, now, TierView, work)


@dataclass(frozen=True)
class Reviewed:
    members: int = 0
    changed: int = 0
    last_member_id: int = 0


def review_due(
    uow: UnitOfWork,
    policy: TierPolicy,
    program: Program,
    cutoff: datetime,
    after: int,
    limit: int,
    until: int = EVERYONE,
) -> Reviewed:
    """Reviews due by ``cutoff`` and floors that ended, for up to ``limit`` members after
    ``after`` (and at most ``until``); call inside ``with uow`` and commit after."""
    month = month_in(program, cutoff)
    due = uow.tiers.due_for_review(program.id, month, cutoff, after, limit, until)
    reviewing = [
        m for m in due if m.tiering.review_month is not None and m.tiering.review_month <= month
    ]
    spans: dict[int, tuple[int | None, int]] = {
        m.id: policy.review.window(m.tiering.review_month or month, m.tiering.at_risk)
        for m in reviewing
    }
    stats = uow.tiers.stats_of(spans)
    decisions: list[tuple[Tiered, Decision]] = []
    for m in due:
        decision = None
        if m.id in spans:
            decision = policy.on_review(m.tiering, stats.get(m.id, Stats()), cutoff, month)
        ended = m.tiering.floor_until is not None and m.tiering.floor_until <= cutoff
        if ended:
            base = decision.state if decision else m.tiering
            cleared = replace(base, floor=None, floor_until=None)
            decision = Decision(cleared, decision.reason if decision else Reason.FLOOR_ENDED)
        if decision is not None:
            decisions.append((m, decision))
    changed = _apply_many(uow, program, policy, decisions, cutoff)
    return Reviewed(len(due), changed, due[-1].id if due else after)


def review_step(rulebooks: Rulebooks) -> StepFn:
    """The nightly pipeline's ``tier_reviews``: :func:`review_due` a chunk at a time."""

    def run(
        uow: UnitOfWork, program: Program, cutoff: datetime, cursor: int, limit: int, until: int
    ) -> Chunk:
        rules = current_rules(uow, rulebooks, program)
        if rules is None or not rules.tiers:
            return Chunk(cursor, True, {})
        done = review_due(uow, rules.tiers, program, cutoff, cursor, limit, until)
        counts = {"members": done.members, "changed": done.changed}
        return Chunk(done.last_member_id, done.members < limit, counts)

    return run


def review_tiers(
    uow_factory: UnitOfWorkFactory,
    rulebooks: Rulebooks,
    program: Program,
    cutoff: datetime,
    *,
    chunk: int = 2000,
) -> Reviewed:
    """Every review due by ``cutoff``, outside the pipeline (``jifen tier review``)."""
    step = Step("tier_reviews", review_step(rulebooks))
    counts = run_through(uow_factory, program, cutoff, (step,), chunk=chunk)[step.name]
    return Reviewed(counts.get("members", 0), counts.get("changed", 0))


@dataclass(frozen=True)
class TierHistoryItem:
    from_tier: str | None
    to_tier: str | None
    reason: str
    actor: str | None
    at: datetime
    detail: dict[str, Any]


@dataclass(frozen=True)
class TierView:
    """What a member (or an operator) sees of a member's tier."""

    member: str
    tier: str
    name: dict[str, str]
    multiplier: str
    perks: list[dict[str, str]]
    since: datetime | None
    review_month: int | None
    at_risk: bool
    floor: str | None
    floor_until: datetime | None
    next_tier: str | None
    next_name: dict[str, str] | None
    routes: list[list[dict[str, Any]]]  # each: what is missing on one way to the next tier
    close_to_next: bool
    retain: list[list[dict[str, Any]]]  # what keeping the tier still needs by the review
    history: tuple[TierHistoryItem, ...]
    replayed: bool = False


def tier_view(
    uow: UnitOfWork, clock: Clock, rulebooks: Rulebooks, program: Program, member_ref: str
) -> TierView:
    now = clock.now()
    with uow:
        policy = rulebooks.current(uow, program).tiers
        return _view(uow, program, policy, find_member(uow, program, member_ref), now)


def _view(
    uow: UnitOfWork, program: Program, policy: TierPolicy, member: Member, now: datetime
) -> TierView:
    history = tuple(
        TierHistoryItem(c.from_tier, c.to_tier, c.reason, c.actor, c.at, c.detail)
        for c in uow.tiers.changes(member.id, HISTORY)
    )
    if not policy:
        return TierView(
            member.external_id,
            member.tier or "",
            {},
            "1",
            [],
            None,
            None,
            False,
            None,
            None,
            None,
            None,
            [],
            False,
            [],
            history,
        )
    state, month = member.tiering, month_in(program, now)
    stats = uow.tiers.stats(member.id, *policy.window.span(month, state.counted_from))
    period = Stats()
    if state.review_month is not None:
        first, _ = policy.review.window(state.review_month, state.at_risk)
        period = uow.tiers.stats(member.id, first, month)
    p: Progress = policy.progress(state, now, stats, period)
    current: Level = p.current
    return TierView(
        member=member.external_id,
        tier=current.code,
        name=dict(current.name),
        multiplier=str(current.multiplier),
        perks=[dict(x) for x in current.perks],
        since=state.since,
        review_month=state.review_month,
        at_risk=state.at_risk,
        floor=state.floor,
        floor_until=state.floor_until,
        next_tier=p.next.code if p.next else None,
        next_name=dict(p.next.name) if p.next else None,
        routes=[[_gap(g) for g in route] for route in p.routes],
        close_to_next=p.close,
        retain=[[_gap(g) for g in route] for route in p.retain_routes if route],
        history=history,
    )


def _gap(g: Any) -> dict[str, Any]:
    return {"metric": g.metric.value, "have": g.have, "need": g.need, "missing": g.missing}


def _apply(
    uow: UnitOfWork,
    program: Program,
    policy: TierPolicy,
    member: Member,
    decision: Decision,
    now: datetime,
    *,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
    always: bool = False,
) -> tuple[Member, bool]:
    changed = _apply_many(
        uow, program, policy, [(member, decision)], now, actor=actor, detail=detail, always=always
    )
    effective = policy.effective(decision.state, now).code if policy else member.tier
    return replace(member, tier=effective, tiering=decision.state), bool(changed)


def _apply_many(
    uow: UnitOfWork,
    program: Program,
    policy: TierPolicy,
    decisions: Sequence[tuple[Member | Tiered, Decision]],
    now: datetime,
    *,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
    always: bool = False,
) -> int:
    """Save each decision; record and announce those that change something visible."""
    saves: list[tuple[int, str | None, TierState]] = []
    changes: list[tuple[int, TierChange]] = []
    events: list[dict[str, Any]] = []
    for member, decision in decisions:
        before = policy.effective(member.tiering, now)
        after = policy.effective(decision.state, now)
        saves.append((member.id, after.code, decision.state))
        visible = (
            always
            or after.code != (member.tier or policy.base.code)
            or decision.state.earned != member.tiering.earned
            or decision.state.at_risk != member.tiering.at_risk
        )
        if not visible:
            continue
        info = dict(detail or {})
        if after.points_never_expire and not before.points_never_expire:
            info["lots_no_longer_expiring"] = uow.tiers.stop_expiry(member.id)
        previous = member.tier or policy.base.code
        change = TierChange(previous, after.code, decision.reason.value, actor, info, now)
        changes.append((member.id, change))
        events.append(
            {
                "member": member.external_id,
                "from": previous,
                "to": after.code,
                "reason": decision.reason.value,
                "review_month": decision.state.review_month,
                "at_risk": decision.state.at_risk,
            }
        )
    uow.tiers.save(saves, now)
    uow.tiers.record_changes(program.id, changes)
    uow.outbox.add_many(program.id, "tier.changed", events, now)
    return len(changes)
