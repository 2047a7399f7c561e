"""Lottery draws and gifts to causes, on SQLite and PostgreSQL.

The fresh-market lucky draw costs 10 points, up to 5 draws a day. Its table,
walked in order over numbers 0..999,999: oil 0.05% (numbers 0-499, 20 in
stock, falls back to eggs), eggs 0.5% (500-5,499, 200 in stock, falls back to
50 points), 50 points 4% (5,500-45,499), 10 points 20% (45,500-245,499), and
no prize for the rest. Its food bank takes gifts in hundreds of points and the
brand gives 1 yuan per 100 points.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import redemption as lottery
from jifen.services import redemption as redemptions
from jifen.services.redemption import donations
from jifen.services.redemption.commands import Donate, DrawLottery, SettleRedemption
from jifen.services.redemption.views import DonationView, DrawsView
from tests.earning_fixtures import ROOT, count, join, publish
from tests.factories import ScriptedChance, SeededChance, assert_verified, balances, key
from tests.integration.test_redemption import error_of, give, stock

OIL, EGGS, FIFTY, TEN, NOTHING = 0, 600, 10_000, 100_000, 999_999


def draw(
    jf: Jifen, program: Program, member: str, n: int = 1, k: str | None = None, name: str = ""
) -> DrawsView:
    cmd = DrawLottery(member, name or "lucky-draw", n)
    return lottery.draw(jf.uow(), jf.clock, jf.chance, jf.rulebooks, program, cmd, k or key("draw"))


def donate(
    jf: Jifen, program: Program, member: str, points: int, cause: str = "food-bank"
) -> DonationView:
    return donations.donate(
        jf.uow(), jf.clock, jf.rulebooks, program, Donate(member, cause, points), key("gift")
    )


def test_a_draw_pays_once_and_delivers_each_prize(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    jf.chance = ScriptedChance(OIL, EGGS, FIFTY, TEN, NOTHING)

    result = draw(jf, program, "C-1", 5)

    assert result.cost == 50
    assert [d.prize for d in result.draws] == ["oil", "eggs", "points-50", "points-10", None]
    assert [d.roll for d in result.draws] == [OIL, EGGS, FIFTY, TEN, NOTHING]
    assert [d.points for d in result.draws] == [0, 0, 50, 10, 0]
    assert result.available == 1000 - 50 + 50 + 10
    assert balances(jf, program, "C-1")[0] == 1010
    # The goods come out of the catalogue's stock and the prize's own.
    assert stock(jf, program, "cooking-oil-5l") == 499
    assert stock(jf, program, "lucky-draw/oil") == 19
    assert stock(jf, program, "eggs") == 1999
    prizes = redemptions.redemptions_of(jf.uow(write=False), program, "C-1")
    assert sorted((r.kind, r.reward, r.points) for r in prizes) == [
        ("prize", "cooking-oil-5l", 0),
        ("prize", "eggs", 0),
    ]
    assert_verified(jf)


def test_every_draw_is_recorded_against_its_table(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    jf.chance = ScriptedChance(TEN, NOTHING)
    made = draw(jf, program, "C-1", 2)

    history = lottery.draws_of(jf.uow(write=False), jf.rulebooks, program, "C-1")
    (table,) = lottery.lotteries(jf.uow(write=False), jf.clock, jf.rulebooks, program)

    assert [(d.roll, d.drawn, d.prize) for d in history] == [
        (NOTHING, None, None),
        (TEN, "points-10", "points-10"),
    ]
    assert made.version == table.version
    with jf.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT table_version, roll, out_of, points FROM lottery_draws ORDER BY id"
        ).all()
    assert [tuple(r) for r in rows] == [
        (table.version, TEN, 1_000_000, 10),
        (table.version, NOTHING, 1_000_000, 10),
    ]
    # Anyone holding the table can check each recorded outcome.
    assert [p.chance for p in table.prizes] == ["0.05%", "0.5%", "4%", "20%"]
    assert table.no_prize_chance == "75.45%"


def test_a_prize_out_of_stock_falls_back_down_its_chain(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    source = source.replace("stock: 20\n", "stock: 1\n").replace("stock: 200\n", "stock: 1\n")
    program = publish(jf, source=source)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    jf.chance = ScriptedChance(OIL, OIL, OIL, EGGS)

    result = draw(jf, program, "C-1", 4)

    assert [(d.drawn, d.prize) for d in result.draws] == [
        ("oil", "oil"),
        ("oil", "eggs"),  # no oil left: its fallback
        ("oil", "points-50"),  # no eggs either: the fallback's fallback
        ("eggs", "points-50"),
    ]
    assert stock(jf, program, "lucky-draw/oil") == 0
    assert stock(jf, program, "lucky-draw/eggs") == 0
    assert result.available == 1000 - 40 + 100
    assert_verified(jf)


def test_refusals_write_nothing(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    give(jf, program, "C-1", 1000)
    jf.chance = ScriptedChance(*[NOTHING] * 5)
    draw(jf, program, "C-1", 3)
    tables = ("entries", "lots", "lottery_draws", "redemptions", "donations", "outbox")
    before = {t: count(jf, t) for t in tables}

    refusals = {
        "redemption_limit_reached": lambda: draw(jf, program, "C-1", 3),  # 5 a day
        "insufficient_points": lambda: draw(jf, program, "C-2"),
        "lottery_not_found": lambda: draw(jf, program, "C-1", name="no-such-lottery"),
        "invalid_input": lambda: draw(jf, program, "C-1", 11),
        "cause_not_found": lambda: donate(jf, program, "C-1", 100, "no-such-cause"),
    }
    assert {code: error_of(call) for code, call in refusals.items()} == {
        code: code for code in refusals
    }
    assert {t: count(jf, t) for t in tables} == before
    assert draw(jf, program, "C-1", 2).cost == 20  # up to the day's limit
    assert_verified(jf)


def test_a_retried_draw_replays_the_first_without_drawing_again(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    jf.chance = ScriptedChance(FIFTY)  # one number: a second draw would fail

    first = draw(jf, program, "C-1", k="draw-1")
    again = draw(jf, program, "C-1", k="draw-1")

    assert again.replayed and not first.replayed
    assert again.draws == first.draws
    assert balances(jf, program, "C-1")[0] == 1040
    assert count(jf, "lottery_draws") == 1


def test_a_prize_is_not_cancelled_like_a_purchase(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    jf.chance = ScriptedChance(EGGS)
    (won,) = draw(jf, program, "C-1").draws
    assert won.redemption_id is not None
    cmd = SettleRedemption(won.redemption_id, "cancel", "no", "ops")

    code = error_of(
        lambda: redemptions.settle_redemption(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())
    )

    assert code == "redemption_not_cancellable"
    assert stock(jf, program, "eggs") == 1999


CHI2_CRITICAL_P001 = {3: 16.266, 4: 18.467}  # the chi-squared distribution's 99.9th percentile

TABLE = """
  lotteries:
    - code: wheel
      name: {en: Wheel}
      points: 1
      prizes:
        - {code: a, name: {en: A}, chance: "40%", points: 1}
        - {code: b, name: {en: B}, chance: "25%", points: 2}
        - {code: c, name: {en: C}, chance: "10%", points: 3}
        - {code: d, name: {en: D}, chance: "0.5%", points: 4}
