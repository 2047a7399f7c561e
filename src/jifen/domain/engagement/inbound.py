"""A platform's signed webhook, checked as the Standard Webhooks specification says.

The request carries ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` over
``{id}.{timestamp}.{body}``, keyed with the source's secret (``whsec_`` and base64). The
tests sign with the ``standardwebhooks`` package, the specification's reference, and this
verifies; the time and the secrets are jifen's (the package's ``verify`` reads the wall
clock and takes one secret):

- the timestamp must be within ``TOLERANCE`` of jifen's clock (a replay later is refused);
- during a rotation the previous secret is still accepted until ``previous_until``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

TOLERANCE = timedelta(minutes=5)  # the specification's suggestion
#: how long a rotated-out secret is still accepted: a platform's own deploy of the new one
ROTATION_GRACE = timedelta(hours=24)
MAX_ID = 128


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


PREFIX = "whsec_"


def signed(secret: str, message_id: str, when: datetime, body: bytes) -> str:
    """The ``webhook-signature`` a sender with ``secret`` gives ``body`` at ``when``."""
    key = base64.b64decode(secret.removeprefix(PREFIX) + "==")  # padding forgiven
    content = f"{message_id}.{int(when.timestamp())}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verified(
    headers: Mapping[str, str], body: bytes, keys: Sequence[str], now: datetime
) -> str | None:
    """The message id, if ``headers`` sign ``body`` with one of ``keys`` at a time within
    ``TOLERANCE`` of ``now``; None otherwise."""
    message_id = headers.get("webhook-id") or ""
    stamp = headers.get("webhook-timestamp") or ""
    passed = (headers.get("webhook-signature") or "").split(" ")
    if not message_id or len(message_id) > MAX_ID or not stamp.isascii() or not stamp.isdigit():
        return None
    try:
        when = datetime.fromtimestamp(int(stamp), UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if abs(now - when) > TOLERANCE:
        return None
    for key in keys:
        expected = signed(key, message_id, when, body).encode()
        if any(hmac.compare_digest(expected, p.encode()) for p in passed if p):
            return message_id
    return None
