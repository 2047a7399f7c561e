"""The demo programme's members and history.

- ``history``: Synthetic members and a year of history for the demo programme.
"""

from jifen.services.demo.history import (
    DemoClock,
    seed_demo,
    start_of,
)

__all__ = [
    "DemoClock",
    "seed_demo",
    "start_of",
]
