"""The points ledger in use: postings applied to a member's book, holds, reversals, verification.

- ``book``: Shared steps of every ledger use case: lock, settle what is due, apply; and
  ``as_settled``, the balances a write would see, for reads.
- ``clawback``: Which lots of a credit to take back, and how much of each.
- ``commands``: The ledger's commands: points earned, spent, adjusted, held and reversed.
- ``holds``: Two-phase spending: place a hold, then capture or release it.
- ``points``: Points in and out of a member's book: earned, granted in batches, redeemed,
  adjusted.
- ``ports``: The ledger's ports: postings applied, lots and entries read, invariants proved.
- ``reversals``: Reversals: all or part of an earlier credit or debit undone, exactly, lot by
  lot.
- ``verification``: Proving the ledger's invariants and chains, anchors: ``jifen verify``.
- ``views``: What the ledger's use cases return.
"""

from jifen.services.ledger.book import (
    Book,
    as_settled,
    lock_member,
    settled,
)
from jifen.services.ledger.clawback import (
    clawback_parts,
    reversed_by_lot,
)
from jifen.services.ledger.commands import (
    Adjust,
    CaptureHold,
    Earn,
    PlaceHold,
    Redeem,
    ReleaseHold,
    Reverse,
)
from jifen.services.ledger.holds import (
    capture_hold,
    place_hold,
    release_hold,
)
from jifen.services.ledger.points import (
    Grant,
    adjust,
    earn,
    earn_in,
    grant_many,
    redeem,
)
from jifen.services.ledger.reversals import (
    reverse,
    reverse_in,
)
from jifen.services.ledger.verification import (
    anchor,
    verify,
)
from jifen.services.ledger.views import (
    Receipt,
)

__all__ = [
    "Adjust",
    "Book",
    "CaptureHold",
    "Earn",
    "Grant",
    "PlaceHold",
    "Receipt",
    "Redeem",
    "ReleaseHold",
    "Reverse",
    "adjust",
    "anchor",
    "as_settled",
    "capture_hold",
    "clawback_parts",
    "earn",
    "earn_in",
    "grant_many",
    "lock_member",
    "place_hold",
    "redeem",
    "release_hold",
    "reverse",
    "reverse_in",
    "reversed_by_lot",
    "settled",
    "verify",
]
