"""What names a member, how it is scrubbed, and the forfeit that empties their lots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.domain import ledger
from jifen.domain.errors import LedgerInconsistent
from jifen.domain.ledger import Account, EntryKind, Lot, LotSource
from jifen.domain.members import Balances, Member, MemberStatus
from jifen.domain.rights import ERASED, Personal

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def member(available: int = 0, pending: int = 0, **kw: object) -> Member:
    return Member(
        id=17,
        program_id=1,
        external_id=str(kw.pop("external_id", "C-1")),
        status=MemberStatus.ACTIVE,
        balances=Balances(available, pending, 0),
        created_at=NOW,
        updated_at=NOW,
        **kw,  # type: ignore[arg-type]
    )


def lot(lot_id: int, remaining: int, *, pending: bool = False) -> Lot:
    return Lot(
        lot_id,
        17,
        remaining,
        remaining,
        NOW,
        NOW + timedelta(days=9),
        pending,
        LotSource.ORDER,
        lot_id,
    )


ANA = member(
    phone="+8613800138000",
    email="ana@example.com",
    birthday=date(1990, 5, 17),
    attributes={"name": "Ana Lima", "city": "杭州", "gender": "F", "tags": ["vip"]},
)


def test_the_id_becomes_the_pseudonym_only_as_a_whole_token() -> None:
    who = Personal.of(ANA)
    assert who.pseudonym == "erased-17"
    assert who.scrub_text("C-1") == "erased-17"
    assert who.scrub_text("birthday:C-1:2026") == "birthday:erased-17:2026"
    assert who.scrub_text("C-10") == "C-10"  # another member
    assert who.scrub_text("BC-1") == "BC-1"


def test_contacts_and_attribute_texts_are_erased_wherever_they_stand() -> None:
    who = Personal.of(ANA)
    event = {
        "member": "C-1",
        "contact": "ana@example.com",
        "text": "call Ana Lima on +8613800138000 in 杭州",
        "lines": [["base", 10]],
        "attributes": {"name": "Ana Lima"},
        "gender": "F",
        "grade": "First",
    }
    assert who.scrub(event) == {
        "member": "erased-17",
        "contact": None,
        "text": f"call {ERASED} on {ERASED} in {ERASED}",
        "lines": [["base", 10]],
        "attributes": {},
        "gender": ERASED,  # a short value: only where it is the whole value
        "grade": "First",
    }


def test_the_needles_that_find_records_are_ascii() -> None:
    needles = Personal.of(ANA).needles
    assert needles[0] == "C-1"
    assert set(needles) == {"C-1", "+8613800138000", "ana@example.com", "1990-05-17", "Ana Lima"}


@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=12),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_scrubbing_twice_changes_nothing_more(value: object) -> None:
    who = Personal.of(ANA)
    once = who.scrub(value)
    assert who.scrub(once) == once


def test_a_forfeit_draws_every_lot_available_and_pending() -> None:
    account = Account(member(70, 30), (lot(1, 50), lot(2, 20), lot(3, 30, pending=True)))
    posting = ledger.forfeit(account, actor="ops")
    assert posting is not None
    assert (posting.kind, posting.amount) == (EntryKind.FORFEIT, 100)
    assert (posting.delta_available, posting.delta_pending, posting.delta_held) == (-70, -30, 0)
    assert {(d.lot_id, d.amount) for d in posting.draws} == {(1, 50), (2, 20), (3, 30)}


def test_nothing_to_forfeit_posts_nothing_and_a_debt_stays() -> None:
    assert ledger.forfeit(Account(member(-40), ()), actor="ops") is None


def test_lots_that_disagree_with_the_balance_are_not_forfeited() -> None:
    with pytest.raises(LedgerInconsistent):
        ledger.forfeit(Account(member(90), (lot(1, 50),)), actor="ops")
