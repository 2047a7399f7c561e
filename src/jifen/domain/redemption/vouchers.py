"""Voucher codes: unique, unguessable, single use, with an end.

A code is 16 characters of Crockford's base 32 (no I, L, O or U), drawn with
``secrets``: 80 bits, so guessing one among a billion issued takes about 10^15
tries. It is shown in groups of four; what a cashier types is read leniently
(any case, spaces or dashes, O for 0, I and L for 1).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

from jifen.domain.error_codes import RedemptionCode
from jifen.domain.errors import VoucherNotUsable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return _grouped(raw)


def normalize(text: str) -> str | None:
    """The code as issued, or None when ``text`` cannot be one."""
    raw = "".join(text.split()).replace("-", "").upper().translate(_READ)
    if len(raw) != LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return _grouped(raw)


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


class VoucherStatus(enum.StrEnum):
    ISSUED = "issued"
    CONSUMED = "consumed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Voucher:
    id: int
    code: str
    redemption_id: int
    member_id: int
    reward: str
    face_value: int  # minor units off a purchase; 0 for a gift voucher
    min_spend: int
    status: VoucherStatus
    expires_at: datetime
    created_at: datetime
    consumed_at: datetime | None = None
    consumed_reference: str | None = None

    def check_usable(self, now: datetime, spend: int | None) -> None:
        """Refuses a voucher already used, cancelled, ended, or below its minimum spend."""
        if self.status is VoucherStatus.CONSUMED:
            raise VoucherNotUsable(
                f"voucher {self.code} was already used",
                code=RedemptionCode.VOUCHER_ALREADY_USED,
                voucher=self.code,
                consumed_at=self.consumed_at.isoformat() if self.consumed_at else None,
            )
        if self.status is VoucherStatus.CANCELLED:
            raise VoucherNotUsable(
                f"voucher {self.code} was cancelled",
                code=RedemptionCode.VOUCHER_CANCELLED,
                voucher=self.code,
            )
        if now >= self.expires_at:
            raise VoucherNotUsable(
                f"voucher {self.code} has expired",
                code=RedemptionCode.VOUCHER_EXPIRED,
                voucher=self.code,
                expires_at=self.expires_at.isoformat(),
            )
        if self.min_spend and (spend is None or spend < self.min_spend):
            raise VoucherNotUsable(
                f"voucher {self.code} needs a purchase of at least {self.min_spend} minor units",
                code=RedemptionCode.VOUCHER_MIN_SPEND_NOT_MET,
                voucher=self.code,
                min_spend=self.min_spend,
            )
