"""The pages people use: the member portal (and, later, the operator console)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from jifen.domain.error_codes import RequestCode
from jifen.domain.errors import Unavailable
from jifen.entrypoints.api.errors import RETRY_AFTER_SECONDS, invalid_problem, problem_of
from jifen.entrypoints.web import console, dev, membership, portal, refusals, spending
from jifen.entrypoints.web.i18n import LOCALES, load

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, *, demo: bool) -> None:
    """Add the pages, their static files and languages to the API's app."""
    app.state.languages = load()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(portal.router)
    app.include_router(spending.router)
    app.include_router(membership.router)
    for router in console.ROUTERS:
        app.include_router(router)
    if demo:
        app.include_router(dev.router)

    @app.exception_handler(portal.SignInRequired)
    async def _sign_in(request: Request, exc: portal.SignInRequired) -> Response:
        return RedirectResponse("/portal/sign-in", status_code=303)

    @app.exception_handler(console.ConsoleSignInRequired)
    async def _console_sign_in(request: Request, exc: console.ConsoleSignInRequired) -> Response:
        return RedirectResponse("/console/sign-in", status_code=303)

    @app.exception_handler(console.NotAllowed)
    async def _not_allowed(request: Request, exc: console.NotAllowed) -> Response:
        lang = portal.language(request)
        html = lang.env.get_template("console/not_allowed.html").render(path=request.url.path)
        return HTMLResponse(html, status_code=403)

    @app.exception_handler(portal.FormExpired)
    async def _expired(request: Request, exc: portal.FormExpired) -> Response:
        return refusals.expired(request)

    # replaces the API's handler (errors.install) for the pages' addresses only
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if refusals.is_page(request.url.path):
            return refusals.refused(request, RequestCode.INVALID_INPUT)
        return invalid_problem(exc)

    @app.exception_handler(portal.PageNotFound)
    async def _missing(request: Request, exc: portal.PageNotFound) -> Response:
        lang = portal.language(request)
        html = lang.env.get_template("portal/missing.html").render(path=request.url.path)
        return HTMLResponse(html, status_code=404)

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> Response:
        """A page says "try again shortly" in the visitor's language; the API, problem+json."""
        if not request.url.path.startswith(("/portal", "/console")):
            return problem_of(exc)
        lang = portal.language(request)
        area = "console" if request.url.path.startswith("/console") else "portal"
        html = lang.env.get_template("unavailable.html").render(path=request.url.path, area=area)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return HTMLResponse(html, status_code=503, headers=headers)

    @app.get("/lang/{code}", include_in_schema=False)
    def _language(code: str, next: str = "/portal/") -> Response:
        target = next if next.startswith(("/portal", "/console")) else "/portal/"
        response = RedirectResponse(target, status_code=303)
        if code in LOCALES:
            response.set_cookie(portal.LANG, code, max_age=365 * 86400, samesite="lax", path="/")
        return response

    @app.get("/", include_in_schema=False)
    def _root() -> Response:
        return RedirectResponse("/portal/", status_code=303)
