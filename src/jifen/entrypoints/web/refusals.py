"""How the pages say no to a form, in the visitor's language, with a way back to it.

A form without its CSRF token is ``form_expired`` (403). A form that FastAPI's validation
refuses (a field missing or twice, a number that is none, text too long, an id beyond
2^63 - 1) or that the edge refuses before any route runs (a NUL character, a body too
large: :mod:`jifen.entrypoints.api.limits`) is the same refusal the API would give, said
on a page for a person rather than as problem+json. None of them changes anything.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.types import Scope

from jifen.domain.error_codes import RequestCode
from jifen.entrypoints.api.limits import Refusal
from jifen.entrypoints.web import portal

#: The addresses of the pages (the rest is the API's)
AREAS = ("portal", "console")
#: The refusals a page names; any other is said as ``invalid_input``
NAMED = frozenset({RequestCode.NUL_CHARACTER, "payload_too_large"})


def is_page(path: str) -> bool:
    return path.split("/")[1] in AREAS


def expired(request: Request) -> Response:
    """``data-code="form_expired"`` in any language."""
    return _about_the_form(request, "form_expired.html", 403)


def refused(request: Request, code: str, status: int = 422, *, close: bool = False) -> Response:
    """A form refused as ``code``; ``close`` when its body was left unread."""
    response = _about_the_form(
        request, "form_refused.html", status, code=code if code in NAMED else "invalid_input"
    )
    if close:
        response.headers["Connection"] = "close"
    return response


def at_the_edge(scope: Scope, refusal: Refusal) -> Response | None:
    """The edge's refusal of a page's request as a page (:data:`...limits.Pages`)."""
    request = Request(scope)
    if not is_page(request.url.path):
        return None
    return refused(request, refusal.code, refusal.status, close=refusal.close)


def _about_the_form(request: Request, template: str, status: int, **ctx: str) -> Response:
    area = "console" if request.url.path.startswith("/console") else "portal"
    back = _page_of_the_form(request, area)
    lang = portal.language(request)
    html = lang.env.get_template(template).render(path=back, back=back, area=area, **ctx)
    return HTMLResponse(html, status_code=status)


def _page_of_the_form(request: Request, area: str) -> str:
    """Where the form was (the browser's Referer, if one of our pages), else the area's home.

    The form's own address may only take a POST; a fresh GET of its page brings a fresh token.
    """
    sent = urlsplit(request.headers.get("referer", ""))
    if sent.netloc == request.url.netloc and sent.path.startswith(f"/{area}/"):
        return sent.path + (f"?{sent.query}" if sent.query else "")
    return f"/{area}/"
