"""Publishers of outbox events. Notification and webhook sinks come later, beside this one."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from jifen.services.ports import OutboxEvent

log = logging.getLogger("jifen.outbox")


class LoggingPublisher:
    """Logs one line per batch: what an installation without sinks does with its events."""

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        if events:
            log.info("published %d events, ids %d..%d", len(events), events[0].id, events[-1].id)
