"""Figures for operators and finance.

- ``period``: What the programme did over a period, for the console's dashboard and for finance.
- ``ports``: Aggregates for the dashboard and finance.
"""

from jifen.services.reporting.period import (
    Dashboard,
    Day,
    dashboard,
)

__all__ = [
    "Dashboard",
    "Day",
    "dashboard",
]
