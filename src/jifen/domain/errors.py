"""Errors raised by the domain and the services.

Every error carries a stable, machine-readable ``code`` (snake_case) that the
API returns in problem+json and the CLI prints; ``detail`` is for people and
``params`` holds the values an integrator may act on.

The tree::

    JifenError
     +-- InvalidInput            bad or missing values            (HTTP 422)
     |    +-- InvalidRequest        a malformed request as a whole   (HTTP 400)
     +-- Unauthenticated         no or unknown credentials        (HTTP 401)
     +-- PermissionDenied        credentials lack a scope         (HTTP 403)
     +-- NotFound                an unknown member, hold, entry   (HTTP 404)
     +-- Conflict                state or key clash               (HTTP 409)
     |    +-- IdempotencyConflict   same key, different request
     +-- RuleViolation           a business rule refuses          (HTTP 422)
          +-- InsufficientPoints
          +-- HoldNotActive
          +-- MemberNotActive
          +-- ReversalExceedsOriginal
"""

from __future__ import annotations

from typing import Any


class JifenError(Exception):
    """Root of every error jifen raises on purpose."""

    code: str = "jifen_error"

    def __init__(self, detail: str, *, code: str | None = None, **params: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class InvalidInput(JifenError):
    code = "invalid_input"


class InvalidRequest(InvalidInput):
    code = "invalid_request"


class Unauthenticated(JifenError):
    code = "unauthenticated"


class PermissionDenied(JifenError):
    code = "permission_denied"


class NotFound(JifenError):
    code = "not_found"


class Conflict(JifenError):
    code = "conflict"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"


class RuleViolation(JifenError):
    code = "rule_violation"


class InsufficientPoints(RuleViolation):
    code = "insufficient_points"


class HoldNotActive(RuleViolation):
    code = "hold_not_active"


class MemberNotActive(RuleViolation):
    code = "member_not_active"


class ReversalExceedsOriginal(RuleViolation):
    code = "reversal_exceeds_original"


__all__ = [
    "Conflict",
    "HoldNotActive",
    "IdempotencyConflict",
    "InsufficientPoints",
    "InvalidInput",
    "InvalidRequest",
    "JifenError",
    "MemberNotActive",
    "NotFound",
    "PermissionDenied",
    "ReversalExceedsOriginal",
    "RuleViolation",
    "Unauthenticated",
]
