"""The catalogue and the cash offset, as the programme file declares them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.adapters.programfile import ProgramFileError
from jifen.adapters.programfile.loader import read_program_definition
from jifen.domain.errors import (
    InsufficientPoints,
    NotFound,
    OffsetBelowMinimum,
    RedemptionLimitReached,
    RewardNotAvailable,
    TierTooLow,
)
from jifen.domain.redemption import CashOffsetPolicy, RewardKind

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
FILE = """\
program:
  code: shop
  name: {en: Shop}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
tiers:
  - {code: silver, name: {en: Silver}}
  - {code: gold, name: {en: Gold}}
  - {code: diamond, name: {en: Diamond}}
redemption:
  cash_offset:
    points: 100
    value: "1.00"
    min_order: "50.00"
  catalogue:
    - code: mug
      kind: goods
      name: {en: Mug}
      points: 2000
      cost: "15.00"
      min_tier: gold
      starts: 2026-12-01T10:00:00
      ends: 2026-12-02T00:00:00
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_fresh_market_catalogue_and_offset_are_the_seed_values() -> None:
    r = read_program_definition(ROOT / "programs" / "fresh-market.yaml").redemption
    assert r.cash_offset == CashOffsetPolicy(points=100, value=100, min_order=5000)
    eggs, oil, visit = (
        r.catalogue.get(c) for c in ("eggs", "cooking-oil-5l", "nutritionist-visit")
    )
    assert (eggs.points, eggs.cost, eggs.value, eggs.kind) == (500, 800, 1500, RewardKind.GOODS)
    assert (oil.points, oil.cost, oil.value) == (2000, 4000, 8000)
    assert (visit.points, visit.kind) == (8000, RewardKind.EXPERIENCE)
    assert eggs.name["zh-CN"] == "一盒鸡蛋"


def test_a_reward_is_built_in_minor_units_local_time_and_tiers_from_its_minimum(
    tmp_path: Path,
) -> None:
    mug = read_program_definition(write(tmp_path, FILE)).redemption.catalogue.get("mug")
    assert (mug.points, mug.cost, mug.cash, mug.stock) == (2000, 1500, 0, None)
    assert mug.tiers == {"gold", "diamond"}
    assert mug.starts == datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)


def test_a_rewards_window_and_tiers_are_checked(tmp_path: Path) -> None:
    mug = read_program_definition(write(tmp_path, FILE)).redemption.catalogue.get("mug")
    opening = datetime(2026, 12, 1, 10, tzinfo=SHANGHAI)
    mug.check(opening, "gold")
    mug.check(opening, "diamond")
    with pytest.raises(TierTooLow):
        mug.check(opening, "silver")
    with pytest.raises(TierTooLow):
        mug.check(opening, None)
    with pytest.raises(RewardNotAvailable):  # one second before the flash sale opens
        mug.check(datetime(2026, 12, 1, 9, 59, 59, tzinfo=SHANGHAI), "gold")
    with pytest.raises(RewardNotAvailable):  # the end is exclusive
        mug.check(datetime(2026, 12, 2, tzinfo=SHANGHAI), "gold")


def test_per_member_limits_count_by_calendar_period() -> None:
    eggs = read_program_definition(
        ROOT / "programs" / "fresh-market.yaml"
    ).redemption.catalogue.get("eggs")
    monday = datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)
    eggs.check_limits(monday, {})
    with pytest.raises(RedemptionLimitReached) as err:
        eggs.check_limits(monday, {"week:2026-W48": 1})
    assert err.value.params == {"reward": "eggs", "per": "week", "max_times": 1}
    eggs.check_limits(monday, {"week:2026-W47": 1})  # last week's does not count


