"""Engagement: how members join and are known (membership and referral codes, the
details and consents given at enrolment), and the tasks they can do besides buying; later
challenges, badges and leaderboards.

- ``codes``: membership codes (16 digits, Luhn) and referral codes.
- ``enrolment``: what joining checks: contacts, names, languages, birthdays, consents.
- ``tasks``: tasks, their kinds and how each is proven.
"""
