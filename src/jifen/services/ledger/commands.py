"""The ledger's commands: points earned, spent, adjusted, held and reversed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Earn:
    member: str
    points: int
    source: str = "activity"
    reference: str | None = None
    rule_id: str | None = None
    available_at: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Redeem:
    member: str
    points: int
    reference: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Adjust:
    """A manual change by an operator: positive credits, negative debits.

    ``reason`` is internal (the audit log keeps it; the member never sees it); ``note``,
    if any, is what the member's history shows.
    """

    member: str
    points: int
    reason: str
    actor: str
    expires_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class PlaceHold:
    member: str
    points: int
    ttl_seconds: int | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CaptureHold:
    hold_id: int
    points: int | None = None


@dataclass(frozen=True)
class ReleaseHold:
    hold_id: int


@dataclass(frozen=True)
class Reverse:
    entry_id: int
    points: int | None = None  # all that is left by default
    reason: str | None = None
    actor: str | None = None
