"""A programme: the rules of one brand's points scheme."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jifen.domain.errors import InvalidInput


class NegativeBalancePolicy(enum.StrEnum):
    """What a clawback does when the points it reclaims were already spent."""

    ALLOW = "allow"  # the balance goes negative: a debt repaid by future earning
    FLOOR = "floor"  # the balance stops at zero; the shortfall is recorded


@dataclass(frozen=True)
class LedgerPolicy:
    negative_balance: NegativeBalancePolicy = NegativeBalancePolicy.FLOOR
    hold_ttl: timedelta = timedelta(minutes=15)
    max_hold_ttl: timedelta = timedelta(days=7)
    #: Points returned to a lot that expired meanwhile get a fresh lot that
    #: lives this long; zero forfeits them instead.
    returned_points_grace: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Program:
    id: int
    code: str
    name: dict[str, str]
    currency: str
    point_value: Decimal  # money per point, e.g. Decimal("0.01")
    timezone: str
    policy: LedgerPolicy = field(default_factory=LedgerPolicy)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def validate_program_fields(code: str, currency: str, point_value: Decimal, timezone: str) -> None:
    """Reject a programme definition that could not work, naming the field."""
    if not code or not code.replace("-", "").replace("_", "").isalnum() or code != code.lower():
        raise InvalidInput("program code must be lower-case letters, digits, - or _", field="code")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise InvalidInput("currency must be an ISO 4217 code such as CNY", field="currency")
    if not point_value.is_finite() or point_value <= 0:
        raise InvalidInput("point_value must be a positive decimal", field="point_value")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown timezone {timezone!r}", field="timezone") from exc
