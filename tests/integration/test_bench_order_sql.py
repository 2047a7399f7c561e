"""PostgreSQL: the HTTP benchmark's own-SQL ceiling sends what an order sends.

``bench/over_http/order.pgbench`` replays a typical order's statements with no
Python between them; it only means something while it has as many statements
as the order path. A change to the order path that adds or saves a round trip
fails here until the script follows.
"""

from __future__ import annotations

from typing import Any

from bench.over_http import LINES, ORDER_SQL, PAID, script_statements
from sqlalchemy import event

from jifen.bootstrap import Jifen
from jifen.services.earning import orders
from jifen.services.earning.commands import LineIn, PlaceOrder
from tests.earning_fixtures import join, publish
from tests.integration.test_concurrency import jf

pytestmark = __import__("pytest").mark.postgres
__all__ = ["jf"]  # the PostgreSQL-only fixture of the concurrency tests


def test_the_benchmarks_order_script_sends_as_many_statements_as_an_order(jf: Jifen) -> None:
    # given the fresh-market programme and a member with an order behind them
    program = publish(jf)
    join(jf, program, "B00000")
    lines = tuple(
        LineIn(x["sku"], x["quantity"], x["unit_price"], x["category"], tuple(x.get("tags", ())))
        for x in LINES
    )

    def order(order_id: str) -> None:
        cmd = PlaceOrder(order_id, "B00000", PAID, lines, store="3")
        orders.record_order(jf.uow(), jf.clock, jf.rulebooks, program, cmd)

    order("warm")
    jf.clock.advance(seconds=1)  # placed after it: a later order of the week moves nothing
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    # when the benchmark's typical order is placed
    event.listen(jf.engine, "before_cursor_execute", count)
    try:
        order("typical")
    finally:
        event.remove(jf.engine, "before_cursor_execute", count)
    # then the script replays the same number of statements
    assert len(sent) == script_statements(ORDER_SQL), sent
