"""What the ledger's use cases return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Receipt:
    """The outcome of one ledger write (one or more entries)."""

    member: str
    kind: str
    points: int  # net change to available + pending + held
    entry_ids: tuple[int, ...]
    available: int
    pending: int
    held: int
    created_at: datetime
    hold_id: int | None = None
    hold_status: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False
