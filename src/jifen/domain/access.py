"""Signing in to the member portal: one-time codes and sessions.

A code is six digits, good for ten minutes and five tries. Only a keyed hash
of each code and of each session token is stored. The code itself is never
written anywhere: it is derived, when the message is delivered, from a random
per-code seed and the installation's key (``code_from_seed``); the seed is
dropped when the code is used or burnt, and forgotten once it expires. A copy
of the database without the key opens no one's account, and after the codes'
ten minutes not even with it (ADR 0015).

A code is tried only together with the ticket of the browser that asked for
it, so someone else's wrong guesses cannot burn a member's fresh code.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import Unauthenticated

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
CODE_TRIES = 5
SESSION_TTL = timedelta(days=30)


def keyed_hash(secret: str, key: str) -> str:
    """HMAC-SHA256 of ``secret`` under the installation's key, in hex."""
    return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def code_from_seed(seed: str, key: str) -> str:
    """The six digits a code's seed stands for, under the installation's key."""
    digest = hmac.new(key.encode(), f"signin-code:{seed}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class SigninCode:
    id: int
    member_id: int | None  # None: for someone joining, with what they gave in ``enrolment``
    code_hash: str
    expires_at: datetime
    tries: int
    used_at: datetime | None
    program_id: int = 0
    enrolment: dict[str, Any] | None = None

    def spent_by_this_try(self) -> bool:
        """Whether the try being counted now is the code's last."""
        return self.tries + 1 >= CODE_TRIES

    def check(self, code_hash: str, now: datetime) -> None:
        """Refuses a used, expired, exhausted or wrong code, all with one answer."""
        usable = self.used_at is None and now < self.expires_at and self.tries < CODE_TRIES
        if not usable or not hmac.compare_digest(self.code_hash, code_hash):
            raise Unauthenticated(
                "that code is wrong or has expired", code=AccessCode.SIGNIN_CODE_INVALID
            )


@dataclass(frozen=True)
class WebSession:
    token_hash: str
    program_id: int
    member_id: int
    csrf: str
    expires_at: datetime

    def live(self, now: datetime) -> bool:
        return now < self.expires_at
