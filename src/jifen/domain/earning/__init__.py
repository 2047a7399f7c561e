"""Earning: orders and activities in, points out, every point explained.

- ``award``: What an evaluation returns: the points, and why each rule did or did not fire.
- ``orders``: Orders, their lines, and refunds: what the till or the shop sends.
- ``basket``: What an evaluation needs to know about an order, worked out once per order.
- ``rules``: Earning rules as the programme file declares them, ready to evaluate.
- ``program``: A programme version's earning side, compiled and ready to evaluate.
- ``periods``: Calendar periods in the programme's timezone, for caps and "first this week".
- ``activation``: The variables a rule's CEL condition sees: ``order``, ``member``,
  ``activity``, ``now``.
- ``member_vars``: What the rules may know about a member, as CEL variables (``member.*``).
- ``multipliers``: Combining multipliers, and attributing the extra points to each of them.
- ``lifetimes``: How long a programme's points can live, over every version it published.
- ``failures``: A rule's condition that failed to evaluate, which is not the same as false.
- ``engine``: Evaluating a programme's rules against an order or an activity.
"""

from jifen.domain.earning.activation import Variables, activation, now_vars, order_vars
from jifen.domain.earning.award import Award, AwardLine, Skip, Skipped, Usage
from jifen.domain.earning.basket import Basket
from jifen.domain.earning.engine import Context, base_points, evaluate_activity, evaluate_order
from jifen.domain.earning.failures import PROBLEMS, ConditionError
from jifen.domain.earning.lifetimes import Lifetimes
from jifen.domain.earning.member_vars import member_vars
from jifen.domain.earning.multipliers import Applied, extras
from jifen.domain.earning.orders import Order, OrderLine, Refund, remaining_after
from jifen.domain.earning.periods import first_of_week, period_key, same_week, week_span
from jifen.domain.earning.program import EarningProgram, ExpiryPolicy, Gate
from jifen.domain.earning.rules import (
    ON_PURCHASE,
    ON_SIGN_UP,
    BaseRate,
    Campaign,
    Cap,
    Condition,
    Match,
    Period,
    Rule,
    RuleKind,
    Stacking,
    TierEarning,
    Window,
)

__all__ = [
    "ON_PURCHASE",
    "ON_SIGN_UP",
    "PROBLEMS",
    "Applied",
    "Award",
    "AwardLine",
    "BaseRate",
    "Basket",
    "Campaign",
    "Cap",
    "Condition",
    "ConditionError",
    "Context",
    "EarningProgram",
    "ExpiryPolicy",
    "Gate",
    "Lifetimes",
    "Match",
    "Order",
    "OrderLine",
    "Period",
    "Refund",
    "Rule",
    "RuleKind",
    "Skip",
    "Skipped",
    "Stacking",
    "TierEarning",
    "Usage",
    "Variables",
    "Window",
    "activation",
    "base_points",
    "evaluate_activity",
    "evaluate_order",
    "extras",
    "first_of_week",
    "member_vars",
    "now_vars",
    "order_vars",
    "period_key",
    "remaining_after",
    "same_week",
    "week_span",
]
