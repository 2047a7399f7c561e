"""Engagement's commands: what an outside caller asks when someone joins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Enrol:
    """Someone joins the programme: through the API (``source`` "api"), the portal or the
    console. ``consents``: marketing answers by channel (email, sms, push); None records
    none (nothing is agreed to). ``referral_code``: the friend who invited them.
    ``device``: see below."""

    external_id: str
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    display_name: str | None = None
    language: str | None = None
    consents: dict[str, bool] | None = None
    referral_code: str | None = None
    source: str = "api"
    #: the browser or app joining, as a keyed hash (never the raw id): a referral code used
    #: from a device its owner used is refused
    device: str | None = None


@dataclass(frozen=True)
class VoidReferral:
    """An operator voids the referral of ``member`` (the friend who was referred)."""

    member: str
    reason: str
    actor: str
