"""The portal: what the member's app shows, one snapshot per page.

A page reads several areas (members, the ledger, tiers, the programme's rules);
each use case here reads all of them in one unit of work, so the numbers on a
page agree with each other, and returns one plain view of the page.

- ``home``: the home page: balances, points about to expire, the tier, the latest movements.
- ``history``: the history page: the member's movements, a page at a time.
"""

from jifen.services.portal.history import HistoryPage, history_page
from jifen.services.portal.home import (
    HomePage,
    home_page,
)

__all__ = [
    "HistoryPage",
    "HomePage",
    "history_page",
    "home_page",
]
