"""Imports' commands: an opening balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OpenBalance:
    """One lot of a member's points brought in from the system a brand leaves.

    ``expires_at`` None: the programme's expiry policy, counted from
    ``earned_at`` (None: when the row is imported).
    """

    member: str
    points: int
    reference: str = "opening"
    expires_at: datetime | None = None
    earned_at: datetime | None = None
