"""Earning's store: rule usage, campaign spends, orders and their counts on members."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from jifen.domain.earning import Usage
from jifen.domain.members import Member
from jifen.services.earning.ports import (
    BatchAsk,
    BatchStart,
    BatchWrites,
    ConditionErrors,
    EarningStore,
    NewOrderRecord,
    OrderRecord,
    Referral,
    ReferralPaid,
    RefundRecord,
    Span,
)
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through


def _counted(placed_at: datetime, paid: int) -> Callable[[Member], Member]:
    def counted(m: Member) -> Member:
        last = m.last_order_at
        return replace(
            m,
            orders_count=m.orders_count + 1,
            spend_total=m.spend_total + paid,
            last_order_at=placed_at if last is None else max(last, placed_at),
        )

    return counted


class BatchEarning(Through[EarningStore]):
    """Keeps: usage (read once per key, then summed here), campaign spends, the batch's
    orders and their counts on members. ``reserve`` takes a campaign's budget in the
    database at once, as it is decided (budgets are rows other writers share). The rest
    pass through."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.earning)

    def start_batch(self, ask: BatchAsk) -> BatchStart:
        return self.written().start_batch(ask)

    def write_batch(self, program_id: int, writes: BatchWrites) -> None:
        self.written().write_batch(program_id, writes)

    def usage(self, member_id: int, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Usage]:
        wanted = [(member_id, rule, period) for rule, period in keys]
        if not all(k in self.batch.usage_known for k in wanted):
            self.batch.know_usage(wanted, self.written().usage_of(wanted))
        return {(k[1], k[2]): self.batch.usage[k] for k in wanted if k in self.batch.usage}

    def add_usage(self, member_id: int, rows: list[tuple[str, str, int, int]]) -> None:
        for rule, period, points, times in rows:
            key = (member_id, rule, period)
            for store in (self.batch.usage, self.batch.kept.usage):
                u = store.get(key, Usage(0, 0))
                store[key] = Usage(u.points + points, u.times + times)

    def reserve(
        self,
        program_id: int,
        campaign_id: str,
        points: int,
        hint: int,
        *,
        in_order: bool = False,
    ) -> list[tuple[int, int]]:
        # a batch of orders may take from the campaign again: its shards in order
        return self.db.reserve(
            program_id, campaign_id, points, hint, in_order=in_order or self.batch.many
        )

    def record_spend(
        self,
        entry_id: int,
        campaign_id: str,
        rule_id: str,
        shard: int,
        points: int,
    ) -> None:
        self.batch.kept.spends.append((entry_id, campaign_id, rule_id, shard, points))

    def add_orders(self, rows: Sequence[NewOrderRecord]) -> None:
        if any(r.program_id != self.batch.program_id for r in rows):
            self.written().add_orders(rows)
            return
        self.batch.kept.orders.extend(rows)
        for r in (r for r in rows if not r.arrived_expired):  # out of its week
            known = self.batch.firsts.get(r.member_id, {})
            for span, first in known.items():
                if span[1] <= r.placed_at < span[2] and (
                    first is None or (r.placed_at, r.order_id) < first
                ):
                    known[span] = (r.placed_at, r.order_id)

    def add_order(self, record: NewOrderRecord) -> None:
        self.add_orders([record])
        self._count(record.member_id, record.placed_at, record.paid)

    def _count(self, member_id: int, placed_at: datetime, paid: int) -> None:
        n, total, latest = self.batch.kept.counted.get(member_id, (0, 0, placed_at))
        self.batch.kept.counted[member_id] = (n + 1, total + paid, max(latest, placed_at))
        self.batch.change_member(member_id, _counted(placed_at, paid))

    # -- passing through ------------------------------------------------------------

    def usage_of(self, keys: Collection[tuple[int, str, str]]) -> dict[tuple[int, str, str], Usage]:
        return self.written().usage_of(keys)

    def add_usage_many(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        self.written().add_usage_many(rows)

    def streak(self, member_id: int, activity: str) -> tuple[date, int] | None:
        return self.written().streak(member_id, activity)

    def set_streak(self, member_id: int, activity: str, day: date, days: int) -> None:
        self.written().set_streak(member_id, activity, day, days)

    def ensure_budget(self, program_id: int, campaign_id: str, budget: int) -> None:
        self.written().ensure_budget(program_id, campaign_id, budget)

    def budget_left(self, program_id: int, campaign_id: str) -> int | None:
        return self.written().budget_left(program_id, campaign_id)

    def give_back(self, program_id: int, campaign_id: str, shard: int, points: int) -> None:
        self.written().give_back(program_id, campaign_id, shard, points)

    def record_spends(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        self.written().record_spends(rows)

    def spends_of(self, entry_id: int) -> list[tuple[str, str, int, int]]:
        return self.written().spends_of(entry_id)

    def order(self, program_id: int, order_id: str) -> OrderRecord | None:
        return self.written().order(program_id, order_id)

    def first_in(
        self, member_id: int, start: datetime, end: datetime
    ) -> tuple[datetime, str] | None:
        """The database's first, or one of the batch's own orders if that comes first."""
        known = self.batch.firsts.get(member_id, {})
        if (member_id, start, end) in known:  # read beforehand, and kept up to date
            return known[(member_id, start, end)]
        found = [self.db.first_in(member_id, start, end)]
        found += [
            (o.placed_at, o.order_id)
            for o in self.batch.kept.orders
            if o.member_id == member_id and start <= o.placed_at < end and not o.arrived_expired
        ]
        return min((x for x in found if x is not None), default=None)

    def firsts_in(self, spans: Collection[Span]) -> dict[Span, tuple[datetime, str]]:
        return self.written().firsts_in(spans)

    def set_order_challenges(self, order_pk: int, added: dict[str, Any]) -> None:
        self.written().set_order_challenges(order_pk, added)

    def replace_snapshot(self, order_pk: int, snapshot: dict[str, Any]) -> None:
        self.written().replace_snapshot(order_pk, snapshot)

    def refunds_of(self, order_pk: int) -> list[RefundRecord]:
        return self.written().refunds_of(order_pk)

    def add_refund(
        self,
        program_id: int,
        order_pk: int,
        refund: RefundRecord,
        now: datetime,
    ) -> None:
        self.written().add_refund(program_id, order_pk, refund, now)

    def add_activity(
        self,
        program_id: int,
        member_id: int,
        kind: str,
        payload: dict[str, Any],
        occurred_at: datetime,
        version: int,
        entry_id: int | None,
        award: dict[str, Any],
        now: datetime,
    ) -> None:
        self.written().add_activity(
            program_id,
            member_id,
            kind,
            payload,
            occurred_at,
            version,
            entry_id,
            award,
            now,
        )

    def count_orders(self, rows: Sequence[tuple[int, int, int, datetime]]) -> None:
        self.written().count_orders(rows)

    def referral_of(self, referee_id: int) -> Referral | None:
        return self.written().referral_of(referee_id)

    # a referral's state is also the hint on its member (``referral_open``): forgotten

    def add_referral(
        self, program_id: int, referee_id: int, referrer_id: int, now: datetime
    ) -> None:
        self.written().add_referral(program_id, referee_id, referrer_id, now)
        self.batch.forget_member(referee_id)

    def convert_referral(self, referee_id: int, paid: ReferralPaid, now: datetime) -> None:
        self.written().convert_referral(referee_id, paid, now)
        self.batch.forget_member(referee_id)

    def reopen_referral(self, referee_id: int) -> None:
        self.written().reopen_referral(referee_id)
        self.batch.forget_member(referee_id)

    def void_referral(self, referee_id: int, reason: str, now: datetime) -> None:
        self.written().void_referral(referee_id, reason, now)
        self.batch.forget_member(referee_id)

    def referrer_tally(self, referrer_id: int, since: datetime | None) -> Usage:
        return self.written().referrer_tally(referrer_id, since)

    def count_condition_errors(
        self, program_id: int, shard: int, rows: Sequence[ConditionErrors]
    ) -> None:
        self.db.count_condition_errors(program_id, shard, rows)  # rare: written at once

    def condition_errors(self, program_id: int, since: date) -> list[ConditionErrors]:
        return self.written().condition_errors(program_id, since)

    def has_kept_order(self, member_id: int) -> bool:
        return self.written().has_kept_order(member_id)
