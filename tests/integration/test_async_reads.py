"""Balances and history read in the event loop on PostgreSQL (ADR 0025) say what the
thread-pool reads say, fall back to them when the balances are due to move, and answer
``Unavailable`` (503 over HTTP) when the database cannot be reached."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from fastapi.testclient import TestClient

from jifen.adapters.db.ledger.async_reads import PgAsyncReads
from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.errors import MemberNotFound, Unavailable
from jifen.entrypoints.api.app import create_app
from jifen.services import ledger, members, rights
from jifen.services.access import apikeys
from jifen.services.ledger import Earn, PlaceHold, Redeem
from jifen.services.ledger.ports import AsyncLedgerReads
from jifen.services.rights import EraseMember
from tests.earning_fixtures import DUE, due_in_an_hour, join, publish, three_lots
from tests.factories import FakeClock, key

PG = pytest.mark.parametrize(
    "database_url",
    [pytest.param("postgresql", marks=pytest.mark.postgres, id="postgres")],
    indirect=True,
)

T = TypeVar("T")


def read(jf: Jifen, use: Callable[[AsyncLedgerReads], Awaitable[T]]) -> T:
    """``use`` run on a reader opened and closed in an event loop of its own."""

    async def run() -> T:
        reads = jf.async_reads()
        assert reads is not None, "PostgreSQL has an async reader"
        await reads.open()
        try:
            return await use(reads)
        finally:
            await reads.close()

    return asyncio.run(run())


def test_sqlite_has_no_async_reader() -> None:
    app = bootstrap(Settings(database_url="sqlite://"))
    try:
        assert app.async_reads() is None
    finally:
        app.close()


@PG
def test_a_balance_read_at_once_is_the_thread_pool_read(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    three_lots(jf, program, "M1")
    ledger.place_hold(jf.uow(), jf.clock, program, PlaceHold("M1", 40, ttl_seconds=600), key())  # fmt: skip

    at_once = read(jf, lambda r: members.get_member_at_once(r, jf.clock, program, "M1"))
    pooled = members.get_member(jf.uow(write=False), jf.clock, program, "M1")
    assert at_once == pooled
    assert at_once is not None
    assert (at_once.available, at_once.pending, at_once.held, at_once.expiring_30d) == (
        330,
        9,
        40,
        260,  # the hold is drawn from the lot ending first
    )


@PG
@pytest.mark.parametrize("due", DUE)
def test_balances_due_to_move_are_left_to_the_thread_pool_read(
    jf: Jifen, clock: FakeClock, due: str
) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    due_in_an_hour(jf, program, "M1", due)
    assert read(jf, lambda r: members.get_member_at_once(r, jf.clock, program, "M1")) is not None

    clock.advance(hours=2)
    assert read(jf, lambda r: members.get_member_at_once(r, jf.clock, program, "M1")) is None


@PG
def test_unknown_and_erased_members_are_not_found_at_once(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "M3")
    ledger.earn(jf.uow(), jf.clock, program, Earn("M3", 5), key())
    rights.erase_member(jf.uow(), jf.clock, program, EraseMember("M3", "ops:test"), key())
    for unknown in ("nobody", "M3"):
        with pytest.raises(MemberNotFound):
            read(jf, lambda r, u=unknown: members.get_member_at_once(r, jf.clock, program, u))  # type: ignore[misc]
        with pytest.raises(MemberNotFound):
            read(jf, lambda r, u=unknown: members.history_at_once(r, program, u, None, 5))  # type: ignore[misc]


@PG
def test_a_history_read_at_once_is_the_thread_pool_read_page_by_page(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "W-2")
    join(jf, program, "W-3")
    ends = clock.now() + timedelta(days=40)
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 30, expires_at=ends), key())
    clock.advance(days=2)
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 20, expires_at=ends), key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 5, expires_at=ends + timedelta(days=9)), key())  # fmt: skip
    clock.set(ends + timedelta(days=1))
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("W-2", 1), key())  # settles the expiry

    cursor: str | None = None
    pages = 0
    seen_expiry = False
    while True:
        at_once = read(jf, lambda r, c=cursor: members.history_at_once(r, program, "W-2", c, 2))  # type: ignore[misc]
        pooled = members.history(jf.uow(write=False), program, "W-2", cursor, 2)
        assert at_once == pooled
        seen_expiry |= any(i.kind == "expire" and i.earned_from is not None for i in at_once.items)
        pages += 1
        cursor = at_once.next_cursor
        if cursor is None:
            break
    assert pages == 3 and seen_expiry  # 5 entries: earn x3, expire, redeem
    empty = read(jf, lambda r: members.history_at_once(r, program, "W-3", None, 5))
    assert empty == members.history(jf.uow(write=False), program, "W-3", None, 5)
    assert empty.items == () and empty.next_cursor is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_database_that_cannot_be_reached_is_unavailable() -> None:
    port = _closed_port()  # nothing listens there
    reads = PgAsyncReads(
        f"postgresql+psycopg://jifen@127.0.0.1:{port}/jifen", max_size=2, connect_timeout=1
    )

    async def run() -> None:
        await reads.open()
        try:
            with pytest.raises(Unavailable):
                await reads.member(1, "M1")
        finally:
            await reads.close()

    asyncio.run(run())


@PG
def test_the_api_reads_in_the_loop_and_falls_back_when_balances_are_due(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    ledger.earn(jf.uow(), jf.clock, program, Earn("M1", 1000), key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("M1", 50, available_at=clock.now() + timedelta(hours=1)), key())  # fmt: skip
    secret = apikeys.create_key(
        jf.uow(), jf.clock, program, "r", ["members:read", "ledger:read"], "test"
    )
    auth = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(jf)) as client:
        assert isinstance(client.app.state.reads, PgAsyncReads)  # type: ignore[attr-defined]
        before = client.get("/v1/members/M1", headers=auth)
        assert before.status_code == 200, before.text
        assert (before.json()["available"], before.json()["pending"]) == (1000, 50)
        clock.advance(hours=2)  # the 50 mature: the loop's read hands over to the pool's
        after = client.get("/v1/members/M1", headers=auth)
        assert after.status_code == 200, after.text
        assert (after.json()["available"], after.json()["pending"]) == (1050, 0)
        page = client.get("/v1/members/M1/entries", headers=auth)
        assert page.status_code == 200 and len(page.json()["items"]) == 2, page.text
        assert client.get("/v1/members/nobody", headers=auth).status_code == 404
    assert client.app.state.reads is None  # type: ignore[attr-defined]
