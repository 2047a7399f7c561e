"""The ledger's decisions in pure Python: draws, settling, returns and reversals.

No database: members, lots and accounts are built by hand, and each test
reads the postings the domain plans.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.domain import ledger
from jifen.domain.errors import (
    InsufficientPoints,
    InvalidInput,
    JifenError,
    ReversalExceedsOriginal,
    RuleViolation,
)
from jifen.domain.ledger import (
    Account,
    CreditHistory,
    Draw,
    Entry,
    EntryKind,
    Hold,
    HoldStatus,
    Lot,
    LotSource,
    expiry_order,
)
from jifen.domain.members import Balances, Member, MemberStatus
from jifen.domain.programs import LedgerPolicy, NegativeBalancePolicy

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
DAY = timedelta(days=1)
FLOOR = LedgerPolicy(negative_balance=NegativeBalancePolicy.FLOOR)
ALLOW = LedgerPolicy(negative_balance=NegativeBalancePolicy.ALLOW)
MEMBER_ID = 7


def make_lot(
    lot_id: int,
    remaining: int,
    *,
    amount: int | None = None,
    expires_in: timedelta | None = None,
    available_in: timedelta | None = None,
) -> Lot:
    """A lot of the member; pending when ``available_in`` is in the future."""
    available_at = NOW + (available_in or timedelta(0))
    return Lot(
        id=lot_id,
        member_id=MEMBER_ID,
        amount=remaining if amount is None else amount,
        remaining=remaining,
        available_at=available_at,
        expires_at=None if expires_in is None else NOW + expires_in,
        pending=available_in is not None,
        source=LotSource.ORDER,
        entry_id=100 + lot_id,
    )


def make_account(*lots: Lot, available: int | None = None, held: int = 0) -> Account:
    """The member with these lots; balances follow the lots unless given."""
    if available is None:
        available = sum(lot.remaining for lot in lots if not lot.pending)
    pending = sum(lot.remaining for lot in lots if lot.pending)
    member = Member(
        id=MEMBER_ID,
        program_id=1,
        external_id="C-1",
        status=MemberStatus.ACTIVE,
        balances=Balances(available, pending, held),
        created_at=NOW - 400 * DAY,
        updated_at=NOW - 400 * DAY,
    )
    return Account(member, lots)


def make_entry(entry_id: int, kind: EntryKind, points: int) -> Entry:
    return Entry(
        id=entry_id,
        member_id=MEMBER_ID,
        kind=kind,
        amount=abs(points),
        delta_available=points,
        delta_pending=0,
        delta_held=0,
        created_at=NOW - 10 * DAY,
        reason=None,
        actor=None,
        reference="order-1",
        reverses_entry_id=None,
        hold_id=None,
        meta={},
    )


def make_hold(amount: int, *, expires_in: timedelta = timedelta(minutes=15)) -> Hold:
    return Hold(
        id=5,
        member_id=MEMBER_ID,
        amount=amount,
        captured=0,
        status=HoldStatus.ACTIVE,
        expires_at=NOW + expires_in,
        entry_id=50,
        reference="basket-1",
        created_at=NOW,
    )


def spend(account: Account, amount: int) -> tuple[Draw, ...]:
    return ledger.debit(account, amount, kind=EntryKind.REDEEM, now=NOW).draws


# --------------------------------------------------------------------------- drawing


def test_spending_draws_from_the_soonest_expiring_lots_first() -> None:
    # given a lot that never expires, one expiring in 90 days and one in 10
    account = make_account(
        make_lot(1, 100), make_lot(2, 50, expires_in=90 * DAY), make_lot(3, 30, expires_in=10 * DAY)
    )
    # when 60 points are spent
    posting = ledger.debit(account, 60, kind=EntryKind.REDEEM, now=NOW)
    # then the 10-day lot empties first, the 90-day lot gives the rest
    assert posting.draws == (Draw(3, 30), Draw(2, 30))
    assert (posting.delta_available, posting.points) == (-60, -60)


def test_lots_that_never_expire_are_drawn_last() -> None:
    account = make_account(make_lot(1, 40), make_lot(2, 40, expires_in=365 * DAY))
    assert spend(account, 50) == (Draw(2, 40), Draw(1, 10))


def test_lots_expiring_at_the_same_moment_are_drawn_oldest_first() -> None:
    account = make_account(make_lot(9, 20, expires_in=DAY), make_lot(4, 20, expires_in=DAY))
    assert spend(account, 30) == (Draw(4, 20), Draw(9, 10))


def test_expired_points_cannot_be_spent() -> None:
    # given a lot that expires exactly now and a lot that is still alive
    expired = make_lot(1, 80, expires_in=timedelta(0))
    alive = make_lot(2, 20, expires_in=DAY)
    account = make_account(expired, alive)
    assert not expired.is_spendable(NOW)
    assert [lot.id for lot in account.spendable(NOW)] == [2]
    # when more than the live lot holds is asked for, although the (unsettled)
    # balance still counts the expired lot
    with pytest.raises(JifenError) as err:
        spend(account, 50)
    # then nothing is drawn from the expired lot: the plan is refused
    assert err.value.code == "ledger_inconsistent"


def test_pending_points_cannot_be_spent() -> None:
    pending = make_lot(1, 100, available_in=7 * DAY)
    account = make_account(pending, make_lot(2, 10))
    assert not pending.is_spendable(NOW)
    assert [lot.id for lot in account.spendable(NOW)] == [2]
    with pytest.raises(InsufficientPoints) as err:
        spend(account, 20)
    assert err.value.params == {"requested": 20, "available": 10}


def test_pending_points_become_spendable_on_their_date() -> None:
    lot = make_lot(1, 100, available_in=7 * DAY)
    assert not lot.is_spendable(NOW + 7 * DAY - timedelta(seconds=1))
    # a lot's pending flag is cleared by settling; then it is spendable
    assert replace(lot, pending=False).is_spendable(NOW + 7 * DAY)


def test_a_member_in_debt_has_nothing_to_spend() -> None:
    account = make_account(available=-40)
    assert account.debt == 40
    with pytest.raises(InsufficientPoints) as err:
        spend(account, 1)
    assert err.value.params["available"] == 0


def test_a_hold_draws_points_now_and_holds_them() -> None:
    account = make_account(make_lot(1, 30, expires_in=DAY), make_lot(2, 100))
    posting = ledger.hold(account, 50, ttl=timedelta(minutes=15), policy=FLOOR, now=NOW)
    assert posting.draws == (Draw(1, 30), Draw(2, 20))
    assert (posting.delta_available, posting.delta_held, posting.points) == (-50, 50, 0)
    assert posting.new_hold is not None
    assert posting.new_hold.expires_at == NOW + timedelta(minutes=15)


def test_a_hold_longer_than_the_programme_allows_is_refused() -> None:
    account = make_account(make_lot(1, 100))
    with pytest.raises(InvalidInput):
        ledger.hold(account, 10, ttl=FLOOR.max_hold_ttl + DAY, policy=FLOOR, now=NOW)


LOTS = st.lists(
    st.tuples(
        st.integers(0, 100),  # remaining
        st.none() | st.integers(-5, 60),  # expires in days (None: never; <= 0: expired)
        st.booleans(),  # pending
    ),
    max_size=8,
)


@given(lots=LOTS, data=st.data())
def test_draws_sum_to_the_amount_within_each_lot_in_expiry_order(
    lots: list[tuple[int, int | None, bool]], data: st.DataObject
) -> None:
    built = [
        make_lot(
            n,
            remaining,
            expires_in=None if days is None else days * DAY,
            available_in=DAY if pending and (days is None or days > 1) else None,
        )
        for n, (remaining, days, pending) in enumerate(lots, start=1)
    ]
    spendable = [lot for lot in built if lot.is_spendable(NOW)]
    available = sum(lot.remaining for lot in spendable)
    amount = data.draw(st.integers(1, max(available, 1)))
    account = make_account(*built, available=available)
    if amount > available:
        with pytest.raises(InsufficientPoints):
            spend(account, amount)
        return

    draws = spend(account, amount)

    by_id = {lot.id: lot for lot in built}
    assert sum(d.amount for d in draws) == amount
    assert len({d.lot_id for d in draws}) == len(draws)
    for d in draws:
        assert 0 < d.amount <= by_id[d.lot_id].remaining
        assert by_id[d.lot_id].is_spendable(NOW)
    drawn = [by_id[d.lot_id] for d in draws]
    assert drawn == sorted(drawn, key=expiry_order)
    # every spendable lot ordered before the last one drawn was emptied
    last = expiry_order(drawn[-1])
    for lot in spendable:
        if expiry_order(lot) < last:
            assert Draw(lot.id, lot.remaining) in draws


# --------------------------------------------------------------------------- settling


def test_settle_matures_pending_lots_that_are_due() -> None:
    # given a pending lot due now and one due tomorrow
    due = make_lot(1, 60, available_in=-timedelta(seconds=1))
    later = make_lot(2, 40, available_in=DAY)
    account = make_account(due, later)
    # when the account is settled
    (mature,) = ledger.settle(account, NOW)
    # then only the due lot matures: pending points become available
    assert mature.kind is EntryKind.MATURE
    assert mature.matured_lot_ids == (1,)
    assert (mature.delta_pending, mature.delta_available, mature.points) == (-60, 60, 0)
    assert mature.draws == ()


def test_maturing_points_repay_a_negative_balance_first() -> None:
    due = replace(make_lot(1, 100, available_in=DAY), available_at=NOW)
    account = make_account(due, available=-30)
    (mature,) = ledger.settle(account, NOW)
    assert mature.draws == (Draw(1, 30),)
    assert mature.delta_available == 100  # -30 becomes 70, and the lot keeps 70


def test_maturing_points_smaller_than_the_debt_all_repay_it() -> None:
    first = replace(make_lot(1, 50, available_in=DAY), available_at=NOW - DAY)
    second = replace(make_lot(2, 80, available_in=DAY), available_at=NOW)
    account = make_account(first, second, available=-100)
    (mature,) = ledger.settle(account, NOW)
    assert mature.draws == (Draw(1, 50), Draw(2, 50))
    assert mature.delta_available == 130


def test_settle_expires_the_rest_of_lots_that_are_due() -> None:
    # given a lot expired with 40 left, a spent expired lot, and a living lot
    account = make_account(
        make_lot(1, 40, amount=100, expires_in=-DAY),
        make_lot(2, 0, amount=50, expires_in=-DAY),
        make_lot(3, 70, expires_in=DAY),
    )
    (expire,) = ledger.settle(account, NOW)
    assert expire.kind is EntryKind.EXPIRE
    assert expire.draws == (Draw(1, 40),)
    assert (expire.amount, expire.delta_available, expire.points) == (40, -40, -40)


def test_a_lot_that_matures_and_expires_at_once_repays_the_debt_before_expiring() -> None:
    lot = replace(make_lot(1, 100, available_in=DAY), available_at=NOW - 2 * DAY)
    lot = replace(lot, expires_at=NOW - DAY)
    mature, expire = ledger.settle(make_account(lot, available=-30), NOW)
    assert mature.draws == (Draw(1, 30),)
    assert expire.draws == (Draw(1, 70),)
    assert (expire.delta_available, expire.delta_pending) == (-70, 0)
    # the member ends with neither debt nor points
    assert -30 + mature.delta_available + expire.delta_available == 0


def test_nothing_due_settles_nothing() -> None:
    account = make_account(
        make_lot(1, 10, expires_in=DAY), make_lot(2, 5, available_in=DAY), make_lot(3, 7)
    )
    assert ledger.settle(account, NOW) == []


# --------------------------------------------------------------------------- returning


def test_returned_points_go_to_the_longest_lived_lot_first() -> None:
    drawn = [
        (make_lot(1, 0, amount=30, expires_in=10 * DAY), 30),
        (make_lot(2, 0, amount=20), 20),
        (make_lot(3, 0, amount=50, expires_in=90 * DAY), 50),
    ]
    back = ledger.return_points(drawn, 60, debt=0, now=NOW, policy=FLOOR)
    # the never-expiring lot first, then the 90-day lot; the 10-day lot last
    assert back.draws == (Draw(2, -20), Draw(3, -40))
    assert (back.to_available, back.repaid, back.new_lots, back.forfeited) == (60, 0, (), 0)


def test_points_returned_to_an_expired_lot_come_back_as_a_grace_lot() -> None:
    expired = make_lot(4, 0, amount=100, expires_in=-DAY)
    back = ledger.return_points([(expired, 100)], 70, debt=0, now=NOW, policy=FLOOR)
    assert back.draws == ()
    (grace,) = back.new_lots
    assert grace.amount == 70 and grace.parent_lot_id == 4
    assert (grace.available_at, grace.expires_at) == (NOW, NOW + FLOOR.returned_points_grace)
    assert not grace.pending and grace.source is LotSource.REVERSAL
    assert back.to_available == 70


def test_points_returned_to_an_expired_lot_are_forfeited_without_a_grace() -> None:
    no_grace = replace(FLOOR, returned_points_grace=timedelta(0))
    expired = make_lot(4, 0, amount=100, expires_in=-DAY)
    back = ledger.return_points([(expired, 100)], 70, debt=0, now=NOW, policy=no_grace)
    assert (back.draws, back.new_lots, back.forfeited, back.to_available) == ((), (), 70, 0)


def test_returned_points_repay_a_negative_balance_first() -> None:
    drawn = [(make_lot(1, 0, amount=80), 80)]
    back = ledger.return_points(drawn, 50, debt=30, now=NOW, policy=ALLOW)
    assert back.repaid == 30
    assert back.draws == (Draw(1, -20),)
    assert back.to_available == 50


def test_returning_more_points_than_were_drawn_is_refused() -> None:
    with pytest.raises(JifenError) as err:
        ledger.return_points([(make_lot(1, 0, amount=10), 10)], 11, debt=0, now=NOW, policy=FLOOR)
    assert err.value.code == "ledger_inconsistent"


@given(
    nets=st.lists(
        st.tuples(st.integers(1, 50), st.none() | st.integers(-5, 60)), min_size=1, max_size=8
    ),
    data=st.data(),
)
def test_returns_never_exceed_what_each_lot_gave(
    nets: list[tuple[int, int | None]], data: st.DataObject
) -> None:
    drawn = [
        (make_lot(n, 0, amount=net, expires_in=None if days is None else days * DAY), net)
        for n, (net, days) in enumerate(nets, start=1)
    ]
    amount = data.draw(st.integers(1, sum(net for _, net in drawn)))
    back = ledger.return_points(drawn, amount, debt=0, now=NOW, policy=FLOOR)
    given_back = {d.lot_id: -d.amount for d in back.draws}
    given_back.update({n.parent_lot_id: n.amount for n in back.new_lots})
    assert back.to_available == sum(given_back.values()) == amount
    for lot, net in drawn:
        assert 0 <= given_back.get(lot.id, 0) <= net
        if lot.is_expired(NOW):
            assert lot.id not in {d.lot_id for d in back.draws}
    # longest-lived first: a lot gets something only once every longer-lived lot is full
    for lot, _ in drawn:
        if given_back.get(lot.id):
            for other, other_net in drawn:
                if expiry_order(other) > expiry_order(lot):
                    assert given_back.get(other.id) == other_net


def test_a_partial_capture_releases_the_rest_to_its_lots() -> None:
    held = make_hold(100)
    drawn = [(make_lot(1, 0, amount=100, expires_in=30 * DAY), 100)]
    capture, release = ledger.capture(make_account(), held, drawn, amount=60, now=NOW, policy=FLOOR)
    assert (capture.kind, capture.delta_held, capture.hold_transition) == (
        EntryKind.CAPTURE,
        -60,
        None,
    )
    assert (release.kind, release.delta_held, release.delta_available) == (
        EntryKind.RELEASE,
        -40,
        40,
    )
    assert release.draws == (Draw(1, -40),)
    assert release.hold_transition == ledger.HoldTransition(5, HoldStatus.CAPTURED, captured=60)


def test_a_capture_beyond_the_hold_or_after_its_expiry_is_refused() -> None:
    drawn = [(make_lot(1, 0, amount=100), 100)]
    with pytest.raises(RuleViolation) as err:
        ledger.capture(make_account(), make_hold(100), drawn, amount=101, now=NOW, policy=FLOOR)
    assert err.value.code == "capture_exceeds_hold"
    expired = make_hold(100, expires_in=timedelta(0))
    with pytest.raises(RuleViolation) as err:
        ledger.capture(make_account(), expired, drawn, amount=None, now=NOW, policy=FLOOR)
    assert err.value.code == "hold_expired"


# --------------------------------------------------------------------------- crediting


def test_a_credit_repays_a_negative_balance_first() -> None:
    posting = ledger.credit(
        make_account(available=-30), 100, kind=EntryKind.EARN, source=LotSource.ORDER, now=NOW
    )
    (lot,) = posting.new_lots
    assert (lot.amount, lot.repaid, posting.delta_available) == (100, 30, 100)


def test_a_pending_credit_waits_to_repay_and_counts_as_pending() -> None:
    posting = ledger.credit(
        make_account(available=-30),
        100,
        kind=EntryKind.EARN,
        source=LotSource.ORDER,
        now=NOW,
        available_at=NOW + 7 * DAY,
    )
    (lot,) = posting.new_lots
    assert lot.pending and lot.repaid == 0
    assert (posting.delta_available, posting.delta_pending) == (0, 100)


def test_a_credit_cannot_expire_before_it_becomes_available() -> None:
    with pytest.raises(InvalidInput):
        ledger.credit(
            make_account(),
            100,
            kind=EntryKind.EARN,
            source=LotSource.ORDER,
            now=NOW,
            available_at=NOW + 7 * DAY,
            expires_at=NOW + 7 * DAY,
        )


# --------------------------------------------------------------------------- reversing

EARNED = make_entry(101, EntryKind.EARN, 100)


def reverse_earned(
    account: Account,
    own: Lot,
    amount: int,
    *,
    expired: int = 0,
    forgiven: int = 0,
    policy: LedgerPolicy = FLOOR,
) -> ledger.Posting:
    history = CreditHistory(own, expired, forgiven)
    return ledger.reverse_credit(account, EARNED, [(history, amount)], now=NOW, policy=policy)


def outcome(posting: ledger.Posting) -> dict[str, int]:
    """Where a clawback's points came from, as recorded in its meta (zeros left out)."""
    meta = posting.meta
    forgiven = meta.get("forgiven_expired", 0)
    found = {
        "from_lot": meta["from_lot"],
        "clawed_back": meta["clawed_back"],
        "forgiven": sum(forgiven.values()) if isinstance(forgiven, dict) else forgiven,
        "shortfall": meta.get("shortfall", 0),
        "debt": meta.get("debt", 0),
    }
    return {k: v for k, v in found.items() if v}


