"""A night run late does what it would have done on time: the tier of that night."""

from __future__ import annotations

from datetime import UTC, date, datetime

from jifen.bootstrap import Jifen
from jifen.services import members
from jifen.services.members.commands import CreateMember
from jifen.services.tiers import birthdays
from tests.earning_fixtures import buy, line, publish
from tests.factories import FakeClock, assert_verified, balances, key


def test_a_late_birthday_night_gives_the_gift_of_the_tier_of_that_night(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("M1", birthday=date(1990, 6, 15)), key()
    )
    clock.set(datetime(2026, 6, 1, 4, tzinfo=UTC))
    buy(jf, program, "M1", "o-1", "1000.00", line("desk", 1, "1000.00"))  # silver: gift 100
    clock.set(datetime(2026, 6, 17, 4, tzinfo=UTC))
    buy(jf, program, "M1", "o-2", "5000.00", line("sofa", 1, "5000.00"))  # gold from the 17th
    before = balances(jf, program, "M1")[0]

    # the night of 15 June runs only now, on the 17th: it is silver's night
    gifts = birthdays.birthday_gifts(jf.uow, jf.rulebooks, program, date(2026, 6, 15))

    assert gifts == birthdays.Gifts(members=1, points=100)
    assert balances(jf, program, "M1")[0] == before + 100
    assert_verified(jf)
