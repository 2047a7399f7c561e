"""Everything the programme file says about spending points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jifen.domain.redemption.cash_offset import CashOffsetPolicy
from jifen.domain.redemption.catalogue import Catalogue
from jifen.domain.redemption.donations import Cause
from jifen.domain.redemption.lottery import Lottery


@dataclass(frozen=True)
class RedemptionPolicy:
    cash_offset: CashOffsetPolicy | None = None  # None: points cannot pay at checkout
    catalogue: Catalogue = field(default_factory=Catalogue)
    cancel_days: int = 30  # a completed redemption can be cancelled this long after
    lotteries: Mapping[str, Lottery] = field(default_factory=dict)
    causes: Mapping[str, Cause] = field(default_factory=dict)
