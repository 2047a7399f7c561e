"""Signing in to the member portal: one-time codes and sessions.

A code is six digits, sent through the notification outbox, good for ten
minutes and five tries. Only a keyed hash of each code and of each session
token is stored, so a copy of the database opens no one's account.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import Unauthenticated

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
CODE_TRIES = 5
SESSION_TTL = timedelta(days=30)


def keyed_hash(secret: str, key: str) -> str:
    """HMAC-SHA256 of ``secret`` under the installation's key, in hex."""
    return hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SigninCode:
    id: int
    member_id: int
    code_hash: str
    expires_at: datetime
    tries: int
    used_at: datetime | None

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
