"""Tier state, monthly activity, and every tier change."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jifen.domain.members import Member
from jifen.domain.tiers import Stats, TierState
from jifen.services.ledger.ports import LedgerWork


@dataclass(frozen=True)
class Tiered:
    """What a tier review needs of a member: less to read than a whole :class:`Member`."""

    id: int
    external_id: str
    tier: str | None
    tiering: TierState


@dataclass(frozen=True)
class TierChange:
    from_tier: str | None
    to_tier: str | None
    reason: str
    actor: str | None
    detail: dict[str, Any]
    at: datetime


class TierStore(Protocol):
    """Monthly activity for tier qualification, tier state, and every tier change."""

    def add_stats(
        self, member_id: int, month: int, *, spend: int = 0, points: int = 0, orders: int = 0
    ) -> None: ...
    def stats(self, member_id: int, first: int | None, last: int) -> Stats:
        """The member's activity over months ``[first, last]`` (None: from the start)."""

    def add_then_sum(
        self, member_id: int, month: int, added: Stats, first: int | None, last: int
    ) -> Stats:
        """``add_stats`` of ``added`` to ``month``, then ``stats(first, last)``: one write
        and its read, in one round trip where the database allows."""

    def stats_of(self, spans: dict[int, tuple[int | None, int]]) -> dict[int, Stats]:
        """Several members' activity at once, each over its own months."""

    def months_of(self, member_ids: Collection[int]) -> dict[int, dict[int, Stats]]:
        """Each member's activity month by month (yyyymm), every month counted."""

    def add_stats_many(self, rows: Sequence[tuple[int, int, Stats]]) -> None:
        """Add (member id, month, activity) rows, as ``add_stats`` one by one."""

    def save(self, saves: list[tuple[int, str | None, TierState]], now: datetime) -> None:
        """Per member id: the tier in effect and how it was reached."""

    def record_changes(self, program_id: int, changes: list[tuple[int, TierChange]]) -> None: ...
    def changes(self, member_id: int, limit: int) -> list[TierChange]: ...
    def tiers_before(self, member_ids: Collection[int], at: datetime) -> dict[int, str | None]:
        """Per member changed after ``at``: the tier it had then (its first later change's
        ``from_tier``). A member not changed since ``at`` is not returned."""

    def stop_expiry(self, member_id: int) -> int:
        """Open lots of the member stop expiring; how many did."""

    def birthdays(
        self,
        program_id: int,
        days: list[tuple[int, int]],
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Member]:
        """Active members born on any of ``days`` (month, day), ids in (after, until], locked."""

    def due_for_review(
        self,
        program_id: int,
        month: int,
        cutoff: datetime,
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Tiered]:
        """Members whose review month has come (or whose floor has ended), ids in
        (after, until], locked, by id."""


class TierWork(LedgerWork, Protocol):
    """What tiers in motion need in a transaction: the ledger's, and the tier store."""

    tiers: TierStore
