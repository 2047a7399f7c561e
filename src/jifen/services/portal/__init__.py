"""The portal: what the member's app shows, one snapshot per page.

A page reads several areas (members, the ledger, tiers, the programme's rules);
each use case here reads all of them in one unit of work, so the numbers on a
page agree with each other, and returns one plain view of the page.

- ``home``: the home page: balances, points about to expire, the tier, the latest movements.
"""

from jifen.services.portal.home import (
    HomePage,
    home_page,
)

__all__ = [
    "HomePage",
    "home_page",
]
