"""One imported record, checked before the database sees it: a dict to a ``PlaceOrder``.

A record has the fields of the body of ``POST /v1/orders``, with the same
limits, except that ``placed_at`` is required (history has a date). Money is a
decimal string, as in the API, so that no float ever carries it. A reader that
cannot parse a row passes ``{ERROR: reason}`` instead, and the row is rejected.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from jifen.domain.error_codes import ImportCode
from jifen.domain.errors import InvalidInput
from jifen.services.earning import LineIn, PlaceOrder

ERROR = "_error"
MONEY = re.compile(r"^\d{1,13}(\.\d{1,3})?$")
ORDER_FIELDS = frozenset(
    {
        "order_id",
        "member",
        "paid",
        "lines",
        "placed_at",
        "channel",
        "store",
        "discount",
        "points_paid",
        "attributes",
    }
)
LINE_FIELDS = frozenset({"sku", "quantity", "unit_price", "category", "tags", "discount"})
MAX_LINES = 500
MAX_TAGS = 32
MAX_QUANTITY = 1_000_000


def command_from(record: object) -> PlaceOrder:
    """The order a record describes; ``InvalidInput`` says what is wrong with it."""
    if not isinstance(record, dict):
        raise InvalidInput("a row must be a JSON object", code=ImportCode.ROW_INVALID)
    if ERROR in record:
        raise InvalidInput(str(record[ERROR]), code=ImportCode.ROW_UNREADABLE)
    _known(record, ORDER_FIELDS, "")
    lines = record.get("lines", [])
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        raise InvalidInput(f"lines must be a list of at most {MAX_LINES}", field="lines")
    return PlaceOrder(
        order_id=_text(record, "order_id", 128),
        member=_text(record, "member", 128),
        paid=_money(record, "paid", None),
        lines=tuple(_line(x, f"lines.{i}.") for i, x in enumerate(lines)),
        placed_at=_placed_at(record),
        channel=_text(record, "channel", 32, default="store"),
        store=_optional_text(record, "store", 64),
        discount=_money(record, "discount", "0"),
        points_paid=_whole(record, "points_paid", 0, 0, None),
        attributes=_attributes(record),
    )


def _line(data: object, prefix: str) -> LineIn:
    if not isinstance(data, dict):
        raise InvalidInput(f"{prefix[:-1]} must be an object", field=prefix[:-1])
    _known(data, LINE_FIELDS, prefix)
    tags = data.get("tags", [])
    if (
        not isinstance(tags, list)
        or len(tags) > MAX_TAGS
        or not all(isinstance(t, str) for t in tags)
    ):
        raise InvalidInput(f"{prefix}tags must be a list of at most {MAX_TAGS} words")
    return LineIn(
        sku=_text(data, "sku", 128, prefix=prefix),
        quantity=_whole(data, "quantity", None, 1, MAX_QUANTITY, prefix=prefix),
        unit_price=_money(data, "unit_price", None, prefix=prefix),
        category=_optional_text(data, "category", 64, prefix=prefix),
        tags=tuple(tags),
        discount=_money(data, "discount", "0", prefix=prefix),
    )


def _known(data: dict[Any, Any], fields: frozenset[str], prefix: str) -> None:
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        raise InvalidInput(f"unknown field {prefix}{unknown[0]}", field=f"{prefix}{unknown[0]}")


def _present(data: dict[str, Any], name: str, prefix: str) -> Any:
    value = data.get(name)
    if value is None or value == "":
        raise InvalidInput(f"{prefix}{name} is missing", field=f"{prefix}{name}")
    return value


def _text(
    data: dict[str, Any], name: str, limit: int, *, default: str | None = None, prefix: str = ""
) -> str:
    if default is not None and data.get(name) is None:
        return default
    value = _present(data, name, prefix)
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"{prefix}{name} must be text of at most {limit} characters")
    return value


def _optional_text(data: dict[str, Any], name: str, limit: int, *, prefix: str = "") -> str | None:
    if data.get(name) in (None, ""):
        return None
    return _text(data, name, limit, prefix=prefix)


def _money(data: dict[str, Any], name: str, default: str | None, *, prefix: str = "") -> str:
    if default is not None and data.get(name) is None:
        return default
    value = _present(data, name, prefix)
    if not isinstance(value, str) or not MONEY.match(value):
        raise InvalidInput(
            f'{prefix}{name} must be a decimal string such as "12.50", not {value!r}',
            field=f"{prefix}{name}",
        )
    return value


def _whole(
    data: dict[str, Any],
    name: str,
    default: int | None,
    low: int,
    high: int | None,
    *,
    prefix: str = "",
) -> int:
    if default is not None and data.get(name) is None:
        return default
    value = _present(data, name, prefix)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInput(f"{prefix}{name} must be a whole number of at least {low}")
    if high is not None and value > high:
        raise InvalidInput(f"{prefix}{name} must be at most {high}")
    return value


def _placed_at(record: dict[str, Any]) -> datetime:
    value = _present(record, "placed_at", "")
    try:
        placed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        placed = None
    if placed is None or placed.tzinfo is None:
        raise InvalidInput(
            "placed_at must be an ISO 8601 time with an offset, such as "
            f"2026-02-02T10:30:00+08:00, not {value!r}",
            field="placed_at",
        )
    return placed


def _attributes(record: dict[str, Any]) -> dict[str, Any]:
    value = record.get("attributes", {})
    if not isinstance(value, dict):
        raise InvalidInput("attributes must be an object", field="attributes")
    return value
