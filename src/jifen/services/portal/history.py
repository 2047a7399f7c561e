"""The history page: the member's movements, a page at a time, with the names of the rules."""

from __future__ import annotations

from dataclasses import dataclass

from jifen.domain.definition import ProgramDefinition
from jifen.domain.programs import Program
from jifen.services.ledger.ports import LedgerWork
from jifen.services.members import History, find_member, history_of, parse_cursor
from jifen.services.rulebooks import Rulebooks


@dataclass(frozen=True, kw_only=True)
class HistoryPage:
    history: History  # the movements, newest first, and the cursor of the next page
    rules: ProgramDefinition | None  # the current version (None before the first)


def history_page(
    uow: LedgerWork,
    rulebooks: Rulebooks,
    program: Program,
    external_id: str,
    cursor: str | None,
    limit: int,
) -> HistoryPage:
    """One page of the signed-in member's history, from one transaction."""
    before = parse_cursor(cursor)
    with uow:
        member = find_member(uow, program, external_id)
        return HistoryPage(
            history=history_of(uow, member, before, limit),
            rules=rulebooks.current_or_none(uow, program),
        )
