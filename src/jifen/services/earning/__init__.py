"""Earning: orders, refunds and activities in, points out, every point explained.

- ``activities``: Non-purchase activities: sign-up, profile, survey, share, check-in, referral.
- ``awards``: Steps shared by orders and activities: caps to read, budgets to take, views.
- ``campaign_budgets``: Campaigns as operators follow them: when they run and what is left of
  their budget.
- ``commands``: Earning's commands: orders, refunds and activities.
- ``group_commit``: Grouped commits: the orders a server process receives together share a
  transaction.
- ``order_data``: An order as the till sends it, checked (``to_order``), and as it is kept
  (JSON).
- ``order_batches``: Orders in batches: many orders in one transaction, each keeping its own
  outcome (an import's batch, a server's group).
- ``orders``: Orders: earn on a purchase; every point explained.
- ``ports``: Everything earning keeps besides the ledger: caps, streaks, budgets, orders,
  referrals.
- ``previews``: What an order would earn, written nowhere: a simulation, and a draft programme's
  answer beside the published one's.
- ``referrals``: Referral pays once: one referrer per referee, ever; never oneself, never
  in a cycle; the referrer's caps.
- ``referral_rewards``: Referral rewards paid by a purchase: held through its return
  window, taken back when it is refunded in it, voided by an operator.
- ``refunds``: Refunds: take back what the refunded part of an order earned, rule by rule.
- ``rule_errors``: Rules whose condition failed to evaluate: counted per day, shown the same
  day.
- ``views``: What earning's use cases return: every point explained.
- ``write_behind``: A unit of work that keeps a batch's writes and writes them a table at a time.
"""

from jifen.services.earning.activities import (
    record_activity,
    record_activity_in,
)
from jifen.services.earning.awards import (
    cap_keys,
)
from jifen.services.earning.campaign_budgets import (
    CampaignView,
    campaigns,
)
from jifen.services.earning.commands import (
    LineIn,
    PlaceOrder,
    RecordActivity,
    RefundOrder,
)
from jifen.services.earning.order_batches import (
    CheckedOrder,
    record_orders_in,
)
from jifen.services.earning.order_data import (
    to_order,
)
from jifen.services.earning.orders import (
    order_key,
    record_order,
    record_order_in,
)
from jifen.services.earning.previews import (
    Preview,
    preview_order,
    simulate_order,
)
from jifen.services.earning.referral_rewards import void_referral_in
from jifen.services.earning.refunds import (
    refund_order,
)
from jifen.services.earning.rule_errors import (
    RuleErrors,
    condition_errors,
    rule_errors,
)
from jifen.services.earning.views import (
    AwardLineView,
    AwardView,
    EarnResult,
    SkippedView,
)
from jifen.services.earning.write_behind import (
    WriteBehind,
)

__all__ = [
    "AwardLineView",
    "AwardView",
    "CampaignView",
    "CheckedOrder",
    "EarnResult",
    "LineIn",
    "PlaceOrder",
    "Preview",
    "RecordActivity",
    "RefundOrder",
    "RuleErrors",
    "SkippedView",
    "WriteBehind",
    "campaigns",
    "cap_keys",
    "condition_errors",
    "order_key",
    "preview_order",
    "record_activity",
    "record_activity_in",
    "record_order",
    "record_order_in",
    "record_orders_in",
    "refund_order",
    "rule_errors",
    "simulate_order",
    "to_order",
    "void_referral_in",
]
