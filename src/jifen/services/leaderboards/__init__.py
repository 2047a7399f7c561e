"""Leaderboards (ADR 0035): scores kept in the transaction of what scores them, the top and
a member's own rank read from counts, a finished period frozen with its prizes paid once.

- ``scores``: an order, refund or activity moves the member's scores.
- ``standings``: a board as people see it, hiding from boards, freezing finished periods.
- ``ports``: what leaderboards keep.
"""

from jifen.services.leaderboards.ports import (
    LeaderboardStore,
    LeaderboardWork,
    Result,
    ScoreChange,
    Standing,
)
from jifen.services.leaderboards.scores import on_scored
from jifen.services.leaderboards.standings import (
    BoardView,
    Hidden,
    HideFromBoards,
    Mine,
    Row,
    board_now,
    boards_by_period,
    freeze_finished,
    hide_from_boards,
    member_boards,
)

__all__ = [
    "BoardView",
    "Hidden",
    "HideFromBoards",
    "LeaderboardStore",
    "LeaderboardWork",
    "Mine",
    "Result",
    "Row",
    "ScoreChange",
    "Standing",
    "board_now",
    "boards_by_period",
    "freeze_finished",
    "hide_from_boards",
    "member_boards",
    "on_scored",
]
