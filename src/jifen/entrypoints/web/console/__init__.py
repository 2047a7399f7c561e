"""The operator console (``/console/``), one module per section of the product."""

from __future__ import annotations

from fastapi import APIRouter

from jifen.entrypoints.web.console import (
    apikeys,
    catalogue,
    dashboard,
    engagement,
    inbound,
    leaderboards,
    members,
    moderation,
    operators,
    programme,
    referrals,
    rights,
    session,
    till,
)
from jifen.entrypoints.web.console.session import ConsoleSignInRequired, NotAllowed

ROUTERS: tuple[APIRouter, ...] = (
    session.router,
    members.router,
    rights.router,
    dashboard.router,
    referrals.router,
    moderation.router,
    engagement.router,
    leaderboards.router,
    catalogue.router,
    programme.router,
    till.router,
    operators.router,
    apikeys.router,
    inbound.router,
)
__all__ = ["ROUTERS", "ConsoleSignInRequired", "NotAllowed"]