def test_reversing_a_credit_takes_from_its_own_lot_first() -> None:
    own = make_lot(1, 100)
    other = make_lot(2, 50, expires_in=DAY)  # expires sooner, yet untouched
    posting = reverse_earned(make_account(own, other), own, 60)
    assert posting.draws == (Draw(1, 60),)
    assert posting.delta_available == -60
    assert outcome(posting) == {"from_lot": 60}
    assert posting.reverses_entry_id == EARNED.id


def test_reversing_a_pending_credit_cancels_pending_points() -> None:
    own = make_lot(1, 100, available_in=7 * DAY)
    posting = reverse_earned(make_account(own), own, 40)
    assert posting.draws == (Draw(1, 40),)
    assert (posting.delta_pending, posting.delta_available) == (-40, 0)


def test_expired_points_of_the_credit_are_forgiven_not_taken_twice() -> None:
    # given the credit's lot: 30 spent, the other 70 expired
    own = make_lot(1, 0, amount=100, expires_in=-DAY)
    other = make_lot(2, 200)
    # when the whole credit is reversed
    posting = reverse_earned(make_account(own, other), own, 100, expired=70)
    # then only the 30 spent points are clawed back, from the other lot
    assert posting.draws == (Draw(2, 30),)
    assert posting.delta_available == -30
    assert outcome(posting) == {"clawed_back": 30, "forgiven": 70}


