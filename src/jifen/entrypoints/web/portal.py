"""The member portal (``/portal/``): sign in with a code, see points, tier and history.

Pages are rendered on the server in the member's language. Every form carries
a CSRF token: the session's once signed in, a cookie's before. A page only
ever shows the signed-in member's own data; there is no member id in a URL.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from jifen.bootstrap import Jifen
from jifen.domain.access import SESSION_TTL, WebSession, keyed_hash
from jifen.domain.errors import JifenError
from jifen.domain.members import Member
from jifen.domain.programs import Program
from jifen.entrypoints.web.i18n import Language, pick
from jifen.entrypoints.web.reasons import describe
from jifen.entrypoints.web.shown import error_words
from jifen.services import access, engagement, programs
from jifen.services.portal import history_page, home_page

router = APIRouter(prefix="/portal", include_in_schema=False)
SESSION = "jifen_portal"
LANG = "jifen_lang"
ANON_CSRF = "jifen_csrf"
TICKET = "jifen_signin"  # which code this browser asked for (ADR 0015)
DEVICE = "jifen_device"  # this browser, for the referral's self-referral check (ADR 0031)
DEVICE_AGE = 2 * 365 * 24 * 3600


class SignInRequired(Exception):
    """Raised by a page that needs a member: the app sends them to sign in."""


def jifen(request: Request) -> Jifen:
    jf: Jifen = request.app.state.jifen
    return jf


def language(request: Request) -> Language:
    languages: dict[str, Language] = request.app.state.languages
    return languages[pick(request.cookies.get(LANG), request.headers.get("accept-language"))]


def program(request: Request) -> Program:
    jf = jifen(request)
    return programs.find_program(jf.uow(write=False), jf.settings.portal_program)


Lang = Annotated[Language, Depends(language)]
Prog = Annotated[Program, Depends(program)]


def member(request: Request, prog: Prog) -> tuple[Member, WebSession]:
    jf = jifen(request)
    found = access.member_signed_in(
        jf.uow(write=False), jf.clock, prog, request.cookies.get(SESSION), jf.settings.secret_key
    )
    if found is None:
        raise SignInRequired
    return found


Signed = Annotated[tuple[Member, WebSession], Depends(member)]


def render(request: Request, lang: Language, name: str, status: int = 200, **ctx: Any) -> Response:
    if isinstance(ctx.get("error"), str):  # a code: its words, or its family's
        ctx["error"] = error_words(lang, ctx["error"])
    html = lang.env.get_template(name).render(request=request, path=request.url.path, **ctx)
    return HTMLResponse(html, status_code=status)


@router.get("/sign-in")
def sign_in_page(request: Request, lang: Lang, prog: Prog) -> Response:
    token = request.cookies.get(ANON_CSRF) or secrets.token_urlsafe(24)
    response = render(request, lang, "portal/sign_in.html", program=prog, csrf=token)
    cookie(request, response, ANON_CSRF, token, 3600)
    keep_device(request, response)
    return response


def keep_device(request: Request, response: Response) -> None:
    """Give this browser a random id of its own, if it has none yet (kept two years)."""
    if not request.cookies.get(DEVICE):
        cookie(request, response, DEVICE, secrets.token_urlsafe(24), DEVICE_AGE)


def device_of(request: Request) -> str | None:
    """This browser's id as jifen keeps it: a keyed hash, never the cookie itself."""
    raw = request.cookies.get(DEVICE)
    if not raw or len(raw) > 64:
        return None
    return keyed_hash(f"device:{raw}", jifen(request).settings.secret_key)


@router.post("/sign-in")
def ask_for_code(
    request: Request,
    lang: Lang,
    prog: Prog,
    contact: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
) -> Response:
    _check_anonymous(request, csrf)
    jf = jifen(request)
    limits = access.SigninLimits(
        per_address=jf.settings.signin_codes_per_address,
        per_program=jf.settings.signin_codes_per_hour,
    )
    with floor(request):
        try:
            ticket = access.request_code(
                jf.uow(),
                jf.clock,
                prog,
                contact,
                jf.settings.secret_key,
                address=client_address(request),
                limits=limits,
            )
        except JifenError as exc:
            return render(
                request, lang, "portal/sign_in.html", 422, program=prog, csrf=csrf, error=exc.code
            )
    response = RedirectResponse(f"/portal/code?contact={quote(contact.strip())}", status_code=303)
    cookie(request, response, TICKET, ticket, 900)
    return response


@router.get("/code")
def code_page(
    request: Request, lang: Lang, prog: Prog, contact: str = "", joining: str = ""
) -> Response:
    token = request.cookies.get(ANON_CSRF) or secrets.token_urlsafe(24)
    response = render(
        request,
        lang,
        "portal/code.html",
        program=prog,
        contact=contact,
        joining=joining[:1],
        csrf=token,
    )
    cookie(request, response, ANON_CSRF, token, 3600)
    keep_device(request, response)
    return response


