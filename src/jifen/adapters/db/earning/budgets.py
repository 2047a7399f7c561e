"""Campaign budgets, and what each entry spent of them.

Campaign budgets are split over ``SHARDS`` rows so that concurrent orders in
one campaign do not all queue on one row; a shard is taken with a guarded
update (``spent + n <= budget``), so the budget is never overspent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from jifen.adapters.db.many import execute_many
from jifen.adapters.db.tables import campaign_budgets, campaign_spend
from jifen.domain.money import allocate

SHARDS = 8
_TAKE = (
    update(campaign_budgets)
    .where(
        campaign_budgets.c.program_id == bindparam("b_program"),
        campaign_budgets.c.campaign_id == bindparam("b_campaign"),
        campaign_budgets.c.shard == bindparam("b_shard"),
        campaign_budgets.c.spent + bindparam("b_points") <= campaign_budgets.c.budget,
    )
    .values(spent=campaign_budgets.c.spent + bindparam("b_points"))
)


_ADD_SPEND = insert(campaign_spend).inline()


class SqlCampaignBudgets:
    """Part of :class:`~jifen.adapters.db.earning.SqlEarningStore`: campaign budgets."""

    conn: Connection
    insert: Any  # the dialect's INSERT, with ON CONFLICT

    def ensure_budget(self, program_id: int, campaign_id: str, budget: int) -> None:
        """Create the shards, or grow/shrink them to a new total (never below spent)."""
        shares = allocate(budget, [1] * SHARDS)
        for shard, share in enumerate(shares):
            stmt = self.insert(campaign_budgets).values(
                program_id=program_id, campaign_id=campaign_id, shard=shard, budget=share, spent=0
            )
            self.conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["program_id", "campaign_id", "shard"],
                    set_={
                        "budget": func.max(campaign_budgets.c.spent, share)
                        if self.conn.dialect.name == "sqlite"
                        else func.greatest(campaign_budgets.c.spent, share)
                    },
                )
            )

    def budget_left(self, program_id: int, campaign_id: str) -> int | None:
        left = self.conn.execute(
            select(func.sum(campaign_budgets.c.budget - campaign_budgets.c.spent)).where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
            )
        ).scalar_one_or_none()
        return None if left is None else int(left)

    def reserve(
        self, program_id: int, campaign_id: str, points: int, hint: int, *, in_order: bool = False
    ) -> list[tuple[int, int]]:
        """Take ``points`` (or all that is left) as [(shard, points)].

        Fast path: one shard that holds enough, chosen without waiting
        (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so a transaction holds at most
        one shard and never waits for one. Otherwise lock every shard in shard
        order (a single global order: no deadlock) and draw across them.

        The fast path runs in a savepoint, rolled back when it finds nothing: a row
        ``SKIP LOCKED`` locked and then dropped (another order took its room meanwhile)
        stays locked otherwise, and a transaction holding it while it walks the shards
        in order deadlocks with one that walks them ahead of it. For the same reason a
        transaction that may take from the campaign again (a batch of orders, each
        deciding its own) passes ``in_order``: no fast path, the shards in order from the
        first time. Two batches holding a shard each by the fast path, each then walking
        to the other's, deadlocked (``tests/integration/test_racing_processes.py``).
        """
        params = {"b_program": program_id, "b_campaign": campaign_id, "b_points": points}
        if not in_order:
            found = self._fast(program_id, campaign_id, points, hint, params)
            if found is not None:
                return found
        return self._in_order(program_id, campaign_id, points, params)

    def _fast(
        self, program_id: int, campaign_id: str, points: int, hint: int, params: dict[str, Any]
    ) -> list[tuple[int, int]] | None:
        with self.conn.begin_nested() as fast:
            shard = self._quick_shard(program_id, campaign_id, points, hint)
            if (
                shard is not None
                and self.conn.execute(_TAKE, {**params, "b_shard": shard}).rowcount == 1
            ):
                return [(shard, points)]
            fast.rollback()
        return None

    def _in_order(
        self, program_id: int, campaign_id: str, points: int, params: dict[str, Any]
    ) -> list[tuple[int, int]]:
        rows = self.conn.execute(
            select(campaign_budgets.c.shard, campaign_budgets.c.budget, campaign_budgets.c.spent)
            .where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
            )
            .order_by(campaign_budgets.c.shard)
            .with_for_update()
        ).all()
        taken, left = [], points
        for row in rows:
            take = min(left, row.budget - row.spent)
            if take <= 0:
                continue
            self.conn.execute(_TAKE, {**params, "b_shard": row.shard, "b_points": take})
            taken.append((row.shard, take))
            left -= take
            if left == 0:
                break
        return taken

    def _quick_shard(self, program_id: int, campaign_id: str, points: int, hint: int) -> int | None:
        """A shard with room for ``points``, nearest ``hint``, that nobody holds now."""
        left = campaign_budgets.c.budget - campaign_budgets.c.spent
        query = (
            select(campaign_budgets.c.shard)
            .where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
                left >= points,
            )
            .order_by((campaign_budgets.c.shard - hint % SHARDS + SHARDS) % SHARDS)
            .limit(1)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = self.conn.execute(query).scalar_one_or_none()
        return None if found is None else int(found)

    def give_back(self, program_id: int, campaign_id: str, shard: int, points: int) -> None:
        self.conn.execute(
            update(campaign_budgets)
            .where(
                campaign_budgets.c.program_id == program_id,
                campaign_budgets.c.campaign_id == campaign_id,
                campaign_budgets.c.shard == shard,
            )
            .values(spent=campaign_budgets.c.spent - points)
        )

    def record_spend(
        self, entry_id: int, campaign_id: str, rule_id: str, shard: int, points: int
    ) -> None:
        self.record_spends([(entry_id, campaign_id, rule_id, shard, points)])

    def record_spends(self, rows: Sequence[tuple[int, str, str, int, int]]) -> None:
        if rows:
            params = [
                {"entry_id": e, "campaign_id": c, "rule_id": r, "shard": sh, "points": p}
                for e, c, r, sh, p in rows
            ]
            execute_many(self.conn, _ADD_SPEND, params)

    def spends_of(self, entry_id: int) -> list[tuple[str, str, int, int]]:
        result = self.conn.execute(
            select(
                campaign_spend.c.campaign_id,
                campaign_spend.c.rule_id,
                campaign_spend.c.shard,
                func.sum(campaign_spend.c.points).label("n"),
            )
            .where(campaign_spend.c.entry_id == entry_id)
            .group_by(
                campaign_spend.c.campaign_id, campaign_spend.c.rule_id, campaign_spend.c.shard
            )
            # in lock order: a refund gives back shard by shard, as reserve locks them
            .order_by(
                campaign_spend.c.campaign_id, campaign_spend.c.shard, campaign_spend.c.rule_id
            )
        )
        return [(r.campaign_id, r.rule_id, r.shard, int(r.n)) for r in result]
