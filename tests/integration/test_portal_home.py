"""The portal's home page is one snapshot: one use case, one read-only unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.entrypoints.web.portal import SESSION
from jifen.services import ledger, members, programs, tiers
from jifen.services.access import portal_signin as portal_access
from jifen.services.ledger.commands import Earn
from jifen.services.portal import home_page
from jifen.services.unit_of_work import UnitOfWork
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import FakeClock, key


@contextmanager
def transactions(jf: Jifen) -> Iterator[list[bool]]:
    """Each transaction begun on the engine meanwhile: True where it may write."""
    begun: list[bool] = []

    def begin(conn: Connection) -> None:
        begun.append(bool(conn.get_execution_options().get("jifen_write", True)))

    event.listen(jf.engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(jf.engine, "begin", begin)


@pytest.fixture
def member(jf: Jifen, clock: FakeClock) -> Program:
    """C-1: silver after a 1,200-yuan order, with 30 points that expire in 20 days."""
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "1", "1200.00", line("tv", 1, "1200.00"))
    soon = clock.now() + timedelta(days=20)
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 30, expires_at=soon), key("earn"))
    return program


def test_the_home_page_is_read_in_one_read_only_transaction(jf: Jifen, member: Program) -> None:
    with transactions(jf) as begun:
        page = home_page(jf.uow(write=False), jf.clock, jf.rulebooks, member, "C-1")

    assert begun == [False]
    assert (page.member.external_id, page.member.expiring_30d) == ("C-1", 30)
    assert (page.expiring.days, page.expiring.total) == (90, 30)
    assert page.tier.tier == "silver"
    assert [item.kind for item in page.recent] == ["earn", "earn"]
    assert page.rules.program.code == member.code


def test_the_home_page_holds_what_each_use_case_answers_on_its_own(
    jf: Jifen, member: Program
) -> None:
    page = home_page(jf.uow(write=False), jf.clock, jf.rulebooks, member, "C-1")

    read = jf.uow
    assert page.member == members.get_member(read(write=False), jf.clock, member, "C-1")
    assert page.expiring == members.expiring(read(write=False), jf.clock, member, "C-1", 90)
    assert page.tier == tiers.tier_view(read(write=False), jf.clock, jf.rulebooks, member, "C-1")
    assert page.recent == members.history(read(write=False), member, "C-1", None, 5).items
    assert page.rules is programs.rules_of(read(write=False), jf.rulebooks, member)


def test_the_home_page_opens_one_unit_of_work_besides_the_programme_and_the_session(
    jf: Jifen, member: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = jf.settings.secret_key
    ticket = portal_access.request_code(jf.uow(), jf.clock, member, "C-1", secret)
    code = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, member, secret, 1)
    token, _ = portal_access.verify_code(
        jf.uow(), jf.clock, member, ticket, code[0]["code"], secret
    )
    opened: list[bool] = []
    factory = jf.uow

    def counted(*, write: bool = True) -> UnitOfWork:
        opened.append(write)
        return factory(write=write)

    with TestClient(create_app(jf)) as client:
        client.cookies.set(SESSION, token)
        monkeypatch.setattr(jf, "uow", counted)
        with transactions(jf) as begun:
            answer = client.get("/portal/", headers={"Accept-Language": "en"})

    me = members.get_member(factory(write=False), jf.clock, member, "C-1")
    assert answer.status_code == 200, answer.text
    assert f'data-testid="available">{me.available:,}<' in answer.text
    assert "Order 1" in answer.text
    # the programme, the signed-in session, and the page: before, the page alone took five
    assert opened == [False, False, False]
    assert begun == [False, False, False]
