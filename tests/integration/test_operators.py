"""Console operators: accounts, roles, passwords and sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Unauthenticated
from jifen.domain.operators import Operator
from jifen.services.access import operators
from tests.factories import FakeClock

PASSWORD = "correct horse battery"
KEY = "k" * 32


def make(jf: Jifen, username: str, role: str, password: str = PASSWORD) -> Operator:
    return operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, username, username.title(), role, password, "test"
    )


def sign_in(jf: Jifen, username: str, password: str = PASSWORD) -> str:
    token, _, _ = operators.sign_in(jf.uow(), jf.clock, jf.passwords, username, password, KEY)
    return token


def is_signed_in(jf: Jifen, token: str) -> bool:
    return operators.signed_in(jf.uow(write=False), jf.clock, token, KEY) is not None


def count(jf: Jifen, sql: str) -> int:
    with jf.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("Bad Name", "cashier", PASSWORD, "username"),
        ("dana", "owner", PASSWORD, "role"),
        ("dana", "cashier", "too short", "password"),
    ],
)
def test_a_bad_account_is_refused_and_writes_nothing(
    jf: Jifen, username: str, role: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        make(jf, username, role, password)
    assert refused.value.params["field"] == field
    assert count(jf, "SELECT COUNT(*) FROM operators") == 0
    assert count(jf, "SELECT COUNT(*) FROM audit_log") == 0


def test_a_username_is_taken_once(jf: Jifen) -> None:
    make(jf, "alice", "admin")
    with pytest.raises(Conflict) as taken:
        make(jf, "alice", "cashier")
    assert taken.value.code == "operator_exists"
    assert count(jf, "SELECT COUNT(*) FROM operators") == 1


def test_a_session_lasts_a_working_day(jf: Jifen, clock: FakeClock) -> None:
    make(jf, "alice", "admin")
    with pytest.raises(Unauthenticated):
        sign_in(jf, "alice", "not the password")
    with pytest.raises(Unauthenticated):
        sign_in(jf, "nobody")  # the same answer for a stranger
    failed = "SELECT COUNT(*) FROM audit_log WHERE action = 'console.sign_in_failed'"
    assert count(jf, failed) == 2
    token = sign_in(jf, "alice")
    assert is_signed_in(jf, token)
    clock.advance(hours=7, minutes=59)
    assert is_signed_in(jf, token)
    clock.advance(minutes=1)
    assert not is_signed_in(jf, token)


def test_only_an_admin_changes_operators_and_never_their_own_role(jf: Jifen) -> None:
    alice, olga = make(jf, "alice", "admin"), make(jf, "olga", "operator")
    make(jf, "carl", "cashier")
    with pytest.raises(PermissionDenied):
        operators.change_operator(jf.uow(), jf.clock, olga, "carl", role="admin")
    for change in ({"active": False}, {"role": "analyst"}):
        with pytest.raises(Conflict) as own:
            operators.change_operator(jf.uow(), jf.clock, alice, "alice", **change)  # type: ignore[arg-type]
        assert own.value.code == "own_account"
    with pytest.raises(NotFound):
        operators.change_operator(jf.uow(), jf.clock, alice, "nobody", role="cashier")
    with pytest.raises(InvalidInput):
        operators.change_operator(jf.uow(), jf.clock, alice, "carl", role="owner")

    made = operators.change_operator(jf.uow(), jf.clock, alice, "carl", role="analyst")

    assert made.role.value == "analyst"
    assert [o.role.value for o in operators.everyone(jf.uow(write=False))] == [
        "admin", "analyst", "operator",
    ]  # fmt: skip
    assert count(jf, "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.change'") == 1


def test_switching_someone_off_ends_their_sessions_at_once(jf: Jifen) -> None:
    alice = make(jf, "alice", "admin")
    make(jf, "carl", "cashier")
    token = sign_in(jf, "carl")
    operators.change_operator(jf.uow(), jf.clock, alice, "carl", active=False)
    assert not is_signed_in(jf, token)
    with pytest.raises(Unauthenticated):
        sign_in(jf, "carl")
    operators.change_operator(jf.uow(), jf.clock, alice, "carl", active=True)
    assert is_signed_in(jf, sign_in(jf, "carl"))


def test_a_new_password_replaces_the_old_and_ends_sessions(jf: Jifen) -> None:
    alice, carl = make(jf, "alice", "admin"), make(jf, "carl", "cashier")
    token = sign_in(jf, "carl")
    with pytest.raises(PermissionDenied):  # a cashier sets only their own
        operators.set_password(jf.uow(), jf.clock, jf.passwords, carl, "alice", "x" * 12)
    with pytest.raises(InvalidInput):
        operators.set_password(jf.uow(), jf.clock, jf.passwords, alice, "carl", "short")
    assert is_signed_in(jf, token)

    operators.set_password(jf.uow(), jf.clock, jf.passwords, alice, "carl", "a new passphrase")

    assert not is_signed_in(jf, token)
    with pytest.raises(Unauthenticated):
        sign_in(jf, "carl")
    assert is_signed_in(jf, sign_in(jf, "carl", "a new passphrase"))
    assert count(jf, "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.password'") == 1
