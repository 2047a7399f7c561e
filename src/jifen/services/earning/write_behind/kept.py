"""What a batch has decided to write and not yet written, and how it is written."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from jifen.domain.earning import Usage
from jifen.domain.ledger import Posting
from jifen.domain.tiers import Stats, TierState
from jifen.services.earning.ports import EarningWork, NewOrderRecord
from jifen.services.tiers.ports import TierChange


@dataclass
class Kept:
    """Writes not yet written, in the order they were made.

    Empty when every field is: derived from the fields themselves, so a field
    added here is never taken for empty (and its rows never dropped) by ``flush``.
    """

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
        return any(getattr(self, f.name) for f in fields(self))

    def write(self, uow: EarningWork, program_id: int) -> None:
        """Everything, a table at a time, in an order the foreign keys allow."""
        uow.ledger.write_credits(program_id, self.credits)
        uow.earning.count_orders(
            [(m, n, paid, latest) for m, (n, paid, latest) in self.counted.items()],
        )
        uow.earning.add_usage_many(
            [(m, r, k, u.points, u.times) for (m, r, k), u in self.usage.items()],
        )
        uow.tiers.add_stats_many([(m, month, s) for (m, month), s in self.months.items()])
        saves: dict[datetime, list[tuple[int, str | None, TierState]]] = {}
        for member_id, (tier, state, at) in self.tiers.items():
            saves.setdefault(at, []).append((member_id, tier, state))
        for at, rows in saves.items():
            uow.tiers.save(rows, at)
        uow.tiers.record_changes(program_id, self.tier_changes)
        uow.earning.add_orders(self.orders)
        uow.earning.record_spends(self.spends)
        uow.outbox.add_events(program_id, self.events)
        uow.idempotency.record_many(program_id, self.responses)
