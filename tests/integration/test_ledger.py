"""The ledger's use cases, with worked numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    MemberNotActive,
    NotFound,
    ReversalExceedsOriginal,
    RuleViolation,
)
from jifen.domain.programs import NegativeBalancePolicy, Program
from jifen.services import ledger, members
from jifen.services.ledger import holds
from jifen.services.ledger.commands import (
    Adjust,
    CaptureHold,
    Earn,
    PlaceHold,
    Redeem,
    ReleaseHold,
    Reverse,
)
from jifen.services.ledger.views import Receipt
from jifen.services.members.commands import UpdateMember
from tests.factories import (
    FakeClock,
    assert_verified,
    balances,
    key,
    make_member,
    make_program,
)


def test_earned_points_are_available_and_listed_in_history(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1")
    receipt = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 120, "order", "order-1"), key())
    assert (receipt.points, receipt.available) == (120, 120)
    page = members.history(jf.uow(write=False), program, "C-1", None, 10)
    assert [(i.kind, i.points, i.reference) for i in page.items] == [("earn", 120, "order-1")]
    assert_verified(jf)


def test_spending_draws_soonest_expiring_lots_first(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    now = clock.now()
    make_member(jf, program, "C-1")
    for points, days in ((100, None), (50, 90), (30, 10)):
        ledger.earn(
            jf.uow(),
            clock,
            program,
            Earn("C-1", points, expires_at=None if days is None else now + timedelta(days=days)),
            key(),
        )
    ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 60), key())
    # 30 (10 days) then 30 of the 50 (90 days); the never-expiring lot untouched.
    clock.advance(days=11)
    ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 1), key())  # settles expiry
    assert balances(jf, program, "C-1") == (119, 0, 0)
    clock.advance(days=80)
    ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 1), key())
    # the 90-day lot had 20 left, minus the 1 just spent from it = 19 expired
    assert balances(jf, program, "C-1") == (99, 0, 0)
    assert_verified(jf)


def test_expired_points_cannot_be_redeemed(jf: Jifen, program: Program, clock: FakeClock) -> None:
    make_member(jf, program, "C-1")
    ledger.earn(
        jf.uow(),
        clock,
        program,
        Earn("C-1", 100, expires_at=clock.now() + timedelta(days=1)),
        key(),
    )
    clock.advance(days=2)
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 50), key())
    # the refusal wrote nothing, and a read shows what a write would allow: nothing
    assert balances(jf, program, "C-1") == (0, 0, 0)
    assert_verified(jf)


def test_pending_points_become_available_on_their_date(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 10)
    ledger.earn(
        jf.uow(),
        clock,
        program,
        Earn("C-1", 40, available_at=clock.now() + timedelta(days=7)),
        key(),
    )
    assert balances(jf, program, "C-1") == (10, 40, 0)
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 20), key())
    clock.advance(days=7)
    ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 20), key())
    assert balances(jf, program, "C-1") == (30, 0, 0)
    assert_verified(jf)


def test_a_retried_key_replays_and_never_awards_twice(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1")
    first = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 70), "same-key")
    again = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 70), "same-key")
    assert again.replayed and not first.replayed
    assert again.entry_ids == first.entry_ids
    assert balances(jf, program, "C-1") == (70, 0, 0)
    with pytest.raises(IdempotencyConflict):
        ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 71), "same-key")
    assert balances(jf, program, "C-1") == (70, 0, 0)


def test_hold_capture_and_release(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 500)
    held = holds.place_hold(jf.uow(), jf.clock, program, PlaceHold("C-1", 300), key())
    assert balances(jf, program, "C-1") == (200, 0, 300)
    assert held.hold_id is not None
    captured = holds.capture_hold(
        jf.uow(), jf.clock, program, CaptureHold(held.hold_id, 120), key()
    )
    assert (captured.points, captured.available, captured.held) == (-120, 380, 0)
    with pytest.raises(RuleViolation) as err:
        holds.release_hold(jf.uow(), jf.clock, program, ReleaseHold(held.hold_id), key())
    assert err.value.code == "hold_not_active"
    second = holds.place_hold(jf.uow(), jf.clock, program, PlaceHold("C-1", 80), key())
    assert second.hold_id is not None
    holds.release_hold(jf.uow(), jf.clock, program, ReleaseHold(second.hold_id), key())
    assert balances(jf, program, "C-1") == (380, 0, 0)
    assert_verified(jf)


def test_expired_holds_release_themselves(jf: Jifen, program: Program, clock: FakeClock) -> None:
    make_member(jf, program, "C-1", 100)
    held = holds.place_hold(jf.uow(), clock, program, PlaceHold("C-1", 60, ttl_seconds=60), key())
    clock.advance(seconds=61)
    assert held.hold_id is not None
    with pytest.raises(RuleViolation) as err:
        holds.capture_hold(jf.uow(), clock, program, CaptureHold(held.hold_id), key())
    assert err.value.code == "hold_expired"
    ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 100), key())
    assert balances(jf, program, "C-1") == (0, 0, 0)
    assert_verified(jf)


def test_reversing_a_spend_returns_points_to_their_lots(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 100, expires_at=clock.now() + timedelta(days=30))
    spent = ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 80), key())
    ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0], 30), key())
    assert balances(jf, program, "C-1") == (50, 0, 0)
    ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0]), key())
    assert balances(jf, program, "C-1") == (100, 0, 0)
    with pytest.raises(RuleViolation):
        ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0], 1), key())
    clock.advance(days=31)  # the restored points still expire with their lot
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 1), key())
    assert_verified(jf)


def test_a_spend_reversed_after_its_lot_expired_gets_a_grace_lot(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 100, expires_at=clock.now() + timedelta(days=10))
    spent = ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 100), key())
    clock.advance(days=20)
    back = ledger.reverse(jf.uow(), clock, program, Reverse(spent.entry_ids[0]), key())
    assert back.available == 100 and back.meta["reissued"] == 100
    clock.advance(days=29)
    assert members.get_member(jf.uow(), clock, program, "C-1").expiring_30d == 100
    clock.advance(days=2)  # the 30-day grace is over
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), clock, program, Redeem("C-1", 1), key())
    assert_verified(jf)


def test_clawback_of_spent_points_floors_at_zero_and_records_the_shortfall(
    jf: Jifen, program: Program
) -> None:
    make_member(jf, program, "C-1")
    earned = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 100), key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 70), key())
    back = ledger.reverse(jf.uow(), jf.clock, program, Reverse(earned.entry_ids[0]), key())
    assert back.available == 0 and back.meta["shortfall"] == 70
    assert back.meta["from_lot"] == 30
    with pytest.raises(ReversalExceedsOriginal):
        ledger.reverse(jf.uow(), jf.clock, program, Reverse(earned.entry_ids[0], 1), key())
    assert_verified(jf)


def test_clawback_under_the_debt_policy_goes_negative_and_is_repaid_by_earning(
    jf: Jifen,
) -> None:
    program = make_program(jf, "debt", NegativeBalancePolicy.ALLOW)
    make_member(jf, program, "C-1")
    earned = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 100), key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 70), key())
    back = ledger.reverse(jf.uow(), jf.clock, program, Reverse(earned.entry_ids[0]), key())
    assert back.available == -70 and back.meta["debt"] == 70
    with pytest.raises(InsufficientPoints):
        ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 1), key())
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 50), key())
    assert balances(jf, program, "C-1") == (-20, 0, 0)
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 50), key())
    assert balances(jf, program, "C-1") == (30, 0, 0)
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 30), key())
    assert_verified(jf)


def test_a_batch_of_grants_repays_debt_writes_what_earn_writes_and_skips_used_keys(
    jf: Jifen,
) -> None:
    program = make_program(jf, "batch", NegativeBalancePolicy.ALLOW)
    for ref in ("C-1", "C-2", "C-3"):
        make_member(jf, program, ref)
    earned = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 100), key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 70), key())
    ledger.reverse(jf.uow(), jf.clock, program, Reverse(earned.entry_ids[0]), key())
    one = ledger.earn(jf.uow(), jf.clock, program, Earn("C-3", 5, "gift"), "gift:C-3")
    now = jf.clock.now()

    def grant(keys: dict[str, str]) -> list[Receipt]:
        uow = jf.uow()
        with uow:
            locked = [uow.members.lock(program.id, ref) for ref in keys]
            grants = [
                ledger.Grant(m, Earn(m.external_id, 50, "gift", "yearly"), keys[m.external_id])
                for m in locked
                if m is not None
            ]
            given = ledger.grant_many(uow, program, grants, now)
            uow.commit()
        return given

    keys = {"C-1": "gift:C-1", "C-2": "gift:C-2"}
    given = grant(keys)
    assert [(r.member, r.points, r.available) for r in given] == [("C-1", 50, -20), ("C-2", 50, 50)]
    assert balances(jf, program, "C-1") == (-20, 0, 0)  # the debt of 70 repaid first
    assert grant(keys) == []  # a key the batch used grants nothing again, compares nothing
    with jf.engine.connect() as conn:
        events = conn.execute(
            text(
                "SELECT payload FROM outbox WHERE topic = 'points.earned' ORDER BY id DESC LIMIT 2"
            )
        ).scalars()
        payloads = [e if isinstance(e, dict) else json.loads(e) for e in events]
    assert [(p["member"], p["points"], p["available"]) for p in payloads] == [
        ("C-2", 50, 50),
        ("C-1", 50, -20),
    ]
    # a caller's key is another namespace: C-3's ordinary earn under "gift:C-3" neither
    # blocks the batch's key of the same text nor replays it, nor the other way round
    assert [(r.member, r.points, r.available) for r in grant({"C-3": "gift:C-3"})] == [
        ("C-3", 50, 55)
    ]
    assert one.available == 5
    again = ledger.earn(jf.uow(), jf.clock, program, Earn("C-2", 50, "gift", "yearly"), "gift:C-2")
    assert not again.replayed and again.available == 100
    assert_verified(jf)


def test_clawback_takes_other_points_before_the_policy_applies(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 200)
    earned = ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 100), key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 250), key())
    back = ledger.reverse(jf.uow(), jf.clock, program, Reverse(earned.entry_ids[0]), key())
    lots = back.meta.pop("lots")
    assert back.available == 0 and back.meta == {"from_lot": 50, "clawed_back": 0, "shortfall": 50}
    assert list(lots.values()) == [100]  # all of the credit's one lot

    assert_verified(jf)


def test_refund_during_the_pending_window_cancels_pending_points(
    jf: Jifen, program: Program, clock: FakeClock
) -> None:
    make_member(jf, program, "C-1", 10)
    earned = ledger.earn(
        jf.uow(),
        clock,
        program,
        Earn("C-1", 60, available_at=clock.now() + timedelta(days=7)),
        key(),
    )
    ledger.reverse(jf.uow(), clock, program, Reverse(earned.entry_ids[0], 20), key())
    assert balances(jf, program, "C-1") == (10, 40, 0)
    assert_verified(jf)


def test_adjustments_need_a_reason_and_are_audited(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1")
    receipt = ledger.adjust(
        jf.uow(), jf.clock, program, Adjust("C-1", 25, "goodwill: late delivery", "ops:li"), key()
    )
    assert receipt.available == 25
    receipt = ledger.adjust(
        jf.uow(), jf.clock, program, Adjust("C-1", -5, "duplicate credit", "ops:li"), key()
    )
    assert receipt.available == 20
    with pytest.raises(InsufficientPoints):
        ledger.adjust(jf.uow(), jf.clock, program, Adjust("C-1", -21, "too much", "ops"), key())
    page = members.history(jf.uow(write=False), program, "C-1", None, 10)
    # the reasons are internal: the audit log keeps them, the history shows no note given
    assert [(i.points, i.actor, i.reason) for i in page.items] == [
        (-5, "ops:li", None),
        (25, "ops:li", None),
    ]


def test_blocked_members_cannot_earn_or_spend(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1", 50)
    members.update_member(
        jf.uow(), jf.clock, program, UpdateMember("C-1", {"status": "blocked"}), key()
    )
    with pytest.raises(MemberNotActive):
        ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 5), key())
    with pytest.raises(MemberNotActive):
        ledger.redeem(jf.uow(), jf.clock, program, Redeem("C-1", 5), key())


def test_unknown_members_and_entries_are_not_found(jf: Jifen, program: Program) -> None:
    with pytest.raises(NotFound) as err:
        ledger.earn(jf.uow(), jf.clock, program, Earn("nobody", 5), key())
    assert err.value.code == "member_not_found"
    with pytest.raises(NotFound):
        ledger.reverse(jf.uow(), jf.clock, program, Reverse(999), key())


def test_history_pages_with_a_cursor(jf: Jifen, program: Program) -> None:
    make_member(jf, program, "C-1")
    for n in range(5):
        ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", n + 1), key())
    first = members.history(jf.uow(write=False), program, "C-1", None, 2)
    second = members.history(jf.uow(write=False), program, "C-1", first.next_cursor, 2)
    third = members.history(jf.uow(write=False), program, "C-1", second.next_cursor, 2)
    assert [i.points for i in first.items + second.items + third.items] == [5, 4, 3, 2, 1]
    assert third.next_cursor is None
