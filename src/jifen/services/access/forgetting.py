"""What the doors keep only for a while, forgotten: an expired code's seed and ticket, and
attempts at a door older than a day.

Every request for a code forgets them too, but a database where nobody asks for one would
keep an expired code's seed indefinitely: the worker forgets them every round, so a copy of
the database holds no seed of an expired code for longer than a round (ADR 0015).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from jifen.services.access.ports import DoorsWork
from jifen.services.ports import Clock, WorkFactory

#: how long attempts at a door are kept; every window counted is shorter
KEEP_ATTEMPTS = timedelta(days=1)


class Forgotten(NamedTuple):
    seeds: int = 0  # expired codes whose seed and ticket were dropped
    attempts: int = 0  # attempts at a door older than KEEP_ATTEMPTS, deleted


def forget_in(uow: DoorsWork, now: datetime) -> Forgotten:
    """Forget, inside an open unit of work, what is stale at ``now``. Idempotent."""
    seeds = uow.access.forget_expired_seeds(now)
    return Forgotten(seeds, uow.doors.forget_before(now - KEEP_ATTEMPTS))


def forget_stale(uow_factory: WorkFactory[DoorsWork], clock: Clock) -> Forgotten:
    """Forget what is stale now, in one transaction of its own; what was forgotten."""
    with uow_factory() as uow:
        forgotten = forget_in(uow, clock.now())
        uow.commit()
    return forgotten
