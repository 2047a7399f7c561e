"""API keys: created once, shown once, stored as a hash, checked per request.

A key reads ``jf_<prefix>_<secret>``; the prefix finds the record, the secret
is compared by its SHA-256 (keys are 256-bit random, so a slow password hash
would add cost without adding safety).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from jifen.domain.errors import InvalidInput, PermissionDenied, Unauthenticated
from jifen.domain.programs import Program
from jifen.services.access.ports import AccessWork
from jifen.services.ports import Clock

SCOPES = frozenset(
    {
        "members:read",
        "members:write",
        "ledger:read",
        "ledger:write",
        "admin",
    }
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key of one programme, with its scopes."""

    key_id: int
    program_id: int
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"apikey:{self.name}"

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise PermissionDenied(f"this key lacks the {scope} scope", scope=scope)


def create_key(
    uow: AccessWork, clock: Clock, program: Program, name: str, scopes: list[str], actor: str
) -> str:
    unknown = set(scopes) - SCOPES
    if not scopes or unknown:
        raise InvalidInput(
            f"scopes must be among {', '.join(sorted(SCOPES))}",
            field="scope",
            unknown=sorted(unknown),
        )
    if not name.strip():
        raise InvalidInput("an API key needs a name", field="name")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    with uow:
        key_id = uow.apikeys.add(program.id, name, prefix, _hash(secret), sorted(set(scopes)), now)
        uow.audit.record(
            program.id,
            actor,
            "apikey.create",
            name,
            {"key_id": key_id, "scopes": sorted(set(scopes))},
            now,
        )
        uow.commit()
    return f"jf_{prefix}_{secret}"


def authenticate(uow: AccessWork, presented: str | None) -> Principal:
    if not presented:
        raise Unauthenticated("an API key is required (Authorization: Bearer <key>)")
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "jf":
        raise Unauthenticated("the API key is malformed")
    with uow:
        record = uow.apikeys.by_prefix(parts[1])
    if (
        record is None
        or record.revoked
        or not hmac.compare_digest(record.secret_hash, _hash(parts[2]))
    ):
        raise Unauthenticated("the API key is not valid")
    return Principal(record.id, record.program_id, record.name, record.scopes)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