def test_an_unknown_reward_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        read_program_definition(write(tmp_path, FILE)).redemption.catalogue.get("teapot")


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("min_tier: gold", "min_tier: platinum", 22, "redemption.catalogue.0.min_tier"),
        ('cost: "15.00"', "cost: 15.00", 21, "redemption.catalogue.0.cost"),
        ('cost: "15.00"', 'cost: "15.001"', 21, "redemption.catalogue.0.cost"),
        ("kind: goods", "kind: voucher", 17, "redemption.catalogue.0"),
        (
            "ends: 2026-12-02T00:00:00",
            "ends: 2026-11-30T00:00:00",
            24,
            "redemption.catalogue.0.ends",
        ),
        ('min_order: "50.00"', 'min_order: "fifty"', 15, "redemption.cash_offset.min_order"),
        ("points: 100\n", "points: 0\n", 13, "redemption.cash_offset.points"),
        ("points: 2000", "points: -5", 20, "redemption.catalogue.0.points"),
    ],
)
def test_a_bad_catalogue_or_offset_is_reported_with_its_line(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    assert old in FILE
    path = write(tmp_path, FILE.replace(old, new, 1))
    with pytest.raises(ProgramFileError) as err:
        read_program_definition(path)
    assert str(err.value.detail).startswith(f"{path}:{line}: {field}")


def test_two_rewards_with_one_code_are_refused(tmp_path: Path) -> None:
    text = FILE + "    - {code: mug, kind: goods, name: {en: Mug 2}, points: 10}\n"
    with pytest.raises(ProgramFileError, match=r":25: redemption\.catalogue\.1: duplicate reward"):
        read_program_definition(write(tmp_path, text))


# -- the cash offset: 100 points = 1 yuan, only on orders of 50 yuan or more --

FRESH = CashOffsetPolicy(points=100, value=100, min_order=5000)


def test_worked_offsets_at_the_fresh_market() -> None:
    # An 86.40 yuan basket, a member with 2350 points: 23.50 yuan off, 62.90 to pay.
    assert FRESH.quote(8640, available=2350) == (2350, 2350, 6290)
    # Asking for 1000 of them: 10 yuan off.
    assert FRESH.quote(8640, available=2350, points=1000) == (1000, 1000, 7640)
    # Exactly 50 yuan qualifies; points can pay it all.
    assert FRESH.quote(5000, available=9000) == (5000, 5000, 0)
    with pytest.raises(OffsetBelowMinimum) as err:
        FRESH.quote(4999, available=9000)
    assert err.value.code == "order_below_offset_minimum"
    with pytest.raises(InsufficientPoints):
        FRESH.quote(8640, available=500, points=600)


def test_a_step_and_a_share_round_the_discount_down_and_charge_no_wasted_points() -> None:
    # 1 point = 3 fen would be odd but legal: 7 points buy 21 fen; at whole-yuan steps
    # 100 points (3.00 yuan) are charged for 3 yuan, never 101.
    odd = CashOffsetPolicy(points=1, value=3, step=100, max_share=50)
    assert odd.quote(10_000, available=101) == (100, 300, 9700)
    # Half of 99.99 yuan is 49.995: the cap is 49 whole yuan.
    assert odd.quote(9999, available=10**6) == (1634, 4900, 5099)


@given(
    points=st.integers(1, 1000),
    value=st.integers(1, 1000),
    step=st.integers(1, 500),
    share=st.integers(1, 100),
    total=st.integers(0, 10**7),
    available=st.integers(0, 10**7),
)
def test_an_offset_never_exceeds_the_order_share_or_balance_and_wastes_no_point(
    points: int, value: int, step: int, share: int, total: int, available: int
) -> None:
    policy = CashOffsetPolicy(points=points, value=value, step=step, max_share=share)
    q = policy.quote(total, available=available)
    assert 0 <= q.discount <= total * share // 100
    assert q.discount % step == 0
    assert q.points <= available
    assert q.payable == total - q.discount
    assert policy.discount_for(q.points) >= q.discount  # the points buy the discount ...
    if q.points:
        assert policy.discount_for(q.points - 1) < q.discount  # ... and no fewer do
