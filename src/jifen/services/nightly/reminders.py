"""Reminders of points about to expire: ``points.expiry_approached`` events, for notifications.

For the night of local day D, a member's open points whose last day is D+n-1
(they expire in n days, 1 <= n <= 30) are summed per last day and belong to
the 1-, 7- or 30-day reminder (the smallest horizon reaching n). Each
(member, last day, horizon) is sent once: the first night it is in reach. So
a normal night sends the 30-day reminder for points whose last day is 29 days
away, and a night after a missed one catches up (with the true ``days``).
Payload: ``member`` (external id), ``points``, ``date`` (the last local day the
points can be used, as ``GET /v1/members/{id}/expiring`` shows it), ``days``
ahead, ``horizon``. Blocked and erased members are not reminded.
"""

from __future__ import annotations

from datetime import datetime

from jifen.domain.days import local_day
from jifen.domain.nightly import reminder_windows
from jifen.domain.programs import Program
from jifen.services.nightly.ports import NightlyWork
from jifen.services.steps import Chunk


def expiry_reminders(
    uow: NightlyWork, program: Program, cutoff: datetime, cursor: int, limit: int, until: int
) -> Chunk:
    day = local_day(cutoff, program.tz)
    forgotten = 0
    if cursor == 0:  # the first lane's first chunk: reminders for days gone by can never be sent
        forgotten = uow.nightly.forget_reminders(program.id, day)
    windows = reminder_windows(day, program.tz)
    sent = uow.nightly.remind(program.id, windows, cursor, limit, cutoff, until)
    counts = {"members": sent.members, "events": sent.events, "forgotten": forgotten}
    return Chunk(sent.last_member_id, sent.members < limit, counts)
