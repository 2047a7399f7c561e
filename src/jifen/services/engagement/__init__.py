"""Engagement: people join and are known; later referral, tasks, challenges, badges and
leaderboards.

- ``commands``: Engagement's commands: what an outside caller asks when someone joins.
- ``enrolment``: Someone joins: the same rules through the API, the portal and the console.
- ``joining``: Joining in the portal: details first, then a one-time code to the contact.
- ``tasks``: Tasks completed: checked against the programme's task, how it is proven and
  the member's choice about social tasks, then paid as the task's activity.
- ``inbound``: Inbound webhooks: the platforms that say a task was done, their secrets,
  and what they send.
- ``moderation``: Moderated tasks: a member's proof waits for an operator, who approves
  (it pays then) or rejects it with a reason.
- ``earn_more``: What a member can do now to earn more: the tasks with where the member
  stands on each, and the campaigns running.
- ``referrals``: Referrals as people see them: a member's friends, the operators' report
  with what looks like fraud, and an operator voiding a referral.
- ``ports``: What engagement keeps: the consents members give, and who referred whom as
  the referral report reads it.
"""

from jifen.services.engagement.commands import Enrol, VoidReferral
from jifen.services.engagement.earn_more import CampaignNow, EarnMore, TaskState, earn_more
from jifen.services.engagement.enrolment import enrol
from jifen.services.engagement.inbound import (
    NewSecret,
    SourceView,
    add_source,
    list_sources,
    receive,
    rotate_source,
)
from jifen.services.engagement.joining import Joined, Joining, ask_to_join, join_with_code
from jifen.services.engagement.moderation import (
    ReviewSubmission,
    SubmissionView,
    SubmitTask,
    review_submission,
    submission_queue,
    submit_task,
)
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
from jifen.services.engagement.tasks import (
    CompleteTask,
    Participation,
    TakePart,
    complete_task,
    take_part,
)

__all__ = [
    "CampaignNow",
    "CompleteTask",
    "EarnMore",
    "Enrol",
    "FriendView",
    "Joined",
    "Joining",
    "NewSecret",
    "Participation",
    "ReferralOffer",
    "ReferralReport",
    "ReferrerView",
    "ReviewSubmission",
    "SourceView",
    "SubmissionView",
    "SubmitTask",
    "TakePart",
    "TaskState",
    "VoidReferral",
    "add_source",
    "ask_to_join",
    "complete_task",
    "earn_more",
    "enrol",
    "join_with_code",
    "list_sources",
    "member_referrals",
    "receive",
    "referral_offer",
    "referral_report",
    "review_submission",
    "rotate_source",
    "submission_queue",
    "submit_task",
    "take_part",
    "void_referral",
]
