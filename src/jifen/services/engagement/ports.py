"""What engagement keeps: the consents members give (and later referrals, tasks,
challenges, badges, leaderboards)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from jifen.domain.engagement.enrolment import Consent
from jifen.services.access.ports import AccessWork
from jifen.services.earning.ports import EarningWork


class Consents(Protocol):
    def record(
        self,
        program_id: int,
        member_id: int,
        given: Sequence[Consent],
        source: str,
        now: datetime,
    ) -> None:
        """Append the answers: a member's consent is their latest answer per channel."""

    def of(self, member_id: int) -> list[Consent]:
        """The member's latest answer per purpose and channel, by purpose and channel."""


class EngagementWork(EarningWork, AccessWork, Protocol):
    """What joining needs: a member made, the sign-up paid, a code taken, a session opened."""

    consents: Consents
