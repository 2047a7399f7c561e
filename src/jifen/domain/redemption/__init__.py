"""Spending points: the catalogue, the cash offset at checkout, lotteries and causes."""

from jifen.domain.redemption.cash_offset import CashOffsetPolicy, OffsetQuote
from jifen.domain.redemption.catalogue import (
    Catalogue,
    Limit,
    Reward,
    RewardKind,
    VoucherTerms,
)
from jifen.domain.redemption.donations import Cause, Pledge
from jifen.domain.redemption.lottery import ODDS, Lottery, Prize, PrizeKind
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
    "ODDS",
    "CashOffsetPolicy",
    "Catalogue",
    "Cause",
    "Limit",
    "Lottery",
    "OffsetQuote",
    "Pledge",
    "Prize",
    "PrizeKind",
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
