"""Stored responses survive the round trip; keys and fingerprints are strict."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from jifen.domain.errors import InvalidRequest
from jifen.services.commands import Earn, Redeem
from jifen.services.idempotency import decode, encode, fingerprint, require_key
from jifen.services.results import MemberView, Receipt


def test_a_receipt_decodes_to_what_was_encoded() -> None:
    receipt = Receipt(
        "C-1",
        "hold",
        -30,
        (4, 5),
        70,
        0,
        30,
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        9,
        "active",
        {"x": 1},
    )
    assert decode(Receipt, encode(receipt)) == receipt


def test_a_member_view_with_a_birthday_round_trips() -> None:
    view = MemberView(
        "C-1",
        "active",
        None,
        "a@b.c",
        date(1990, 5, 17),
        {"tier": "gold"},
        1,
        2,
        3,
        4,
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert decode(MemberView, encode(view)) == view


def test_fingerprints_differ_by_command_type_and_content() -> None:
    assert fingerprint(Earn("C-1", 10)) == fingerprint(Earn("C-1", 10))
    assert fingerprint(Earn("C-1", 10)) != fingerprint(Earn("C-1", 11))
    assert fingerprint(Earn("C-1", 10)) != fingerprint(Redeem("C-1", 10))


@pytest.mark.parametrize("bad", [None, "", "   ", "x" * 256, "tab\there"])
def test_missing_or_malformed_keys_are_refused(bad: str | None) -> None:
    with pytest.raises(InvalidRequest):
        require_key(bad)