"""


def test_over_many_draws_the_frequencies_match_the_table(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    source = source[: source.index("  lotteries:")] + TABLE
    program = publish(jf, source=source)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 10_000)
    jf.chance = SeededChance(20261123)
    draws = 2000

    seen: Counter[str | None] = Counter()
    for _ in range(draws // 10):
        for d in draw(jf, program, "C-1", 10, name="wheel").draws:
            seen[d.prize] += 1

    expected = {"a": 0.40, "b": 0.25, "c": 0.10, "d": 0.005, None: 0.245}
    chi2 = sum((seen[k] - draws * p) ** 2 / (draws * p) for k, p in expected.items())
    assert sum(seen.values()) == draws
    assert chi2 < CHI2_CRITICAL_P001[len(expected) - 1], (chi2, seen)
    for k, p in expected.items():  # and each within four standard deviations
        assert abs(seen[k] - draws * p) < 4 * math.sqrt(draws * p * (1 - p)) + 1, (k, seen)
    won = 1 * seen["a"] + 2 * seen["b"] + 3 * seen["c"] + 4 * seen["d"]
    assert balances(jf, program, "C-1")[0] == 10_000 - draws + won


def test_gifts_to_a_cause_add_up_in_public(jf: Jifen) -> None:
    program = publish(jf)
    for m in ("C-1", "C-2"):
        join(jf, program, m)
        give(jf, program, m, 1000)

    first = donate(jf, program, "C-1", 300)
    donate(jf, program, "C-2", 200)
    donate(jf, program, "C-1", 100)
    (cause,) = donations.causes(jf.uow(write=False), jf.clock, jf.rulebooks, program)

    assert (first.points, first.worth, first.cause_points, first.available) == (300, 300, 300, 700)
    assert (cause.points, cause.donors, cause.gifts, cause.worth, cause.goal) == (
        600,
        2,
        3,
        600,  # 6 yuan, in fen
        1_000_000,
    )
    assert balances(jf, program, "C-1")[0] == 600
    assert_verified(jf)


@pytest.mark.parametrize(("points", "code"), [(50, "invalid_input"), (150, "invalid_input")])
def test_a_gift_below_the_minimum_or_off_the_step_is_refused(
    jf: Jifen, points: int, code: str
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    give(jf, program, "C-1", 1000)
    entries = count(jf, "entries")

    assert error_of(lambda: donate(jf, program, "C-1", points)) == code
    assert count(jf, "entries") == entries
    assert count(jf, "donations") == 0
