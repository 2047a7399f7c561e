"""Draining the outbox: events leave in id order, a batch per transaction.

A batch is read (locked), handed to the publisher, and marked published in
the same transaction: if the publisher raises, nothing is marked and the
batch is offered again next time (delivery is at least once, in order). One
drainer at a time (the ``outbox`` job lock), so order holds across workers.
Ids follow commit order for each member (its writes serialise on its row);
across members, an event that commits late can follow one with a higher id.
"""

from __future__ import annotations

from jifen.services.nightly.ports import JobLocks, NightlyWork
from jifen.services.ports import Clock, Publisher, WorkFactory

JOB = "outbox"
ALL_PROGRAMS = 0  # the outbox is drained for every programme at once


def drain(
    uow_factory: WorkFactory[NightlyWork],
    clock: Clock,
    locks: JobLocks,
    publisher: Publisher,
    *,
    batch: int = 500,
    max_batches: int = 100,
) -> int:
    """Publish up to ``max_batches`` batches of unpublished events; how many were published.

    Returns 0 at once when another worker is draining.
    """
    published = 0
    with locks.hold(ALL_PROGRAMS, JOB) as held:
        if not held:
            return 0
        for _ in range(max_batches):
            with uow_factory() as uow:
                events = uow.outbox_relay.unpublished(batch)
                if not events:
                    break
                publisher.publish(events)
                published += uow.outbox_relay.mark_published([e.id for e in events], clock.now())
                uow.commit()
    return published
