"""The declared types of the variables a condition reads: one source of truth.

The activation builders (:func:`order_vars`, :func:`member_vars`, :func:`now_vars`,
:func:`activity_vars`) make plain Python data; this module says, field by field,
what CEL type each value has. The checker builds its declarations from here, the
operator guide documents them, and a test holds the builders to them, so that
what a condition is checked against is what it will read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class CelType(enum.StrEnum):
    """A field's CEL type; ``dyn`` is any JSON-like value, known only when the rule runs."""

    INT = "int"
    DOUBLE = "double"
    STRING = "string"
    BOOL = "bool"
    TIMESTAMP = "timestamp"  # an instant: an aware datetime
    DYN = "dyn"


@dataclass(frozen=True)
class Field:
    name: str
    type: CelType | Message
    doc: str
    repeated: bool = False  # a list of ``type``


@dataclass(frozen=True)
class Message:
    """A variable (or a nested value) whose fields are known: ``order``, ``order.lines[]``."""

    name: str
    fields: tuple[Field, ...]
    doc: str = ""

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


I, D, S, B = CelType.INT, CelType.DOUBLE, CelType.STRING, CelType.BOOL  # noqa: E741
T = CelType.TIMESTAMP

LINE = Message(
    "Line",
    (
        Field("sku", S, "the product's code"),
        Field("category", S, 'its category ("" when the order gave none)'),
        Field("tags", S, "its tags, sorted", repeated=True),
        Field("quantity", I, "units bought"),
        Field("unit_price", D, "price of one unit, in major units (yuan)"),
        Field("total", D, "the line's net amount after its discount, in major units"),
    ),
    "one line of the order",
)

ORDER = Message(
    "Order",
    (
        Field("id", S, "the order's id"),
        Field(
            "placed_at",
            T,
            "when it was placed; its accessors read the programme's timezone: "
            "order.placed_at.getHours() < 10",
        ),
        Field("total", D, "money actually paid, in major units (yuan)"),
        Field("gross", D, "the lines' value before discounts, in major units"),
        Field("discount", D, "the order-level discount, in major units"),
        Field("points_paid", I, "points the member used to pay"),
        Field("channel", S, '"store", "online" or "app"'),
        Field("store", S, 'the store\'s code ("" when none)'),
        Field("units", I, "units bought over all lines"),
        Field("lines", LINE, "the order's lines", repeated=True),
        Field("attributes", CelType.DYN, "the order's own attributes, as sent (a map)"),
    ),
    "the order being judged (order rules only)",
)

MEMBER = Message(
    "Member",
    (
        Field("id", S, "the member's external id"),
        Field("tier", S, 'the tier\'s code ("" before any)'),
        Field("status", S, '"active" or "blocked"'),
        Field("orders_count", I, "orders placed so far"),
        Field("spend_total", D, "money spent so far, in major units"),
        Field("first_order_this_week", B, "no order yet this week (before this one)"),
        Field("days_since_last_order", I, "days since the last order; -1 if none"),
        Field("days_since_joined", I, "days since the member joined"),
        Field("birthday_month", B, "this is the member's birthday month"),
        Field("available", I, "points available now"),
        Field("segment", S, 'attributes.segment as text ("" when none)'),
        Field("tags", S, "attributes.tags when it is a list, else []", repeated=True),
        Field(
            "badges", S, 'the badges the member holds: "veg-lover" in member.badges', repeated=True
        ),
        Field("attributes", CelType.DYN, "the member's attributes, as sent (a map)"),
    ),
    "the member earning",
)

NOW = Message(
    "Now",
    (
        Field("year", I, "the year, in the programme's timezone"),
        Field("month", I, "1 to 12"),
        Field("day", I, "1 to 31"),
        Field("weekday", I, "1 (Monday) to 7 (Sunday)"),
        Field("hour", I, "0 to 23"),
        Field("minute", I, "0 to 59"),
        Field("date", S, '"2026-12-05"'),
        Field(
            "at",
            T,
            "the moment itself, for timestamp arithmetic: "
            'now.at - order.placed_at < duration("24h")',
        ),
    ),
    "the moment being judged, in the programme's timezone",
)

#: What ``order`` is in an activity rule: nothing to read
NO_ORDER = Message("NoOrder", (), "an activity rule sees no order")
#: What ``activity`` is in an order rule: nothing to read
NO_ACTIVITY = Message("NoActivity", (), "an order rule sees no activity")

#: The programme file's payload field types (``activities:``) as CEL types
PAYLOAD_TYPES: Mapping[str, CelType] = {"string": S, "integer": I, "number": D, "boolean": B}


def activity_message(kind: str, fields: Mapping[str, str]) -> Message:
    """``activity`` in a rule of activity ``kind``: its ``type`` and its declared payload."""
    declared = tuple(
        Field(name, PAYLOAD_TYPES[t], f"payload field of {kind}") for name, t in fields.items()
    )
    return Message(
        f"Activity {kind}", (Field("type", S, "the activity's type"), *declared), f"a {kind}"
    )


def activity_vars(
    kind: str, payload: Mapping[str, Any], fields: Mapping[str, str]
) -> dict[str, Any]:
    """``activity``'s value: a ``number`` field is a double even when sent as 1."""
    values = {k: float(v) if fields.get(k) == "number" else v for k, v in payload.items()}
    return {"type": kind, **values}


@dataclass(frozen=True)
class Scope:
    """The types of the four variables for one condition."""

    order: Message
    activity: Message
    member: Message = MEMBER
    now: Message = NOW

    def variables(self) -> dict[str, Message]:
        return {
            "order": self.order,
            "member": self.member,
            "activity": self.activity,
            "now": self.now,
        }


ORDER_SCOPE = Scope(order=ORDER, activity=NO_ACTIVITY)
#: who takes part in a challenge: the member (and now) alone
MEMBER_SCOPE = Scope(order=NO_ORDER, activity=NO_ACTIVITY)


def activity_scope(kind: str, fields: Mapping[str, str]) -> Scope:
    return Scope(order=NO_ORDER, activity=activity_message(kind, fields))
