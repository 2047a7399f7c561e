"""Task webhooks, for admins: the platforms that may say a member did a task, each with
its own secret, added and rotated from a page (as ``jifen inbound`` does).

A secret is a way to pay points, as an API key is: the same permission manages both. A
new secret rides to the next page in a cookie that lives a minute and is read once
(POST-redirect-GET), so it is shown once and a refresh neither rotates again nor shows it
again. A rotated source keeps accepting its old secret for a day.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission
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
from jifen.services import engagement
from jifen.services.engagement import NewSecret

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = "/console/inbound"
NEW_SECRET = "jifen_new_secret"  # noqa: S105 (the cookie's name, not a secret)
MANAGE = Permission.MANAGE_OPERATORS


@router.get("/inbound")
def sources_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    q = request.query_params
    done = q.get("done")
    shown = request.cookies.get(NEW_SECRET) if done in ("added", "rotated") else None
    response = _sources(request, lang, prog, staff, done=done, which=q.get("name"), new=shown)
    return forget(request, response, NEW_SECRET, PAGE)


@router.post("/inbound")
def add(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    name: Annotated[str, Form(max_length=200)],
) -> Response:
    check(csrf, staff[1])
    allow(staff, MANAGE)
    jf = jifen(request)
    try:
        made = engagement.add_source(jf.uow(), jf.clock, prog, name, staff[0].actor)
    except JifenError as exc:
        return _sources(request, lang, prog, staff, 422, error=exc.code, typed=name)
    return _shown_once(request, made, "added")


@router.post("/inbound/{name}/rotate")
def rotate(
    request: Request,
    name: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
) -> Response:
    check(csrf, staff[1])
    allow(staff, MANAGE)
    jf = jifen(request)
    try:
        made = engagement.rotate_source(jf.uow(), jf.clock, prog, name, staff[0].actor)
    except JifenError as exc:
        return _sources(request, lang, prog, staff, 422, error=exc.code)
    return _shown_once(request, made, "rotated")


def _shown_once(request: Request, made: NewSecret, done: str) -> Response:
    where = f"{PAGE}?done={done}&name={quote(made.name)}"
    return show_once(request, PAGE, where, NEW_SECRET, made.secret)


def _sources(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    allow(staff, MANAGE)
    jf = jifen(request)
    sources = engagement.list_sources(jf.uow(write=False), prog)
    return page(
        request, lang, "console/inbound.html", staff, status,
        program=prog, sources=sources, **extra,
    )  # fmt: skip
