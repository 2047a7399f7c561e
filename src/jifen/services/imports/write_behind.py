"""A unit of work that keeps a batch's writes and writes them a table at a time.

``WriteBehind(uow, ...)`` wraps a unit of work that is already open. The use
cases run on it unchanged (``record_order_in`` for an import's batch), one
after another; what they read was read for the whole batch beforehand (the
members, locked; their rule usage; their months of activity), and what they
write is kept in memory, applied to what they read next, and written by
``flush()`` in a few statements per table instead of a dozen per order.

It takes the ledger as money all the same: every credit is written with its
lots and its member's balance in the same transaction, with the ids the
ledger reserved for it, and ``commit()`` flushes first. Anything it was not
built to keep (a debit, a lot that repays a debt, a repository it does not
wrap) flushes what is kept and then goes to the database as usual, so a
read always sees every earlier write. It has no savepoints: a batch that
fails is rolled back whole by its caller.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from jifen.domain.earning.award import Usage
from jifen.domain.ledger import Posting
from jifen.domain.members import Balances, Member
from jifen.domain.tiers import Stats, TierState
from jifen.services.earning.ports import NewOrderRecord
from jifen.services.imports.ports import ImportWork
from jifen.services.ports import StoredResponse
from jifen.services.tiers.ports import TierChange


@dataclass
class _Kept:
    """Writes not yet written, in the order they were made."""

    credits: list[tuple[int, Posting, datetime]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any], datetime]] = field(default_factory=list)
    orders: list[NewOrderRecord] = field(default_factory=list)
    spends: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    # summed per key: (member, month) and (member, rule, period) and member
    months: dict[tuple[int, int], Stats] = field(default_factory=dict)
    usage: dict[tuple[int, str, str], Usage] = field(default_factory=dict)
    counted: dict[int, tuple[int, int, datetime]] = field(default_factory=dict)
    tiers: dict[int, tuple[str | None, TierState, datetime]] = field(default_factory=dict)
    tier_changes: list[tuple[int, TierChange]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.credits
            or self.events
            or self.orders
            or self.spends
            or self.responses
            or self.months
            or self.usage
            or self.counted
            or self.tiers
            or self.tier_changes
        )


class WriteBehind:
    """See the module's docstring. ``program_id``: the one programme of the batch."""

    def __init__(self, uow: ImportWork, program_id: int) -> None:
        self.inner = uow
        self.program_id = program_id
        self.kept = _Kept()
        self.by_external: dict[str, Member] = {}
        self.by_id: dict[int, Member] = {}
        self.claimed: dict[str, str] = {}  # key -> fingerprint, claimed for the batch
        self.answered: dict[str, dict[str, Any]] = {}  # what each claimed key now holds
        self.usage: dict[tuple[int, str, str], Usage] = {}
        self.usage_known: set[tuple[int, str, str]] = set()
        self.months: dict[int, dict[int, Stats]] = {}
        self.version: int | None = None
        self._ids: list[int] = []
        self.members = _Members(self)
        self.ledger = _Ledger(self)
        self.idempotency = _Keys(self)
        self.outbox = _Outbox(self)
        self.earning = _Earning(self)
        self.tiers = _Tiers(self)
        self.versions = _Versions(self)

    # -- what the batch read beforehand ------------------------------------------------

    def know_members(self, found: Mapping[str, Member]) -> None:
        """Members this transaction has locked (``members.lock_many``)."""
        for member in found.values():
            self._remember(member)

    def know_keys(self, claimed: Mapping[str, str]) -> None:
        """Idempotency keys this transaction has claimed (key -> fingerprint)."""
        self.claimed.update(claimed)

    def know_usage(
        self, keys: Collection[tuple[int, str, str]], found: Mapping[tuple[int, str, str], Usage]
    ) -> None:
        self.usage_known.update(keys)
        self.usage.update(found)

    def know_months(self, member_ids: Collection[int]) -> None:
        found = self.inner.tiers.months_of(member_ids)
        for member_id in member_ids:
            self.months[member_id] = found.get(member_id, {})

    # -- the unit of work ------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # every other repository reads and writes the database: flush first
        self.flush()
        return getattr(self.inner, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.flush()
        self.inner.commit()

    def rollback(self) -> None:
        self.kept = _Kept()
        self.inner.rollback()

    def savepoint(self) -> AbstractContextManager[None]:
        raise NotImplementedError("a write-behind batch fails whole: no savepoints")

    def flush(self) -> None:
        """Write everything kept, a table at a time, in an order the foreign keys allow."""
        kept, self.kept = self.kept, _Kept()
        self._ids = []  # SQLite reserves max(id) + 1...: never across another writer
        if not kept:
            return
        inner = self.inner
        inner.ledger.write_credits(self.program_id, kept.credits)
        inner.earning.count_orders(
            [(m, n, paid, latest) for m, (n, paid, latest) in kept.counted.items()]
        )
        inner.earning.add_usage_many(
            [(m, r, k, u.points, u.times) for (m, r, k), u in kept.usage.items()]
        )
        inner.tiers.add_stats_many([(m, month, s) for (m, month), s in kept.months.items()])
        saves: dict[datetime, list[tuple[int, str | None, TierState]]] = {}
        for member_id, (tier, state, at) in kept.tiers.items():
            saves.setdefault(at, []).append((member_id, tier, state))
        for at, rows in saves.items():
            inner.tiers.save(rows, at)
        inner.tiers.record_changes(self.program_id, kept.tier_changes)
        inner.earning.add_orders(kept.orders)
        inner.earning.record_spends(kept.spends)
        inner.outbox.add_events(self.program_id, kept.events)
        inner.idempotency.record_many(self.program_id, kept.responses)

    # -- shared by the wrapped repositories -------------------------------------------

    def next_entry_id(self) -> int:
        if not self._ids:
            self._ids = self.inner.ledger.next_entry_ids(256)
        return self._ids.pop(0)

    def _remember(self, member: Member) -> None:
        self.by_external[member.external_id] = member
        self.by_id[member.id] = member

    def change_member(self, member_id: int, change: Callable[[Member], Member]) -> None:
        member = self.by_id.get(member_id)
        if member is not None:
            self._remember(change(member))

    def forget_member(self, member_id: int) -> None:
        member = self.by_id.pop(member_id, None)
        if member is not None:
            self.by_external.pop(member.external_id, None)


class _Passing:
    """Methods not kept here flush the batch, then go to the wrapped repository."""

    name = ""

    def __init__(self, wb: WriteBehind) -> None:
        self.wb = wb

    def __getattr__(self, attr: str) -> Any:
        self.wb.flush()
        return getattr(getattr(self.wb.inner, self.name), attr)


class _Members(_Passing):
    name = "members"

    def lock(self, program_id: int, external_id: str) -> Member | None:
        found = self.wb.by_external.get(external_id)
        if found is not None and program_id == self.wb.program_id:
            return found
        self.wb.flush()
        member = self.wb.inner.members.lock(program_id, external_id)
        if member is not None and program_id == self.wb.program_id:
            self.wb._remember(member)
        return member

    def get(self, program_id: int, external_id: str) -> Member | None:
        return self.lock(program_id, external_id)

    def update(self, member_id: int, changes: dict[str, Any], now: datetime) -> Member:
        self.wb.flush()
        member = self.wb.inner.members.update(member_id, changes, now)
        self.wb.forget_member(member_id)
        return member


class _Ledger(_Passing):
    name = "ledger"

    def apply(self, program_id: int, posting: Posting, now: datetime) -> tuple[int, int | None]:
        plain_credit = not (
            posting.draws
            or posting.matured_lot_ids
            or posting.new_hold
            or posting.hold_transition
            or posting.delta_held
            or any(new.repaid for new in posting.new_lots)
        )
        if program_id != self.wb.program_id or not plain_credit:
            self.wb.flush()
            self.wb.forget_member(posting.member_id)
            return self.wb.inner.ledger.apply(program_id, posting, now)
        entry_id = self.wb.next_entry_id()
        self.wb.kept.credits.append((entry_id, posting, now))

        def moved(m: Member) -> Member:
            b = m.balances
            return replace(
                m,
                balances=Balances(
                    b.available + posting.delta_available, b.pending + posting.delta_pending, b.held
                ),
            )

        self.wb.change_member(posting.member_id, moved)
        return entry_id, None


class _Keys(_Passing):
    name = "idempotency"

    def claim(
        self, program_id: int, key: str, fingerprint: str, now: datetime
    ) -> StoredResponse | None:
        if program_id == self.wb.program_id and key in self.wb.claimed:
            if key in self.wb.answered:  # used earlier in this batch
                return StoredResponse(self.wb.claimed[key], self.wb.answered[key])
            return None  # claimed for this batch, not used yet: it is this request's
        self.wb.flush()
        return self.wb.inner.idempotency.claim(program_id, key, fingerprint, now)

    def record(self, program_id: int, key: str, response: dict[str, Any]) -> None:
        if program_id == self.wb.program_id and key in self.wb.claimed:
            self.wb.answered[key] = response
            self.wb.kept.responses[key] = response
            return
        self.wb.flush()
        self.wb.inner.idempotency.record(program_id, key, response)


class _Outbox(_Passing):
    name = "outbox"

    def add(self, program_id: int, topic: str, payload: dict[str, Any], now: datetime) -> None:
        if program_id != self.wb.program_id:
            self.wb.flush()
            self.wb.inner.outbox.add(program_id, topic, payload, now)
            return
        self.wb.kept.events.append((topic, payload, now))

    def add_many(
        self, program_id: int, topic: str, payloads: list[dict[str, Any]], now: datetime
    ) -> None:
        for payload in payloads:
            self.add(program_id, topic, payload, now)


class _Earning(_Passing):
    name = "earning"

    def usage(self, member_id: int, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Usage]:
        wanted = [(member_id, rule, period) for rule, period in keys]
        if not all(k in self.wb.usage_known for k in wanted):
            self.wb.flush()
            self.wb.know_usage(wanted, self.wb.inner.earning.usage_of(wanted))
        return {(k[1], k[2]): self.wb.usage[k] for k in wanted if k in self.wb.usage}

    def add_usage(self, member_id: int, rows: list[tuple[str, str, int, int]]) -> None:
        for rule, period, points, times in rows:
            key = (member_id, rule, period)
            for store in (self.wb.usage, self.wb.kept.usage):
                u = store.get(key, Usage(0, 0))
                store[key] = Usage(u.points + points, u.times + times)

    def reserve(
        self, program_id: int, campaign_id: str, points: int, hint: int
    ) -> list[tuple[int, int]]:
        # campaign budgets are shared rows, taken in the database as they are decided
        return self.wb.inner.earning.reserve(program_id, campaign_id, points, hint)

    def record_spend(
        self, entry_id: int, campaign_id: str, rule_id: str, shard: int, points: int
    ) -> None:
        self.wb.kept.spends.append((entry_id, campaign_id, rule_id, shard, points))

    def add_orders(self, rows: Sequence[NewOrderRecord]) -> None:
        if any(r.program_id != self.wb.program_id for r in rows):
            self.wb.flush()
            self.wb.inner.earning.add_orders(rows)
            return
        self.wb.kept.orders.extend(rows)

    def add_order(self, record: NewOrderRecord) -> None:
        self.add_orders([record])
        self._count(record.member_id, record.placed_at, record.paid)

    def _count(self, member_id: int, placed_at: datetime, paid: int) -> None:
        n, total, latest = self.wb.kept.counted.get(member_id, (0, 0, placed_at))
        self.wb.kept.counted[member_id] = (n + 1, total + paid, max(latest, placed_at))

        def counted(m: Member) -> Member:
            last = m.last_order_at
            return replace(
                m,
                orders_count=m.orders_count + 1,
                spend_total=m.spend_total + paid,
                last_order_at=placed_at if last is None else max(last, placed_at),
            )

        self.wb.change_member(member_id, counted)


class _Tiers(_Passing):
    name = "tiers"

    def add_stats(
        self, member_id: int, month: int, *, spend: int = 0, points: int = 0, orders: int = 0
    ) -> None:
        if not (spend or points or orders):
            return
        add = Stats(spend, points, orders)
        kept = self.wb.kept.months.get((member_id, month), Stats())
        self.wb.kept.months[member_id, month] = kept + add
        if member_id in self.wb.months:
            months = self.wb.months[member_id]
            months[month] = months.get(month, Stats()) + add

    def add_then_sum(
        self, member_id: int, month: int, added: Stats, first: int | None, last: int
    ) -> Stats:
        self.add_stats(
            member_id, month, spend=added.spend, points=added.points, orders=added.orders
        )
        return self.stats(member_id, first, last)

    def stats(self, member_id: int, first: int | None, last: int) -> Stats:
        months = self.wb.months.get(member_id)
        if months is None:
            self.wb.flush()
            return self.wb.inner.tiers.stats(member_id, first, last)
        total = Stats()
        for month, s in months.items():
            if (first is None or month >= first) and month <= last:
                total = total + s
        return total

    def save(self, saves: list[tuple[int, str | None, TierState]], now: datetime) -> None:
        for member_id, tier, state in saves:  # the tier's own columns: the last save holds
            self.wb.kept.tiers[member_id] = (tier, state, now)
            self.wb.change_member(member_id, _tiered(tier, state))

    def record_changes(self, program_id: int, changes: list[tuple[int, TierChange]]) -> None:
        if program_id != self.wb.program_id:
            self.wb.flush()
            self.wb.inner.tiers.record_changes(program_id, changes)
            return
        self.wb.kept.tier_changes.extend(changes)


class _Versions(_Passing):
    name = "versions"

    def current(self, program_id: int) -> int | None:
        if program_id != self.wb.program_id:
            return self.wb.inner.versions.current(program_id)
        if self.wb.version is None:
            self.wb.version = self.wb.inner.versions.current(program_id)
        return self.wb.version


def _tiered(tier: str | None, state: TierState) -> Callable[[Member], Member]:
    return lambda m: replace(m, tier=tier, tiering=state)
