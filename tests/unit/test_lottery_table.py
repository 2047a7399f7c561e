"""A lottery's prize table and a cause, as the programme file declares them."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.adapters.programfile import ProgramFileError
from jifen.adapters.programfile.loader import read_program_definition
from jifen.domain.errors import InvalidInput
from jifen.domain.redemption import ODDS, Lottery, Prize, PrizeKind
from tests.unit.test_redemption_policy import ROOT, write

FILE = """\
program:
  code: shop
  name: {en: Shop}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
redemption:
  catalogue:
    - {code: mug, kind: goods, name: {en: Mug}, points: 2000, stock: 3}
  lotteries:
    - code: wheel
      name: {en: Wheel}
      points: 10
      prizes:
        - {code: mug, name: {en: Mug}, chance: "1%", reward: mug, stock: 1, fallback: ten}
        - {code: ten, name: {en: Ten}, chance: "20.5%", points: 10}
  causes:
    - code: trees
      name: {en: Trees}
      min_points: 500
      step: 250
      pledge: {points: 500, value: "20.00"}
"""


def test_the_fresh_market_lucky_draw_is_10_points_with_its_odds_in_parts_per_million() -> None:
    policy = read_program_definition(ROOT / "programs" / "fresh-market.yaml").redemption
    draw = policy.lotteries["lucky-draw"]
    assert draw.points == 10  # 用少量积分(如10积分)参与抽奖
    assert [(p.code, p.chance) for p in draw.prizes] == [
        ("oil", 500),
        ("eggs", 5_000),
        ("points-50", 40_000),
        ("points-10", 200_000),
    ]
    assert draw.no_prize_chance == 754_500
    assert [p.code for p in draw.chain(draw.prize("oil"))] == ["oil", "eggs", "points-50"]
    assert policy.causes["food-bank"].pledge is not None


def test_each_prize_owns_a_range_of_numbers_in_the_order_written(tmp_path: Path) -> None:
    wheel = read_program_definition(write(tmp_path, FILE)).redemption.lotteries["wheel"]
    at = {}
    for roll in (0, 9_999, 10_000, 214_999, 215_000):
        p = wheel.pick(roll)
        at[roll] = p.code if p else None
    assert at == {0: "mug", 9_999: "mug", 10_000: "ten", 214_999: "ten", 215_000: None}
    with pytest.raises(ValueError, match="a roll is 0 to 999999"):
        wheel.pick(ODDS)


def test_the_version_follows_the_table_and_nothing_else(tmp_path: Path) -> None:
    first = read_program_definition(write(tmp_path, FILE)).redemption.lotteries["wheel"]
    renamed = read_program_definition(write(tmp_path, FILE.replace("{en: Wheel}", "{en: Spin}")))
    changed = read_program_definition(write(tmp_path, FILE.replace('"20.5%"', '"20.4%"')))
    assert renamed.redemption.lotteries["wheel"].version == first.version
    assert changed.redemption.lotteries["wheel"].version != first.version


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('"20.5%"', '"99.5%"', "the chances add up to 100.5%"),
        ('"20.5%"', "20.5", 'a quoted percentage, e.g. "0.5%"'),
        ('"20.5%"', '"20.55555%"', "should match pattern"),
        ("reward: mug, stock", "reward: teapot, stock", "no reward 'teapot' in the catalogue"),
        ("fallback: ten", "fallback: eleven", "no prize 'eleven' in this lottery"),
        ('chance: "20.5%", points: 10}', 'chance: "2%", points: 10, fallback: mug}', "circle"),
        ("reward: mug, stock", "points: 5, reward: mug, stock", "either points or a reward"),
        ('"1%"', '"0%"', "more than 0%"),
        ('value: "20.00"', "value: 20.0", "quoted decimal"),
    ],
)
def test_a_bad_table_or_cause_is_refused_with_its_reason(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    assert old in FILE
    with pytest.raises(ProgramFileError, match=says):
        read_program_definition(write(tmp_path, FILE.replace(old, new, 1)))


def test_a_gift_is_at_least_the_minimum_in_whole_steps(tmp_path: Path) -> None:
    trees = read_program_definition(write(tmp_path, FILE)).redemption.causes["trees"]
    now = datetime(2026, 11, 23, tzinfo=UTC)
    trees.check(750, now)
    for bad in (250, 600):
        with pytest.raises(InvalidInput):
            trees.check(bad, now)
    assert trees.pledge is not None and trees.pledge.worth(750) == 3000  # 30 yuan, in fen


@given(st.lists(st.integers(1, 300_000), min_size=1, max_size=3), st.integers(0, ODDS - 1))
def test_pick_matches_a_plain_walk_of_the_ranges(chances: list[int], roll: int) -> None:
    prizes = tuple(
        Prize(f"p{i}", PrizeKind.POINTS, {"en": "P"}, c, points=1) for i, c in enumerate(chances)
    )
    table = Lottery("l", {"en": "L"}, 1, prizes)
    edges = [sum(chances[: i + 1]) for i in range(len(chances))]
    expected = next((f"p{i}" for i, edge in enumerate(edges) if roll < edge), None)
    found = table.pick(roll)
    assert (found.code if found else None) == expected


def test_seeded_frequencies_over_a_million_picks_match_the_fresh_market_table() -> None:
    draw = read_program_definition(ROOT / "programs" / "fresh-market.yaml").redemption.lotteries[
        "lucky-draw"
    ]
    rng = random.Random(1123)
    n = 1_000_000
    seen = Counter((p.code if (p := draw.pick(rng.randrange(ODDS))) else None) for _ in range(n))
    expected = {p.code: p.chance / ODDS for p in draw.prizes} | {None: draw.no_prize_chance / ODDS}
    chi2 = sum((seen[k] - n * q) ** 2 / (n * q) for k, q in expected.items())
    assert chi2 < 18.467, (chi2, seen)  # chi-squared, 4 degrees of freedom, p = 0.001
