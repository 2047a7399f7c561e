"""API keys over HTTP, for a key with the admin scope: list, revoke, rotate.

A rotation answers the new key once; it is stored only as a hash, so the answer
is not replayed: a retried rotation is refused with ``apikey_revoked``, which
names the replacement (list the keys, rotate that one if its key was lost).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict

from jifen.entrypoints.api.deps import Admin
from jifen.services import access

router = APIRouter(prefix="/v1", tags=["apikeys"])
KeyId = Annotated[int, Path(ge=1, le=2**63 - 1, description="the key's id, from the list")]


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    scopes: list[str]
    active: bool
    created_at: datetime | None
    revoked_at: datetime | None
    replaced_by: int | None


class ApiKeysOut(BaseModel):
    items: list[ApiKeyOut]


class RotatedOut(ApiKeyOut):
    key: str


@router.get("/apikeys", response_model=ApiKeysOut, summary="List the programme's API keys")
def list_keys(caller: Admin) -> ApiKeysOut:
    found = access.list_keys(caller.jf.uow(write=False), caller.program)
    return ApiKeysOut(items=[ApiKeyOut.model_validate(k) for k in found])


@router.post(
    "/apikeys/{key_id}/revoke",
    response_model=ApiKeyOut,
    summary="Revoke a key: it stops working within a second on every server process",
)
def revoke(key_id: KeyId, caller: Admin) -> ApiKeyOut:
    jf = caller.jf
    done = access.revoke_key(jf.uow(), jf.clock, caller.program, key_id, caller.principal.actor)
    return ApiKeyOut.model_validate(done)


@router.post(
    "/apikeys/{key_id}/rotate",
    response_model=RotatedOut,
    summary="Rotate a key: a new one with its name and scopes, shown once; the old one revoked",
)
def rotate(key_id: KeyId, caller: Admin) -> RotatedOut:
    jf = caller.jf
    key, made = access.rotate_key(
        jf.uow(), jf.clock, caller.program, key_id, caller.principal.actor
    )
    return RotatedOut(key=key, **ApiKeyOut.model_validate(made).model_dump())
