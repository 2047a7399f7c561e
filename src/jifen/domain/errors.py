"""Errors raised by the domain and the services.

Every error carries a stable, machine-readable ``code`` (a member of one of the
enums of :mod:`jifen.domain.error_codes`) that the API returns in problem+json
and the CLI prints; ``detail`` is for people and ``params`` holds the values an
integrator may act on. Each branch of the tree is a *family*: it fixes the HTTP
status (``entrypoints/api/errors.py``) and the CLI's exit code
(``entrypoints/cli/errors.py``), and every code names the family it is raised with.

The tree::

    JifenError
     +-- InvalidInput            bad or missing values              (HTTP 422)
     |    +-- InvalidRequest        a malformed request as a whole     (HTTP 400)
     +-- Unauthenticated         no or unknown credentials          (HTTP 401)
     +-- PermissionDenied        credentials lack a scope           (HTTP 403)
     +-- NotFound                an unknown member, hold, entry     (HTTP 404)
     |    +-- MemberNotFound
     +-- Conflict                state or key clash                 (HTTP 409)
     |    +-- IdempotencyConflict   same key, different request
     |    +-- LedgerConflict        a guarded write lost a race: retry
     +-- RuleViolation           a business rule refuses            (HTTP 422)
     |    +-- InsufficientPoints
     |    +-- HoldNotActive
     |    +-- MemberNotActive
     |    +-- ReversalExceedsOriginal
     |    +-- RewardNotAvailable      outside the reward's window
     |    +-- TierTooLow              a tier-only reward
     |    +-- RedemptionLimitReached  the member's per-period limit
     |    +-- OffsetBelowMinimum      order too small for a cash offset
     |    +-- RewardOutOfStock        none left (never oversold)
     |    +-- RedemptionNotPending    capture/release of one no longer held
     |    +-- RedemptionNotCancellable  past its policy, or its voucher used
     |    +-- VoucherNotUsable        used, expired, cancelled, below its minimum
     +-- LedgerInconsistent      a balance disagrees with its lots  (HTTP 409, and an alert)

    Unavailable                  the database cannot be reached     (HTTP 503, Retry-After)
                                 (beside the tree: an outage is no refusal, see the class)

``LedgerInconsistent`` is no client's doing: the ledger refuses to act on what it
cannot prove rather than guess. Nothing is written, the request is refused with
409 (retrying will not help until an operator repairs the member; ``jifen verify``
names them), and the unit of work logs it as an error as it rolls back (logger
``jifen.ledger``), whichever entrypoint met it, for the operator's alerting.
"""

from __future__ import annotations

from typing import Any, ClassVar

from jifen.domain.error_codes import (
    Code,
    Family,
    LedgerCode,
    MemberCode,
    RedemptionCode,
    RequestCode,
    SystemCode,
)


