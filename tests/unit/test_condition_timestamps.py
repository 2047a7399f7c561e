"""``order.placed_at`` and ``now.at`` are timestamps read on the programme's clock.

Given a programme in Asia/Shanghai whose condition reads ``order.placed_at.getHours()``,
when it is compiled from the file and run on an order placed at 03:00 UTC (11:00 in
Shanghai), then it reads 11, not 3: a timestamp's accessors, like ``now.hour``, use the
programme's timezone unless the condition names another.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jifen.adapters.programfile import compile_program
from jifen.adapters.programfile.loader import ConditionsMistyped
from jifen.domain.earning import Order, activation, order_vars

HEADER = """\
program:
  code: clock
  name: {en: Clock}
  currency: CNY
  point_value: "0.01"
  timezone: Asia/Shanghai
rules:
  - id: morning
    kind: bonus
    points: 5
"""


def _holds(when: str, placed_at: datetime) -> object:
    definition = compile_program(HEADER + f"    when: '{when}'\n", "clock.yaml", check_types=True)
    condition = definition.earning.rules[0].when
    assert condition is not None
    order = Order("O-1", "M-1", placed_at, 10000)
    variables = activation(
        member={},
        now=placed_at.astimezone(definition.earning.tz),
        order=lambda: order_vars(order, "CNY"),
    )
    return condition(variables)


@pytest.mark.parametrize(
    ("when", "placed_at", "expected"),
    [
        ("order.placed_at.getHours() < 10", datetime(2026, 12, 5, 1, 30, tzinfo=UTC), True),
        ("order.placed_at.getHours() < 10", datetime(2026, 12, 5, 3, 0, tzinfo=UTC), False),
        ("order.placed_at.getHours() == now.hour", datetime(2026, 12, 5, 3, 0, tzinfo=UTC), True),
        ('order.placed_at.getHours("UTC") == 3', datetime(2026, 12, 5, 3, 0, tzinfo=UTC), True),
        # Saturday 20:00 UTC is Sunday 04:00 in Shanghai: getDayOfWeek() counts from Sunday = 0
        ("order.placed_at.getDayOfWeek() == 0", datetime(2026, 12, 5, 20, 0, tzinfo=UTC), True),
        (
            'now.at - order.placed_at < duration("1h")',
            datetime(2026, 12, 5, 3, 0, tzinfo=UTC),
            True,
        ),
        (
            'order.placed_at >= timestamp("2026-12-05T00:00:00+08:00")',
            datetime(2026, 12, 4, 15, 59, tzinfo=UTC),
            False,
        ),
    ],
)
def test_a_timestamp_reads_the_programmes_clock(
    when: str, placed_at: datetime, expected: bool
) -> None:
    assert _holds(when, placed_at) is expected


@pytest.mark.parametrize(
    "when",
    ["order.placed_at > 5", "now.at.getHours() == 1.0", 'order.placed_at == "2026-12-05"'],
)
def test_a_timestamp_compared_with_a_number_or_text_is_refused(when: str) -> None:
    with pytest.raises(ConditionsMistyped):
        compile_program(HEADER + f"    when: '{when}'\n", "clock.yaml", check_types=True)
