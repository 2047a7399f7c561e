"""What a member may have: active, in a window and tiers, within per-period limits.

A catalogue reward and a lottery's draws are both limited this way; each refusal is the
domain's (``reward_not_available``, ``tier_too_low``, ``redemption_limit_reached``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from jifen.domain.definition import ProgramDefinition
from jifen.domain.redemption import Limit
from jifen.services.ledger import Book


class Limited(Protocol):
    """What a member may have only within a window, some tiers and per-period limits:
    a reward, a lottery's draws."""

    @property
    def limits(self) -> tuple[Limit, ...]: ...
    def check(self, when: datetime, tier: str | None, /) -> None: ...
    def check_limits(self, local: datetime, used: Mapping[str, int], n: int, /) -> None: ...


def check_allowed(
    rules: ProgramDefinition,
    book: Book,
    item: Limited,
    taken: Iterable[tuple[datetime, int]],
    n: int,
    now: datetime,
) -> None:
    """The member may have ``n`` more of ``item``: active, in its window and tiers, and
    within its limits given what they ``taken`` before (when, how many)."""
    book.member.require_active()
    tz = book.program.tz
    tier = rules.tiers.effective(book.member.tiering, now).code if rules.tiers.levels else None
    item.check(now, tier)
    used: Counter[str] = Counter()
    for when, units in taken:
        for limit in item.limits:
            used[limit.key(when.astimezone(tz))] += units
    item.check_limits(now.astimezone(tz), used, n)
