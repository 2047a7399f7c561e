"""A member's data rights in the console: their data downloaded, their erasure confirmed."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, PageNotFound, jifen
from jifen.services import members, rights
from jifen.services.idempotency import encode
from jifen.services.rights import EraseMember

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/members/{external_id}/export")
def export(request: Request, external_id: str, prog: Prog, staff: Staff) -> Response:
    allow(staff, Permission.EXPORT_MEMBERS)
    jf = jifen(request)
    try:
        found = rights.export_member(jf.uow(write=False), jf.clock, prog, external_id)
    except JifenError:
        raise PageNotFound from None
    body = json.dumps(encode(found), indent=2, ensure_ascii=False)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in external_id)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="member-{name}.json"'},
    )


@router.get("/members/{external_id}/erase")
def confirm_erasure(
    request: Request, external_id: str, lang: Lang, prog: Prog, staff: Staff
) -> Response:
    return _confirm(request, lang, prog, staff, external_id)


@router.post("/members/{external_id}/erase")
def erase(
    request: Request,
    external_id: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    nonce: Annotated[str, Form(min_length=8, max_length=64)],
    confirm: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.ERASE_MEMBERS)
    if confirm.strip() != external_id:
        return _confirm(
            request, lang, prog, staff, external_id, error="erasure_not_confirmed", status=422
        )
    jf = jifen(request)
    who = staff[0]
    cmd = EraseMember(external_id, who.actor)
    try:
        rights.erase_member(jf.uow(), jf.clock, prog, cmd, f"console:{who.id}:{nonce}")
    except JifenError as exc:
        return _confirm(request, lang, prog, staff, external_id, error=exc.code, status=422)
    return RedirectResponse("/console/?done=erased", status_code=303)


def _confirm(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    external_id: str,
    status: int = 200,
    error: str | None = None,
) -> Response:
    allow(staff, Permission.ERASE_MEMBERS)
    jf = jifen(request)
    try:
        me = members.get_member(jf.uow(write=False), jf.clock, prog, external_id)
    except JifenError:
        raise PageNotFound from None
    return page(
        request,
        lang,
        "console/erase.html",
        staff,
        status,
        program=prog,
        me=me,
        nonce=secrets.token_urlsafe(16),
        error=error,
    )
