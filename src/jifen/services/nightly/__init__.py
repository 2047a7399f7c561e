"""The night and the worker: settlement, reviews, gifts, reminders, the outbox drained.

- ``lanes``: Walking the members through a night's steps: one lane, or several side by side.
- ``outbox``: Draining the outbox: events leave in id order, a batch per transaction.
- ``pipeline``: The nightly pipeline: ``jifen jobs run`` and the worker run it once per local
  day.
- ``ports``: The nightly pipeline's set-based steps, its checkpoints, and the job locks.
- ``reminders``: Reminders of points about to expire: ``points.expiry_approached`` events, for
  notifications.
- ``settlement``: Settling what is due: expired holds, pending points past their date, lots past
  their end.
- ``worker``: The worker's day: drain the outbox, and run each programme's night once it is due.
"""

from jifen.services.nightly.lanes import (
    StepProgress,
    StepReport,
    lanes_of,
)
from jifen.services.nightly.outbox import (
    drain,
)
from jifen.services.nightly.pipeline import (
    Night,
    members_span,
    night_done,
    nightly,
    run_night,
)
from jifen.services.nightly.settlement import (
    Settled,
    settle_due,
)
from jifen.services.nightly.worker import (
    Tick,
    tick,
)
from jifen.services.steps import EVERYONE

__all__ = [
    "EVERYONE",
    "Night",
    "Settled",
    "StepProgress",
    "StepReport",
    "Tick",
    "drain",
    "lanes_of",
    "members_span",
    "night_done",
    "nightly",
    "run_night",
    "settle_due",
    "tick",
]
