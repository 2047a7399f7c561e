"""Challenges and badges as the fresh-market programme declares them (ADR 0034): moved along
by the orders and check-ins that count, rewarded once, rolled back by refunds, and a badge
a rule reads. On both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import challenges, engagement
from jifen.services.access import apikeys
from jifen.services.earning import RefundOrder, refund_order
from jifen.services.earning.commands import LineIn
from jifen.services.earning.views import EarnResult
from jifen.services.engagement import CompleteTask
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import FakeClock, assert_verified, balances, key

VEG = line("bok-choy", 1, "30.00", "vegetables")
MEAT = line("pork", 1, "30.00", "meat")
WEEK0 = (datetime(2026, 2, 23).toordinal()) // 7  # START's week, from its Monday
DECEMBER = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # a Wednesday, noon in Shanghai


@pytest.fixture
def shop(jf: Jifen) -> Program:
    program = publish(jf)
    join(jf, program, "ANN")
    return program


def meat(amount: str) -> LineIn:
    return line("pork", 1, amount, "meat")


def progress(jf: Jifen, program: Program, member: str = "ANN") -> dict[str, tuple[int, bool]]:
    now = challenges.member_challenges(jf.uow(), jf.clock, jf.rulebooks, program, member)
    return {v.challenge.id: (v.progress, v.done) for v in now.challenges}


def badges(jf: Jifen, program: Program, member: str = "ANN") -> list[str]:
    now = challenges.member_challenges(jf.uow(), jf.clock, jf.rulebooks, program, member)
    return [b.badge.id for b in now.badges if b.held is not None]


def reached(result: EarnResult) -> dict[str, int]:
    return {c["challenge"]: c["points"] for c in result.meta.get("challenges", [])}


def refund(jf: Jifen, program: Program, refund_id: str, order_id: str, **how: object) -> EarnResult:
    cmd = RefundOrder(refund_id, order_id, **how)  # type: ignore[arg-type]
    return refund_order(jf.uow(), jf.clock, jf.rulebooks, program, cmd)


def test_vegetables_four_weeks_in_a_row_give_points_and_a_badge_a_rule_then_reads(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    for week in range(3):
        done = buy(jf, shop, "ANN", f"w{week}", "30.00", VEG)
        assert reached(done) == {}
        buy(jf, shop, "ANN", f"m{week}", "30.00", MEAT)  # counts for nothing
        clock.advance(days=7)
    assert progress(jf, shop)["veg-four-weeks"] == (3, False)
    fourth = buy(jf, shop, "ANN", "w3", "30.00", VEG)
    assert reached(fourth) == {"veg-four-weeks": 200}
    assert fourth.meta["challenges"][0]["badge"] == "veg-lover"
    assert progress(jf, shop)["veg-four-weeks"] == (4, True)
    assert badges(jf, shop) == ["veg-lover"]
    # the badge is a condition in a rule: vegetables now pay 20 more
    after = buy(jf, shop, "ANN", "w4", "30.00", VEG)
    assert [x.points for x in after.award.lines if x.rule_id == "veg-lover-bonus"] == [20]
    assert reached(after) == {}  # once
    with jf.engine.connect() as conn:
        lots = conn.execute(text("SELECT amount, rule_id FROM lots WHERE source = 'challenge'"))
        assert [tuple(r) for r in lots] == [(200, "veg-four-weeks")]
    assert_verified(jf)


def test_a_missed_week_breaks_the_run(jf: Jifen, shop: Program, clock: FakeClock) -> None:
    buy(jf, shop, "ANN", "w0", "30.00", VEG)
    clock.advance(days=7)
    buy(jf, shop, "ANN", "w1", "30.00", VEG)
    assert progress(jf, shop)["veg-four-weeks"] == (2, False)
    clock.advance(days=14)  # a week with no vegetables
    assert progress(jf, shop)["veg-four-weeks"] == (0, False)
    buy(jf, shop, "ANN", "w3", "30.00", VEG)
    clock.advance(days=7)
    buy(jf, shop, "ANN", "w4", "30.00", VEG)
    assert progress(jf, shop)["veg-four-weeks"] == (2, False)


def test_a_refund_before_the_goal_rolls_progress_back(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    for week in range(3):
        buy(jf, shop, "ANN", f"w{week}", "30.00", VEG)
        clock.advance(days=7)
    refund(jf, shop, "r-1", "w2", full=True)  # last week's vegetables, returned
    assert progress(jf, shop)["veg-four-weeks"] == (0, False)  # the run ended two weeks ago
    buy(jf, shop, "ANN", "w3", "30.00", VEG)
    refund(jf, shop, "r-2", "w3", amount="10.00")  # part of it: still vegetables bought
    assert progress(jf, shop)["veg-four-weeks"] == (1, False)  # w2's week is missing
    refund(jf, shop, "r-3", "w3", amount="20.00")  # the rest
    assert progress(jf, shop)["veg-four-weeks"] == (0, False)
    refund(jf, shop, "r-4", "w1", full=True)
    with jf.engine.connect() as conn:
        tally = conn.execute(text("SELECT tally FROM challenge_progress")).scalar_one()
    left = json.loads(tally) if isinstance(tally, str) else tally  # SQLite: JSON as text
    assert left == {str(WEEK0): 1}


def test_spend_500_in_december_is_taken_back_when_a_refund_takes_it_under(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    clock.set(DECEMBER)
    buy(jf, shop, "ANN", "d1", "300.00", meat("300.00"))
    assert progress(jf, shop)["december-500"] == (30000, False)  # minor units
    second = buy(jf, shop, "ANN", "d2", "250.00", meat("250.00"))
    assert reached(second) == {"december-500": 300}
    before = balances(jf, shop, "ANN")
    part = refund(jf, shop, "r-1", "d2", amount="60.00")  # 490 left: under the goal
    assert part.meta["challenges_taken_back"][0]["points"] == 300
    assert progress(jf, shop)["december-500"] == (49000, False)
    assert balances(jf, shop, "ANN")[0] < before[0] - 300 + 1
    again = buy(jf, shop, "ANN", "d3", "20.00", meat("20.00"))  # 510: reached again, paid again
    assert reached(again) == {"december-500": 300}
    with jf.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT value, done_at IS NOT NULL FROM challenge_progress"
                 " WHERE challenge_id = 'december-500'")
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [(51000, True)]
    assert_verified(jf)


def test_november_spend_counts_for_nothing_in_december(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    clock.set(DECEMBER)
    late = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    buy(jf, shop, "ANN", "n1", "600.00", meat("600.00"), at=late)  # a backdated November order
    assert progress(jf, shop)["december-500"] == (0, False)


def test_three_new_products_a_month_kept_after_a_refund_and_again_next_month(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    new = [line(f"new-{n}", 1, "10.00", "snacks", "new") for n in range(3)]
    buy(jf, shop, "ANN", "n1", "20.00", new[0], new[0])  # the same product twice: one
    assert progress(jf, shop)["try-three-new"] == (1, False)
    done = buy(jf, shop, "ANN", "n2", "20.00", new[1], new[2])
    assert reached(done) == {"try-three-new": 100}
    assert badges(jf, shop) == ["explorer"]
    kept = refund(jf, shop, "r-1", "n2", full=True)  # after_done: keep
    assert "challenges_taken_back" not in kept.meta
    assert badges(jf, shop) == ["explorer"]
    clock.advance(days=31)  # April: a new round
    assert progress(jf, shop)["try-three-new"] == (0, False)


def test_seven_check_ins_in_a_row_with_one_missed_day_forgiven(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    days = [0, 1, 2, 4, 5, 6, 7]  # day 3 missed
    paid = []
    for n, day in enumerate(days):
        if n:
            clock.advance(days=day - days[n - 1])
        done = engagement.complete_task(
            jf.uow(), jf.clock, jf.rulebooks, shop,
            CompleteTask("ANN", "store-check-in"), key("ci"),
        )  # fmt: skip
        paid.append(reached(done))
    assert paid[:-1] == [{}] * 6
    assert paid[-1] == {"check-in-week": 50}
    assert badges(jf, shop) == ["regular"]


def test_two_missed_days_break_the_check_in_run(jf: Jifen, shop: Program, clock: FakeClock) -> None:
    for day in (0, 1, 2):
        clock.set(datetime(2026, 3, 1 + day, 4, 0, tzinfo=UTC))
        engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                                 CompleteTask("ANN", "store-check-in"), key("ci"))  # fmt: skip
    clock.set(datetime(2026, 3, 4, 4, 0, tzinfo=UTC))
    assert progress(jf, shop)["check-in-week"] == (3, False)  # today may still come
    clock.set(datetime(2026, 3, 5, 4, 0, tzinfo=UTC))
    assert progress(jf, shop)["check-in-week"] == (3, False)  # one day missed: forgiven
    clock.set(datetime(2026, 3, 6, 4, 0, tzinfo=UTC))
    assert progress(jf, shop)["check-in-week"] == (0, False)  # two: the run broke


def test_a_challenge_for_one_tier_counts_only_its_members(jf: Jifen, clock: FakeClock) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    source = source.replace(
        "    counts: spend\n", '    counts: spend\n    who: member.segment == "vip"\n'
    )
    program = publish(jf, source=source)
    join(jf, program, "ANN")
    join(jf, program, "VIP", segment="vip")
    clock.set(DECEMBER)
    buy(jf, program, "ANN", "a1", "600.00", meat("600.00"))
    vip = buy(jf, program, "VIP", "v1", "600.00", meat("600.00"))
    assert reached(vip) == {"december-500": 300}
    assert "december-500" not in progress(jf, program, "ANN")
    assert progress(jf, program, "VIP")["december-500"] == (50000, True)


def test_the_api_lists_challenges_badges_and_a_members_progress(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    clock.set(DECEMBER)
    buy(jf, shop, "ANN", "d1", "120.50", meat("120.50"))
    reader = apikeys.create_key(jf.uow(), jf.clock, shop, "ro", ["members:read"], "t")
    r = {"Authorization": f"Bearer {reader}"}
    with TestClient(create_app(jf)) as client:
        listed = client.get("/v1/challenges", headers=r).json()
        shown = client.get("/v1/badges", headers=r).json()
        mine = client.get("/v1/members/ANN/challenges", headers=r)
        nobody = client.get("/v1/members/NOPE/challenges", headers=r)
        bare = client.get("/v1/challenges")
    by_id = {c["id"]: c for c in listed}
    assert by_id["december-500"]["goal"] == "500.00"
    assert by_id["veg-four-weeks"] | {"in_a_row": "week", "goal": 4} == by_id["veg-four-weeks"]
    assert shown[0]["image"] == "/static/badges/veg-lover.svg"
    assert mine.status_code == 200
    december = next(c for c in mine.json()["challenges"] if c["challenge"]["id"] == "december-500")
    assert (december["progress"], december["done"]) == ("120.50", False)
    assert december["round_ends"].startswith("2027-01-01")
    assert mine.json()["badges"] == []
    assert nobody.status_code == 404
    assert nobody.headers["content-type"].startswith("application/problem+json")
    assert bare.status_code == 401
