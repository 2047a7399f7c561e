"""Leaderboards: scores, counts of scores for ranks, frozen periods (ADR 0035)."""

from jifen.adapters.db.leaderboards.boards import SqlLeaderboards

__all__ = ["SqlLeaderboards"]
