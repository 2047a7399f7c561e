"""Console sign-in and what every console page shares: who is signed in, their role, CSRF.

Every page checks the operator's role (``domain.operators``); a form they may
not use is not shown, and posting it anyway is refused with 403. Every write
goes through the same services as the API, named ``console:<username>`` in the
ledger and the audit log, with a one-off nonce as its idempotency key.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jifen.domain.errors import JifenError
from jifen.domain.operators import CONSOLE_SESSION_TTL, Operator, Permission
from jifen.domain.programs import Program
from jifen.entrypoints.web.portal import (
    ANON_CSRF,
    Lang,
    check_token,
    client_address,
    jifen,
    render,
)
from jifen.services import access, programs
from jifen.services.access.ports import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
SESSION = "jifen_console"


class ConsoleSignInRequired(Exception):
    """A console page without a signed-in operator: the app sends them to sign in."""


class NotAllowed(Exception):
    """The operator's role does not allow this: the app answers 403."""


def program(request: Request) -> Program:
    jf = jifen(request)
    return programs.find_program(jf.uow(write=False), jf.settings.portal_program)


def operator(request: Request) -> tuple[Operator, ConsoleSession]:
    jf = jifen(request)
    found = access.operator_signed_in(
        jf.uow(write=False), jf.clock, request.cookies.get(SESSION), jf.settings.secret_key
    )
    if found is None:
        raise ConsoleSignInRequired
    return found


Prog = Annotated[Program, Depends(program)]
Staff = Annotated[tuple[Operator, ConsoleSession], Depends(operator)]


def page(
    request: Request, lang: Lang, name: str, staff: Staff, status: int = 200, **ctx: Any
) -> Response:
    who, session = staff
    return render(request, lang, name, status, operator=who, csrf=session.csrf, **ctx)


@router.get("/sign-in")
def sign_in_page(request: Request, lang: Lang, prog: Prog) -> Response:
    token = request.cookies.get(ANON_CSRF) or secrets.token_urlsafe(24)
    response = render(request, lang, "console/sign_in.html", program=prog, csrf=token)
    cookie(request, response, ANON_CSRF, token, 3600)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    lang: Lang,
    prog: Prog,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form()],
) -> Response:
    check_token(csrf, request.cookies.get(ANON_CSRF))
    jf = jifen(request)
    try:
        token, _, _ = access.sign_in(
            jf.uow(),
            jf.clock,
            jf.passwords,
            username,
            password,
            jf.settings.secret_key,
            address=client_address(request),
        )
    except JifenError as exc:
        return render(
            request, lang, "console/sign_in.html", 401, program=prog, csrf=csrf, error=exc.code
        )
    response = RedirectResponse("/console/", status_code=303)
    cookie(request, response, SESSION, token, int(CONSOLE_SESSION_TTL.total_seconds()))
    return response


@router.post("/sign-out")
def sign_out(request: Request, staff: Staff, csrf: Annotated[str, Form()]) -> Response:
    check(csrf, staff[1])
    jf = jifen(request)
    access.operator_sign_out(jf.uow(), request.cookies.get(SESSION, ""), jf.settings.secret_key)
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(SESSION, path="/console")
    return response


def allow(staff: Staff, permission: Permission) -> None:
    if not staff[0].may(permission):
        raise NotAllowed


def check(sent: str, session: ConsoleSession) -> None:
    check_token(sent, session.csrf)


def cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    secure = jifen(request).settings.secure_cookies
    response.set_cookie(
        name, value, max_age=age, httponly=True, samesite="strict", secure=secure, path="/console"
    )


def show_once(request: Request, page: str, location: str, name: str, value: str) -> Response:
    """Redirect (POST-redirect-GET) to ``location``, on ``page``, which shows ``value`` (a
    new key or secret) once: it rides in a cookie of that page that lives a minute and is
    forgotten once read (:func:`forget`), so a refresh neither shows it nor posts again."""
    response = RedirectResponse(location, status_code=303)
    secure = jifen(request).settings.secure_cookies
    response.set_cookie(
        name, value, max_age=60, httponly=True, samesite="strict", secure=secure, path=page
    )
    return response


def forget(request: Request, response: Response, name: str, page: str) -> Response:
    """The page was rendered: the value :func:`show_once` sent it is not sent again, nor
    kept by the browser's cache (or its Back button)."""
    if request.cookies.get(name):
        response.delete_cookie(name, path=page)
    response.headers["Cache-Control"] = "no-store"
    return response
