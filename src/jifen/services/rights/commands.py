"""The rights area's commands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EraseMember:
    """Erase a member's personal data and forfeit their points; ``actor`` is audited."""

    member: str
    actor: str
