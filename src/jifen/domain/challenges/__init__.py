"""Challenges, streaks and badges (ADR 0034): goals a member reaches over a window.

- ``challenges``: a challenge as the programme file declares it (what counts, the goal,
  in a row or not, its rounds, its reward), and a badge.
- ``progress``: what an order or an activity adds to a challenge, how far a member's tally
  has come, and the run of periods in a row it holds.
"""

from jifen.domain.challenges.challenges import AfterDone, Badge, Challenge, Counts
from jifen.domain.challenges.progress import (
    Tally,
    activity_counts,
    bucket_of,
    contribution,
    current_run,
    longest_run,
    measure,
    round_of,
    shown,
    take_away,
)

__all__ = [
    "AfterDone",
    "Badge",
    "Challenge",
    "Counts",
    "Tally",
    "activity_counts",
    "bucket_of",
    "contribution",
    "current_run",
    "longest_run",
    "measure",
    "round_of",
    "shown",
    "take_away",
]
