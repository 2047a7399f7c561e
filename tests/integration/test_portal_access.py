"""Signing in to the member portal with one-time codes, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from jifen.bootstrap import Jifen
from jifen.domain.access import keyed_hash
from jifen.domain.errors import JifenError
from jifen.domain.programs import Program
from jifen.services import members
from jifen.services.access import portal_signin as portal_access
from jifen.services.access.portal_signin import SigninLimits
from jifen.services.members.commands import CreateMember
from tests.earning_fixtures import count, publish
from tests.factories import FakeClock, key

SECRET = "test-secret"


def member(jf: Jifen, program: Program, ext: str, email: str) -> None:
    members.create_member(jf.uow(), jf.clock, program, CreateMember(ext, email=email), key("join"))


def ask(
    jf: Jifen, program: Program, contact: str, address: str = "10.0.0.1", **limits: int
) -> tuple[str, str | None]:
    """The browser's ticket, and the code delivery would send for this request, if any."""
    before = count(jf, "signin_codes")
    ticket = portal_access.request_code(
        jf.uow(),
        jf.clock,
        program,
        contact,
        SECRET,
        address=address,
        limits=SigninLimits(**limits),
    )
    if count(jf, "signin_codes") == before:
        return ticket, None
    sent = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, program, SECRET, 1)
    return ticket, sent[0]["code"]


def verify(jf: Jifen, program: Program, ticket: str | None, code: str) -> str:
    try:
        token, _ = portal_access.verify_code(jf.uow(), jf.clock, program, ticket, code, SECRET)
    except JifenError as exc:
        return exc.code
    return token


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_code_opens_one_session_once_and_only_its_hash_is_kept(jf: Jifen) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "Ana@Example.com")
    ticket, code = ask(jf, program, "ana@example.com")  # email matched without case
    assert code is not None and len(code) == 6

    token = verify(jf, program, ticket, code)

    found = portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET)
    assert found is not None and found[0].external_id == "C-1"
    assert verify(jf, program, ticket, code) == "signin_code_invalid"  # used
    with jf.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT code_hash FROM signin_codes").scalar_one()
        session = conn.exec_driver_sql("SELECT token_hash FROM web_sessions").scalar_one()
    assert stored == keyed_hash(code, SECRET) != code
    assert session == keyed_hash(token, SECRET)
    portal_access.sign_out(jf.uow(), token, SECRET)
    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET) is None


def everything_stored(jf: Jifen) -> str:
    """Every value of every row of every table, as one text."""
    values: list[str] = []
    with jf.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                values.extend(str(v) for v in row)
    return "\n".join(values)


def test_no_table_and_not_the_outbox_holds_a_code_in_the_clear(jf: Jifen) -> None:
    """Given a code sent and not yet used, no table holds its digits; delivery still can."""
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    ticket, code = ask(jf, program, "C-1")
    assert code is not None

    stored = everything_stored(jf)

    assert code not in stored
    assert ticket not in stored
    delivered = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, program, SECRET)
    assert delivered[0]["code"] == code
    with jf.engine.connect() as conn:
        payload = conn.execute(
            text("SELECT payload FROM outbox WHERE topic = 'member.signin_code_issued'")
        )
        assert code not in str(payload.scalar_one())


def test_a_spent_code_cannot_be_rendered_again_even_with_the_secret(
    jf: Jifen, clock: FakeClock
) -> None:
    """Given codes used, burnt and expired, delivery has nothing left to send for any."""
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    used, code = ask(jf, program, "C-1")
    assert code is not None and verify(jf, program, used, code) != "signin_code_invalid"
    burnt, code = ask(jf, program, "C-1")
    assert code is not None
    for _ in range(5):
        verify(jf, program, burnt, wrong(code))
    ask(jf, program, "C-1")
    clock.advance(minutes=10)
    ask(jf, program, "C-2")  # any later request forgets the seeds of expired codes

    sent = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, program, SECRET)

    assert [m["code"] for m in sent] == [None, None, None]
    with jf.engine.connect() as conn:
        seeds = conn.exec_driver_sql("SELECT seed FROM signin_codes").scalars().all()
    assert seeds == [None, None, None]
    event = {"code_id": 1, "member": "C-1"}
    assert portal_access.signin_message(jf.uow(write=False), jf.clock, event, SECRET) is None


