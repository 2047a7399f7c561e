"""Engagement: people join and are known; later referral, tasks, challenges, badges and
leaderboards.

- ``commands``: Engagement's commands: what an outside caller asks when someone joins.
- ``enrolment``: Someone joins: the same rules through the API, the portal and the console.
- ``joining``: Joining in the portal: details first, then a one-time code to the contact.
- ``ports``: What engagement keeps: the consents members give.
"""

from jifen.services.engagement.commands import Enrol
from jifen.services.engagement.enrolment import enrol
from jifen.services.engagement.joining import Joined, Joining, ask_to_join, join_with_code

__all__ = ["Enrol", "Joined", "Joining", "ask_to_join", "enrol", "join_with_code"]
