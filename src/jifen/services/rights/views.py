"""What the rights area's use cases return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Erased:
    """An erasure done: the pseudonym the member's ledger keeps, and what was forfeited."""

    member: str  # the pseudonym, erased-<id>: the old id is gone
    status: str
    forfeited: int  # points given up (available and pending)
    entry_id: int | None  # the forfeit entry, when there were points
    erased_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class MemberExport:
    """A member's data as ``jifen.member-export/1`` (docs/api.md): JSON values only."""

    format: str
    exported_at: str
    program: str
    profile: dict[str, Any]
    consents: list[dict[str, Any]]
    balances: dict[str, int]
    lots: list[dict[str, Any]]
    history: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    redemptions: list[dict[str, Any]]
    vouchers: list[dict[str, Any]]
    #: activities, task_proofs, challenges, badges, leaderboards
    engagement: dict[str, list[dict[str, Any]]]
    referral: dict[str, Any]
