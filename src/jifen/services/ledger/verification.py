"""Proving the ledger's invariants and its chains: see ``jifen verify``."""

from __future__ import annotations

from typing import Any

from jifen.domain.earning import Lifetimes
from jifen.domain.ledger.chain import anchor_text, read_anchor
from jifen.services.ledger.ports import LedgerWork
from jifen.services.ports import Clock, SharedWork, WorkFactory
from jifen.services.rulebooks import Rulebooks


def verify(
    uow_factory: WorkFactory[LedgerWork], rulebooks: Rulebooks, against: str | None = None
) -> dict[str, Any]:
    """Recompute every balance and lot from the entries and draws, and every hash chain;
    hold each lot's issued end to what its programme's published versions give.

    ``against`` is an anchor's text (``anchor``): each member's chain must then pass
    through the head it held. Returns ``{"ok": bool, "counts": {...}, "problems":
    {check: n}, "examples": [...]}``; an anchor that cannot be read is ``anchor_unreadable``.
    """
    anchored = None if against is None else read_anchor(against)
    with uow_factory(write=False) as uow:
        return uow.verifier.check(lifetimes(uow, rulebooks), anchored)


def lifetimes(uow: SharedWork, rulebooks: Rulebooks) -> dict[int, Lifetimes]:
    """Per programme that has published a version: how long its points can live."""
    found = {}
    for program in uow.programs.all():
        books = [rulebooks.version(uow, program, v.version) for v in uow.versions.all(program.id)]
        if books:
            graces = [program.policy.returned_points_grace]
            graces += [book.program.policy.returned_points_grace for book in books]
            found[program.id] = Lifetimes.of((book.earning for book in books), graces)
    return found


def anchor(uow_factory: WorkFactory[LedgerWork], clock: Clock) -> str:
    """The chain heads as they stand, as an anchor's text, to keep outside the database."""
    with uow_factory(write=False) as uow:
        return anchor_text(uow.verifier.heads(), clock.now())
