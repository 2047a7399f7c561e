"""The doors held shut: console sign-ins locked after failures, API keys listed, revoked and
rotated, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import JifenError, PermissionDenied
from jifen.domain.operators import Operator
from jifen.domain.programs import Program
from jifen.services import access, members
from jifen.services.access import operators, portal_signin
from jifen.services.members.commands import CreateMember
from tests.earning_fixtures import publish
from tests.factories import FakeClock, key
from tests.integration.test_concurrency import run_together

PASSWORD = "correct horse battery"
KEY = "k" * 32


def make(jf: Jifen, username: str, role: str = "admin") -> Operator:
    return operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, username, username.title(), role, PASSWORD, "test"
    )


def attempt(jf: Jifen, username: str, password: str, address: str = "10.0.0.1") -> str:
    try:
        operators.sign_in(
            jf.uow(), jf.clock, jf.passwords, username, password, KEY, address=address
        )
    except JifenError as exc:
        return exc.code
    return "in"


def audited(jf: Jifen, action: str) -> int:
    with jf.engine.connect() as conn:
        sql = text("SELECT COUNT(*) FROM audit_log WHERE action = :a")
        return int(conn.execute(sql, {"a": action}).scalar_one())


def test_five_failures_lock_an_account_even_against_its_right_password(
    jf: Jifen, clock: FakeClock
) -> None:
    make(jf, "alice")
    failures = [attempt(jf, "alice", "wrong password!", f"10.0.0.{i}") for i in range(5)]
    assert failures == ["sign_in_failed"] * 5

    assert attempt(jf, "alice", PASSWORD, "10.9.9.9") == "sign_in_locked"
    assert audited(jf, "console.sign_in_failed") == 5
    assert audited(jf, "console.sign_in_locked") == 1
    clock.advance(minutes=15)
    assert attempt(jf, "alice", PASSWORD) == "in"


def test_an_unknown_username_is_locked_alike(jf: Jifen) -> None:
    answers = [attempt(jf, "nobody", "wrong password!") for _ in range(6)]
    assert answers == [*["sign_in_failed"] * 5, "sign_in_locked"]


def test_twenty_failures_from_one_address_lock_that_address(jf: Jifen) -> None:
    make(jf, "alice")
    for i in range(20):
        assert attempt(jf, f"guess{i}", "wrong password!", "203.0.113.5") == "sign_in_failed"
    assert attempt(jf, "alice", PASSWORD, "203.0.113.5") == "sign_in_locked"
    assert attempt(jf, "alice", PASSWORD, "203.0.113.6") == "in"


def test_a_success_forgets_the_accounts_earlier_failures(jf: Jifen) -> None:
    make(jf, "alice")
    for _ in range(4):
        attempt(jf, "alice", "wrong password!")
    assert attempt(jf, "alice", PASSWORD) == "in"
    assert [attempt(jf, "alice", "wrong password!") for _ in range(4)] == ["sign_in_failed"] * 4
    assert attempt(jf, "alice", PASSWORD) == "in"


def test_an_admin_unlocks_an_account_and_is_audited(jf: Jifen) -> None:
    admin = make(jf, "root")
    cashier = make(jf, "alice", "cashier")
    for _ in range(5):
        attempt(jf, "alice", "wrong password!")
    assert access.locked_out(jf.uow(write=False), jf.clock, ["alice", "root"], KEY) == {"alice"}
    with pytest.raises(PermissionDenied):
        operators.unlock(jf.uow(), jf.clock, "alice", KEY, by=cashier, actor=cashier.actor)

    forgotten = operators.unlock(jf.uow(), jf.clock, "alice", KEY, by=admin, actor=admin.actor)

    assert forgotten == 5
    assert attempt(jf, "alice", PASSWORD) == "in"
    assert audited(jf, "operator.unlock") == 1


def test_the_attempts_table_keeps_no_username_or_address_in_the_clear(jf: Jifen) -> None:
    attempt(jf, "someone-secret", "wrong password!", "198.51.100.77")
    with jf.engine.connect() as conn:
        rows = conn.execute(text("SELECT subject FROM door_attempts")).scalars().all()
    assert rows and not any("someone" in r or "198.51" in r for r in rows)


# --- API keys -------------------------------------------------------------------------


def test_keys_are_listed_without_their_secrets(jf: Jifen, program: Program) -> None:
    made = access.create_key(jf.uow(), jf.clock, program, "pos", ["ledger:read"], "test")

    listed = access.list_keys(jf.uow(write=False), program)

    assert [(k.name, k.scopes, k.active) for k in listed] == [("pos", ["ledger:read"], True)]
    assert listed[0].prefix in made and made.split("_", 2)[2] not in repr(listed)


def test_a_revoked_key_is_refused_and_revoking_again_answers_the_same(
    jf: Jifen, program: Program
) -> None:
    made = access.create_key(jf.uow(), jf.clock, program, "pos", ["ledger:read"], "test")
    key_id = access.authenticate(jf.uow(write=False), made).key_id

    first = access.revoke_key(jf.uow(), jf.clock, program, key_id, "test")
    again = access.revoke_key(jf.uow(), jf.clock, program, key_id, "test")

    assert first == again and not first.active
    with pytest.raises(JifenError, match="revoked"):
        access.authenticate(jf.uow(write=False), made)
    assert audited(jf, "apikey.revoke") == 1


def test_a_rotation_makes_a_new_key_with_the_same_scopes_and_revokes_the_old(
    jf: Jifen, program: Program
) -> None:
    old = access.create_key(jf.uow(), jf.clock, program, "pos", ["ledger:write"], "test")
    old_id = access.authenticate(jf.uow(write=False), old).key_id

    new, made = access.rotate_key(jf.uow(), jf.clock, program, old_id, "test")

    principal = access.authenticate(jf.uow(write=False), new)
    assert (principal.name, principal.scopes) == ("pos", frozenset({"ledger:write"}))
    assert made.id == principal.key_id != old_id
    with pytest.raises(JifenError):
        access.authenticate(jf.uow(write=False), old)
    with pytest.raises(JifenError) as again:
        access.rotate_key(jf.uow(), jf.clock, program, old_id, "test")
    assert again.value.code == "apikey_revoked"
    assert again.value.params["replaced_by"] == made.id


def test_a_key_of_another_programme_or_none_is_not_found(jf: Jifen, program: Program) -> None:
    for key_id in (999, 2**63 - 1):
        with pytest.raises(JifenError) as missing:
            access.revoke_key(jf.uow(), jf.clock, program, key_id, "test")
        assert missing.value.code == "apikey_not_found"


# --- many at once -----------------------------------------------------------------------


def test_failures_at_once_still_lock_after_five(jf: Jifen) -> None:
    """Given twelve wrong passwords sent at the same instant, five are judged and the rest
    find the account locked: a count and the failure it admits are not split."""
    make(jf, "alice")

    answers = run_together(12, lambda i: attempt(jf, "alice", "wrong password!", f"10.0.1.{i}"))

    assert sorted(map(str, answers)) == ["sign_in_failed"] * 5 + ["sign_in_locked"] * 7


def test_codes_asked_at_once_for_one_contact_stop_at_five(jf: Jifen) -> None:
    program = publish(jf)
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("C-1", email="a@example.com"), key("join")
    )

    def ask(i: int) -> str:
        try:
            portal_signin.request_code(
                jf.uow(), jf.clock, program, "C-1", KEY, address=f"10.0.2.{i}"
            )
        except JifenError as exc:
            return exc.code
        return "asked"

    answers = run_together(12, ask)

    assert sorted(map(str, answers)) == ["asked"] * 5 + ["signin_codes_exhausted"] * 7
    with jf.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM signin_codes")).scalar_one() == 5