class JifenError(Exception):
    """Root of every error jifen raises on purpose; raise a branch, never the root."""

    family: ClassVar[Family]
    code: Code

    def __init__(self, detail: str, *, code: Code | None = None, **params: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class InvalidInput(JifenError):
    family = Family.INVALID_INPUT
    code: Code = RequestCode.INVALID_INPUT


class InvalidRequest(InvalidInput):
    family = Family.INVALID_REQUEST
    code: Code = RequestCode.INVALID_REQUEST


class Unauthenticated(JifenError):
    family = Family.UNAUTHENTICATED
    code: Code = RequestCode.UNAUTHENTICATED


class PermissionDenied(JifenError):
    family = Family.PERMISSION_DENIED
    code: Code = RequestCode.PERMISSION_DENIED


class NotFound(JifenError):
    family = Family.NOT_FOUND
    code: Code = RequestCode.NOT_FOUND


class MemberNotFound(NotFound):
    """No member ``external_id`` in the programme (or one that was erased); or, for a record
    that names a member no longer there, no member with the row id ``member_id``."""

    code: Code = MemberCode.NOT_FOUND

    def __init__(self, external_id: str | None = None, *, member_id: int | None = None) -> None:
        if external_id is not None:
            super().__init__(f"member {external_id} not found", member=external_id)
        else:
            super().__init__(f"member #{member_id} not found")


class Conflict(JifenError):
    family = Family.CONFLICT
    code: Code = RequestCode.CONFLICT


class IdempotencyConflict(Conflict):
    code: Code = RequestCode.IDEMPOTENCY_KEY_REUSED


class LedgerConflict(Conflict):
    """A guarded write found its rows changed since they were read: nothing was written."""

    code: Code = LedgerCode.CONFLICT

    def __init__(self, detail: str = "a member changed under this operation; retry") -> None:
        super().__init__(detail)


class RuleViolation(JifenError):
    family = Family.RULE_VIOLATION
    code: Code = RequestCode.RULE_VIOLATION


class InsufficientPoints(RuleViolation):
    code: Code = LedgerCode.INSUFFICIENT_POINTS


class HoldNotActive(RuleViolation):
    code: Code = LedgerCode.HOLD_NOT_ACTIVE


class MemberNotActive(RuleViolation):
    code: Code = MemberCode.NOT_ACTIVE


class ReversalExceedsOriginal(RuleViolation):
    code: Code = LedgerCode.REVERSAL_EXCEEDS_ORIGINAL


class RewardNotAvailable(RuleViolation):
    code: Code = RedemptionCode.REWARD_NOT_AVAILABLE


class TierTooLow(RuleViolation):
    code: Code = RedemptionCode.TIER_TOO_LOW


class RedemptionLimitReached(RuleViolation):
    code: Code = RedemptionCode.LIMIT_REACHED


class OffsetBelowMinimum(RuleViolation):
    code: Code = RedemptionCode.ORDER_BELOW_OFFSET_MINIMUM


class RewardOutOfStock(RuleViolation):
    code: Code = RedemptionCode.REWARD_OUT_OF_STOCK


class RedemptionNotPending(RuleViolation):
    """Capture or release of a redemption that is no longer held."""

    code: Code = RedemptionCode.REDEMPTION_NOT_HELD


class RedemptionNotCancellable(RuleViolation):
    code: Code = RedemptionCode.REDEMPTION_NOT_CANCELLABLE


class VoucherNotUsable(RuleViolation):
    """A voucher already used, expired, cancelled or below its minimum spend (see ``code``)."""

    code: Code = RedemptionCode.VOUCHER_NOT_USABLE


class LedgerInconsistent(JifenError):
    """A member's cached balance disagrees with their lots (see the module's docstring)."""

    family = Family.LEDGER_INCONSISTENT
    code: Code = LedgerCode.INCONSISTENT
    alerted = False  # the operator has been told (the unit of work logs it once)


class Unavailable(Exception):
    """What jifen stands on (its database) cannot be reached: the same request may be sent
    again once it is back (a write with the same idempotency key).

    Not a :class:`JifenError`, on purpose: an outage is no refusal of the request, and every
    ``except JifenError`` (a page that shows a refusal in its own words, an import that
    rejects a row) must let it through, to the one answer an outage has (HTTP 503 with
    ``Retry-After``, the pages' "try again shortly", CLI exit 8). It carries the same
    ``family``, ``code``, ``detail`` and ``params`` as an error of the tree.
    """

    family: ClassVar[Family] = Family.UNAVAILABLE
    code: Code = SystemCode.DATABASE_UNAVAILABLE

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.params: dict[str, Any] = {}

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


FAMILIES: dict[Family, type[JifenError | Unavailable]] = {
    cls.family: cls
    for cls in (
        InvalidInput,
        InvalidRequest,
        Unauthenticated,
        PermissionDenied,
        NotFound,
        Conflict,
        RuleViolation,
        LedgerInconsistent,
        Unavailable,
    )
}

__all__ = [
    "FAMILIES",
    "Conflict",
    "HoldNotActive",
    "IdempotencyConflict",
    "InsufficientPoints",
    "InvalidInput",
    "InvalidRequest",
    "JifenError",
    "LedgerConflict",
    "LedgerInconsistent",
    "MemberNotActive",
    "MemberNotFound",
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
    "Unavailable",
    "VoucherNotUsable",
]
