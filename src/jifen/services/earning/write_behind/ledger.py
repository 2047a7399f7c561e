"""The ledger: plain credits kept with the ids the ledger reserved; everything else written."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from jifen.domain.earning import Lifetimes
from jifen.domain.ledger import Entry, Hold, Lot, Posting
from jifen.domain.members import Balances, Member
from jifen.services.earning.write_behind.batch import Batch
from jifen.services.earning.write_behind.through import Through
from jifen.services.ledger.ports import Ledger, Page, Standing, Verifier


def is_plain_credit(posting: Posting) -> bool:
    """New lots only: nothing drawn, matured, held, or repaid from the new lots."""
    return not (
        posting.draws
        or posting.matured_lot_ids
        or posting.new_hold
        or posting.hold_transition
        or posting.delta_held
        or any(new.repaid for new in posting.new_lots)
    )


def _moved(posting: Posting) -> Callable[[Member], Member]:
    def moved(m: Member) -> Member:
        b = m.balances
        return replace(
            m,
            balances=Balances(
                b.available + posting.delta_available,
                b.pending + posting.delta_pending,
                b.held,
            ),
        )

    return moved


class BatchLedger(Through[Ledger]):
    """Keeps: ``apply`` of a plain credit in the batch's programme, under an entry id the
    ledger reserved, moving the member's balances as the batch knows them. Any other
    posting, and every other method, writes what is kept first and goes to the database."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.ledger)

    def apply(self, program_id: int, posting: Posting, now: datetime) -> tuple[int, int | None]:
        if program_id != self.batch.program_id or not is_plain_credit(posting):
            ledger = self.written()
            self.batch.forget_member(posting.member_id)
            return ledger.apply(program_id, posting, now)
        entry_id = self.batch.next_entry_id()
        self.batch.kept.credits.append((entry_id, posting, now))
        self.batch.change_member(posting.member_id, _moved(posting))
        return entry_id, None

    # -- passing through ------------------------------------------------------------

    def open_lots(self, member_id: int) -> list[Lot]:
        return self.written().open_lots(member_id)

    def credit_many(self, program_id: int, postings: Sequence[Posting], now: datetime) -> list[int]:
        return self.written().credit_many(program_id, postings, now)

    def next_entry_ids(self, count: int) -> list[int]:
        return self.written().next_entry_ids(count)

    def write_credits(
        self,
        program_id: int,
        credits: Sequence[tuple[int, Posting, datetime]],
    ) -> None:
        self.written().write_credits(program_id, credits)

    def entry(self, program_id: int, entry_id: int) -> Entry | None:
        return self.written().entry(program_id, entry_id)

    def reversals_of(self, entry_id: int) -> list[Entry]:
        return self.written().reversals_of(entry_id)

    def lots_of(self, entry_id: int) -> list[tuple[Lot, str | None]]:
        return self.written().lots_of(entry_id)

    def expired_from(self, lot_id: int) -> int:
        return self.written().expired_from(lot_id)

    def net_drawn(
        self,
        *,
        entry_id: int | None = None,
        hold_id: int | None = None,
    ) -> list[tuple[Lot, int]]:
        return self.written().net_drawn(entry_id=entry_id, hold_id=hold_id)

    def hold(self, program_id: int, hold_id: int) -> Hold | None:
        return self.written().hold(program_id, hold_id)

    def due_holds(
        self,
        program_id: int,
        now: datetime,
        limit: int,
        *,
        member_id: int | None = None,
    ) -> list[Hold]:
        return self.written().due_holds(program_id, now, limit, member_id=member_id)

    def members_due(self, program_id: int, now: datetime, limit: int) -> list[int]:
        return self.written().members_due(program_id, now, limit)

    def history(self, member_id: int, before: int | None, limit: int) -> Page:
        return self.written().history(member_id, before, limit)

    def member_history(
        self, program_id: int, external_id: str, before: int | None, limit: int
    ) -> Page:
        return self.written().member_history(program_id, external_id, before, limit)

    def earned_spans(self, entry_ids: list[int]) -> dict[int, tuple[datetime, datetime]]:
        return self.written().earned_spans(entry_ids)

    def expiring_lots(
        self,
        member_id: int,
        now: datetime,
        until: datetime,
    ) -> list[tuple[datetime, int]]:
        return self.written().expiring_lots(member_id, now, until)

    def expiring(self, member_id: int, now: datetime, until: datetime) -> int:
        return self.written().expiring(member_id, now, until)

    def standing(
        self, program_id: int, external_id: str, now: datetime, until: datetime
    ) -> Standing | None:
        return self.written().standing(program_id, external_id, now, until)


class BatchVerifier(Through[Verifier]):
    """Not wrapped: writes what is kept, then checks the ledger."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(batch, lambda uow: uow.verifier)

    def check(
        self,
        lifetimes: Mapping[int, Lifetimes],
        anchored: Mapping[int, tuple[int, str]] | None = None,
    ) -> dict[str, Any]:
        return self.written().check(lifetimes, anchored)

    def heads(self) -> dict[int, tuple[int, str]]:
        return self.written().heads()