def test_expired_points_an_earlier_reversal_forgave_are_not_forgiven_again() -> None:
    own = make_lot(1, 0, amount=100, expires_in=-DAY)
    other = make_lot(2, 200)
    posting = reverse_earned(make_account(own, other), own, 30, expired=70, forgiven=70)
    assert outcome(posting) == {"clawed_back": 30}
    assert posting.draws == (Draw(2, 30),)


def test_spent_points_are_clawed_back_from_other_lots_soonest_expiring_first() -> None:
    own = make_lot(1, 20, amount=100)
    account = make_account(
        own, make_lot(2, 50), make_lot(3, 50, expires_in=5 * DAY), make_lot(4, 50, expires_in=DAY)
    )
    posting = reverse_earned(account, own, 100)
    assert posting.draws == (Draw(1, 20), Draw(4, 50), Draw(3, 30))
    assert posting.delta_available == -100
    assert not posting.allow_negative


def test_under_floor_a_clawback_stops_at_zero_and_records_the_shortfall() -> None:
    own = make_lot(1, 10, amount=100)
    account = make_account(own, make_lot(2, 15))
    posting = reverse_earned(account, own, 100, policy=FLOOR)
    assert outcome(posting) == {"from_lot": 10, "clawed_back": 15, "shortfall": 75}
    assert posting.delta_available == -25  # the whole balance, not below
    assert not posting.allow_negative


