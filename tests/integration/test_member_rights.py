"""A member's data rights: exported whole, erased for good, on SQLite and PostgreSQL.

An erasure forfeits the points through the ledger (so ``jifen verify`` stays ok),
removes every trace of the member from every table, retires the old id and refuses
any posting after; it is idempotent and audited without what it erased.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, String, Text, select, text

from jifen.adapters.db.tables import metadata
from jifen.bootstrap import Jifen
from jifen.domain.errors import Conflict, InvalidInput, MemberNotActive, MemberNotFound
from jifen.domain.programs import NegativeBalancePolicy, Program
from jifen.services import ledger, members, rights
from jifen.services import redemption as redemptions
from jifen.services.access import portal_signin as portal_access
from jifen.services.earning import refunds
from jifen.services.earning.commands import RefundOrder
from jifen.services.ledger import Adjust, Earn, PlaceHold, Redeem, Reverse
from jifen.services.members import CreateMember, UpdateMember
from jifen.services.redemption.commands import RedeemReward
from jifen.services.rights import EraseMember
from tests.earning_fixtures import buy, line, publish
from tests.factories import (
    FakeClock,
    assert_verified,
    balances,
    key,
    make_member,
    make_program,
)

MEMBER = "C-77"
PHONE = "+8613800138077"
EMAIL = "ana.lima@example.com"
NAME = "Ana Lima"
CITY = "杭州西湖"
BIRTHDAY = date(1990, 5, 17)
PERSONAL = (PHONE, EMAIL, NAME, CITY, BIRTHDAY.isoformat())


def a_member_with_a_life(jf: Jifen, clock: FakeClock) -> Program:
    """C-77 joined, bought, earned, was given points with a note, redeemed a voucher,
    asked for a portal code and signed in; some points are still pending."""
    program = publish(jf, "lifestyle-brand")
    cmd = CreateMember(MEMBER, PHONE, EMAIL, BIRTHDAY, {"name": NAME, "city": CITY})
    members.create_member(jf.uow(), jf.clock, program, cmd, key("join"))
    buy(jf, program, MEMBER, "o-1", "120.00", line("tea", 2, "60.00"))
    ledger.earn(jf.uow(), jf.clock, program, Earn(MEMBER, 1000), key("earn"))
    later = clock.now() + timedelta(days=3)
    ledger.earn(jf.uow(), jf.clock, program, Earn(MEMBER, 40, available_at=later), key("earn"))
    note = f"Happy birthday {NAME}"
    adjust = Adjust(MEMBER, 25, f"{NAME} complained at {PHONE}", "ops:li", note=note)
    ledger.adjust(jf.uow(), jf.clock, program, adjust, f"adjust:{MEMBER}:1")
    reward = RedeemReward(MEMBER, "free-drink")
    redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, reward, key("redeem"))
    update = UpdateMember(MEMBER, {"attributes": {"name": NAME, "city": CITY, "pet": "Rex"}})
    members.update_member(jf.uow(), jf.clock, program, update, key("update"))
    secret = jf.settings.secret_key
    ticket = portal_access.request_code(jf.uow(), jf.clock, program, EMAIL, secret)
    code = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, program, secret, 1)[0][
        "code"
    ]
    portal_access.verify_code(jf.uow(), jf.clock, program, ticket, code, secret)
    portal_access.request_code(jf.uow(), jf.clock, program, PHONE, secret)  # left pending
    return program


def erase(jf: Jifen, program: Program, member: str = MEMBER, k: str = "erase-1") -> rights.Erased:
    return rights.erase_member(jf.uow(), jf.clock, program, EraseMember(member, "ops:wang"), k)


def text_cells(jf: Jifen) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text and JSON value in the database."""
    cells = []
    with jf.engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for column in columns:
                for value in conn.execute(select(column)).scalars():
                    if value is not None:
                        shown = value if isinstance(value, str) else json.dumps(value)
                        cells.append((table.name, column.name, shown))
    return cells


def traces(jf: Jifen, old_id: str = MEMBER) -> list[tuple[str, str, str]]:
    """Cells that still name the member: their id (as a whole token) or personal data."""
    as_json = [json.dumps(p)[1:-1] for p in PERSONAL]  # how SQLite's JSON escapes them
    token = re.compile(rf"(?<![A-Za-z0-9._@-]){re.escape(old_id)}(?![A-Za-z0-9._@-])")
    return [
        (table, column, value)
        for table, column, value in text_cells(jf)
        if any(p in value for p in (*PERSONAL, *as_json)) or token.search(value)
    ]


