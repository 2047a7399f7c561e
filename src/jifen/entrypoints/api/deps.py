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


async def get_caches(request: Request) -> Caches:
    caches: Caches = request.app.state.caches
    return caches


async def get_reads(request: Request) -> AsyncLedgerReads | None:
    """The app's reader in the event loop (ADR 0025); None: read on the thread pool."""
    reads: AsyncLedgerReads | None = request.app.state.reads
    return reads


JifenDep = Annotated[Jifen, Depends(get_jifen)]
AsyncReads = Annotated[AsyncLedgerReads | None, Depends(get_reads)]
CachesDep = Annotated[Caches, Depends(get_caches)]


async def get_principal(
    jf: JifenDep,
    caches: CachesDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    presented = x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        presented = authorization[7:].strip()
    if not presented:
        return access.authenticate(jf.uow(write=False), None)  # raises: no key
    digest = hashlib.sha256(presented.encode()).digest()
    return await caches.principals.get(
        digest, lambda: access.authenticate(jf.uow(write=False), presented)
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True)
class Caller:
    """An authenticated call: the key, its programme and the wiring."""

    principal: Principal
    program: Program
    jf: Jifen


def scoped(scope: str) -> Callable[[Principal, Jifen, Caches], Awaitable[Caller]]:
    async def dependency(principal: PrincipalDep, jf: JifenDep, caches: CachesDep) -> Caller:
        principal.require(scope)
        program = await caches.programs.get(
            principal.program_id,
            lambda: programs.program_by_id(jf.uow(write=False), principal.program_id),
        )
        return Caller(principal, program, jf)

    return dependency


MembersRead = Annotated[Caller, Depends(scoped("members:read"))]
MembersWrite = Annotated[Caller, Depends(scoped("members:write"))]
LedgerRead = Annotated[Caller, Depends(scoped("ledger:read"))]
LedgerWrite = Annotated[Caller, Depends(scoped("ledger:write"))]
Admin = Annotated[Caller, Depends(scoped("admin"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
