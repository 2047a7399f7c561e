"""The points ledger: lots, entries, holds and the postings that move them."""

from jifen.domain.ledger.accounts import Account, draw_soonest_expiring, return_points
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
)
from jifen.domain.ledger.postings import (
    capture,
    credit,
    debit,
    hold,
    release,
    require_active,
    settle,
)
from jifen.domain.ledger.reversals import (
    CreditHistory,
    check_reversible,
    is_credit,
    reverse_credit,
    reverse_debit,
)

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
    "debit",
    "draw_soonest_expiring",
    "expiry_order",
    "hold",
    "is_credit",
    "release",
    "require_active",
    "return_points",
    "reverse_credit",
    "reverse_debit",
    "settle",
]
