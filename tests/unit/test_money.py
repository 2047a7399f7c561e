"""Integer money arithmetic agrees with the Decimal rounding it replaces on the hot path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.domain.money import allocate, divide, round_points


@given(
    numerator=st.integers(-(10**15), 10**15),
    denominator=st.integers(1, 10**6),
    rounding=st.sampled_from(["floor", "round", "ceil"]),
)
def test_divide_rounds_as_round_points_does(
    numerator: int, denominator: int, rounding: str
) -> None:
    exact = Decimal(numerator) / Decimal(denominator)
    # the Decimal context's 28 digits hold every quotient of these ranges exactly enough
    assert divide(numerator, denominator, rounding) == round_points(exact, rounding)


@pytest.mark.parametrize(
    ("numerator", "rounding", "expected"),
    [
        (250, "round", 3),
        (249, "round", 2),
        (-250, "round", -3),
        (201, "ceil", 3),
        (299, "floor", 2),
    ],
)
def test_halves_round_away_from_zero(numerator: int, rounding: str, expected: int) -> None:
    assert divide(numerator, 100, rounding) == expected


def test_an_unknown_rounding_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown rounding"):
        divide(1, 2, "banker")


@given(total=st.integers(0, 10**12), weights=st.lists(st.integers(0, 10**9), max_size=20))
def test_allocate_hands_out_exactly_the_total(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares) == (total if sum(weights) > 0 else 0)
    assert all(s >= 0 for s in shares)
