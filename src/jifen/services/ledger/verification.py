"""Proving the ledger's invariants: see ``jifen verify``."""

from __future__ import annotations

from typing import Any

from jifen.services.ledger.ports import LedgerWork
from jifen.services.ports import WorkFactory


def verify(uow_factory: WorkFactory[LedgerWork]) -> dict[str, Any]:
    """Recompute every balance and lot from the entries and draws.

    Returns ``{"ok": bool, "counts": {...}, "problems": {check: n}, "examples": [...]}``.
    """
    with uow_factory(write=False) as uow:
        return uow.verifier.check()
