"""Money in integer minor units (fen for CNY); never floats."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from jifen.domain.errors import InvalidInput

#: minor units per major unit, by ISO 4217 exponent; 2 unless listed
EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3}
MAX_MINOR = 10**15

ROUNDING = {"floor": ROUND_FLOOR, "round": ROUND_HALF_UP, "ceil": ROUND_CEILING}


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency, 2)


def to_minor(value: object, currency: str, *, field: str = "amount") -> int:
    """``"123.45"`` (or a Decimal, or an int of major units) to 12345 minor units.

    Floats are refused; so are more decimals than the currency has.
    """
    if isinstance(value, bool | float):
        raise InvalidInput(f'{field} must be a decimal string such as "12.50"', field=field)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{field} is not a number", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} is not a number", field=field)
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"{field} has more decimals than {currency} allows", field=field)
    minor = int(scaled)
    if minor < 0 or minor > MAX_MINOR:
        raise InvalidInput(f"{field} must be between 0 and {MAX_MINOR}", field=field)
    return minor


def to_major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency))


def round_points(value: Decimal, rounding: str) -> int:
    return int(value.to_integral_value(rounding=ROUNDING[rounding]))


def divide(numerator: int, denominator: int, rounding: str) -> int:
    """``numerator / denominator`` rounded as :func:`round_points` would, in integers
    (``denominator`` > 0): the base rate's division, without a Decimal per order."""
    if rounding == "floor":
        return numerator // denominator
    if rounding == "ceil":
        return -(-numerator // denominator)
    if rounding == "round":  # half away from zero, as ROUND_HALF_UP
        half_up = (2 * abs(numerator) + denominator) // (2 * denominator)
        return half_up if numerator >= 0 else -half_up
    raise ValueError(f"unknown rounding {rounding!r}")


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` proportionally, exactly (largest remainder)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0 for _ in weights]
    shares, remainders = [], []
    for w in weights:
        share, remainder = divmod(total * w, weight_sum)
        shares.append(share)
        remainders.append(remainder)
    left = total - sum(shares)
    if left:
        by_remainder = sorted(range(len(weights)), key=lambda i: -remainders[i])
        for i in by_remainder[:left]:
            shares[i] += 1
    return shares
