"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from jifen import __version__
from jifen.bootstrap import Jifen, bootstrap
from jifen.entrypoints import web
from jifen.entrypoints.api import docs, errors, openapi
from jifen.entrypoints.api.deps import Caches
from jifen.entrypoints.api.gate import AuthGate
from jifen.entrypoints.api.headers import SecurityHeaders
from jifen.entrypoints.api.limits import BodyLimit
from jifen.entrypoints.api.order_lane import OrderLane
from jifen.entrypoints.api.routers import (
    apikeys,
    catalogue,
    challenges,
    earning,
    health,
    leaderboards,
    ledger,
    lottery,
    members,
    program,
    redemption,
    referrals,
    rights,
    tasks,
    tiers,
    vouchers,
)
from jifen.entrypoints.web.refusals import at_the_edge

DESCRIPTION = """
jifen's REST API for point-of-sale, shop and CRM integrations.

* Authenticate with `Authorization: Bearer <api key>` (create one with `jifen apikey create`).
* Every write takes an `Idempotency-Key` header: a retry with the same key and body returns
  the first response (marked `Idempotent-Replayed: true`) and changes nothing.
* Errors are `application/problem+json` with a stable `code`.
"""


def create_app(jifen: Jifen | None = None) -> FastAPI:
    jf = jifen or bootstrap()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Endpoints run in a thread pool; a few threads keep the database busy, and more
        # only queue for the GIL on each of a request's round trips (ADR 0009).
        anyio.to_thread.current_default_thread_limiter().total_tokens = jf.settings.threads
        # balances and history are read in this loop, off the thread pool (ADR 0025)
        reads = jf.async_reads()
        if reads is not None:
            await reads.open()
        app.state.reads = reads
        try:
            yield
        finally:
            app.state.reads = None
            if reads is not None:
                await reads.close()

    app = FastAPI(
        title="jifen",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # docs.install: the same page without inline script
        redoc_url=None,
    )
    app.state.jifen = jf
    app.state.caches = Caches()
    app.state.reads = None  # until the lifespan opens a reader
    errors.install(app)
    app.include_router(health.router)
    app.include_router(members.router)
    app.include_router(members.codes)
    app.include_router(ledger.router)
    app.include_router(earning.router)
    app.include_router(program.router)
    app.include_router(tiers.router)
    app.include_router(catalogue.router)
    app.include_router(redemption.router)
    app.include_router(vouchers.router)
    app.include_router(lottery.router)
    app.include_router(apikeys.router)
    app.include_router(rights.router)
    app.include_router(referrals.router)
    app.include_router(tasks.router)
    app.include_router(tasks.inbound)
    app.include_router(challenges.router)
    app.include_router(leaderboards.router)

    web.install(app, demo=jf.settings.demo)
    docs.install(app)
    openapi.install(app)
    # the last added runs first: headers on every answer, then no key no body, then bounds,
    # then the lane an ordinary order takes past FastAPI's request handling (ADR 0029)
    app.add_middleware(OrderLane)
    app.add_middleware(BodyLimit, max_bytes=jf.settings.max_body_bytes, pages=at_the_edge)
    app.add_middleware(AuthGate)
    app.add_middleware(SecurityHeaders, hsts=jf.settings.secure_cookies)
    return app
