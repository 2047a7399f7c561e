"""What challenges keep: each member's progress per round, and the badges they hold."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jifen.services.ledger.ports import LedgerWork


@dataclass(frozen=True, kw_only=True)
class Progress:
    """A member's round of a challenge."""

    challenge_id: str
    round: str
    tally: dict[str, int]  # amount per unit (period, product or "")
    value: int  # how far it has come (measure of the tally)
    done_at: datetime | None = None  # the goal reached, and rewarded
    entry_id: int | None = None  # the reward's points
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class HeldBadge:
    badge: str
    challenge_id: str
    round: str
    awarded_at: datetime


class ChallengeStore(Protocol):
    def progress(
        self, member_id: int, keys: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], Progress]:
        """The member's rounds by (challenge id, round), of those asked; none yet: absent."""

    def save(self, program_id: int, member_id: int, progress: Progress) -> None:
        """Write the round as it now stands (made if it is new)."""

    def of_member(self, member_id: int) -> list[Progress]:
        """Every round the member has progress in, the latest first."""

    def give_badge(
        self, program_id: int, member_id: int, held: HeldBadge, badges: tuple[str, ...]
    ) -> None:
        """The member holds ``held`` now; ``badges``: every badge they then hold, sorted
        (kept on the member for the rules to read)."""

    def take_badge(self, member_id: int, badge: str, badges: tuple[str, ...]) -> None:
        """The member holds ``badge`` no more; ``badges``: what they still hold, sorted."""

    def badges_of(self, member_id: int) -> list[HeldBadge]:
        """The badges the member holds, the latest first."""


class ChallengeWork(LedgerWork, Protocol):
    """What moving a challenge along needs: the ledger for its reward, its own store."""

    challenges: ChallengeStore
