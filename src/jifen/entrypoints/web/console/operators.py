"""Operators, for admins: who may use the console, in which role; new accounts and passwords."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import Permission, Role
from jifen.entrypoints.web.console.session import Prog, Staff, allow, check, page
from jifen.entrypoints.web.portal import Lang, jifen
from jifen.services import access

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/operators")
def operators_page(request: Request, lang: Lang, prog: Prog, staff: Staff) -> Response:
    q = request.query_params
    return _operators(request, lang, prog, staff, done=q.get("done"), who=q.get("who"))


@router.post("/operators")
def create(
    request: Request,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    username: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=128)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.MANAGE_OPERATORS)
    jf = jifen(request)
    try:
        access.create_operator(
            jf.uow(), jf.clock, jf.passwords, username, name, role, password, staff[0].actor
        )
    except JifenError as exc:
        form = {"username": username, "name": name, "role": role}
        return _operators(request, lang, prog, staff, 422, error=exc.code, form=form)
    return _done("created", username)


@router.post("/operators/{username}")
def change(
    request: Request,
    username: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    role: Annotated[str, Form(max_length=16)],
    active: Annotated[str, Form(pattern="^(yes|no)$")],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.MANAGE_OPERATORS)
    jf = jifen(request)
    try:
        access.change_operator(
            jf.uow(), jf.clock, staff[0], username, role=role, active=active == "yes"
        )
    except JifenError as exc:
        return _operators(request, lang, prog, staff, 422, error=exc.code, who=username)
    return _done("changed", username)


@router.post("/operators/{username}/password")
def new_password(
    request: Request,
    username: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.MANAGE_OPERATORS)
    jf = jifen(request)
    try:
        access.set_password(jf.uow(), jf.clock, jf.passwords, staff[0], username, password)
    except JifenError as exc:
        return _operators(request, lang, prog, staff, 422, error=exc.code, who=username)
    if username == staff[0].username:  # their own sessions have ended, this one too
        return RedirectResponse("/console/sign-in", status_code=303)
    return _done("password", username)


@router.post("/operators/{username}/unlock")
def unlock(
    request: Request,
    username: str,
    lang: Lang,
    prog: Prog,
    staff: Staff,
    csrf: Annotated[str, Form()],
) -> Response:
    check(csrf, staff[1])
    allow(staff, Permission.MANAGE_OPERATORS)
    jf = jifen(request)
    try:
        access.unlock(
            jf.uow(), jf.clock, username, jf.settings.secret_key, by=staff[0], actor=staff[0].actor
        )
    except JifenError as exc:
        return _operators(request, lang, prog, staff, 422, error=exc.code, who=username)
    return _done("unlocked", username)


def _done(what: str, username: str) -> Response:
    return RedirectResponse(
        f"/console/operators?done={what}&who={quote(username)}", status_code=303
    )


def _operators(
    request: Request, lang: Lang, prog: Prog, staff: Staff, status: int = 200, **extra: Any
) -> Response:
    allow(staff, Permission.MANAGE_OPERATORS)
    extra.setdefault("form", {"username": "", "name": "", "role": Role.CASHIER.value})
    jf = jifen(request)
    people = access.everyone(jf.uow(write=False))
    locked = access.locked_out(
        jf.uow(write=False), jf.clock, [p.username for p in people], jf.settings.secret_key
    )
    return page(
        request,
        lang,
        "console/operators.html",
        staff,
        status,
        program=prog,
        people=people,
        locked=locked,
        roles=[r.value for r in Role],
        **extra,
    )
