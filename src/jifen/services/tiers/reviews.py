"""Tier reviews: a step of the nightly pipeline, a chunk of members at a time.

Their statistics are read in one statement per chunk, the decisions are pure
(:mod:`jifen.domain.tiers`), and the writes go out together.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from jifen.domain.programs import Program
from jifen.domain.tiers import (
    Decision,
    Reason,
    Stats,
    TierPolicy,
)
from jifen.services.ports import WorkFactory
from jifen.services.rulebooks import Rulebooks
from jifen.services.steps import EVERYONE, Chunk, Step, StepFn, run_through
from jifen.services.tiers.changes import apply_decisions
from jifen.services.tiers.movement import month_in
from jifen.services.tiers.ports import Tiered, TierWork


@dataclass(frozen=True)
class Reviewed:
    members: int = 0
    changed: int = 0
    last_member_id: int = 0


def review_due(
    uow: TierWork,
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
    changed = apply_decisions(uow, program, policy, decisions, cutoff)
    return Reviewed(len(due), changed, due[-1].id if due else after)


def review_step(rulebooks: Rulebooks) -> StepFn[TierWork]:
    """The nightly pipeline's ``tier_reviews``: :func:`review_due` a chunk at a time."""

    def run(
        uow: TierWork, program: Program, cutoff: datetime, cursor: int, limit: int, until: int
    ) -> Chunk:
        rules = rulebooks.current_or_none(uow, program)
        if rules is None or not rules.tiers:
            return Chunk(cursor, True, {})
        done = review_due(uow, rules.tiers, program, cutoff, cursor, limit, until)
        counts = {"members": done.members, "changed": done.changed}
        return Chunk(done.last_member_id, done.members < limit, counts)

    return run


def review_tiers(
    uow_factory: WorkFactory[TierWork],
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