def test_under_allow_a_clawback_leaves_a_debt() -> None:
    own = make_lot(1, 10, amount=100)
    account = make_account(own, make_lot(2, 15))
    posting = reverse_earned(account, own, 100, policy=ALLOW)
    assert outcome(posting) == {"from_lot": 10, "clawed_back": 15, "debt": 75}
    assert posting.delta_available == -100
    assert posting.allow_negative


def test_a_credit_of_several_lots_claws_back_from_other_lots_not_its_own() -> None:
    # given a credit made of two lots (say base points and a bonus), partly spent
    base = make_lot(1, 10, amount=30)
    bonus = make_lot(2, 50, amount=50, expires_in=DAY)
    other = make_lot(3, 100)
    # when 30 of the base and 20 of the bonus are reversed
    parts = [(CreditHistory(base, 0, 0), 30), (CreditHistory(bonus, 0, 0), 20)]
    posting = ledger.reverse_credit(
        make_account(base, bonus, other), EARNED, parts, now=NOW, policy=FLOOR
    )
    # then each lot gives what it has of its part, and the spent 20 come from
    # the other lot, not from the bonus lot's remaining points
    assert posting.draws == (Draw(1, 10), Draw(2, 20), Draw(3, 20))
    assert outcome(posting) == {"from_lot": 30, "clawed_back": 20}
    assert (posting.amount, posting.delta_available) == (50, -50)


