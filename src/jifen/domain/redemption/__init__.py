"""Spending points: the catalogue of rewards and the cash offset at checkout."""

from jifen.domain.redemption.cash_offset import CashOffsetPolicy, OffsetQuote
from jifen.domain.redemption.catalogue import (
    Catalogue,
    Limit,
    Reward,
    RewardKind,
    VoucherTerms,
)
from jifen.domain.redemption.policy import RedemptionPolicy

__all__ = [
    "CashOffsetPolicy",
    "Catalogue",
    "Limit",
    "OffsetQuote",
    "RedemptionPolicy",
    "Reward",
    "RewardKind",
    "VoucherTerms",
]
