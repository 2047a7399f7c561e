"""API keys: created once, shown once, stored as a hash, checked per request.

A key reads ``jf_<prefix>_<secret>``; the prefix finds the record, the secret
is compared by its SHA-256 (keys are 256-bit random, so a slow password hash
would add cost without adding safety). An admin lists, revokes and rotates a
programme's keys; a rotation revokes the old key and makes a new one with its
name and scopes, shown once. Neither a key nor a rotation's answer is stored,
so a retried rotation is refused with ``apikey_revoked`` naming the replacement.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from jifen.domain.error_codes import AccessCode
from jifen.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from jifen.domain.programs import Program
from jifen.services.access.ports import AccessWork, ApiKeyRecord
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

    def allows(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def require(self, scope: str) -> None:
        if not self.allows(scope):
            raise PermissionDenied(f"this key lacks the {scope} scope", scope=scope)


@dataclass(frozen=True)
class ApiKey:
    """A key as an admin sees it: never its secret."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime | None
    revoked_at: datetime | None
    replaced_by: int | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


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
    now = clock.now()
    with uow:
        presented, key_id = _add(uow, program.id, name, sorted(set(scopes)), now)
        uow.audit.record(
            program.id,
            actor,
            "apikey.create",
            name,
            {"key_id": key_id, "scopes": sorted(set(scopes))},
            now,
        )
        uow.commit()
    return presented


def list_keys(uow: AccessWork, program: Program) -> list[ApiKey]:
    """Every key of the programme, revoked ones too, oldest first."""
    with uow:
        return [_view(r) for r in uow.apikeys.of_program(program.id)]


def revoke_key(uow: AccessWork, clock: Clock, program: Program, key_id: int, actor: str) -> ApiKey:
    """Revoke a key; revoking it again answers the same (the first revocation stands)."""
    now = clock.now()
    with uow:
        record = _record(uow, program, key_id)
        if not record.revoked:
            uow.apikeys.revoke(record.id, now)
            uow.audit.record(
                program.id, actor, "apikey.revoke", record.name, {"key_id": record.id}, now
            )
        uow.commit()
        return _view(_record(uow, program, key_id))


def rotate_key(
    uow: AccessWork, clock: Clock, program: Program, key_id: int, actor: str
) -> tuple[str, ApiKey]:
    """A new key with the old one's name and scopes; the old one is revoked at once."""
    now = clock.now()
    with uow:
        old = _record(uow, program, key_id)
        if old.revoked:
            raise Conflict(
                f"API key {key_id} is revoked",
                code=AccessCode.APIKEY_REVOKED,
                key_id=key_id,
                replaced_by=old.replaced_by,
            )
        presented, new_id = _add(uow, program.id, old.name, sorted(old.scopes), now)
        uow.apikeys.revoke(old.id, now, replaced_by=new_id)
        uow.audit.record(
            program.id, actor, "apikey.rotate", old.name, {"key_id": old.id, "new": new_id}, now
        )
        uow.commit()
        return presented, _view(_record(uow, program, new_id))


def authenticate(uow: AccessWork, presented: str | None) -> Principal:
    if not presented:
        raise Unauthenticated("an API key is required (Authorization: Bearer <key>)")
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "jf":
        raise Unauthenticated("the API key is malformed")
    with uow:
        record = uow.apikeys.by_prefix(parts[1])
    if record is None or not hmac.compare_digest(record.secret_hash, _hash(parts[2])):
        raise Unauthenticated("the API key is not valid")
    if record.revoked:
        raise Unauthenticated("the API key has been revoked")
    return Principal(record.id, record.program_id, record.name, record.scopes)


def _add(
    uow: AccessWork, program_id: int, name: str, scopes: list[str], now: datetime
) -> tuple[str, int]:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key_id = uow.apikeys.add(program_id, name, prefix, _hash(secret), scopes, now)
    return f"jf_{prefix}_{secret}", key_id


def _record(uow: AccessWork, program: Program, key_id: int) -> ApiKeyRecord:
    found = uow.apikeys.by_id(program.id, key_id)
    if found is None:
        raise NotFound(
            f"no API key {key_id} in this programme",
            code=AccessCode.APIKEY_NOT_FOUND,
            key_id=key_id,
        )
    return found


def _view(record: ApiKeyRecord) -> ApiKey:
    return ApiKey(
        record.id,
        record.name,
        record.prefix,
        sorted(record.scopes),
        record.created_at,
        record.revoked_at,
        record.replaced_by,
    )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