def test_reversing_a_debit_returns_its_points_to_their_lots() -> None:
    redeemed = make_entry(102, EntryKind.REDEEM, -80)
    drawn = [(make_lot(1, 20, amount=100, expires_in=30 * DAY), 80)]
    posting = ledger.reverse_debit(make_account(), redeemed, drawn, 30, now=NOW, policy=FLOOR)
    assert posting.draws == (Draw(1, -30),)
    assert (posting.kind, posting.delta_available, posting.reverses_entry_id) == (
        EntryKind.REVERSE,
        30,
        102,
    )


def test_a_reversal_cannot_exceed_what_is_left_of_the_original() -> None:
    ledger.check_reversible(EARNED, 40, already_reversed=60)
    with pytest.raises(ReversalExceedsOriginal) as err:
        ledger.check_reversible(EARNED, 41, already_reversed=60)
    assert err.value.params["reversible"] == 40


def test_holds_and_expiries_cannot_be_reversed() -> None:
    for kind in (EntryKind.HOLD, EntryKind.EXPIRE, EntryKind.MATURE, EntryKind.REVERSE):
        with pytest.raises(InvalidInput) as err:
            ledger.check_reversible(make_entry(103, kind, -10), 1, already_reversed=0)
        assert err.value.code == "entry_not_reversible"
