"""Challenges, streaks and badges (ADR 0034): moved along in the transaction of the order or
activity that counts for them, rewarded once, rolled back by refunds.

- ``progress``: what an order or an activity adds to the challenges it counts for, the
  rounds it completes; what a refund takes back.
- ``rewards``: a round's reward given (points, badge) or taken back.
- ``views``: a member's challenges with how far they have come, and their badges.
- ``ports``: what challenges keep: progress per round, badges held.
"""

from jifen.services.challenges.ports import ChallengeStore, ChallengeWork, HeldBadge, Progress
from jifen.services.challenges.progress import (
    NOTHING,
    Added,
    Moved,
    Reached,
    on_activity,
    on_order,
    on_refund,
)
from jifen.services.challenges.views import (
    BadgeView,
    ChallengesNow,
    ChallengeView,
    challenges_of,
    member_challenges,
)

__all__ = [
    "NOTHING",
    "Added",
    "BadgeView",
    "ChallengeStore",
    "ChallengeView",
    "ChallengeWork",
    "ChallengesNow",
    "HeldBadge",
    "Moved",
    "Progress",
    "Reached",
    "challenges_of",
    "member_challenges",
    "on_activity",
    "on_order",
    "on_refund",
]
