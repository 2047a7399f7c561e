"""Earning in SQL. ``SqlEarningStore`` is the ``EarningStore`` port, everything earning
keeps besides the ledger: orders, refunds and activities, with each member's order
counts (``orders``), on top of what members used of capped rules and their streaks
(``usage``) and the campaign budgets, sharded so that concurrent orders do not queue on
one row (``budgets``).
"""

from jifen.adapters.db.earning.budgets import SqlCampaignBudgets
from jifen.adapters.db.earning.orders import SqlEarningStore
from jifen.adapters.db.earning.usage import SqlRuleUsage

__all__ = ["SqlCampaignBudgets", "SqlEarningStore", "SqlRuleUsage"]
