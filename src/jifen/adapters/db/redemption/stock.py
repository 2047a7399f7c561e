"""The live stock of rewards: one row per reward with a stock.

``taken`` moves by a guarded ``UPDATE ... SET taken = taken + n WHERE taken + n <= total``.
Concurrent claims queue on that one row (not on any wider lock) and each sees the count
the previous one committed, so a reward is never oversold; the table's check constraint
says so a second time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from jifen.adapters.db.tables import reward_stock
from jifen.services.redemption.ports import StockLevel

_TAKE = (
    update(reward_stock)
    .where(
        reward_stock.c.program_id == bindparam("b_program"),
        reward_stock.c.reward == bindparam("b_reward"),
        reward_stock.c.declared == bindparam("b_declared"),
        or_(
            reward_stock.c.total.is_(None),
            reward_stock.c.taken + bindparam("b_n") <= reward_stock.c.total,
        ),
    )
    .values(taken=reward_stock.c.taken + bindparam("b_n"), updated_at=bindparam("b_now"))
)


class SqlStock:
    """Part of :class:`~jifen.adapters.db.redemption.SqlRedemptions`: reward stock."""

    conn: Connection
    insert: Any  # the dialect's INSERT, with ON CONFLICT

    def take_stock(
        self, program_id: int, reward: str, declared: int, quantity: int, now: datetime
    ) -> bool:
        params = {
            "b_program": program_id,
            "b_reward": reward,
            "b_declared": declared,
            "b_n": quantity,
            "b_now": now,
        }
        if self.conn.execute(_TAKE, params).rowcount == 1:
            return True
        # No count yet, or one made from another version of the file: settle it, try again.
        row = self._locked(program_id, reward)
        if row is None:
            # The first claims of a reward race to create its count: one wins, the others
            # then queue on its row like any later claim.
            first = self.insert(reward_stock).values(
                program_id=program_id,
                reward=reward,
                declared=declared,
                total=declared,
                taken=0,
                updated_at=now,
            )
            self.conn.execute(first.on_conflict_do_nothing(index_elements=["program_id", "reward"]))
        elif row.declared != declared:
            total = StockLevel(reward, row.declared, row.total, row.taken).total_for(declared)
            self.conn.execute(
                update(reward_stock)
                .where(reward_stock.c.program_id == program_id, reward_stock.c.reward == reward)
                .values(declared=declared, total=total, updated_at=now)
            )
        else:
            return False
        return bool(self.conn.execute(_TAKE, params).rowcount == 1)

    def return_stock(self, program_id: int, reward: str, quantity: int, now: datetime) -> None:
        self.conn.execute(
            update(reward_stock)
            .where(
                reward_stock.c.program_id == program_id,
                reward_stock.c.reward == reward,
                reward_stock.c.taken >= quantity,
            )
            .values(taken=reward_stock.c.taken - quantity, updated_at=now)
        )

    def set_remaining(
        self, program_id: int, reward: str, declared: int | None, remaining: int, now: datetime
    ) -> StockLevel:
        row = self._locked(program_id, reward)
        if row is None:
            self.conn.execute(
                insert(reward_stock).values(
                    program_id=program_id,
                    reward=reward,
                    declared=declared,
                    total=remaining,
                    taken=0,
                    updated_at=now,
                )
            )
            return StockLevel(reward, declared, remaining, 0)
        self.conn.execute(
            update(reward_stock)
            .where(reward_stock.c.program_id == program_id, reward_stock.c.reward == reward)
            .values(declared=declared, total=row.taken + remaining, updated_at=now)
        )
        return StockLevel(reward, declared, row.taken + remaining, row.taken)

    def stock(self, program_id: int) -> dict[str, StockLevel]:
        found = self.conn.execute(
            select(reward_stock).where(reward_stock.c.program_id == program_id)
        )
        return {r.reward: StockLevel(r.reward, r.declared, r.total, r.taken) for r in found}

    def stock_of(self, program_id: int, reward: str) -> StockLevel | None:
        row = self._row(program_id, reward)
        return None if row is None else StockLevel(row.reward, row.declared, row.total, row.taken)

    def _locked(self, program_id: int, reward: str) -> Any:
        return self._row(program_id, reward, lock=True)

    def _row(self, program_id: int, reward: str, *, lock: bool = False) -> Any:
        found = select(reward_stock).where(
            reward_stock.c.program_id == program_id, reward_stock.c.reward == reward
        )
        return self.conn.execute(found.with_for_update() if lock else found).one_or_none()
