"""Tiers' commands: an operator's floor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SetTierFloor:
    """An operator's override: at least ``tier`` until ``until`` (None: remove it)."""

    member: str
    tier: str | None
    until: datetime | None
    reason: str
    actor: str
