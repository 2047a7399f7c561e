"""Joining: the same rules through the API's service and the portal's code, the sign-up
paid by the enrolment itself exactly once, codes of one's own, consents kept."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.engagement.codes import luhn_digit, member_code, referral_code
from jifen.domain.engagement.enrolment import Consent
from jifen.domain.errors import (
    Conflict,
    InvalidInput,
    MemberNotFound,
    RuleViolation,
    Unauthenticated,
)
from jifen.domain.programs import Program
from jifen.services import engagement, members, rights
from jifen.services.access import signin_codes_sent
from jifen.services.engagement import Enrol, Joining
from jifen.services.members.views import MemberView
from jifen.services.rights import EraseMember
from tests.earning_fixtures import publish
from tests.factories import FakeClock, assert_verified, balances, key

SECRET = "test-secret-key-for-codes"


def enrol(jf: Jifen, program: Program, cmd: Enrol, k: str | None = None) -> MemberView:
    return engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, program, cmd, k or key("enrol"))


def sign_up_entries(jf: Jifen, external_id: str) -> int:
    with jf.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM activities a JOIN members m ON m.id = a.member_id"
                    " WHERE m.external_id = :m AND a.kind = 'sign_up'"
                ),
                {"m": external_id},
            ).scalar_one()
        )


def test_enrolment_pays_the_sign_up_once_and_gives_codes_of_its_own(jf: Jifen) -> None:
    program = publish(jf)
    k = key("enrol")
    cmd = Enrol("C-1", phone="138 0013 8000", email="Ann@Example.com", display_name=" Ann ",
                language="zh-CN", birthday=date(1990, 5, 1), consents={"email": True})  # fmt: skip
    view = enrol(jf, program, cmd, k)
    assert (view.available, view.phone, view.email) == (100, "13800138000", "ann@example.com")
    assert (view.display_name, view.language) == ("Ann", "zh-CN")
    assert view.member_code is not None and member_code(view.member_code) == view.member_code
    assert view.referral_code is not None and referral_code(view.referral_code)
    again = enrol(jf, program, cmd, k)  # the same request again: its first answer
    assert again.replayed and again.member_code == view.member_code
    assert balances(jf, program, "C-1") == (100, 0, 0)
    assert sign_up_entries(jf, "C-1") == 1
    # a sign-up sent afterwards, as integrators did before enrolment paid it, pays nothing
    other = enrol(jf, program, Enrol("C-2"))
    assert other.available == 100 and other.member_code != view.member_code
    assert other.referral_code != view.referral_code
    assert_verified(jf)


def test_consents_are_recorded_by_channel_and_a_channel_left_out_is_not_agreed(
    jf: Jifen,
) -> None:
    program = publish(jf)
    enrol(jf, program, Enrol("C-1", consents={"sms": True}))
    enrol(jf, program, Enrol("C-2"))
    with jf.uow(write=False) as uow:
        one = uow.members.get(program.id, "C-1")
        two = uow.members.get(program.id, "C-2")
        assert one is not None and two is not None
        assert uow.consents.of(one.id) == [
            Consent("marketing", "email", False),
            Consent("marketing", "push", False),
            Consent("marketing", "sms", True),
        ]
        assert uow.consents.of(two.id) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "+86 138-0013-8000x"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * 33}, "display_name"),
        ({"display_name": "tab\there"}, "display_name"),
        ({"language": "fr"}, "language"),
        ({"birthday": date(2999, 1, 1)}, "birthday"),
        ({"consents": {"fax": True}}, "consents"),
        ({"referral_code": "O0O0O0O0"}, "referral_code"),
        ({"referral_code": "22222222"}, "referral_code"),
        ({"external_id": "erased-1"}, "external_id"),
    ],
)
def test_what_breaks_a_rule_is_refused_and_writes_nothing(
    jf: Jifen, change: dict[str, object], field: str
) -> None:
    program = publish(jf)
    cmd = Enrol(**{"external_id": "C-1", **change})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as refused:
        enrol(jf, program, cmd)
    assert refused.value.params["field"] == field
    with jf.uow(write=False) as uow:
        assert uow.members.get(program.id, "C-1") is None


def test_a_contact_another_member_has_is_refused(jf: Jifen) -> None:
    program = publish(jf)
    enrol(jf, program, Enrol("C-1", phone="13800138000", email="ann@example.com"))
    for cmd in (Enrol("C-2", phone="138-0013-8000"), Enrol("C-3", email="ANN@example.com")):
        with pytest.raises(Conflict) as refused:
            enrol(jf, program, cmd)
        assert refused.value.code.value == "member_contact_taken"
    assert balances(jf, program, "C-1") == (100, 0, 0)


def test_a_referral_code_links_the_friend_once_and_never_oneself(jf: Jifen) -> None:
    program = publish(jf)
    ann = enrol(jf, program, Enrol("C-1", phone="13800138000"))
    assert ann.referral_code is not None
    code = ann.referral_code.lower()[:4] + "-" + ann.referral_code.lower()[4:]  # as typed
    bob = enrol(jf, program, Enrol("C-2", phone="13900139000", referral_code=code))
    assert bob.available == 100  # the neighbour referral pays on a first purchase, not now
    with jf.engine.connect() as conn:
        linked = conn.execute(
            text(
                "SELECT r.external_id FROM referrals x JOIN members e ON e.id = x.referee_id"
                " JOIN members r ON r.id = x.referrer_id WHERE e.external_id = 'C-2'"
            )
        ).scalar_one()
    assert linked == "C-1"
    # Ann again, with her own code: her phone is taken, so she cannot refer herself
    with pytest.raises(Conflict) as refused:
        enrol(jf, program, Enrol("C-3", phone="13800138000", referral_code=ann.referral_code))
    assert refused.value.code.value == "member_contact_taken"
    blocked = members.UpdateMember("C-1", {"status": "blocked"})
    members.update_member(jf.uow(), jf.clock, program, blocked, key())
    with pytest.raises(InvalidInput) as unknown:  # a blocked member's code refers nobody
        enrol(jf, program, Enrol("C-4", referral_code=ann.referral_code))
    assert unknown.value.code.value == "referral_code_unknown"


def test_two_joins_with_one_phone_at_once_make_one_member(jf: Jifen) -> None:
    program = publish(jf)
    results: list[object] = []

    def join(n: int) -> None:
        try:
            results.append(enrol(jf, program, Enrol(f"C-{n}", phone="13800138000")))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=join, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    made = [r for r in results if isinstance(r, MemberView)]
    assert len(made) == 1 and len(results) == 8
    assert_verified(jf)


def test_a_member_code_finds_the_member_and_a_mistyped_one_is_refused(jf: Jifen) -> None:
    program = publish(jf)
    ann = enrol(jf, program, Enrol("C-1"))
    assert ann.member_code is not None
    typed = " ".join(ann.member_code[i : i + 4] for i in range(0, 16, 4))
    found = members.get_member_by_code(jf.uow(write=False), jf.clock, program, typed)
    assert found.external_id == "C-1"
    wrong = ann.member_code[:-1] + str((int(ann.member_code[-1]) + 1) % 10)
    with pytest.raises(InvalidInput):
        members.get_member_by_code(jf.uow(write=False), jf.clock, program, wrong)
    body = "1" + "0" * 14
    nobody = body + luhn_digit(body)
    if nobody != ann.member_code:
        with pytest.raises(MemberNotFound):
            members.get_member_by_code(jf.uow(write=False), jf.clock, program, nobody)


def _ask(jf: Jifen, program: Program, joining: Joining) -> str:
    return engagement.ask_to_join(jf.uow(), jf.clock, program, joining, SECRET)


def _code_sent(jf: Jifen, program: Program) -> str:
    sent = signin_codes_sent(jf.uow(write=False), jf.clock, program, SECRET)
    code = sent[0]["code"]
    assert isinstance(code, str)
    return code


def test_joining_in_the_portal_makes_the_member_with_the_code_once(jf: Jifen) -> None:
    program = publish(jf)
    joining = Joining("ann@example.com", "Ann", "en", date(1990, 5, 1), ("email",))
    ticket = _ask(jf, program, joining)
    with jf.uow(write=False) as uow:  # nobody is a member before the code is given
        assert uow.members.by_contact(program.id, "ann@example.com") is None
    code = _code_sent(jf, program)
    with pytest.raises(Unauthenticated):
        engagement.join_with_code(jf.uow(), jf.clock, jf.rulebooks, program, ticket,
                                  "000000" if code != "000000" else "111111", SECRET)  # fmt: skip
    joined = engagement.join_with_code(jf.uow(), jf.clock, jf.rulebooks, program, ticket, code,
                                       SECRET)  # fmt: skip
    assert joined.new
    with jf.uow(write=False) as uow:
        member = uow.members.by_id(joined.session.member_id)
        assert member is not None
        assert (member.email, member.display_name, member.language) == (
            "ann@example.com", "Ann", "en",
        )  # fmt: skip
        assert member.birthday == date(1990, 5, 1)
        assert [c for c in uow.consents.of(member.id) if c.granted] == [
            Consent("marketing", "email", True)
        ]
    assert balances(jf, program, member.external_id) == (100, 0, 0)
    with pytest.raises(Unauthenticated):  # a code is used once
        engagement.join_with_code(jf.uow(), jf.clock, jf.rulebooks, program, ticket, code,
                                  SECRET)  # fmt: skip
    # the same contact again: the code signs the member in, and makes nobody
    ticket = _ask(jf, program, Joining("ANN@example.com", "Someone", "zh-CN"))
    again = engagement.join_with_code(jf.uow(), jf.clock, jf.rulebooks, program, ticket,
                                      _code_sent(jf, program), SECRET)  # fmt: skip
    assert not again.new and again.session.member_id == joined.session.member_id
    assert balances(jf, program, member.external_id) == (100, 0, 0)
    assert_verified(jf)


def test_joining_stores_the_details_only_beside_the_code_until_it_expires(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    _ask(jf, program, Joining("13800138000", "Ann", "zh-CN"))
    with jf.engine.connect() as conn:
        kept = conn.execute(text("SELECT enrolment, member_id FROM signin_codes")).one()
    assert kept.member_id is None and "13800138000" in str(kept.enrolment)
    clock.advance(minutes=11)
    with jf.uow() as uow:
        uow.access.forget_expired_seeds(clock.now())
        uow.commit()
    with jf.engine.connect() as conn:
        assert conn.execute(text("SELECT enrolment FROM signin_codes")).scalar_one() is None


def test_a_referral_code_unknown_is_said_before_a_code_is_sent(jf: Jifen) -> None:
    program = publish(jf)
    with pytest.raises(InvalidInput) as refused:
        _ask(jf, program, Joining("13800138000", "Ann", "zh-CN", referral_code="2222-2222"))
    assert refused.value.code.value == "referral_code_unknown"
    assert signin_codes_sent(jf.uow(write=False), jf.clock, program, SECRET) == []


def test_the_export_holds_the_consents_and_codes_and_erasure_removes_them(jf: Jifen) -> None:
    program = publish(jf)
    view = enrol(jf, program, Enrol("C-1", phone="13800138000", display_name="Ann Lee",
                                    consents={"sms": True}, device="ann-phone"))  # fmt: skip
    found = rights.export_member(jf.uow(write=False), jf.clock, program, "C-1")
    assert (found.profile["display_name"], found.profile["member_code"]) == (
        "Ann Lee", view.member_code,
    )  # fmt: skip
    assert [(c["channel"], c["granted"], c["source"]) for c in found.consents] == [
        ("email", False, "api"), ("sms", True, "api"), ("push", False, "api"),
    ]  # fmt: skip
    rights.erase_member(jf.uow(), jf.clock, program, EraseMember("C-1", "ops:wang"), key())
    with jf.engine.connect() as conn:
        row = conn.execute(text("SELECT display_name, member_code, referral_code FROM members"))
        assert tuple(row.one()) == (None, None, None)
        assert conn.execute(text("SELECT count(*) FROM consents")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM member_devices")).scalar_one() == 0
    assert view.member_code is not None
    with pytest.raises(MemberNotFound):  # an old card finds nobody
        members.get_member_by_code(jf.uow(write=False), jf.clock, program, view.member_code)


def test_a_referral_code_used_from_its_owners_device_is_refused(jf: Jifen) -> None:
    program = publish(jf)
    ann = enrol(jf, program, Enrol("C-1", phone="13800138000", device="ann-phone"))
    assert ann.referral_code is not None
    with pytest.raises(RuleViolation) as refused:  # Ann again, as a "friend", on her phone
        enrol(jf, program, Enrol("C-2", phone="13900139000", referral_code=ann.referral_code,
                                 device="ann-phone"))  # fmt: skip
    assert refused.value.code.value == "self_referral"
    with pytest.raises(RuleViolation):  # the portal says it before sending a code
        _ask(jf, program, Joining("13900139000", "Bo", "zh-CN",
                                  referral_code=ann.referral_code, device="ann-phone"))  # fmt: skip
    assert signin_codes_sent(jf.uow(write=False), jf.clock, program, SECRET) == []
    bo = enrol(jf, program, Enrol("C-2", phone="13900139000", referral_code=ann.referral_code,
                                  device="bo-phone"))  # fmt: skip
    assert bo.available == 100
    with jf.uow(write=False) as uow:
        member = uow.members.get(program.id, "C-2")
        assert member is not None and uow.access.used_device(member.id, "bo-phone")
        assert not uow.access.used_device(member.id, "ann-phone")


def test_signing_in_through_a_code_remembers_the_device(jf: Jifen) -> None:
    program = publish(jf)
    ann = enrol(jf, program, Enrol("C-1", email="ann@example.com"))
    assert ann.referral_code is not None
    ticket = _ask(jf, program, Joining("ann@example.com", "Ann", "en"))  # her own contact
    engagement.join_with_code(jf.uow(), jf.clock, jf.rulebooks, program, ticket,
                              _code_sent(jf, program), SECRET, device="laptop")  # fmt: skip
    with pytest.raises(RuleViolation):  # her code, from the laptop she signed in on
        enrol(jf, program, Enrol("C-2", referral_code=ann.referral_code, device="laptop"))
