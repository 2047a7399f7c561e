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

from jifen.services.engagement.commands import Enrol, VoidReferral
from jifen.services.engagement.enrolment import enrol
from jifen.services.engagement.joining import Joined, Joining, ask_to_join, join_with_code
from jifen.services.engagement.referrals import (
    FriendView,
    ReferralOffer,
    ReferralReport,
    ReferrerView,
    member_referrals,
    referral_offer,
    referral_report,
    void_referral,
)

__all__ = [
    "Enrol",
    "FriendView",
    "Joined",
    "Joining",
    "ReferralOffer",
    "ReferralReport",
    "ReferrerView",
    "VoidReferral",
    "ask_to_join",
    "enrol",
    "join_with_code",
    "member_referrals",
    "referral_offer",
    "referral_report",
    "void_referral",
]
