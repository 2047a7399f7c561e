"""Engagement: how members join and are known (membership and referral codes, the
details and consents given at enrolment); later referral, tasks, challenges, badges and
leaderboards."""
