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
          +-- RewardNotAvailable      outside the reward's window
          +-- TierTooLow              a tier-only reward
          +-- RedemptionLimitReached  the member's per-period limit
          +-- OffsetBelowMinimum      order too small for a cash offset
          +-- RewardOutOfStock        none left (never oversold)
          +-- RedemptionNotPending    capture/release of one no longer held
          +-- RedemptionNotCancellable  past its policy, or its voucher used
          +-- VoucherNotUsable        used, expired, cancelled, below its minimum
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


class RewardNotAvailable(RuleViolation):
    code = "reward_not_available"


class TierTooLow(RuleViolation):
    code = "tier_too_low"


class RedemptionLimitReached(RuleViolation):
    code = "redemption_limit_reached"


class OffsetBelowMinimum(RuleViolation):
    code = "order_below_offset_minimum"


class RewardOutOfStock(RuleViolation):
    code = "reward_out_of_stock"


class RedemptionNotPending(RuleViolation):
    """Capture or release of a redemption that is no longer held."""

    code = "redemption_not_held"


class RedemptionNotCancellable(RuleViolation):
    code = "redemption_not_cancellable"


class VoucherNotUsable(RuleViolation):
    """A voucher already used, expired, cancelled or below its minimum spend (see ``code``)."""

    code = "voucher_not_usable"


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
    "OffsetBelowMinimum",
    "PermissionDenied",
    "RedemptionLimitReached",
    "RedemptionNotCancellable",
    "RedemptionNotPending",
    "ReversalExceedsOriginal",
    "RewardNotAvailable",
    "RewardOutOfStock",
    "RuleViolation",
    "TierTooLow",
    "Unauthenticated",
    "VoucherNotUsable",
]
