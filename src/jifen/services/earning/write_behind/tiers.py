"""Tiers: monthly activity summed here, tier saves and changes kept."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from jifen.domain.members import Member
from jifen.domain.tiers import Stats, TierState
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through
from jifen.services.tiers.ports import TierChange, Tiered, TierStore


def _tiered(tier: str | None, state: TierState) -> Callable[[Member], Member]:
    return lambda m: replace(m, tier=tier, tiering=state)


class BatchTiers(Through[TierStore]):
    """Keeps: monthly activity (summed from the months read by ``know_months``), tier
    saves (the last save of a member holds) and the batch's tier changes. ``stats`` of a
    member whose months were not read writes what is kept first. The rest pass through."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.tiers)

    def add_stats(
        self,
        member_id: int,
        month: int,
        *,
        spend: int = 0,
        points: int = 0,
        orders: int = 0,
    ) -> None:
        if not (spend or points or orders):
            return
        add = Stats(spend, points, orders)
        kept = self.batch.kept.months.get((member_id, month), Stats())
        self.batch.kept.months[member_id, month] = kept + add
        if member_id in self.batch.months:
            months = self.batch.months[member_id]
            months[month] = months.get(month, Stats()) + add

    def add_then_sum(
        self,
        member_id: int,
        month: int,
        added: Stats,
        first: int | None,
        last: int,
    ) -> Stats:
        self.add_stats(
            member_id,
            month,
            spend=added.spend,
            points=added.points,
            orders=added.orders,
        )
        return self.stats(member_id, first, last)

    def stats(self, member_id: int, first: int | None, last: int) -> Stats:
        months = self.batch.months.get(member_id)
        if months is None:
            return self.written().stats(member_id, first, last)
        total = Stats()
        for month, s in months.items():
            if (first is None or month >= first) and month <= last:
                total = total + s
        return total

    def save(self, saves: list[tuple[int, str | None, TierState]], now: datetime) -> None:
        for member_id, tier, state in saves:  # the tier's own columns: the last save holds
            self.batch.kept.tiers[member_id] = (tier, state, now)
            self.batch.change_member(member_id, _tiered(tier, state))

    def record_changes(self, program_id: int, changes: list[tuple[int, TierChange]]) -> None:
        if program_id != self.batch.program_id:
            self.written().record_changes(program_id, changes)
            return
        self.batch.kept.tier_changes.extend(changes)

    # -- passing through ------------------------------------------------------------

    def stats_of(self, spans: dict[int, tuple[int | None, int]]) -> dict[int, Stats]:
        return self.written().stats_of(spans)

    def months_of(self, member_ids: Collection[int]) -> dict[int, dict[int, Stats]]:
        return self.written().months_of(member_ids)

    def add_stats_many(self, rows: Sequence[tuple[int, int, Stats]]) -> None:
        self.written().add_stats_many(rows)

    def changes(self, member_id: int, limit: int) -> list[TierChange]:
        return self.written().changes(member_id, limit)

    def tiers_before(self, member_ids: Collection[int], at: datetime) -> dict[int, str | None]:
        return self.written().tiers_before(member_ids, at)

    def stop_expiry(self, member_id: int) -> int:
        return self.written().stop_expiry(member_id)

    def birthdays(
        self,
        program_id: int,
        days: list[tuple[int, int]],
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Member]:
        return self.written().birthdays(program_id, days, after_member_id, limit, until)

    def due_for_review(
        self,
        program_id: int,
        month: int,
        cutoff: datetime,
        after_member_id: int,
        limit: int,
        until: int,
    ) -> list[Tiered]:
        return self.written().due_for_review(
            program_id,
            month,
            cutoff,
            after_member_id,
            limit,
            until,
        )
