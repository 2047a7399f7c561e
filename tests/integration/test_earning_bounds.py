"""Bounds hold on every path: an import refuses a bad row by itself, and no operation,
however it is reached, moves more than 10^12 points.

The fake clock stands at 2026-03-01T04:00Z (noon in Shanghai).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import InvalidInput
from jifen.domain.ledger import EntryKind, Posting
from jifen.domain.points import MAX_POINTS, require_points
from tests.earning_fixtures import ROOT, buy, count, join, line, publish
from tests.factories import assert_verified, balances
from tests.import_fixtures import EGGS, VEG, WORKED, order, run_import, write_jsonl

BIG = """
  - id: gold-bar               # test only: a rule generous enough to break the cap
    kind: product
    name: {zh-CN: 金条, en: Gold bar}
    match: {skus: [gold-bar]}
    per: unit
    points: 10000000

campaigns:"""


def test_an_import_refuses_rows_with_bad_dates_or_money_one_by_one(
    jf: Jifen, tmp_path: Path
) -> None:
    # given rows dated in the future, in year 1, without an offset, or paying what
    # their lines do not come to, among good ones
    program = publish(jf)
    join(jf, program, "C-1")
    a1 = WORKED[0]
    rows = [
        a1,
        order("F1", "C-1", "2026-03-01T12:30:00+08:00", "128.50", EGGS, VEG),
        order("F2", "C-1", "0001-01-01T00:00:00+08:00", "128.50", EGGS, VEG),
        order("F3", "C-1", "9999-12-31T23:59:59-08:00", "128.50", EGGS, VEG),
        order("F4", "C-1", "2026-02-02T10:00:00", "128.50", EGGS, VEG),
        order("F5", "C-1", "2026-02-02T10:00:00+08:00", "500.00", EGGS, VEG),
        order("F6", "C-1", "2026-02-02T10:00:00+08:00", "9999999999999.99"),
        WORKED[1],
    ]
    # when they are imported
    summary = run_import(jf, program, write_jsonl(tmp_path / "o.jsonl", rows), batch_size=3)
    # then each bad row is rejected with its own reason, and the good ones are recorded
    reasons = {x.order_id: x.reason.split(":")[0] for x in summary.examples}
    assert reasons == {
        "F1": "date_in_future",
        "F2": "date_out_of_range",
        "F3": "date_out_of_range",
        "F4": "invalid_input",
        "F5": "paid_disagrees_with_lines",
        "F6": "amount_too_large",
    }
    assert (summary.imported, summary.rejected) == (2, 6)
    assert balances(jf, program, "C-1") == (706, 0, 0)
    assert_verified(jf)


def test_an_order_that_would_earn_beyond_the_ledger_cap_is_refused_whole(jf: Jifen) -> None:
    # given a rule of 10,000,000 points a unit and an order of a million units
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(jf, "fresh-market", source.replace("\ncampaigns:", BIG, 1))
    join(jf, program, "C-1")
    bars = line("gold-bar", 1_000_000, "1.00")
    # when it is recorded, then it is refused: nothing earned, counted or promoted
    with pytest.raises(InvalidInput) as refused:
        buy(jf, program, "C-1", "G1", "1000000.00", bars)
    assert refused.value.code == "points_too_large"
    assert count(jf, "orders") == 0 and count(jf, "entries") == 0
    with jf.uow(write=False) as uow:
        member = uow.members.get(program.id, "C-1")
    assert member is not None and (member.orders_count, member.tier) == (0, None)
    # and one just under the cap is taken
    assert buy(jf, program, "C-1", "G2", "10000.00", line("gold-bar", 10_000, "1.00")).points > 0
    assert_verified(jf)


def test_no_posting_moves_more_than_the_cap() -> None:
    Posting(member_id=1, kind=EntryKind.ADJUST, amount=MAX_POINTS)
    with pytest.raises(InvalidInput) as refused:
        Posting(member_id=1, kind=EntryKind.ADJUST, amount=MAX_POINTS + 1)
    assert refused.value.code == "points_too_large"


def test_an_adjustment_beyond_the_cap_is_refused_as_too_large() -> None:
    assert require_points(MAX_POINTS) == MAX_POINTS
    with pytest.raises(InvalidInput) as refused:
        require_points(MAX_POINTS + 1)
    assert refused.value.code == "points_too_large"
