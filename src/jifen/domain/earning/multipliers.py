"""Combining multipliers, and attributing the extra points to each of them.

With base points B on a line and multipliers x2 (first purchase of the week)
and x3 (gold tier) on it:

* ``add`` (default): B x (1 + 1 + 2) = 4B; the x2 rule earns B, the tier 2B.
* ``multiply``: B x 2 x 3 = 6B; in priority order the x2 rule earns B, the tier 3B.
* ``max``: B x 3 = 3B; the tier earns 2B, the x2 rule nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from jifen.domain.earning.rules import Stacking
from jifen.domain.money import round_points


class Applied(NamedTuple):
    rule_id: str
    factor: Decimal
    lines: frozenset[int]  # indices of the order lines it applies to


def extras(
    applied: list[Applied], line_base: list[int], stacking: Stacking, rounding: str
) -> dict[str, int]:
    """Extra points earned by each multiplier over the base points."""
    if stacking is Stacking.ADD:
        return _added(applied, line_base, rounding)
    raw: dict[str, Decimal] = {a.rule_id: Decimal(0) for a in applied}
    for i, base in enumerate(line_base):
        on_line = [a for a in applied if i in a.lines]
        if not on_line or base == 0:
            continue
        if stacking is Stacking.MULTIPLY:
            current = Decimal(base)
            for a in on_line:
                raw[a.rule_id] += current * (a.factor - 1)
                current *= a.factor
        else:
            best = max(on_line, key=lambda a: a.factor)
            raw[best.rule_id] += base * (best.factor - 1)
    return {rule_id: max(round_points(v, rounding), 0) for rule_id, v in raw.items()}


def _added(applied: list[Applied], line_base: list[int], rounding: str) -> dict[str, int]:
    """Under ``add`` each multiplier earns (factor - 1) x the base points it covers."""
    out = {}
    n = len(line_base)
    for a in applied:
        covered = sum(line_base[i] for i in a.lines if i < n)
        whole = int(a.factor)
        extra = (
            covered * (whole - 1)
            if whole == a.factor  # the usual x2, x3: integers, no Decimal arithmetic
            else round_points(covered * (a.factor - 1), rounding)
        )
        out[a.rule_id] = max(extra, 0)
    return out
