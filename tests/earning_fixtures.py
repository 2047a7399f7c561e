"""Publishing example programmes and building orders for earning tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import ledger, members, programs
from jifen.services.earning import orders
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.earning.views import EarnResult
from jifen.services.ledger import Earn, PlaceHold
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


#: what a read finds due two hours on, for ``due_in_an_hour``
DUE = ("matured", "expired", "hold")


def due_in_an_hour(jf: Jifen, program: Program, member: str, due: str) -> tuple[int, int, int]:
    """``member`` (joined) earns 1000 points and then something ``due`` an hour from now: 50
    points that mature, 50 that expire, or a hold of 400 that ends; returns the balances
    (available, pending, held) a write will find two hours on."""
    now = jf.clock.now()
    ledger.earn(jf.uow(), jf.clock, program, Earn(member, 1000), key())
    hour = now + timedelta(hours=1)
    if due == "matured":
        ledger.earn(jf.uow(), jf.clock, program, Earn(member, 50, available_at=hour), key())
        return (1050, 0, 0)
    if due == "expired":
        ledger.earn(jf.uow(), jf.clock, program, Earn(member, 50, expires_at=hour), key())
        return (1000, 0, 0)
    assert due == "hold", due
    ledger.place_hold(jf.uow(), jf.clock, program, PlaceHold(member, 400, ttl_seconds=600), key())
    return (1000, 0, 0)


def three_lots(jf: Jifen, program: Program, member: str) -> None:
    """``member`` (joined) earns 300 points ending in 20 days, 70 in 40 days, and 9 that
    come tomorrow: 370 available, 9 pending, 300 expiring within 30 days."""
    now = jf.clock.now()
    for earn in (
        Earn(member, 300, expires_at=now + timedelta(days=20)),
        Earn(member, 70, expires_at=now + timedelta(days=40)),
        Earn(member, 9, available_at=now + timedelta(days=1)),
    ):
        ledger.earn(jf.uow(), jf.clock, program, earn, key())