def test_a_code_expires_after_ten_minutes(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    ticket, code = ask(jf, program, "C-1")
    assert code is not None
    clock.advance(minutes=10)
    assert verify(jf, program, ticket, code) == "signin_code_invalid"


def test_five_wrong_tries_burn_the_code(jf: Jifen) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    ticket, code = ask(jf, program, "C-1")
    assert code is not None
    tries = [verify(jf, program, ticket, wrong(code)) for _ in range(5)]
    assert tries == ["signin_code_invalid"] * 5
    assert verify(jf, program, ticket, code) == "signin_code_invalid"


def test_others_wrong_guesses_do_not_lock_a_member_out(jf: Jifen) -> None:
    """Given an attacker guessing for a member from their own browser, and with no ticket,
    when the member asks for a code of their own, it works."""
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    theirs, code = ask(jf, program, "C-1", address="203.0.113.9")
    assert code is not None
    for _ in range(20):
        verify(jf, program, theirs, wrong(code))
        verify(jf, program, None, wrong(code))
        verify(jf, program, "made-up-ticket", wrong(code))

    mine, fresh = ask(jf, program, "C-1")

    assert fresh is not None
    assert verify(jf, program, mine, fresh) != "signin_code_invalid"


def test_a_members_code_in_hand_survives_others_wrong_guesses(jf: Jifen) -> None:
    """Given a member holding a fresh code, when others guess for that member (asking codes
    of their own, or with no ticket), the member's code still opens the portal."""
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    mine, code = ask(jf, program, "C-1")
    assert code is not None
    theirs, _ = ask(jf, program, "ana@example.com", address="203.0.113.9")
    for _ in range(10):
        assert verify(jf, program, theirs, wrong(code)) == "signin_code_invalid"
        assert verify(jf, program, None, wrong(code)) == "signin_code_invalid"

    assert verify(jf, program, mine, code) != "signin_code_invalid"


def test_a_code_is_tried_only_with_the_ticket_it_was_asked_with(jf: Jifen) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    mine, code = ask(jf, program, "C-1")
    assert code is not None
    strangers, _ = ask(jf, program, "nobody@example.com")

    assert verify(jf, program, strangers, code) == "signin_code_invalid"
    assert verify(jf, program, None, code) == "signin_code_invalid"
    assert verify(jf, program, mine, code) != "signin_code_invalid"


def test_an_unknown_contact_is_answered_alike_and_sends_nothing(jf: Jifen) -> None:
    program = publish(jf)
    before = count(jf, "outbox")
    ticket, code = ask(jf, program, "nobody@example.com")
    assert code is None and len(ticket) == 32
    assert count(jf, "outbox") == before
    assert count(jf, "signin_codes") == 0
    assert verify(jf, program, ticket, "123456") == "signin_code_invalid"


def limited(jf: Jifen, program: Program, contact: str, address: str = "10.0.0.1") -> str:
    try:
        ask(jf, program, contact, address)
    except JifenError as exc:
        return exc.code
    return "sent"


def test_a_contact_gets_five_codes_an_hour_member_or_not(jf: Jifen, clock: FakeClock) -> None:
    """The per-contact limit answers alike for a member and a stranger."""
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    for contact in ("C-1", "nobody@example.com"):
        assert [limited(jf, program, contact, f"10.0.0.{i}") for i in range(6)] == [
            *["sent"] * 5,
            "signin_codes_exhausted",
        ]
    clock.advance(hours=1)
    assert ask(jf, program, "C-1")[1] is not None


def test_a_member_reached_by_many_contacts_gets_five_messages_an_hour_silently(
    jf: Jifen,
) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    for _ in range(5):
        assert ask(jf, program, "C-1")[1] is not None
    ticket, code = ask(jf, program, "ana@example.com")
    assert code is None and ticket  # the same answer as a stranger's


def test_one_address_gets_a_limited_number_of_codes(jf: Jifen) -> None:
    program = publish(jf)
    answers = [limited(jf, program, f"x{i}@example.com", "198.51.100.7") for i in range(21)]
    assert answers == [*["sent"] * 20, "signin_codes_exhausted"]
    assert limited(jf, program, "y@example.com", "198.51.100.8") == "sent"


def test_a_programme_sends_at_most_its_ceiling_an_hour(jf: Jifen) -> None:
    program = publish(jf)
    answers = []
    for i in range(4):
        try:
            ask(jf, program, f"x{i}@example.com", f"10.1.0.{i}", per_program=3)
            answers.append("sent")
        except JifenError as exc:
            answers.append(exc.code)
    assert answers == ["sent", "sent", "sent", "signin_codes_exhausted"]


def test_a_session_ends_after_thirty_days(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    member(jf, program, "C-1", "ana@example.com")
    ticket, code = ask(jf, program, "C-1")
    assert code is not None
    token = verify(jf, program, ticket, code)
    clock.advance(days=29)
    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET)
    clock.advance(days=1)
    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, SECRET) is None
