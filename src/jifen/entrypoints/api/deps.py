"""Dependencies: who is calling, for which programme, with which key.

They are ``async``: FastAPI runs a plain ``def`` dependency on the thread pool,
a hand-off (and a wait for the GIL) per dependency per request. On a cache hit
they answer in the event loop; only a miss reads the database, on the pool.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from jifen.bootstrap import Jifen
from jifen.domain.errors import Unauthenticated
from jifen.domain.programs import Program
from jifen.services import access, programs
from jifen.services.access import Principal
from jifen.services.ledger.ports import AsyncLedgerReads

#: Programmes are cached this long (a publication is read through the rulebooks).
CACHE_SECONDS = 30.0
#: Verified keys are cached this long: a revoked key stops working within this
#: many seconds on every server process (one read per key per second per process).
KEY_CACHE_SECONDS = 1.0


V = TypeVar("V")


class TTLCache(Generic[V]):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._items: dict[object, tuple[float, V]] = {}

    def fresh(self, key: object) -> V | None:
        """The cached value if it has not expired, else None; never reads the database."""
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    async def get(self, key: object, load: Callable[[], V]) -> V:
        """The cached value, or ``load()`` run on the thread pool (it reads the database)."""
        now = time.monotonic()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await run_in_threadpool(load)
        if len(self._items) > 10_000:
            self._items.clear()
        self._items[key] = (now + self.seconds, value)
        return value


@dataclass
class Caches:
    """Per-application caches (one app, one database: never shared between apps)."""

    principals: TTLCache[Principal] = field(default_factory=lambda: TTLCache(KEY_CACHE_SECONDS))
    programs: TTLCache[Program] = field(default_factory=lambda: TTLCache(CACHE_SECONDS))


async def get_jifen(request: Request) -> Jifen:
    jifen: Jifen = request.app.state.jifen
    return jifen


JifenDep = Annotated[Jifen, Depends(get_jifen)]


@dataclass(frozen=True)
class Caller:
    """An authenticated call: the key, its programme and the wiring."""

    principal: Principal
    program: Program
    jf: Jifen
    #: the app's reader in the event loop (ADR 0025); None: read on the thread pool
    reads: AsyncLedgerReads | None = None


def scoped(scope: str) -> Callable[[Request], Awaitable[Caller]]:
    """The caller, if its key holds ``scope``.

    One dependency that reads the request itself: FastAPI walks each dependency and each
    declared header of every request, and a tree of four cost more than the read it
    guarded. The key's headers are documented by the OpenAPI security schemes.
    """

    async def dependency(request: Request) -> Caller:
        state = request.app.state
        jf: Jifen = state.jifen
        caches: Caches = state.caches
        # the key the gate has just verified, or (outside its paths) the request's own
        principal = request.scope.get("state", {}).get(PRINCIPAL) or await _principal(
            jf, caches, request
        )
        principal.require(scope)
        program = await caches.programs.get(
            principal.program_id,
            lambda: programs.program_by_id(jf.uow(write=False), principal.program_id),
        )
        return Caller(principal, program, jf, state.reads)

    return dependency


async def _principal(jf: Jifen, caches: Caches, request: Request) -> Principal:
    presented = presented_key(dict(request.scope["headers"]))
    if presented is None:
        raise Unauthenticated("an API key is required (Authorization: Bearer <key>)")
    return await verified(jf, caches, presented)


async def verified(jf: Jifen, caches: Caches, presented: str) -> Principal:
    """The principal of the key ``presented``, from the cache or the database (on the
    thread pool); ``Unauthenticated`` if the key is unknown or revoked."""
    digest = hashlib.sha256(presented.encode()).digest()
    return await caches.principals.get(
        digest, lambda: access.authenticate(jf.uow(write=False), presented)
    )


#: where the request's state keeps the principal the auth gate verified
PRINCIPAL = "jifen.principal"


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    """The key a request presents: ``Authorization: Bearer <key>``, else ``X-Api-Key``."""
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return headers.get(b"x-api-key", b"").decode("latin-1").strip() or None


MembersRead = Annotated[Caller, Depends(scoped("members:read"))]
MembersWrite = Annotated[Caller, Depends(scoped("members:write"))]
LedgerRead = Annotated[Caller, Depends(scoped("ledger:read"))]
LedgerWrite = Annotated[Caller, Depends(scoped("ledger:write"))]
Admin = Annotated[Caller, Depends(scoped("admin"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
