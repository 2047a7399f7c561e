"""The declared types of the condition variables are what the activation builders make.

The checker checks conditions against ``jifen.domain.earning.variables``; rules run
against ``order_vars``, ``member_vars``, ``now_vars`` and ``activity_vars``. These
tests hold the two together: every declared field is built, nothing undeclared is
built, and every value has its declared type.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jifen.adapters.cel import VARIABLES
from jifen.adapters.programfile.build import BUILTIN_ACTIVITIES
from jifen.domain.earning import Order, OrderLine, member_vars, now_vars, order_vars
from jifen.domain.earning.variables import (
    MEMBER,
    NOW,
    ORDER,
    ORDER_SCOPE,
    PAYLOAD_TYPES,
    CelType,
    Message,
    activity_message,
    activity_vars,
)
from jifen.domain.members import Balances, Member, MemberStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW_ = datetime(2026, 12, 5, 20, 30, tzinfo=SHANGHAI)
PYTHON: dict[CelType, type] = {
    CelType.INT: int,
    CelType.DOUBLE: float,
    CelType.STRING: str,
    CelType.BOOL: bool,
    CelType.TIMESTAMP: datetime,
}


def _conforms(value: Any, message: Message, where: str) -> None:
    assert isinstance(value, dict), where
    assert set(value) == {f.name for f in message.fields}, where
    for field in message.fields:
        items = value[field.name] if field.repeated else [value[field.name]]
        if field.repeated:
            assert isinstance(items, list), f"{where}.{field.name}"
        for item in items:
            at = f"{where}.{field.name}"
            if isinstance(field.type, Message):
                _conforms(item, field.type, at)
            elif field.type is not CelType.DYN:
                assert type(item) is PYTHON[field.type], f"{at}: {item!r}"


def _member(**changes: Any) -> Member:
    base = Member(
        id=1,
        program_id=1,
        external_id="M-1",
        status=MemberStatus.ACTIVE,
        balances=Balances(available=120),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        birthday=date(1990, 12, 1),
        attributes={"segment": "vegetable_lover", "tags": ["a"], "city": "Shanghai"},
        tier="gold",
        orders_count=3,
        spend_total=12345,
        last_order_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    return replace(base, **changes)


ORDER_ = Order(
    order_id="O-1",
    member="M-1",
    placed_at=NOW_,
    paid=25000,
    lines=(
        OrderLine("rice", 2, 5000, "grain", frozenset({"new"})),
        OrderLine("kale", 1, 15000, None, frozenset(), discount=100),
    ),
    store="S-3",
    attributes={"coupon": "X"},
)


def test_the_variables_declared_are_the_compilers() -> None:
    assert set(ORDER_SCOPE.variables()) == set(VARIABLES)


@pytest.mark.parametrize(
    "order", [ORDER_, replace(ORDER_, lines=(), store=None, attributes={})], ids=["full", "bare"]
)
def test_order_vars_make_exactly_the_declared_order(order: Order) -> None:
    _conforms(order_vars(order, "CNY"), ORDER, "order")


@pytest.mark.parametrize(
    "member",
    [
        _member(),
        _member(tier=None, birthday=None, last_order_at=None, attributes={}, spend_total=0),
        _member(attributes={"tags": "not-a-list", "segment": 7}),
    ],
    ids=["full", "newcomer", "odd-attributes"],
)
def test_member_vars_make_exactly_the_declared_member(member: Member) -> None:
    _conforms(member_vars(member, NOW_, "CNY"), MEMBER, "member")


def test_now_vars_make_exactly_the_declared_now() -> None:
    _conforms(now_vars(NOW_), NOW, "now")


@pytest.mark.parametrize("kind", sorted(BUILTIN_ACTIVITIES))
def test_builtin_activity_payloads_make_exactly_their_declared_activity(kind: str) -> None:
    fields = BUILTIN_ACTIVITIES[kind]
    payload = dict.fromkeys(fields, "x")
    _conforms(activity_vars(kind, payload, fields), activity_message(kind, fields), "activity")


def test_a_number_field_sent_as_an_int_is_a_double_as_declared() -> None:
    fields = {name: name for name in PAYLOAD_TYPES}  # one field of each declared kind
    payload = {"string": "s", "integer": 3, "number": 2, "boolean": True}
    _conforms(activity_vars("k", payload, fields), activity_message("k", fields), "activity")


def _rows(prefix: str, message: Message) -> list[str]:
    rows = []
    for f in message.fields:
        kind = f.type.name.lower() if isinstance(f.type, Message) else f.type.value
        rows.append(f"| `{prefix}.{f.name}` | {f'list({kind})' if f.repeated else kind} |")
        if isinstance(f.type, Message):
            rows += _rows(f"{prefix}.{f.name}[]", f.type)
    return rows


def test_the_operator_guide_gives_every_declared_field_its_type() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "operator-guide.md").read_text()
    rows = _rows("order", ORDER) + _rows("member", MEMBER) + _rows("now", NOW)

    assert [r for r in rows if r not in guide] == []
