"""Leaderboards (ADR 0035): who earned most this week or month, in the programme, a store
or a city, kept as each order and activity is recorded.

- ``boards``: a leaderboard as the programme file declares it: what it counts, over which
  period, among whom, how many it shows, and its prizes.
- ``ranking``: how a member is shown (never by their contact), and ranks from counts of
  scores.
"""

from jifen.domain.leaderboards.boards import (
    MAX_PLACE,
    PROGRAMME,
    Board,
    Metric,
    Prize,
    Scope,
    period_of,
    periods_of,
    scope_of,
)
from jifen.domain.leaderboards.ranking import (
    BLOCK,
    CountKey,
    Place,
    block_of,
    count_deltas,
    masked,
    shown_name,
)

__all__ = [
    "BLOCK",
    "MAX_PLACE",
    "PROGRAMME",
    "Board",
    "CountKey",
    "Metric",
    "Place",
    "Prize",
    "Scope",
    "block_of",
    "count_deltas",
    "masked",
    "period_of",
    "periods_of",
    "scope_of",
    "shown_name",
]
