"""Every tier change: appended, never changed, read newest first."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from jifen.adapters.db.rows import chunks
from jifen.adapters.db.tables import tier_changes
from jifen.services.tiers.ports import TierChange


class SqlTierChanges:
    """Part of :class:`~jifen.adapters.db.tiers.SqlTiers`: the tier change history."""

    conn: Connection

    def record_changes(self, program_id: int, changes: list[tuple[int, TierChange]]) -> None:
        if not changes:
            return
        self.conn.execute(
            tier_changes.insert().inline(),
            [
                {
                    "program_id": program_id,
                    "member_id": member_id,
                    "from_tier": c.from_tier,
                    "to_tier": c.to_tier,
                    "reason": c.reason,
                    "actor": c.actor,
                    "detail": c.detail,
                    "created_at": c.at,
                }
                for member_id, c in changes
            ],
        )

    def changes(self, member_id: int, limit: int) -> list[TierChange]:
        result = self.conn.execute(
            select(tier_changes)
            .where(tier_changes.c.member_id == member_id)
            .order_by(tier_changes.c.id.desc())
            .limit(limit)
        )
        return [_change(r) for r in result]

    def tiers_before(self, member_ids: Collection[int], at: datetime) -> dict[int, str | None]:
        found: dict[int, str | None] = {}
        for chunk in chunks(member_ids):
            rows = self.conn.execute(
                select(tier_changes.c.member_id, tier_changes.c.from_tier)
                .where(tier_changes.c.member_id.in_(chunk), tier_changes.c.created_at > at)
                .order_by(tier_changes.c.id)
            )
            for member_id, from_tier in rows:
                found.setdefault(member_id, from_tier)
        return found


def _change(row: Any) -> TierChange:
    return TierChange(
        row.from_tier, row.to_tier, row.reason, row.actor, dict(row.detail), row.created_at
    )
