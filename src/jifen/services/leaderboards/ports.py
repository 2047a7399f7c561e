"""What leaderboards keep: each member's score per board, period and place, how many
members hold each score, and the frozen results of finished periods."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jifen.domain.leaderboards import Place
from jifen.services.ledger.ports import LedgerWork


@dataclass(frozen=True, kw_only=True)
class Standing:
    member_id: int
    external_id: str
    display_name: str | None
    score: int
    rank: int


@dataclass(frozen=True, kw_only=True)
class Result:
    """A finished period's place on its board, as frozen, and the prize paid for it."""

    rank: int
    member_id: int
    external_id: str
    display_name: str | None
    score: int
    prize: int
    entry_id: int | None


@dataclass(frozen=True)
class ScoreChange:
    """A member's score on a board moved ``old`` -> ``new`` (``old`` None: new on it)."""

    place: Place
    member_id: int
    old: int | None
    new: int


class LeaderboardStore(Protocol):
    def scores(
        self, program_id: int, member_id: int, places: Collection[Place]
    ) -> dict[Place, int]:
        """The member's score on each of these boards they are on."""

    def write(
        self, program_id: int, changes: Collection[ScoreChange], hidden: bool, now: datetime
    ) -> None:
        """Each member's new score, and (unless the member is ``hidden``) the counts of
        scores moved with it, in a fixed order of their rows."""

    def top(self, program_id: int, place: Place, size: int) -> list[Standing]:
        """The board's first ``size`` shown members, highest score first (ties share a
        rank, and are listed by member id)."""

    def rank(self, program_id: int, place: Place, score: int) -> int:
        """The rank of a shown score on the board: one more than the members above it."""

    def hide(self, program_id: int, member_id: int, hidden: bool) -> None:
        """Hide (or show again) the member on every board not frozen yet: their scores
        leave (or rejoin) the counts and the tops."""

    def places_to_freeze(self, program_id: int, board_id: str, before: str) -> list[Place]:
        """The board's places of periods before ``before`` not frozen yet."""

    def claim_freeze(self, program_id: int, place: Place, now: datetime) -> bool:
        """Mark the place frozen; False when it was already (someone else pays its prizes)."""

    def record_results(
        self, program_id: int, place: Place, results: Collection[Result]
    ) -> None: ...
    def results(self, program_id: int, place: Place) -> list[Result]: ...


class LeaderboardWork(LedgerWork, Protocol):
    """What keeping boards needs: the ledger for prizes, and the board store."""

    leaderboards: LeaderboardStore
