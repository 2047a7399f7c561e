"""The stores under contract: the SQL unit of work, and a write-behind batch over it."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from jifen.bootstrap import Jifen
from jifen.domain.ledger import Account, EntryKind, LotSource, Posting, credit
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.services.earning import WriteBehind
from jifen.services.earning.ports import EarningWork, NewOrderRecord

KINDS = ["sql", "write_behind"]


@dataclass(frozen=True)
class Stores:
    """Opens the store of ``kind`` in a transaction of ``jf``'s own unit of work."""

    kind: str
    jf: Jifen
    program: Program

    @property
    def now(self) -> datetime:
        return self.jf.clock.now()

    @contextmanager
    def batch(
        self,
        members: Collection[str] = (),
        keys: Mapping[str, str] | None = None,
        usage: Collection[tuple[str, str, str]] = (),
    ) -> Iterator[EarningWork]:
        """A transaction, committed through the store when the block ends.

        ``members``, ``keys`` (key -> fingerprint) and ``usage`` (member, rule,
        period) are what a write-behind batch reads beforehand, as an import's
        does; the SQL store reads them as it goes.
        """
        with self.jf.uow() as uow:
            store = uow if self.kind == "sql" else self._behind(uow, members, keys or {}, usage)
            yield store
            store.commit()

    def _behind(
        self,
        uow: EarningWork,
        members: Collection[str],
        keys: Mapping[str, str],
        usage: Collection[tuple[str, str, str]],
    ) -> WriteBehind:
        program_id = self.program.id
        wb = WriteBehind(uow, program_id)
        found = uow.members.lock_many(program_id, members)
        wb.know_members(found)
        claimed = uow.idempotency.claim_many(program_id, keys, self.now)
        wb.know_keys({k: f for k, f in keys.items() if k in claimed})
        wanted = {(found[m].id, rule, period) for m, rule, period in usage}
        wb.know_usage(wanted, uow.earning.usage_of(wanted))
        ids = {m.id for m in found.values()}
        months = uow.tiers.months_of(ids)
        wb.know_months({m: months.get(m, {}) for m in ids})
        return wb

    @contextmanager
    def later(self) -> Iterator[EarningWork]:
        """A later transaction, on the database alone (rolled back: it may claim keys)."""
        with self.jf.uow() as uow:
            yield uow


def member(uow: EarningWork, program: Program, external_id: str) -> Member:
    found = uow.members.get(program.id, external_id)
    assert found is not None, external_id
    return found


def earned(m: Member, points: int, now: datetime, expires_at: datetime | None = None) -> Posting:
    """A plain credit: one new lot, nothing drawn (what an order earns)."""
    account = Account(m, ())
    kind, source = EntryKind.EARN, LotSource.ORDER
    return credit(account, points, kind=kind, source=source, now=now, expires_at=expires_at)


def order(
    program: Program, m: Member, order_id: str, paid: int, placed_at: datetime
) -> NewOrderRecord:
    return NewOrderRecord(
        program_id=program.id,
        member_id=m.id,
        order_id=order_id,
        version=1,
        placed_at=placed_at,
        paid=paid,
        entry_id=None,
        snapshot={"lines": 1},
        award={"points": 0},
        created_at=placed_at,
    )
