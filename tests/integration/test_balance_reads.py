"""A balance or history read is one statement and no lock, and still shows what a write would allow.

``GET /v1/members/{id}`` reads the member, whether anything is due (a lot to mature or
expire, a hold to release) and the points expiring in 30 days in one statement
(``ledger.standing``). Only when something is due does it read the lots and holds to show
the balances as the next write will find them (``as_settled``), on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from jifen.bootstrap import Jifen
from jifen.domain.errors import MemberNotFound
from jifen.domain.programs import Program
from jifen.services import ledger, members, rights
from jifen.services.ledger import Earn
from jifen.services.members import History, MemberView
from jifen.services.rights import EraseMember
from tests.earning_fixtures import DUE, due_in_an_hour, join, publish, three_lots
from tests.factories import FakeClock, key

pytestmark = pytest.mark.parametrize(
    "database_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres, id="postgres")],
    indirect=True,
)


@contextmanager
def statements(jf: Jifen) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(jf.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(jf.engine, "before_cursor_execute", record)


def _read(jf: Jifen, program: Program, external_id: str) -> MemberView:
    return members.get_member(jf.uow(write=False), jf.clock, program, external_id)


def _sql(seen: list[str]) -> list[str]:
    """The statements jifen sent, without the transaction's own (BEGIN on SQLite)."""
    return [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "SAVEPOINT"))]


def test_a_balance_with_nothing_due_is_read_in_one_statement_without_a_lock(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    three_lots(jf, program, "M1")

    view = _read(jf, program, "M1")  # the first read learns the programme's caches
    assert (view.available, view.pending, view.expiring_30d) == (370, 9, 300)
    with statements(jf) as seen:
        _read(jf, program, "M1")
        sent = _sql(seen)
    assert len(sent) == 1, sent
    assert "FOR UPDATE" not in sent[0].upper()


@pytest.mark.parametrize("due", DUE)
def test_something_due_is_seen_by_the_read_and_shown_as_a_write_would_find_it(
    jf: Jifen, clock: FakeClock, due: str
) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    expected = due_in_an_hour(jf, program, "M1", due)
    with jf.uow(write=False) as uow:
        before = uow.ledger.standing(program.id, "M1", clock.now(), clock.now())
    assert before is not None and before.due is False

    clock.advance(hours=2)
    with jf.uow(write=False) as uow:
        after = uow.ledger.standing(program.id, "M1", clock.now(), clock.now())
    assert after is not None and after.due is True
    view = _read(jf, program, "M1")
    assert (view.available, view.pending, view.held) == expected


def test_an_unknown_member_is_not_found(jf: Jifen) -> None:
    program = publish(jf)
    with jf.uow(write=False) as uow:
        assert uow.ledger.standing(program.id, "nobody", jf.clock.now(), jf.clock.now()) is None
    with pytest.raises(MemberNotFound):
        _read(jf, program, "nobody")


def test_a_history_page_is_one_statement_and_an_unknown_or_erased_member_has_none(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    join(jf, program, "M1")
    join(jf, program, "M2")
    join(jf, program, "M3")
    for points in (10, 20, 30):
        ledger.earn(jf.uow(), jf.clock, program, Earn("M1", points), key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("M3", 5), key())
    rights.erase_member(jf.uow(), jf.clock, program, EraseMember("M3", "ops:test"), key())

    def history(member: str, cursor: str | None = None) -> History:
        return members.history(jf.uow(write=False), program, member, cursor, 2)

    history("M1")  # learns the programme's caches
    with statements(jf) as seen:
        first = history("M1")
        sent = _sql(seen)
    assert len(sent) == 1 and "FOR UPDATE" not in sent[0].upper(), sent
    assert [x.points for x in first.items] == [30, 20] and first.next_cursor is not None
    rest = history("M1", first.next_cursor)
    assert [x.points for x in rest.items] == [10] and rest.next_cursor is None
    assert history("M2").items == ()  # a member with no entries yet
    for unknown in ("nobody", "M3"):
        with pytest.raises(MemberNotFound):
            history(unknown)
