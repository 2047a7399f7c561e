"""What engagement keeps: the consents members give, and who referred whom as the
referral report reads it (later tasks, challenges, badges, leaderboards)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jifen.domain.engagement.enrolment import Consent
from jifen.domain.engagement.tasks import Review
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


@dataclass(frozen=True, kw_only=True)
class ReferrerRow:
    """A referrer and their referrals, counted."""

    member_id: int
    external_id: str
    display_name: str | None
    friends: int
    converted: int
    voided: int
    points: int  # paid to the referrer by referrals that stand
    pending: int  # of those, still in their return window


@dataclass(frozen=True, kw_only=True)
class FriendRow:
    """A referral as its referrer's report lists it."""

    referrer_id: int
    member_id: int  # the friend's
    external_id: str
    display_name: str | None
    phone: str | None
    email: str | None
    status: str  # joined, converted, voided
    joined_at: datetime
    converted_at: datetime | None
    order_id: str | None
    friend_points: int
    referrer_points: int
    available_at: datetime | None
    void_reason: str | None
    orders_count: int
    last_order_at: datetime | None


class ReferralReports(Protocol):
    def referrers(self, program_id: int, now: datetime, limit: int) -> list[ReferrerRow]:
        """The referrers with the most friends first (then the most converted)."""

    def referrer(self, member_id: int, now: datetime) -> ReferrerRow | None:
        """One referrer's counts (None: they referred nobody)."""

    def totals(self, program_id: int, now: datetime) -> dict[str, int]:
        """joined, converted, pending, voided, points (both sides), points_pending."""

    def friends(self, referrer_ids: Collection[int]) -> list[FriendRow]:
        """Every referral of these referrers, newest first."""

    def devices(self, member_ids: Collection[int]) -> dict[int, set[str]]:
        """The device hashes each member joined or signed in from."""


@dataclass(frozen=True, kw_only=True)
class InboundSource:
    """A platform that may say a task was done, with the secret it signs with."""

    name: str
    secret: str
    previous_secret: str | None  # accepted until previous_until (a rotation)
    previous_until: datetime | None
    created_at: datetime
    rotated_at: datetime | None


class InboundSources(Protocol):
    def add(self, program_id: int, name: str, secret: str, now: datetime) -> bool:
        """Add the source; False when the programme has one of this name."""

    def get(self, program_id: int, name: str) -> InboundSource | None: ...
    def rotate(
        self, program_id: int, name: str, secret: str, previous_until: datetime, now: datetime
    ) -> None:
        """A new secret; the current one is accepted until ``previous_until``."""

    def all(self, program_id: int) -> list[InboundSource]: ...


@dataclass(frozen=True, kw_only=True)
class Submission:
    """A member's proof of a moderated task, and its review."""

    id: int
    member_id: int
    external_id: str
    display_name: str | None
    task_id: str
    reference: str
    status: Review
    reason: str | None
    points: int  # what its approval paid
    submitted_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None


class TaskSubmissions(Protocol):
    def add(
        self, program_id: int, member_id: int, task_id: str, reference: str, now: datetime
    ) -> int:
        """A pending submission; its id."""

    def get(self, program_id: int, submission_id: int) -> Submission | None: ...
    def pending_of(self, member_id: int, task_id: str) -> Submission | None: ...
    def review(
        self,
        submission_id: int,
        status: Review,
        reason: str | None,
        points: int,
        actor: str,
        now: datetime,
    ) -> bool:
        """Review a pending submission; False when it was reviewed already."""

    def queue(self, program_id: int, status: Review, limit: int) -> list[Submission]:
        """Submissions in ``status``, the oldest first (pending) or the latest first."""

    def latest_of(self, member_id: int) -> dict[str, Submission]:
        """The member's latest submission of each task, by task id."""


class EngagementWork(EarningWork, AccessWork, Protocol):
    """What joining needs: a member made, the sign-up paid, a code taken, a session opened;
    and what the referral report reads."""

    consents: Consents
    referral_reports: ReferralReports
    inbound_sources: InboundSources
    task_submissions: TaskSubmissions
