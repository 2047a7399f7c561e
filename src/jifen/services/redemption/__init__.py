"""Spending points: catalogue rewards, the cash offset, vouchers, lotteries and causes.

- ``cash_offset``: Points as money off an order (the cash offset): a quote, then the points held
  or spent.
- ``catalogue``: The reward catalogue as members and integrators see it: live stock, what a
  member can have.
- ``catalogue_edits``: Rewards added, changed and removed through the API: each edit a new
  programme version.
- ``claims``: Spending points: catalogue rewards and the cash offset, in one or two phases.
- ``commands``: Redemption's commands: rewards, the cash offset, lotteries, causes, vouchers,
  stock.
- ``donations``: Points given to a cause, and each cause's public running total.
- ``issuing``: Vouchers issued for a redemption, each with a code drawn at random.
- ``limits``: What a member may have: active, in a window and tiers, within per-period limits.
- ``lottery``: Lottery draws: pay the points, draw, deliver the prize, record everything.
- ``lottery_odds``: The programme's lotteries as members see them (odds, prizes left), and a
  member's draws.
- ``ports``: Redemptions, the live stock of rewards, vouchers, lottery draws and gifts to
  causes.
- ``records``: Redemptions as recorded: found, shown, announced.
- ``settling``: A redemption after the claim: captured, released, cancelled, or lapsed with its
  hold.
- ``stock``: An operator's count of a reward's stock: restocked or corrected, audited with a
  reason.
- ``views``: What redemption's use cases return.
- ``vouchers``: Vouchers at the till: look one up, use it once.
"""

from jifen.services.redemption.cash_offset import (
    pay_with_points,
    quote_offset,
)
from jifen.services.redemption.catalogue import (
    MemberRewards,
    Reachable,
    RewardView,
    member_rewards,
    reward_names,
    rewards,
)
from jifen.services.redemption.catalogue_edits import (
    put_reward,
    remove_reward,
)
from jifen.services.redemption.claims import (
    MAX_QUANTITY,
    redeem_reward,
)
from jifen.services.redemption.commands import (
    ConsumeVoucher,
    Donate,
    DrawLottery,
    PayWithPoints,
    RedeemReward,
    SetStock,
    SettleRedemption,
)
from jifen.services.redemption.donations import (
    causes,
    donate,
)
from jifen.services.redemption.lottery import (
    MAX_DRAWS,
    draw,
)
from jifen.services.redemption.lottery_odds import (
    draws_of,
    lotteries,
)
from jifen.services.redemption.records import (
    get_redemption,
    redemptions_of,
)
from jifen.services.redemption.settling import (
    lapse_held,
    settle_redemption,
)
from jifen.services.redemption.stock import (
    set_stock,
)
from jifen.services.redemption.views import (
    CauseView,
    DonationView,
    DrawOutcome,
    DrawsView,
    LotteryView,
    OffsetQuoteView,
    PrizeView,
    RedemptionView,
    StockView,
    VoucherView,
)
from jifen.services.redemption.vouchers import (
    consume_voucher,
    get_voucher,
    wallet,
)

__all__ = [
    "MAX_DRAWS",
    "MAX_QUANTITY",
    "CauseView",
    "ConsumeVoucher",
    "Donate",
    "DonationView",
    "DrawLottery",
    "DrawOutcome",
    "DrawsView",
    "LotteryView",
    "MemberRewards",
    "OffsetQuoteView",
    "PayWithPoints",
    "PrizeView",
    "Reachable",
    "RedeemReward",
    "RedemptionView",
    "RewardView",
    "SetStock",
    "SettleRedemption",
    "StockView",
    "VoucherView",
    "causes",
    "consume_voucher",
    "donate",
    "draw",
    "draws_of",
    "get_redemption",
    "get_voucher",
    "lapse_held",
    "lotteries",
    "member_rewards",
    "pay_with_points",
    "put_reward",
    "quote_offset",
    "redeem_reward",
    "redemptions_of",
    "remove_reward",
    "reward_names",
    "rewards",
    "set_stock",
    "settle_redemption",
    "wallet",
]
