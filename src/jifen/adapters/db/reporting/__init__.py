"""Reporting in SQL. ``SqlReports`` gives the dashboard's figures for a period and for each
day of it, from a few GROUP BY queries over entries, members and redemptions, never a
Python loop over rows (``figures``).
"""

from jifen.adapters.db.reporting.figures import SqlReports

__all__ = ["SqlReports"]
