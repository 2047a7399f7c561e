"""API keys, for admins: the programme's keys, revoked or rotated from a page.

A rotation is a POST that redirects (POST-redirect-GET): the new key rides to the
next page in a cookie that lives a minute and is read once, so it is shown once
and a refresh neither rotates again nor shows it again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
from jifen.entrypoints.api.bounds import RowId
from jifen.entrypoints.web.console.session import (
    Prog,
    Staff,
    allow,
    check,
    forget,
    page,
    show_once,
)
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import access

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = "/console/apikeys"
NEW_KEY = "jifen_new_key"
# keys are access to the programme, as operators are: the same permission manages both
MANAGE = Permission.MANAGE_OPERATORS


@router.get("/apikeys")
def keys_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    q = request.query_params
    shown = request.cookies.get(NEW_KEY) if q.get("done") == "rotated" else None
    response = _keys(request, lang, prog, staff, done=q.get("done"), which=q.get("id"), new=shown)
    return forget(request, response, NEW_KEY, PAGE)


@router.post("/apikeys/{key_id}/revoke")
def revoke(
    request: Request,
    key_id: RowId,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
) -> Response:
    check(csrf, staff[1])
    allow(staff, MANAGE)
    jf = jifen(request)
    try:
        access.revoke_key(jf.uow(), jf.clock, prog, key_id, staff[0].actor)
    except JifenError as exc:
        return _keys(request, lang, prog, staff, 422, error=exc.code)
    return RedirectResponse(f"{PAGE}?done=revoked&id={key_id}", status_code=303)


@router.post("/apikeys/{key_id}/rotate")
def rotate(
    request: Request,
    key_id: RowId,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
) -> Response:
    check(csrf, staff[1])
    allow(staff, MANAGE)
    jf = jifen(request)
    try:
        key, made = access.rotate_key(jf.uow(), jf.clock, prog, key_id, staff[0].actor)
    except JifenError as exc:
        return _keys(request, lang, prog, staff, 422, error=exc.code)
    return show_once(request, PAGE, f"{PAGE}?done=rotated&id={made.id}", NEW_KEY, key)


def _keys(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    allow(staff, MANAGE)
    jf = jifen(request)
    keys = access.list_keys(jf.uow(write=False), prog)
    return page(
        request, lang, "console/apikeys.html", staff, status, program=prog, keys=keys, **extra
    )
