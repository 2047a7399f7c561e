"""What an order would earn, written nowhere: a simulation, and a draft programme's
answer beside the published one's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from jifen.domain.bounds import DEFAULT_SKEW
from jifen.domain.error_codes import ProgramCode
from jifen.domain.errors import InvalidInput
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.earning import awards
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.order_data import to_order
from jifen.services.earning.orders import evaluate
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.views import AwardView
from jifen.services.ledger import lock_member
from jifen.services.ports import Clock, Compiler
from jifen.services.rulebooks import Rulebooks


def simulate_order(
    uow: EarningWork,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    cmd: PlaceOrder,
    *,
    skew: timedelta = DEFAULT_SKEW,
) -> AwardView:
    """The same computation as record_order, as a dry run: nothing is written."""
    order = to_order(cmd, program.currency, clock.now(), skew)
    with uow:
        earning = rulebooks.current(uow, program).earning
        member = lock_member(uow, program, cmd.member)
        award, _ = evaluate(uow, earning, member, order)
        return awards.view(awards.budget_preview(uow, program, earning, award), earning.version)


@dataclass(frozen=True)
class Preview:
    """One sample order under the published rules and under a draft, side by side."""

    published: AwardView
    draft: AwardView
    rows: tuple[tuple[str, int, int], ...]  # (rule, published points, draft points)


def preview_order(
    uow: EarningWork,
    clock: Clock,
    compiler: Compiler,
    rulebooks: Rulebooks,
    program: Program,
    draft_source: str,
    cmd: PlaceOrder,
) -> Preview:
    """What ``cmd`` earns now and what it would earn under ``draft_source``; writes nothing.

    The member is ``cmd.member`` if it names one, else a member who has just joined.
    A draft that does not validate raises its error, with the line, as publishing would.
    """
    draft = compiler(draft_source, "draft", 0)
    if draft.program.code != program.code:
        raise InvalidInput(
            f"this file is for programme {draft.program.code}, not {program.code}",
            code=ProgramCode.CODE_MISMATCH,
            field="program.code",
        )
    now = clock.now()
    order = to_order(cmd, program.currency, now)
    with uow:
        published = rulebooks.current(uow, program).earning
        found = uow.members.get(program.id, cmd.member) if cmd.member else None
        member = found or Member.newcomer(program.id, "preview", now)
        before, after = (
            awards.view(evaluate(uow, earning, member, order)[0], earning.version)
            for earning in (published, draft.earning)
        )
    return Preview(before, after, _side_by_side(before, after))


def _side_by_side(before: AwardView, after: AwardView) -> tuple[tuple[str, int, int], ...]:
    """Each rule that paid under either version: (rule, published points, draft points)."""
    rules = dict.fromkeys([x.rule_id for x in before.lines] + [x.rule_id for x in after.lines])
    return tuple(
        (
            rule,
            sum(x.points for x in before.lines if x.rule_id == rule),
            sum(x.points for x in after.lines if x.rule_id == rule),
        )
        for rule in rules
    )
