"""Steps shared by orders and activities: caps to read, budgets to take, views."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jifen.domain.earning import Award, AwardLine, EarningProgram, Skip, Skipped, period_key
from jifen.domain.programs import Program
from jifen.services.earning.ports import EarningWork
from jifen.services.earning.views import AwardLineView, AwardView, SkippedView

Spend = tuple[str, str, int, int]  # campaign, rule, shard, points


def cap_keys(earning: EarningProgram, local: datetime) -> list[tuple[str, str]]:
    """Every (rule, period) whose usage a capped rule may look at, as of ``local``."""
    return [
        (rule.id, period_key(cap.per, local, rule.campaign))
        for rule in earning.rules
        for cap in rule.caps
    ]


def take_budgets(
    uow: EarningWork, program: Program, earning: EarningProgram, award: Award, hint: int
) -> tuple[Award, list[Spend]]:
    """Charge campaign lines to their budgets; cut or drop what the budget lacks.

    Each campaign is charged once, for all its lines together, and campaigns in id
    order: so a transaction takes either one shard of a campaign (without waiting) or
    all of them in shard order, and concurrent orders never wait on each other in a
    cycle. (Charging two lines of one campaign one after the other deadlocked on
    PostgreSQL: one order's first shard, held, against another's walk of them all.)
    What a campaign grants goes to its lines in their order.
    """
    lines, spends = list(award.lines), []
    skipped = list(award.skipped)
    by_campaign: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        campaign = earning.campaigns.get(line.campaign or "")
        if campaign is not None and campaign.budget is not None:
            by_campaign.setdefault(campaign.id, []).append(i)
    for campaign_id in sorted(by_campaign):
        wanted = [lines[i] for i in by_campaign[campaign_id]]
        taken = uow.earning.reserve(program.id, campaign_id, sum(x.points for x in wanted), hint)
        for i, share in zip(by_campaign[campaign_id], _share(taken, wanted), strict=True):
            line = lines[i]
            spends += [(campaign_id, line.rule_id, shard, n) for shard, n in share]
            got = sum(n for _, n in share)
            if got < line.points:
                skipped.append(
                    Skipped(
                        line.rule_id, Skip.BUDGET_EXHAUSTED, {"wanted": line.points, "granted": got}
                    )
                )
                lines[i] = line._replace(points=got)
    kept = tuple(x for x in lines if x.points > 0)
    usage = tuple(
        (rule, key, next((x.points for x in kept if x.rule_id == rule), 0))
        for rule, key, _ in award.usage
    )
    return Award(kept, tuple(skipped), usage), spends


def _share(taken: list[tuple[int, int]], lines: list[AwardLine]) -> list[list[tuple[int, int]]]:
    """The (shard, points) taken, dealt to ``lines`` in order: each in full while it lasts."""
    left = [[shard, n] for shard, n in taken]
    shares: list[list[tuple[int, int]]] = []
    for line in lines:
        want, mine = line.points, []
        for part in left:
            give = min(want, part[1])
            if give > 0:
                mine.append((part[0], give))
                part[1] -= give
                want -= give
        shares.append(mine)
    return shares


def budget_preview(
    uow: EarningWork, program: Program, earning: EarningProgram, award: Award
) -> Award:
    """What take_budgets would do, without taking anything (for simulations)."""
    lines, skipped = [], list(award.skipped)
    for wanted in award.lines:
        campaign = earning.campaigns.get(wanted.campaign or "")
        left = None
        if campaign is not None and campaign.budget is not None:
            left = uow.earning.budget_left(program.id, campaign.id)
        line = wanted
        if left is not None and left < wanted.points:
            granted = max(left, 0)
            skipped.append(
                Skipped(
                    wanted.rule_id,
                    Skip.BUDGET_EXHAUSTED,
                    {"wanted": wanted.points, "granted": granted},
                )
            )
            line = wanted._replace(points=granted)
        if line.points > 0:
            lines.append(line)
    return Award(tuple(lines), tuple(skipped), award.usage)


def usage_rows(award: Award) -> list[tuple[str, str, int, int]]:
    return [(rule, key, points, 1) for rule, key, points in award.usage if points > 0]


def expiry_of(
    earning: EarningProgram, earned: datetime, tier: str | None = None
) -> datetime | None:
    return earning.expires_at(earned, tier)


def available_from(earning: EarningProgram, earned: datetime) -> datetime:
    return earned + timedelta(days=earning.pending_days)


def view(award: Award, version: int, beneficiary: str = "member") -> AwardView:
    lines = tuple(
        AwardLineView(x.rule_id, x.kind, x.points, x.campaign, x.beneficiary, dict(x.detail))
        for x in award.lines
    )
    skipped = tuple(SkippedView(s.rule_id, s.reason.value, dict(s.detail)) for s in award.skipped)
    points = sum(x.points for x in award.lines if x.beneficiary == beneficiary)
    return AwardView(points, version, lines, skipped)


def award_json(award: Award) -> dict[str, Any]:
    return {
        "lines": [
            {
                "rule_id": x.rule_id,
                "kind": x.kind,
                "points": x.points,
                "campaign": x.campaign,
                "beneficiary": x.beneficiary,
                "detail": dict(x.detail),
            }
            for x in award.lines
        ],
        "skipped": [
            {"rule_id": s.rule_id, "reason": s.reason.value, "detail": dict(s.detail)}
            for s in award.skipped
        ],
    }


def member_lines(award: Award) -> list[AwardLine]:
    return [x for x in award.lines if x.beneficiary == "member" and x.points > 0]


def expired_before_recorded(award: Award) -> Award:
    """An order recorded after its points' expiry (a legacy import): explain, credit none."""
    gone = tuple(
        Skipped(x.rule_id, Skip.ALREADY_EXPIRED, {"wanted": x.points}) for x in award.lines
    )
    return Award((), award.skipped + gone)
