"""Referral rewards as the fresh-market programme declares them: 300 to each side on the
friend's first purchase of 20 yuan or more, pending for a 7-day return window, taken back
if that purchase is refunded in it, 10 friends a month and 50 in all per referrer; an
operator can void a referral. On both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from jifen.bootstrap import Jifen
from jifen.domain.errors import Conflict, LedgerConflict, NotFound, RuleViolation
from jifen.domain.programs import Program
from jifen.services import engagement
from jifen.services.earning import RecordActivity, RefundOrder, record_activity, refund_order
from jifen.services.earning.commands import PlaceOrder
from jifen.services.earning.order_batches import CheckedOrder, record_orders_in
from jifen.services.earning.order_data import to_order
from jifen.services.earning.views import EarnResult
from jifen.services.engagement import Enrol, FriendView, VoidReferral
from tests.earning_fixtures import ROOT, buy, line, publish
from tests.factories import FakeClock, assert_verified, balances, key

SIGN_UP = 100  # the fresh market's welcome


def void(jf: Jifen, program: Program, member: str, reason: str) -> FriendView:
    cmd = VoidReferral(member, reason, "console:olga")
    return engagement.void_referral(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key("void"))


def join(jf: Jifen, program: Program, external_id: str, referral: str | None = None) -> str:
    view = engagement.enrol(
        jf.uow(), jf.clock, jf.rulebooks, program,
        Enrol(external_id, referral_code=referral or None), key("enrol"),
    )  # fmt: skip
    assert view.referral_code is not None
    return view.referral_code


def pair(jf: Jifen) -> Program:
    program = publish(jf)
    code = join(jf, program, "ANN")
    join(jf, program, "BO", code)
    return program


def status(jf: Jifen, referee: str) -> tuple[str, int, int, bool]:
    with jf.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT r.status, r.friend_points, r.referrer_points, m.referral_open"
                " FROM referrals r JOIN members m ON m.id = r.referee_id"
                " WHERE m.external_id = :m"
            ),
            {"m": referee},
        ).one()
    return row[0], int(row[1]), int(row[2]), bool(row[3])


def test_the_first_purchase_of_twenty_yuan_pays_both_sides_pending_for_the_window(
    jf: Jifen, clock: FakeClock
) -> None:
    program = pair(jf)
    assert status(jf, "BO") == ("joined", 0, 0, True)
    small = buy(jf, program, "BO", "o-1", "19.99", line("veg", 1, "19.99", "vegetables"))
    assert "referral" not in small.meta  # below min_paid: it waits
    assert balances(jf, program, "ANN") == (SIGN_UP, 0, 0)

    first = buy(jf, program, "BO", "o-2", "20.00", line("veg", 1, "20.00", "vegetables"))
    assert first.meta["referral"]["points"] == 300
    assert first.meta["referral"]["referrer_points"] == 300
    assert first.points == 20  # the order's own points, apart (o-1 was first of the week)
    assert (first.available, first.pending) == (SIGN_UP + 19 * 2 + 20, 300)
    assert balances(jf, program, "ANN") == (SIGN_UP, 300, 0)
    assert status(jf, "BO") == ("converted", 300, 300, False)

    again = buy(jf, program, "BO", "o-3", "80.00", line("veg", 1, "80.00", "vegetables"))
    assert "referral" not in again.meta  # once
    clock.advance(days=7, seconds=1)
    assert balances(jf, program, "ANN") == (SIGN_UP + 300, 0, 0)  # the window passed
    assert_verified(jf)


def test_a_refund_in_the_window_takes_both_sides_back_and_the_next_purchase_pays(
    jf: Jifen, clock: FakeClock
) -> None:
    program = pair(jf)
    buy(jf, program, "BO", "o-1", "50.00", line("veg", 1, "50.00", "vegetables"))
    part = refund_order(jf.uow(), jf.clock, jf.rulebooks, program,
                        RefundOrder("r-1", "o-1", amount="20.00"))  # fmt: skip
    assert "referral_taken_back" not in part.meta  # 30 yuan kept: still qualifies
    assert status(jf, "BO")[0] == "converted"

    clock.advance(days=2)
    rest = refund_order(jf.uow(), jf.clock, jf.rulebooks, program,
                        RefundOrder("r-2", "o-1", amount="15.00"))  # fmt: skip
    assert rest.meta["referral_taken_back"] == 600  # 15 yuan kept: below 20
    assert rest.pending == 0
    assert balances(jf, program, "ANN") == (SIGN_UP, 0, 0)
    assert status(jf, "BO") == ("joined", 0, 0, True)

    paid = buy(jf, program, "BO", "o-2", "25.00", line("veg", 1, "25.00", "vegetables"))
    assert paid.meta["referral"]["points"] == 300
    assert balances(jf, program, "ANN") == (SIGN_UP, 300, 0)
    assert_verified(jf)


def test_a_refund_after_the_window_leaves_the_referral_paid(jf: Jifen, clock: FakeClock) -> None:
    program = pair(jf)
    buy(jf, program, "BO", "o-1", "50.00", line("veg", 1, "50.00", "vegetables"))
    clock.advance(days=8)
    done = refund_order(jf.uow(), jf.clock, jf.rulebooks, program,
                        RefundOrder("r-1", "o-1", full=True))  # fmt: skip
    assert "referral_taken_back" not in done.meta
    assert balances(jf, program, "ANN") == (SIGN_UP + 300, 0, 0)
    assert status(jf, "BO")[0] == "converted"


def test_a_referrer_is_paid_for_ten_friends_a_month_and_the_eleventh_friend_still_is(
    jf: Jifen, clock: FakeClock
) -> None:
    program = publish(jf)
    code = join(jf, program, "ANN")
    for n in range(11):
        join(jf, program, f"F{n}", code)
        result = buy(jf, program, f"F{n}", f"o-{n}", "30.00", line("veg", 1, "30.00", "meat"))
        assert result.meta["referral"]["points"] == 300
        expected = 300 if n < 10 else 0
        assert result.meta["referral"]["referrer_points"] == expected, n
    assert balances(jf, program, "ANN") == (SIGN_UP, 3000, 0)
    clock.set(clock.now().replace(month=4, day=2))  # a new month: paid again
    join(jf, program, "F11", code)
    paid = buy(jf, program, "F11", "o-11", "30.00", line("veg", 1, "30.00", "meat"))
    assert paid.meta["referral"]["referrer_points"] == 300
    assert_verified(jf)


def test_an_operator_voids_a_referral_its_points_go_back_and_it_never_pays(
    jf: Jifen, clock: FakeClock
) -> None:
    program = pair(jf)
    buy(jf, program, "BO", "o-1", "50.00", line("veg", 1, "50.00", "vegetables"))
    clock.advance(days=8)  # available by now: voiding takes available points back too
    voided = void(jf, program, "BO", "same household")
    assert voided.status == "voided" and voided.void_reason == "same household"
    assert balances(jf, program, "ANN") == (SIGN_UP, 0, 0)
    with jf.engine.connect() as conn:
        audit = conn.execute(
            text("SELECT actor, target FROM audit_log WHERE action = 'referral.void'")
        ).one()
    assert tuple(audit) == ("console:olga", "BO")
    with pytest.raises(Conflict) as twice:
        void(jf, program, "BO", "again")
    assert twice.value.code.value == "referral_voided"
    with pytest.raises(RuleViolation):  # nor does an integrator's conversion pay it
        record_activity(jf.uow(), jf.clock, jf.rulebooks, program,
                        RecordActivity("BO", "referral_converted", {"referrer": "ANN"}),
                        key("act"))  # fmt: skip
    with pytest.raises(NotFound):
        void(jf, program, "ANN", "nobody referred her")
    assert_verified(jf)


def test_voiding_a_referral_that_waits_stops_it_paying(jf: Jifen) -> None:
    program = pair(jf)
    void(jf, program, "BO", "made-up friend")
    later = buy(jf, program, "BO", "o-1", "50.00", line("veg", 1, "50.00", "vegetables"))
    assert "referral" not in later.meta
    assert balances(jf, program, "ANN") == (SIGN_UP, 0, 0)


def test_three_members_cannot_refer_round_in_a_circle(jf: Jifen) -> None:
    program = publish(jf)
    for member in ("A", "B", "C"):
        join(jf, program, member)

    def refer(member: str, referrer: str) -> None:
        record_activity(jf.uow(), jf.clock, jf.rulebooks, program,
                        RecordActivity(member, "referral_signed_up", {"referrer": referrer}),
                        key("act"))  # fmt: skip

    refer("B", "A")
    refer("C", "B")
    with pytest.raises(RuleViolation) as circle:  # A would be referred by her own friend's
        refer("A", "C")
    assert circle.value.code.value == "mutual_referral"


def test_concurrent_first_purchases_of_one_friend_pay_the_referral_once(jf: Jifen) -> None:
    program = pair(jf)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def order(n: int) -> None:
        try:
            barrier.wait()
            buy(jf, program, "BO", f"c-{n}", "30.00", line("veg", 1, "30.00", "meat"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=order, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert balances(jf, program, "ANN") == (SIGN_UP, 300, 0)
    assert status(jf, "BO") == ("converted", 300, 300, False)
    assert_verified(jf)


def test_a_batch_of_orders_converts_each_friend_once_and_pays_the_referrer_for_both(
    jf: Jifen,
) -> None:
    program = pair(jf)
    join(jf, program, "CY", "")  # no friend of anyone
    code = join(jf, program, "DI")
    join(jf, program, "ED", code)

    def checked(order_id: str, member: str, paid: str) -> CheckedOrder:
        cmd = PlaceOrder(order_id, member, paid, (line("veg", 1, paid, "meat"),))
        return CheckedOrder(cmd, to_order(cmd, program.currency, jf.clock.now(), jf.clock_skew))

    items = [
        checked("b-1", "BO", "30.00"),
        checked("b-2", "BO", "30.00"),  # the same friend again, in the same batch
        checked("b-3", "ED", "25.00"),
        checked("b-4", "CY", "40.00"),
        checked("b-5", "ANN", "10.00"),  # the referrer buys in the batch too
    ]
    with jf.uow() as uow:
        results = list(record_orders_in(uow, jf.rulebooks, program, items, jf.clock.now()))
        uow.commit()
    told = [r.meta.get("referral") if isinstance(r, EarnResult) else r for r in results]
    assert [t["points"] if isinstance(t, dict) else t for t in told] == [300, None, 300, None, None]
    assert balances(jf, program, "ANN") == (SIGN_UP + 20, 300, 0)
    assert balances(jf, program, "DI") == (SIGN_UP, 300, 0)
    assert status(jf, "BO") == ("converted", 300, 300, False)
    assert status(jf, "ED") == ("converted", 300, 300, False)
    assert_verified(jf)


def test_a_purchase_the_rule_pays_nothing_for_leaves_the_referral_waiting(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    vip_only = source.replace(
        "    pays_on: first_purchase\n",
        '    pays_on: first_purchase\n    when: member.segment == "vip"\n',
    )
    program = publish(jf, source=vip_only)
    code = join(jf, program, "ANN")
    join(jf, program, "BO", code)
    first = buy(jf, program, "BO", "o-1", "50.00", line("veg", 1, "50.00", "meat"))
    assert "referral" not in first.meta
    assert status(jf, "BO") == ("joined", 0, 0, True)  # a later purchase may still pay it


def test_a_friends_referral_sent_as_an_activity_is_refused_where_the_purchase_pays_it(
    jf: Jifen,
) -> None:
    program = pair(jf)
    buy(jf, program, "BO", "o-1", "5.00", line("veg", 1, "5.00", "meat"))  # below min_paid
    with pytest.raises(RuleViolation) as refused:
        record_activity(jf.uow(), jf.clock, jf.rulebooks, program,
                        RecordActivity("BO", "referral_converted", {"referrer": "ANN"}),
                        key("act"))  # fmt: skip
    assert refused.value.code.value == "referral_paid_by_purchase"
    assert balances(jf, program, "ANN") == (SIGN_UP, 0, 0)


def test_a_deadlock_the_database_breaks_is_said_as_a_conflict_to_retry(jf: Jifen) -> None:
    class Deadlock(Exception):
        sqlstate = "40P01"

    with pytest.raises(LedgerConflict), jf.uow():
        raise OperationalError("UPDATE members ...", {}, Deadlock("deadlock detected"))


def test_the_programme_file_says_what_a_referral_rule_may_declare(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text()
    wrong = source.replace("    pays_on: first_purchase\n", "    pays_on: sign_up\n")
    with pytest.raises(Exception, match="no purchase to wait for"):
        publish(jf, source=wrong)
    capped = source.replace("{per: month, max_times: 10}", "{per: day, max_times: 10}")
    with pytest.raises(Exception, match="per month, year or lifetime"):
        publish(jf, source=capped)


def test_nobody_elses_order_reads_referrals(jf: Jifen) -> None:
    program = pair(jf)
    join(jf, program, "CY")
    with jf.uow(write=False) as uow:
        cy = uow.members.get(program.id, "CY")
        bo = uow.members.get(program.id, "BO")
    assert cy is not None and not cy.referral_open
    assert bo is not None and bo.referral_open
