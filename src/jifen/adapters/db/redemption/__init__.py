"""Redemption in SQL. ``SqlRedemptions`` is the ``Redemptions`` port: redemptions held,
completed, released or cancelled, each exactly once (``redemptions``), on top of the
live stock of rewards, taken by one guarded update so that a reward is never oversold
(``stock``), and the vouchers a redemption issues (``vouchers``). ``SqlDraws`` keeps every
lottery draw with what it was drawn against (``lottery``); ``SqlDonations`` the points
given to causes (``donations``).
"""

from jifen.adapters.db.redemption.donations import SqlDonations
from jifen.adapters.db.redemption.lottery import SqlDraws
from jifen.adapters.db.redemption.redemptions import SqlRedemptions
from jifen.adapters.db.redemption.stock import SqlStock
from jifen.adapters.db.redemption.vouchers import SqlVouchers

__all__ = ["SqlDonations", "SqlDraws", "SqlRedemptions", "SqlStock", "SqlVouchers"]