@router.post("/code")
def check_code(
    request: Request,
    lang: Lang,
    prog: Prog,
    contact: Annotated[str, Form()],
    code: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    joining: Annotated[str, Form()] = "",
) -> Response:
    _check_anonymous(request, csrf)
    jf = jifen(request)
    with floor(request):
        try:  # a member's code signs them in; a code to join makes the member first
            joined = engagement.join_with_code(
                jf.uow(),
                jf.clock,
                jf.rulebooks,
                prog,
                request.cookies.get(TICKET),
                code,
                jf.settings.secret_key,
                device_of(request),
            )
        except JifenError as exc:
            return render(
                request,
                lang,
                "portal/code.html",
                401,
                program=prog,
                contact=contact,
                joining=joining,
                csrf=csrf,
                error=exc.code,
            )
    response = RedirectResponse(
        "/portal/card?welcome=1" if joined.new else "/portal/", status_code=303
    )
    cookie(request, response, SESSION, joined.token, int(SESSION_TTL.total_seconds()))
    response.delete_cookie(ANON_CSRF, path="/portal")
    response.delete_cookie(TICKET, path="/portal")
    return response


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (behind a proxy: the proxy's, unless
    the server is told to trust its forwarded headers)."""
    return request.client.host if request.client else ""


@contextmanager
def floor(request: Request, sleep: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """Make the block take at least ``JIFEN_SIGNIN_FLOOR_MS``, however it ends.

    A member's answer does more work (a code, a message) than a stranger's; the floor
    hides the difference, so timing cannot tell who is a member.
    """
    started = time.monotonic()
    try:
        yield
    finally:
        left = jifen(request).settings.signin_floor_ms / 1000 - (time.monotonic() - started)
        if left > 0:
            sleep(left)


@router.get("/")
def home(request: Request, lang: Lang, prog: Prog, signed: Signed) -> Response:
    jf = jifen(request)
    who, session = signed
    page = home_page(jf.uow(write=False), jf.clock, jf.rulebooks, prog, who.external_id)
    return render(
        request,
        lang,
        "portal/home.html",
        program=prog,
        me=page.member,
        soon=page.expiring,
        tier=page.tier,
        progress=_progress(page.tier.routes),
        recent=[describe(lang, item, page.rules, prog.timezone) for item in page.recent],
        csrf=session.csrf,
    )


@router.get("/history")
def history(
    request: Request, lang: Lang, prog: Prog, signed: Signed, before: str | None = None
) -> Response:
    jf = jifen(request)
    who, session = signed
    page = history_page(jf.uow(write=False), jf.rulebooks, prog, who.external_id, before, 50)
    return render(
        request,
        lang,
        "portal/history.html",
        program=prog,
        items=[describe(lang, item, page.rules, prog.timezone) for item in page.history.items],
        next_cursor=page.history.next_cursor,
        csrf=session.csrf,
    )


@router.post("/sign-out")
def sign_out(request: Request, signed: Signed, csrf: Annotated[str, Form()]) -> Response:
    check_token(csrf, signed[1].csrf)
    jf = jifen(request)
    access.member_sign_out(jf.uow(), request.cookies.get(SESSION, ""), jf.settings.secret_key)
    response = RedirectResponse("/portal/sign-in", status_code=303)
    response.delete_cookie(SESSION, path="/portal")
    return response


def _progress(routes: list[list[dict[str, Any]]]) -> dict[str, Any] | None:
    """The nearest way to the next tier, as a bar: the gap with the most done."""
    gaps = [g for route in routes for g in route if g["need"]]
    if not gaps:
        return None
    best = max(gaps, key=lambda g: g["have"] / g["need"])
    return {**best, "percent": min(100, int(100 * best["have"] / best["need"]))}


def _check_anonymous(request: Request, csrf: str) -> None:
    check_token(csrf, request.cookies.get(ANON_CSRF))


def check_token(sent: str, expected: str | None) -> None:
    """Refuse a form (:class:`FormExpired`) unless it carries the token ``expected``.

    Compared as bytes: ``compare_digest`` raises on ``str`` beyond ASCII, and a form or a
    cookie may hold anything (``²``, bytes that were not UTF-8); no token means no match.
    """
    if not expected or not secrets.compare_digest(_raw(sent), _raw(expected)):
        raise FormExpired


def _raw(token: str) -> bytes:
    return token.encode("utf-8", "surrogatepass")


class FormExpired(Exception):
    """A form posted without its CSRF token: the app answers 403."""


class PageNotFound(Exception):
    """No such page for this member (another member's redemption looks the same)."""


def cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    secure = jifen(request).settings.secure_cookies
    response.set_cookie(
        name, value, max_age=age, httponly=True, samesite="lax", secure=secure, path="/portal"
    )
