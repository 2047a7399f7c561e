"""The points ledger: lots, entries, holds and the postings that move them.

- ``model``: lots, entries, holds, draws, and the posting a use case plans.
- ``accounts``: a member's account (balances and open lots); drawing soonest-expiring first.
- ``postings``: credits and debits planned.
- ``holds``: two-phase spending planned: hold, capture, release.
- ``settlement``: what is due by now: matured pending points, expired lots.
- ``reversals``: exact undo of a credit or a debit, lot by lot.
"""

from jifen.domain.ledger.accounts import Account, draw_soonest_expiring, return_points
from jifen.domain.ledger.holds import capture, hold, release, require_active
from jifen.domain.ledger.model import (
    Draw,
    Entry,
    EntryKind,
    Hold,
    HoldStatus,
    HoldTransition,
    Lot,
    LotSource,
    NewHold,
    NewLot,
    Posting,
    expiry_order,
    posted_topic,
)
from jifen.domain.ledger.postings import credit, credit_parts, debit, forfeit
from jifen.domain.ledger.reversals import (
    CreditHistory,
    check_reversible,
    is_credit,
    reverse_credit,
    reverse_debit,
)
from jifen.domain.ledger.settlement import settle

__all__ = [
    "Account",
    "CreditHistory",
    "Draw",
    "Entry",
    "EntryKind",
    "Hold",
    "HoldStatus",
    "HoldTransition",
    "Lot",
    "LotSource",
    "NewHold",
    "NewLot",
    "Posting",
    "capture",
    "check_reversible",
    "credit",
    "credit_parts",
    "debit",
    "draw_soonest_expiring",
    "expiry_order",
    "forfeit",
    "hold",
    "is_credit",
    "posted_topic",
    "release",
    "require_active",
    "return_points",
    "reverse_credit",
    "reverse_debit",
    "settle",
]
