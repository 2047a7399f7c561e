"""Auth before body: a request to the API without a valid key is answered 401 unread.

A plain ASGI middleware in front of everything that reads a body (the size limit, the
JSON parser, FastAPI's validation): it looks only at the headers, verifies the key through
the same cache as :func:`jifen.entrypoints.api.deps.scoped`, and on a refusal answers
at once, without receiving a byte of the body. A 10 MB upload of junk without a key costs
the server one header parse. The dependency still does its own check (scopes, the
programme): the gate only makes sure no anonymous body is ever read.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from jifen.bootstrap import Jifen
from jifen.domain.error_codes import RequestCode
from jifen.domain.errors import JifenError, Unavailable
from jifen.entrypoints.api.deps import PRINCIPAL, Caches, presented_key, verified
from jifen.entrypoints.api.errors import problem, problem_of

#: Every operation under this prefix needs a key
GUARDED = "/v1/"


class AuthGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(GUARDED):
            await self.app(scope, receive, send)
            return
        presented = presented_key(dict(scope["headers"]))
        if presented is None:
            refusal = problem(
                401,
                RequestCode.UNAUTHENTICATED,
                "an API key is required (Authorization: Bearer <key>)",
                close=True,
            )
            await refusal(scope, receive, send)
            return
        state = scope["app"].state
        jf: Jifen = state.jifen
        caches: Caches = state.caches
        try:
            principal = await verified(jf, caches, presented)
        except (JifenError, Unavailable) as exc:
            await problem_of(exc, close=True)(scope, receive, send)
            return
        scope.setdefault("state", {})[PRINCIPAL] = principal  # for the operation
        await self.app(scope, receive, send)
