"""Publishing example programmes and building orders for earning tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import members, programs
from jifen.services.earning import orders
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.earning.views import EarnResult
from jifen.services.members.commands import CreateMember
from tests.factories import key

ROOT = Path(__file__).resolve().parents[1]


def publish(jf: Jifen, name: str = "fresh-market", source: str | None = None) -> Program:
    text_ = source if source is not None else (ROOT / "programs" / f"{name}.yaml").read_text()
    program, _ = programs.publish_program(jf.uow(), jf.clock, jf.compile, text_, name, "test")
    return program


def join(jf: Jifen, program: Program, external_id: str, **attributes: Any) -> str:
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember(external_id, attributes=attributes), key("join")
    )
    return external_id


def set_tier(jf: Jifen, program: Program, external_id: str, tier: str) -> None:
    """Tier qualification is its own feature; earning only reads the tier."""
    with jf.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE members SET tier = :t, tier_earned = :t"
                " WHERE external_id = :m AND program_id = :p"
            ),
            {"t": tier, "m": external_id, "p": program.id},
        )


def line(sku: str, qty: int, price: str, category: str | None = None, *tags: str) -> LineIn:
    return LineIn(sku, qty, price, category, tags)


def buy(
    jf: Jifen,
    program: Program,
    member: str,
    order_id: str,
    paid: str,
    *lines: LineIn,
    at: datetime | None = None,
) -> EarnResult:
    return orders.record_order(
        jf.uow(),
        jf.clock,
        jf.rulebooks,
        program,
        PlaceOrder(order_id, member, paid, lines, placed_at=at),
    )


def count(jf: Jifen, table: str) -> int:
    with jf.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
