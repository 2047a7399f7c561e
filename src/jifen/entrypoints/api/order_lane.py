"""The order lane: ``POST /v1/orders`` answered without FastAPI's request handling.

An order is the one request the server answers thousands of times a second, and
FastAPI's handling of it (resolving the dependency tree, parsing the body to Python
objects, then validating those) cost more of the server's CPU than deciding the
order. This plain ASGI middleware, the innermost, takes an order when everything
about it is ordinary: a JSON body that ``OrderBody`` accepts straight from its bytes, the key
the gate in front of it has just verified (it leaves it in the request's state) with
the ``ledger:write`` scope, its programme in the cache. It then does what the
route does, with the same functions: the order is checked, handed to the process's
writer (ADR 0022) and answered with the same body and headers.

Anything else goes on, its body replayed, to the documented FastAPI route, which
answers it exactly as before: a refusal of the body, a key without the scope, a
cache miss (the route reads the database on the thread pool). So every refusal is
worded by one code path, and the lane can only ever answer an order the route would
have accepted. ADR 0029.
"""

from __future__ import annotations

import asyncio

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jifen.bootstrap import Jifen
from jifen.domain.errors import JifenError, Unavailable
from jifen.domain.programs import Program
from jifen.entrypoints.api.deps import PRINCIPAL, Caches
from jifen.entrypoints.api.earning_schemas import OrderBody
from jifen.entrypoints.api.errors import problem_of
from jifen.entrypoints.api.limits import content_type
from jifen.entrypoints.api.routers.earning import answer_of, order_of
from jifen.services.access import Principal

PATH = "/v1/orders"
SCOPE = "ledger:write"


class OrderLane:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _body(receive)
        if body is None:
            return  # the client went away
        taken = _ordinary(scope, body)
        if taken is None:
            await self.app(scope, _replay(body, receive), send)
            return
        jf, caller_program, order = taken
        try:
            answer = jf.orders.submit(caller_program, order_of(order))
            response = answer_of(await asyncio.wrap_future(answer))
        except (JifenError, Unavailable) as exc:
            response = problem_of(exc)
        await response(scope, receive, send)


def _ordinary(scope: Scope, body: bytes) -> tuple[Jifen, Program, OrderBody] | None:
    """(jifen, programme, body) when the lane may take the order, else None."""
    media = content_type(scope)
    if media != b"application/json" and not media.startswith(b"application/json;"):
        return None
    principal: Principal | None = scope.get("state", {}).get(PRINCIPAL)  # the gate's
    if principal is None or not principal.allows(SCOPE):
        return None
    state = scope["app"].state
    caches: Caches = state.caches
    program = caches.programs.fresh(principal.program_id)
    if program is None:
        return None
    try:
        order = OrderBody.model_validate_json(body)
    except ValidationError:
        return None
    if order.member is None:  # named by a membership code: the route reads whose it is
        return None
    jf: Jifen = state.jifen
    return jf, program, order


async def _body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
