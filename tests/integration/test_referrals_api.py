"""Referrals through the API: the report counts and flags, a member's friends, an
operator's void (idempotent, audited), and the errors an integrator can meet."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jifen.bootstrap import Jifen
from jifen.entrypoints.api.app import create_app
from jifen.services import engagement
from jifen.services.access import apikeys
from jifen.services.engagement import Enrol
from tests.earning_fixtures import buy, line, publish
from tests.factories import FakeClock, assert_verified, balances, key


def test_the_report_flags_friends_from_one_device_and_lookalike_contacts_and_a_void_undoes(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)

    def join(member: str, referral: str | None = None, **more: str) -> str:
        view = engagement.enrol(
            jf.uow(), jf.clock, jf.rulebooks, program,
            Enrol(member, referral_code=referral, **more), key("enrol"),  # type: ignore[arg-type]
        )  # fmt: skip
        assert view.referral_code is not None
        return view.referral_code

    ann = join("ANN", phone="13800000000", device="ann-phone")
    join("BO", ann, phone="13911112201", device="shared-tablet")
    join("CY", ann, phone="13911112202", device="shared-tablet")
    join("DI", ann, phone="13911112203", device="di-phone")
    honest = join("ED", phone="13700000000")
    join("FU", honest, email="fu@example.com")
    buy(jf, program, "BO", "o-1", "30.00", line("veg", 1, "30.00", "meat"))
    buy(jf, program, "FU", "o-2", "30.00", line("veg", 1, "30.00", "meat"))

    reader = apikeys.create_key(jf.uow(), jf.clock, program, "ro", ["members:read"], "t")
    writer = apikeys.create_key(jf.uow(), jf.clock, program, "rw", ["ledger:write"], "t")
    r = {"Authorization": f"Bearer {reader}"}
    w = {"Authorization": f"Bearer {writer}", "Idempotency-Key": "void-1"}
    with TestClient(create_app(jf)) as client:
        report = client.get("/v1/referrals", headers=r).json()
        mine = client.get("/v1/members/ANN/referrals", headers=r).json()
        nobody = client.get("/v1/members/BO/referrals", headers=r).json()
        voided = client.post("/v1/members/BO/referral/void", json={"reason": "one household"},
                             headers=w)  # fmt: skip
        again = client.post("/v1/members/BO/referral/void", json={"reason": "one household"},
                            headers=w)  # fmt: skip
        other_key = client.post("/v1/members/BO/referral/void", json={"reason": "twice"},
                                headers={**w, "Idempotency-Key": "void-2"})  # fmt: skip
        blank = client.post("/v1/members/CY/referral/void", json={"reason": "  "},
                            headers={**w, "Idempotency-Key": "void-3"})  # fmt: skip
        none = client.post("/v1/members/ED/referral/void", json={"reason": "x"},
                           headers={**w, "Idempotency-Key": "void-4"})  # fmt: skip
        unknown = client.get("/v1/members/NOPE/referrals", headers=r)

    assert (report["joined"], report["converted"], report["pending"]) == (4, 2, 2)
    assert report["points"] == report["points_pending"] == 1200
    by = {x["member"]: x for x in report["referrers"]}
    assert list(by) == ["ANN", "ED"]  # the most friends first
    assert set(by["ANN"]["flags"]) == {"shared_device", "lookalike_contacts"}
    assert by["ED"]["flags"] == []
    assert (mine["friends"], mine["converted"], mine["points"], mine["pending"]) == (3, 1, 300, 300)
    assert [f["status"] for f in mine["listed"]] == ["joined", "joined", "pending"]
    assert (nobody["friends"], nobody["listed"]) == (0, [])

    assert voided.status_code == 200, voided.text
    assert (voided.json()["status"], voided.json()["void_reason"]) == ("voided", "one household")
    assert again.json() == voided.json() and again.headers["Idempotent-Replayed"] == "true"
    assert (other_key.status_code, other_key.json()["code"]) == (409, "referral_voided")
    assert (blank.status_code, blank.json()["code"]) == (422, "invalid_input")
    assert (none.status_code, none.json()["code"]) == (404, "referral_not_found")
    assert unknown.status_code == 404
    assert balances(jf, program, "ANN") == (100, 0, 0)
    clock.advance(days=8)
    assert balances(jf, program, "ED") == (100 + 300, 0, 0)
    assert_verified(jf)
