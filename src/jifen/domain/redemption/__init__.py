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
from jifen.domain.redemption.redemptions import (
    LIVE,
    Redemption,
    RedemptionKind,
    RedemptionStatus,
)
from jifen.domain.redemption.vouchers import Voucher, VoucherStatus

__all__ = [
    "LIVE",
    "CashOffsetPolicy",
    "Catalogue",
    "Limit",
    "OffsetQuote",
    "Redemption",
    "RedemptionKind",
    "RedemptionPolicy",
    "RedemptionStatus",
    "Reward",
    "RewardKind",
    "Voucher",
    "VoucherStatus",
    "VoucherTerms",
]
