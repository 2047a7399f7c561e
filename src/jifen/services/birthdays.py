"""Birthday gifts: a tier's ``birthday.points``, once a year, on the member's birthday.

Run for a local day (the nightly pipeline runs it for the day that starts);
members born on 29 February get theirs on 28 February in other years. Each
gift is an ordinary earn keyed by member and year, so running a day twice, or
two days that both match, gives one gift a year.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from jifen.domain.programs import Program
from jifen.services import ledger
from jifen.services.commands import Earn
from jifen.services.ports import Clock, UnitOfWorkFactory
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True)
class Gifts:
    members: int = 0
    points: int = 0


def birthday_gifts(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rulebooks: Rulebooks,
    program: Program,
    day: date,
    *,
    chunk: int = 500,
) -> Gifts:
    with uow_factory(write=False) as uow:
        definition = rulebooks.current(uow, program)
    policy = definition.tiers
    gifts = {lvl.code: lvl.birthday.points for lvl in policy.levels if lvl.birthday}
    if not any(gifts.values()):
        return Gifts()
    days = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        days.append((2, 29))
    start = datetime.combine(day, time(), ZoneInfo(program.timezone))
    given = total = after = 0
    while True:
        with uow_factory(write=False) as uow:
            found = uow.tiers.birthdays(program.id, days, after, chunk)
        for member in found:
            tier = policy.effective(member.tiering, start)
            points = gifts.get(tier.code, 0)
            if not points:
                continue
            receipt = ledger.earn(
                uow_factory(),
                clock,
                program,
                Earn(
                    member=member.external_id,
                    points=points,
                    source="gift",
                    reference=f"birthday-{day.year}",
                    rule_id=f"birthday:{tier.code}",
                    expires_at=definition.earning.expires_at(max(start, clock.now()), tier.code),
                ),
                f"birthday:{member.external_id}:{day.year}",
            )
            if not receipt.replayed:
                given, total = given + 1, total + points
        if len(found) < chunk:
            return Gifts(given, total)
        after = found[-1].id
