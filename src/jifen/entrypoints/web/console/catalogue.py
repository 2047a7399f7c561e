"""The catalogue's stock, counted at the shelf, and campaigns with their budgets."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import earning, redemption
from jifen.services.redemption import SetStock

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/catalogue")
def catalogue_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    return _catalogue(request, lang, prog, staff, done=request.query_params.get("done"))


@router.post("/catalogue/{code}/stock")
def count_stock(
    request: Request,
    code: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    remaining: Annotated[int, Form(ge=0, le=10**9)],
    reason: Annotated[str, Form(max_length=500)],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.MANAGE_STOCK)
    jf = jifen(request)
    cmd = SetStock(code, remaining, reason, staff[0].actor)
    try:
        redemption.set_stock(
            jf.uow(), jf.clock, jf.rulebooks, prog, cmd, f"console:{staff[0].id}:{nonce}"
        )
    except JifenError as exc:
        return _catalogue(request, lang, prog, staff, 422, error=exc.code)
    return RedirectResponse("/console/catalogue?done=stock", status_code=303)


def _catalogue(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    allow(staff, Permission.MANAGE_STOCK)
    jf = jifen(request)
    return page(
        request,
        lang,
        "console/catalogue.html",
        staff,
        status,
        program=prog,
        rewards=redemption.rewards(jf.uow(write=False), jf.clock, jf.rulebooks, prog),
        campaigns=earning.campaigns(jf.uow(write=False), jf.clock, jf.rulebooks, prog),
        nonce=secrets.token_urlsafe(16),
        **extra,
    )
