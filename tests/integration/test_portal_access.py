"""Signing in to the member portal with one-time codes, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.access import keyed_hash
from jifen.domain.errors import JifenError
from jifen.domain.programs import Program
from jifen.services import members
from jifen.services.access import portal_signin as portal_access
from jifen.services.members.commands import CreateMember
from tests.earning_fixtures import count, publish
from tests.factories import FakeClock, key

SECRET = "test-secret"


def member(jf: Jifen, program: Program, ext: str, email: str) -> None:
    members.create_member(jf.uow(), jf.clock, program, CreateMember(ext, email=email), key("join"))


def ask(jf: Jifen, program: Program, contact: str) -> str | None:
    """The code the outbox got for this request, if any."""
    portal_access.request_code(jf.uow(), jf.clock, program, contact, SECRET)
    sent = portal_access.signin_codes_sent(jf.uow(write=False), program, 1)
    return sent[0]["code"] if sent else None


def verify(jf: Jifen, program: Program, contact: str, code: str) -> str:
    try:
        token, _ = portal_access.verify_code(jf.uow(), jf.clock, program, contact, code, SECRET)
    except JifenError as exc:
        return exc.code
    return token


def test_a_code_opens_one_session_once_and_only_its_hash_is_kept(jf: Jifen) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "Ana@Example.com")
    code = ask(jf, program, "ana@example.com")  # email matched without case
    assert code is not None and len(code) == 6

    token = verify(jf, program, "ana@example.com", code)

    found = portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET)
    assert found is not None and found[0].external_id == "C-1"
    assert verify(jf, program, "ana@example.com", code) == "signin_code_invalid"  # used
    with jf.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT code_hash FROM signin_codes").scalar_one()
        session = conn.exec_driver_sql("SELECT token_hash FROM web_sessions").scalar_one()
    assert stored == keyed_hash(code, SECRET) != code
    assert session == keyed_hash(token, SECRET)
    portal_access.sign_out(jf.uow(), token, SECRET)
    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET) is None


def test_a_code_expires_after_ten_minutes(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    code = ask(jf, program, "C-1")
    assert code is not None
    clock.advance(minutes=10)
    assert verify(jf, program, "C-1", code) == "signin_code_invalid"


def test_five_wrong_tries_burn_the_code(jf: Jifen) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    code = ask(jf, program, "C-1")
    assert code is not None
    wrong = "000000" if code != "000000" else "111111"
    assert [verify(jf, program, "C-1", wrong) for _ in range(5)] == ["signin_code_invalid"] * 5
    assert verify(jf, program, "C-1", code) == "signin_code_invalid"


def test_an_unknown_contact_is_answered_alike_and_sends_nothing(jf: Jifen) -> None:
    program = publish(jf)
    before = count(jf, "outbox")
    assert ask(jf, program, "nobody@example.com") is None
    assert count(jf, "outbox") == before
    assert count(jf, "signin_codes") == 0
    assert verify(jf, program, "nobody@example.com", "123456") == "signin_code_invalid"


def test_at_most_five_codes_an_hour(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    for _ in range(5):
        ask(jf, program, "C-1")
    with pytest.raises(JifenError) as caught:
        ask(jf, program, "C-1")
    assert caught.value.code == "signin_codes_exhausted"
    clock.advance(hours=1)
    assert ask(jf, program, "C-1") is not None


def test_a_session_ends_after_thirty_days(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    code = ask(jf, program, "C-1")
    assert code is not None
    token = verify(jf, program, "C-1", code)
    clock.advance(days=29)
    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET)
    clock.advance(days=1)
    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET) is None