def test_the_export_holds_everything_in_its_documented_format(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    found = rights.export_member(jf.uow(write=False), jf.clock, program, MEMBER)

    assert found.format == "jifen.member-export/1"
    assert found.program == program.code
    assert found.profile["external_id"] == MEMBER
    assert (found.profile["phone"], found.profile["email"]) == (PHONE, EMAIL)
    assert found.profile["birthday"] == "1990-05-17"
    assert found.profile["attributes"]["name"] == NAME
    assert found.consents == []
    available, pending, held = balances(jf, program, MEMBER)
    assert found.balances == {"available": available, "pending": pending, "held": held}
    assert pending == 40
    assert sum(lot["remaining"] for lot in found.lots) == available + pending
    kinds = [item["kind"] for item in found.history]
    assert {"earn", "adjust", "redeem"} <= set(kinds)
    adjusted = next(item for item in found.history if item["kind"] == "adjust")
    assert adjusted["note"] == f"Happy birthday {NAME}"
    assert "complained" not in json.dumps(found.history)  # the internal reason stays out
    assert [(o["order_id"], o["paid"]) for o in found.orders] == [("o-1", 12000)]
    assert [r["reward"] for r in found.redemptions] == ["free-drink"]
    assert [(v["reward"], v["status"]) for v in found.vouchers] == [("free-drink", "issued")]
    json.dumps(found.__dict__)  # JSON values only


def test_an_erasure_forfeits_the_points_and_verify_stays_ok(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    available, pending, _ = balances(jf, program, MEMBER)

    done = erase(jf, program)

    assert done.member.startswith("erased-") and done.status == "erased"
    assert done.forfeited == available + pending
    assert_verified(jf)
    with jf.engine.connect() as conn:
        member = conn.execute(
            text("SELECT external_id, status, available, pending, held, erased_at FROM members")
        ).one()
        kind = conn.execute(
            text("SELECT kind FROM entries WHERE id = :e"), {"e": done.entry_id}
        ).scalar_one()
        topics = conn.execute(text("SELECT topic FROM outbox ORDER BY id")).scalars().all()
        audit = conn.execute(
            text("SELECT actor, target, detail FROM audit_log WHERE action = 'member.erase'")
        ).one()
    assert member[:5] == (done.member, "erased", 0, 0, 0) and member.erased_at is not None
    assert kind == "forfeit"
    assert topics[-2:] == ["points.forfeited", "member.erased"]
    detail = audit.detail if isinstance(audit.detail, dict) else json.loads(audit.detail)
    assert (audit.actor, audit.target) == ("ops:wang", done.member)
    assert detail == {"forfeited": done.forfeited, "entry_id": done.entry_id}


def test_an_erasure_leaves_no_trace_of_the_member_in_any_table(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    assert {table for table, _, _ in traces(jf)} >= {
        "members",
        "outbox",
        "idempotency_keys",
        "audit_log",
        "entries",
    }

    erase(jf, program)

    assert traces(jf) == []
    with jf.engine.connect() as conn:
        left = [
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("signin_codes", "web_sessions")
        ]
    assert left == [0, 0]


def test_an_erasure_is_idempotent(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    first = erase(jf, program, k="erase-1")
    with jf.engine.connect() as conn:
        entries = conn.execute(text("SELECT COUNT(*) FROM entries")).scalar_one()

    again = erase(jf, program, k="erase-1")
    by_pseudonym = erase(jf, program, first.member, k="erase-2")

    assert again.replayed and (again.member, again.forfeited) == (first.member, first.forfeited)
    assert (by_pseudonym.member, by_pseudonym.status) == (first.member, "erased")
    assert by_pseudonym.forfeited == 0
    with pytest.raises(MemberNotFound):
        erase(jf, program, k="erase-3")  # the old id is gone
    with jf.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM entries")).scalar_one() == entries
    assert_verified(jf)


def test_postings_are_refused_after_an_erasure(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    pseudonym = erase(jf, program).member

    for who, refused in ((MEMBER, MemberNotFound), (pseudonym, MemberNotActive)):
        with pytest.raises(refused):
            ledger.earn(jf.uow(), jf.clock, program, Earn(who, 5), key())
        with pytest.raises(refused):
            ledger.adjust(jf.uow(), jf.clock, program, Adjust(who, 5, "why", "ops"), key())
    with pytest.raises(MemberNotFound):
        members.get_member(jf.uow(write=False), jf.clock, program, pseudonym)
    assert_verified(jf)


def test_the_old_id_may_enrol_again_as_a_new_member(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    erase(jf, program)

    members.create_member(jf.uow(), jf.clock, program, CreateMember(MEMBER), key("join"))

    assert balances(jf, program, MEMBER) == (0, 0, 0)
    export = rights.export_member(jf.uow(write=False), jf.clock, program, MEMBER)
    assert export.history == [] and export.redemptions == [] and export.lots == []


def test_a_member_with_points_on_hold_is_not_erased(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    members.create_member(jf.uow(), jf.clock, program, CreateMember(MEMBER, PHONE), key())
    ledger.earn(jf.uow(), jf.clock, program, Earn(MEMBER, 100), key())
    ledger.place_hold(jf.uow(), jf.clock, program, PlaceHold(MEMBER, 30), key())

    with pytest.raises(Conflict) as refused:
        erase(jf, program)

    assert refused.value.code == "erasure_while_held"
    assert balances(jf, program, MEMBER) == (70, 0, 30)
    clock.advance(days=30)  # the hold expires: the erasure goes through
    assert erase(jf, program, k="erase-2").forfeited == 100
    assert_verified(jf)


def test_no_one_enrols_under_a_pseudonym(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf, "lifestyle-brand")
    cmd = CreateMember("erased-1")

    with pytest.raises(InvalidInput) as refused:
        members.create_member(jf.uow(), jf.clock, program, cmd, key())

    assert refused.value.params["field"] == "external_id"


def test_a_refund_after_an_erasure_moves_no_points(jf: Jifen, clock: FakeClock) -> None:
    program = a_member_with_a_life(jf, clock)
    erase(jf, program)
    with jf.engine.connect() as conn:
        entries = conn.execute(text("SELECT COUNT(*) FROM entries")).scalar_one()

    with pytest.raises(MemberNotActive):
        refunds.refund_order(
            jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "o-1", full=True)
        )

    with jf.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM entries")).scalar_one() == entries
    assert_verified(jf)


def test_a_debt_stays_a_debt_and_pending_points_are_forfeited(jf: Jifen, clock: FakeClock) -> None:
    program = make_program(jf, negative_balance=NegativeBalancePolicy.ALLOW)
    make_member(jf, program, MEMBER)
    earned = ledger.earn(jf.uow(), jf.clock, program, Earn(MEMBER, 100), key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem(MEMBER, 80), key())
    ledger.reverse(jf.uow(), jf.clock, program, Reverse(earned.entry_ids[0]), key())
    later = clock.now() + timedelta(days=5)
    ledger.earn(jf.uow(), jf.clock, program, Earn(MEMBER, 30, available_at=later), key())
    assert balances(jf, program, MEMBER) == (-80, 30, 0)

    done = erase(jf, program)

    assert done.forfeited == 30
    with jf.engine.connect() as conn:
        owed = conn.execute(text("SELECT available, pending FROM members")).one()
    assert tuple(owed) == (-80, 0)
    assert_verified(jf)


def test_an_erased_member_is_signed_out_and_their_contacts_open_nothing(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf, "lifestyle-brand")
    cmd = CreateMember(MEMBER, PHONE, EMAIL)
    members.create_member(jf.uow(), jf.clock, program, cmd, key())
    secret = jf.settings.secret_key
    ticket = portal_access.request_code(jf.uow(), jf.clock, program, EMAIL, secret)
    code = portal_access.signin_codes_sent(jf.uow(write=False), jf.clock, program, secret, 1)[0][
        "code"
    ]
    token, _ = portal_access.verify_code(jf.uow(), jf.clock, program, ticket, code, secret)

    pseudonym = erase(jf, program).member

    assert portal_access.signed_in(jf.uow(write=False), jf.clock, program, token, secret) is None
    for contact in (EMAIL, PHONE, MEMBER, pseudonym):
        portal_access.request_code(jf.uow(), jf.clock, program, contact, secret)
    with jf.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM signin_codes")).scalar_one() == 0


def test_a_forfeit_that_drew_less_than_it_says_is_seen_by_verify(
    jf: Jifen, clock: FakeClock
) -> None:
    """A forfeit moves the balances by its amount and draws that much from the lots."""
    program = a_member_with_a_life(jf, clock)
    done = erase(jf, program)
    assert done.forfeited > 0
    with jf.engine.begin() as conn:
        conn.execute(
            text("UPDATE entries SET delta_available = delta_available + 1 WHERE id = :e"),
            {"e": done.entry_id},
        )
    report = ledger.verify(jf.uow, jf.rulebooks)
    assert report["problems"]["entry_shape"] == 1
