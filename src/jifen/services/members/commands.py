"""Members' commands: what an outside caller asks of membership."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class CreateMember:
    external_id: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateMember:
    external_id: str
    changes: dict[str, Any]
