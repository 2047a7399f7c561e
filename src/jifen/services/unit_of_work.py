"""The unit of work: every area's repositories in one transaction.

Use cases ask for the part they need (``LedgerWork``, ``EarningWork``...,
each in its area's ``ports.py``); the adapters implement this whole, and
the entrypoints hand it to any use case.
"""

from __future__ import annotations

from typing import Protocol

from jifen.services.engagement.ports import EngagementWork
from jifen.services.imports.ports import ImportWork
from jifen.services.nightly.ports import NightlyWork
from jifen.services.ports import WorkFactory
from jifen.services.redemption.ports import CatalogueWork
from jifen.services.reporting.ports import ReportingWork
from jifen.services.rights.ports import RightsWork


class UnitOfWork(
    NightlyWork,
    ImportWork,
    CatalogueWork,
    ReportingWork,
    RightsWork,
    EngagementWork,  # and AccessWork, through it
    Protocol,
):
    """Every repository, on one connection, in one transaction."""


UnitOfWorkFactory = WorkFactory[UnitOfWork]
