"""Tiers in motion: activity counted, upgrades, floors, reviews, birthday gifts, the member's view.

- ``birthdays``: Birthday gifts: a tier's ``birthday.points``, once a year, on the member's
  birthday.
- ``changes``: Tier decisions saved, recorded and announced: one place for every change of tier.
- ``commands``: Tiers' commands: an operator's floor.
- ``floors``: An operator's floor: a member held at a tier at least, until a date.
- ``movement``: Tiers in motion: what an order, refund or activity counts, the upgrade it earns,
  and the nudge near the next tier.
- ``ports``: Tier state, monthly activity, and every tier change.
- ``reviews``: Tier reviews: a step of the nightly pipeline, a chunk of members at a time.
- ``view``: What a member (or an operator) sees of a member's tier: where they stand, what is
  missing.
"""

from jifen.services.tiers.birthdays import (
    Gifts,
    birthday_gifts,
    gift_step,
)
from jifen.services.tiers.commands import (
    SetTierFloor,
)
from jifen.services.tiers.floors import (
    set_floor,
)
from jifen.services.tiers.movement import (
    count_activity,
)
from jifen.services.tiers.reviews import (
    Reviewed,
    review_step,
    review_tiers,
)
from jifen.services.tiers.view import (
    TierHistoryItem,
    TierView,
    tier_view,
    view_of,
)

__all__ = [
    "Gifts",
    "Reviewed",
    "SetTierFloor",
    "TierHistoryItem",
    "TierView",
    "birthday_gifts",
    "count_activity",
    "gift_step",
    "review_step",
    "review_tiers",
    "set_floor",
    "tier_view",
    "view_of",
]
