"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter

from jifen.entrypoints.api.deps import JifenDep
from jifen.services.programs import find_program_count

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The server is up and its database answers")
def healthz(jf: JifenDep) -> dict[str, object]:
    return {"status": "ok", "programs": find_program_count(jf.uow(write=False))}
