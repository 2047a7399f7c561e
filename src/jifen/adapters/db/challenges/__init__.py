"""Challenges: each member's progress per round, and the badges they hold (ADR 0034)."""

from jifen.adapters.db.challenges.progress import SqlChallengeStore

__all__ = ["SqlChallengeStore"]
