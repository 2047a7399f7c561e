"""Birthday gifts: a tier's ``birthday.points``, once a year, on the member's birthday.

A step of the nightly pipeline: the night of local day D gives each active
member born on D's month and day the gift of the tier in effect at D's first
instant (members born on 29 February get theirs on 28 February in other
years), whenever the night runs: a member whose tier changed after D's first instant
(a night run late) gets the gift of the tier they had then, read from their tier
changes (``tiers_before``). The members of a chunk are found in one statement and credited in the
chunk's transaction, their rows locked, and credited together in a few
statements (:func:`jifen.services.ledger.grant_many`): each gift is an earn under
the key ``birthday:{member}:{year}``, so a night run twice, or two nights that
both match (a birthday corrected in between, a tier changed), still give one
gift a year. A tier
whose benefit is a multiplier in the birthday month gives no points here: the
earning rules apply it to orders.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from jifen.domain.days import local_day
from jifen.domain.ledger import LotSource
from jifen.domain.nightly import cutoff as cutoff_of
from jifen.domain.programs import Program
from jifen.services.ledger import Earn, Grant, grant_many
from jifen.services.ports import WorkFactory
from jifen.services.rulebooks import Rulebooks
from jifen.services.steps import Chunk, Step, StepFn, run_through
from jifen.services.tiers.ports import TierWork


@dataclass(frozen=True)
class Gifts:
    members: int = 0
    points: int = 0


def birthdays_on(day: date) -> list[tuple[int, int]]:
    """The (month, day) birthdays celebrated on ``day``."""
    days = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        days.append((2, 29))
    return days


def gift_step(rulebooks: Rulebooks) -> StepFn[TierWork]:
    def run(
        uow: TierWork, program: Program, cutoff: datetime, cursor: int, limit: int, until: int
    ) -> Chunk:
        rules = rulebooks.current_or_none(uow, program)
        gifts: dict[str, int] = {}
        if rules is not None:
            gifts = {lvl.code: lvl.birthday.points for lvl in rules.tiers.levels if lvl.birthday}
        if rules is None or not any(gifts.values()):
            return Chunk(cursor, True, {})
        day = local_day(cutoff, program.tz)
        found = uow.tiers.birthdays(program.id, birthdays_on(day), cursor, limit, until)
        then = uow.tiers.tiers_before([m.id for m in found], cutoff)  # a night run late
        grants = []
        for member in found:
            tier = rules.tiers.effective(member.tiering, cutoff)
            if member.id in then:
                tier = rules.tiers.level(then[member.id])
            gift = gifts.get(tier.code, 0)
            if gift:
                earn = Earn(
                    member=member.external_id,
                    points=gift,
                    source=LotSource.GIFT.value,
                    reference=f"birthday-{day.year}",
                    rule_id=f"birthday:{tier.code}",
                    expires_at=rules.earning.expires_at(cutoff, tier.code),
                )
                grants.append(Grant(member, earn, f"birthday:{member.external_id}:{day.year}"))
        given = grant_many(uow, program, grants, cutoff)
        last = found[-1].id if found else cursor
        counts = {"members": len(given), "points": sum(r.points for r in given)}
        return Chunk(last, len(found) < limit, counts)

    return run


def birthday_gifts(
    uow_factory: WorkFactory[TierWork],
    rulebooks: Rulebooks,
    program: Program,
    day: date,
    *,
    chunk: int = 500,
) -> Gifts:
    """The gifts of ``day``'s night, outside the pipeline (no checkpoint)."""
    step = Step("birthday_gifts", gift_step(rulebooks))
    cutoff = cutoff_of(day, program.tz)
    counts = run_through(uow_factory, program, cutoff, (step,), chunk=chunk)[step.name]
    return Gifts(counts.get("members", 0), counts.get("points", 0))
