"""Which lots of a credit to take back, and how much of each.

A credit entry has one lot per rule that produced it (an order's base points,
its threshold bonus, ...). A reversal names either a total (spread over the
lots in order) or an amount per rule (what a refund recomputes).
"""

from __future__ import annotations

from collections.abc import Mapping

from jifen.domain import ledger
from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import NotFound, ReversalExceedsOriginal
from jifen.services.ledger.ports import LedgerWork


def reversed_by_lot(earlier: list[ledger.Entry], key: str = "lots") -> dict[int, int]:
    """Per lot, what earlier reversals took back (or forgave, with key=forgiven_expired)."""
    totals: dict[int, int] = {}
    for entry in earlier:
        for lot_id, n in dict(entry.meta.get(key, {})).items():
            totals[int(lot_id)] = totals.get(int(lot_id), 0) + int(n)
    return totals


def clawback_parts(
    uow: LedgerWork,
    original: ledger.Entry,
    earlier: list[ledger.Entry],
    *,
    amount: int | None = None,
    per_rule: Mapping[str, int] | None = None,
) -> list[tuple[ledger.CreditHistory, int]]:
    lots = uow.ledger.lots_of(original.id)
    if not lots:
        raise NotFound(f"entry {original.id} created no lot", code=LedgerCode.LOT_NOT_FOUND)
    taken = reversed_by_lot(earlier)
    forgiven = reversed_by_lot(earlier, "forgiven_expired")
    parts = []
    left = amount
    for lot, rule_id in lots:
        room = lot.amount - taken.get(lot.id, 0)
        if per_rule is not None:
            want = per_rule.get(rule_id or "", 0)
            if want > room:
                raise ReversalExceedsOriginal(
                    f"rule {rule_id} has {room} points left to reverse", rule=rule_id
                )
        else:
            want = min(room, left or 0)
            left = (left or 0) - want
        if want > 0:
            history = ledger.CreditHistory(
                lot, uow.ledger.expired_from(lot.id), forgiven.get(lot.id, 0)
            )
            parts.append((history, want))
    return parts
