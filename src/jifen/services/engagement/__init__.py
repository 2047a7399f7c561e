"""Engagement: people join and are known; later referral, tasks, challenges, badges and
leaderboards.

- ``commands``: Engagement's commands: what an outside caller asks when someone joins.
- ``enrolment``: Someone joins: the same rules through the API, the portal and the console.
- ``joining``: Joining in the portal: details first, then a one-time code to the contact.
- ``referrals``: Referrals as people see them: a member's friends, the operators' report
  with what looks like fraud, and an operator voiding a referral.
- ``ports``: What engagement keeps: the consents members give, and who referred whom as
  the referral report reads it.
"""

from jifen.services.engagement import referrals
from jifen.services.engagement.commands import Enrol, VoidReferral
from jifen.services.engagement.enrolment import enrol
from jifen.services.engagement.joining import Joined, Joining, ask_to_join, join_with_code

__all__ = [
    "Enrol",
    "Joined",
    "Joining",
    "VoidReferral",
    "ask_to_join",
    "enrol",
    "join_with_code",
    "referrals",
]
