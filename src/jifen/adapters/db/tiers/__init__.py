"""Tiers in SQL. ``SqlTiers`` is the ``TierStore`` port: the tier state kept on the member
row, saved for a whole chunk in one statement, and the members due for a review or a
birthday gift (``state``), on top of each member's activity per calendar month that tiers
count (``months``) and the history of every tier change (``changes``).
"""

from jifen.adapters.db.tiers.changes import SqlTierChanges
from jifen.adapters.db.tiers.months import SqlTierMonths
from jifen.adapters.db.tiers.state import SqlTiers

__all__ = ["SqlTierChanges", "SqlTierMonths", "SqlTiers"]
