"""Referral pays once: one referrer per referee, ever; no self or mutual referral; the
conversion pays only once the friend has bought something (fresh market: 300 each)."""

from __future__ import annotations

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import Conflict, InvalidInput, RuleViolation
from jifen.services.earning import refunds
from jifen.services.earning.commands import RefundOrder
from tests.earning_fixtures import buy, join, line, publish
from tests.factories import assert_verified, balances
from tests.integration.test_earning_activities import act


def test_a_second_sign_up_under_a_new_key_pays_the_referrer_nothing(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    for m in ("C-1", "C-2", "C-3"):
        join(jf, program, m)
    assert act(jf, program, "C-2", "referral_signed_up", referrer="C-1").points == 100
    with pytest.raises(Conflict) as err:
        act(jf, program, "C-2", "referral_signed_up", referrer="C-1")
    assert err.value.code == "referee_already_referred"
    with pytest.raises(Conflict):  # nor another referrer, ever
        act(jf, program, "C-2", "referral_signed_up", referrer="C-3")
    assert balances(jf, program, "C-1")[0] == 100
    assert balances(jf, program, "C-3")[0] == 0
    assert_verified(jf)


def test_no_self_and_no_mutual_referral(jf: Jifen) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "A")
    join(jf, program, "B")
    with pytest.raises(InvalidInput) as self_:
        act(jf, program, "A", "referral_signed_up", referrer="A")
    assert self_.value.code == "referrer_not_found"
    act(jf, program, "B", "referral_signed_up", referrer="A")
    with pytest.raises(RuleViolation) as mutual:
        act(jf, program, "A", "referral_signed_up", referrer="B")
    assert mutual.value.code == "mutual_referral"
    assert balances(jf, program, "B")[0] == 100  # B's own side of the sign-up only


def test_a_conversion_pays_only_after_the_friends_purchase_and_only_once(jf: Jifen) -> None:
    program = publish(jf)  # the fresh market: 300 to each side, once the neighbour buys
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    assert act(jf, program, "C-2", "referral_signed_up", referrer="C-1").points == 0
    with pytest.raises(RuleViolation) as sent:  # the purchase pays it, as jifen records it
        act(jf, program, "C-2", "referral_converted", referrer="C-1")
    assert sent.value.code == "referral_paid_by_purchase"
    buy(jf, program, "C-2", "o-1", "10.00", line("tea", 1, "10.00"))  # below 20.00
    assert balances(jf, program, "C-1") == (0, 0, 0)
    paid = buy(jf, program, "C-2", "o-2", "20.00", line("tea", 2, "10.00"))
    assert paid.meta["referral"]["points"] == 300
    assert balances(jf, program, "C-1") == (0, 300, 0)  # pending for the return window
    again = buy(jf, program, "C-2", "o-3", "20.00", line("tea", 2, "10.00"))
    assert "referral" not in again.meta
    assert balances(jf, program, "C-1") == (0, 300, 0)
    assert_verified(jf)


def test_a_fully_refunded_purchase_does_not_convert(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    join(jf, program, "C-2")
    act(jf, program, "C-2", "referral_signed_up", referrer="C-1")
    buy(jf, program, "C-2", "o-1", "30.00", line("tea", 3, "10.00"))
    refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "o-1", full=True)
    )
    assert balances(jf, program, "C-1") == (0, 0, 0)
    assert buy(jf, program, "C-2", "o-2", "30.00", line("tea", 3, "10.00")).meta["referral"]


def test_a_conversion_names_the_referrer_of_the_sign_up(jf: Jifen) -> None:
    program = publish(jf)
    for m in ("C-1", "C-2", "C-3"):
        join(jf, program, m)
    act(jf, program, "C-2", "referral_signed_up", referrer="C-1")
    buy(jf, program, "C-2", "o-1", "10.00", line("tea", 1, "10.00"))
    with pytest.raises(Conflict) as err:
        act(jf, program, "C-2", "referral_converted", referrer="C-3")
    assert err.value.code == "referee_already_referred"
    assert balances(jf, program, "C-3")[0] == 0
