"""Tiers in the fresh-market programme: upgrades as members buy, floors, reviews.

Silver: 1,000 yuan or 5,000 points (lifetime, counted afresh after a demotion);
gold: 5,000 yuan or 20,000 points, and 3,000 yuan a year to keep it; reviews
every 1 January. The fake clock starts on Sunday 2026-03-01, noon in Shanghai.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from jifen.adapters.db.tables import lots
from jifen.bootstrap import Jifen
from jifen.domain.errors import InvalidInput, NotFound
from jifen.domain.programs import Program
from jifen.domain.tiers import Stats
from jifen.services import members, tiers
from jifen.services.earning import refunds
from jifen.services.earning.commands import RefundOrder
from jifen.services.members import expiring_points as expiring
from jifen.services.members.commands import CreateMember
from jifen.services.nightly import pipeline
from jifen.services.tiers import birthdays
from jifen.services.tiers.commands import SetTierFloor
from tests.earning_fixtures import ROOT, buy, count, join, line, publish
from tests.factories import FakeClock, assert_verified, balances, key

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YEAR = datetime(2027, 1, 1, tzinfo=SHANGHAI)


def clock(jf: Jifen) -> FakeClock:
    assert isinstance(jf.clock, FakeClock)
    return jf.clock


def rules_of(result: object) -> dict[str, int]:
    return {x.rule_id: x.points for x in result.award.lines}  # type: ignore[attr-defined]


def view(jf: Jifen, program: Program, member: str) -> tiers.TierView:
    return tiers.tier_view(jf.uow(write=False), jf.clock, jf.rulebooks, program, member)


def floor(
    jf: Jifen, program: Program, member: str, tier: str | None, until: datetime | None, k: str
) -> tiers.TierView:
    cmd = SetTierFloor(member, tier, until, "compensation for a late delivery", "ops@shop")
    return tiers.set_floor(jf.uow(), jf.clock, jf.rulebooks, program, cmd, k)


def review(jf: Jifen, program: Program, cutoff: datetime) -> tiers.Reviewed:
    return tiers.review_tiers(jf.uow, jf.rulebooks, program, cutoff, chunk=2)


def topics(jf: Jifen, topic: str) -> list[dict[str, object]]:
    with jf.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT payload FROM outbox WHERE topic = :t ORDER BY id"), {"t": topic}
        )
        return [r[0] if isinstance(r[0], dict) else __import__("json").loads(r[0]) for r in rows]


def test_the_order_that_crosses_1000_yuan_makes_silver_and_the_next_earns_double(
    jf: Jifen,
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    clock(jf).advance(days=1)  # Monday
    first = buy(jf, program, "C-1", "1", "600.00", line("tv", 1, "600.00", "electronics"))
    assert first.points == 600 + 600 + 50  # base, first of the week x2, spend >= 200
    second = buy(jf, program, "C-1", "2", "500.00", line("hifi", 1, "500.00", "electronics"))
    assert rules_of(second) == {"base": 500, "spend-200": 50}  # still earned as a member
    v = view(jf, program, "C-1")
    assert (v.tier, v.since, v.review_month) == ("silver", jf.clock.now(), 202701)
    third = buy(jf, program, "C-1", "3", "100.00", line("milk", 1, "100.00", "dairy"))
    assert rules_of(third) == {"base": 100, "tier:silver": 100}
    v = view(jf, program, "C-1")
    assert v.next_tier == "gold" and v.multiplier == "2"
    # "spend 3,800.00 yuan more or earn 18,000 points to reach Gold"
    assert v.routes == [
        [{"metric": "spend", "have": 120000, "need": 500000, "missing": 380000}],
        [{"metric": "points", "have": 2000, "need": 20000, "missing": 18000}],
    ]
    assert not v.close_to_next
    assert [(h.from_tier, h.to_tier, h.reason) for h in v.history] == [
        ("regular", "silver", "qualified")
    ]
    assert topics(jf, "tier.changed") == [
        {
            "member": "C-1",
            "from": "regular",
            "to": "silver",
            "reason": "qualified",
            "review_month": 202701,
            "at_risk": False,
        }
    ]
    assert_verified(jf)


def test_a_refund_lowers_the_counts_but_never_demotes_before_the_review(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "1", "1200.00", line("tv", 1, "1200.00"))
    assert view(jf, program, "C-1").tier == "silver"
    refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-1", "1", full=True)
    )
    v = view(jf, program, "C-1")
    assert v.tier == "silver"
    assert v.routes[0] == [{"metric": "spend", "have": 0, "need": 500000, "missing": 500000}]
    assert v.routes[1][0]["have"] == 0  # the clawed-back points no longer count
    assert_verified(jf)


def test_an_operator_floor_lifts_the_tier_until_its_end_and_is_audited(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    until = datetime(2026, 6, 1, tzinfo=SHANGHAI)
    k = key("floor")
    v = floor(jf, program, "C-1", "gold", until, k)
    assert (v.tier, v.floor, v.floor_until) == ("gold", "gold", until)
    again = floor(jf, program, "C-1", "gold", until, k)  # a retry
    assert again.replayed and again == replace(v, replayed=True)
    assert count(jf, "tier_changes") == 1
    result = buy(jf, program, "C-1", "1", "100.00", line("milk", 1, "100.00"))
    assert rules_of(result)["tier:gold"] == 200
    with jf.engine.connect() as conn:
        audit = conn.execute(
            text("SELECT actor, target FROM audit_log WHERE action = 'tier.override'")
        ).all()
    assert [tuple(r) for r in audit] == [("ops@shop", "C-1")]
    # The floor ends: the nightly review puts the member back to what they earned.
    done = review(jf, program, until)
    assert done.changed == 1
    v = view(jf, program, "C-1")
    assert (v.tier, v.floor) == ("regular", None)
    assert [h.reason for h in v.history] == ["floor_ended", "floor_set"]
    assert review(jf, program, until).changed == 0  # nothing left to do


@pytest.mark.parametrize(
    ("tier", "until", "reason", "field"),
    [
        ("platinum", datetime(2026, 6, 1, tzinfo=UTC), "why", "tier"),
        ("gold", datetime(2026, 2, 1, tzinfo=UTC), "why", "until"),
        ("gold", None, "why", "until"),
        ("gold", datetime(2026, 6, 1, tzinfo=UTC), "  ", "reason"),
    ],
)
def test_a_bad_override_is_refused_and_changes_nothing(
    jf: Jifen, tier: str, until: datetime | None, reason: str, field: str
) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    cmd = SetTierFloor("C-1", tier, until, reason, "ops")
    with pytest.raises(InvalidInput) as err:
        tiers.set_floor(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())
    assert err.value.params["field"] == field
    assert count(jf, "tier_changes") == 0
    with pytest.raises(NotFound):
        floor(jf, program, "nobody", "gold", datetime(2026, 6, 1, tzinfo=UTC), key())


def test_gold_below_3000_yuan_in_a_year_steps_down_to_silver_on_1_january(jf: Jifen) -> None:
    program = publish(jf)
    for m in ("keeps", "drops", "silver"):
        join(jf, program, m)
    buy(jf, program, "keeps", "k1", "5000.00", line("sofa", 1, "5000.00"))
    buy(jf, program, "drops", "d1", "5000.00", line("sofa", 1, "5000.00"))
    buy(jf, program, "silver", "s1", "1000.00", line("desk", 1, "1000.00"))
    assert [view(jf, program, m).tier for m in ("keeps", "drops", "silver")] == [
        "gold",
        "gold",
        "silver",
    ]
    clock(jf).set(datetime(2026, 9, 1, tzinfo=UTC))
    refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-d1", "d1", amount="2500.00")
    )
    assert view(jf, program, "drops").tier == "gold"  # not before the review
    clock(jf).set(NEW_YEAR)
    assert review(jf, program, NEW_YEAR - timedelta(seconds=1)).members == 0  # not due yet
    done = review(jf, program, NEW_YEAR)
    assert (done.members, done.changed) == (3, 1)
    keeps, drops, silver = (view(jf, program, m) for m in ("keeps", "drops", "silver"))
    assert (keeps.tier, keeps.review_month) == ("gold", 202801)
    assert (drops.tier, drops.review_month) == ("silver", 202801)
    assert (silver.tier, silver.review_month) == ("silver", 202801)
    latest = drops.history[0]
    assert (latest.from_tier, latest.to_tier, latest.reason) == ("gold", "silver", "demoted")
    # Lifetime totals count afresh from the demotion: 2,600 yuan in all, 100 since.
    buy(jf, program, "drops", "d2", "100.00", line("milk", 1, "100.00"))
    drops = view(jf, program, "drops")
    assert drops.tier == "silver"
    assert drops.routes[0][0]["have"] == 10000
    assert review(jf, program, NEW_YEAR).members == 0  # the same night again: nothing
    assert_verified(jf)


def test_a_never_expiring_tier_stops_its_members_points_expiring(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    source = source.replace(
        "    multiplier: 3              # 金卡会员享三倍积分\n",
        "    multiplier: 3\n    points_never_expire: true\n",
    ).replace("    multiplier: 2\n", "    multiplier: 2\n    expiry_months: 24\n", 1)
    program = publish(jf, source=source)
    join(jf, program, "C-1")

    def expiries() -> list[datetime | None]:
        with jf.engine.connect() as conn:
            rows = conn.execute(select(lots.c.expires_at).order_by(lots.c.id)).all()
        return [r[0] for r in rows]

    buy(jf, program, "C-1", "1", "1000.00", line("desk", 1, "1000.00"))  # -> silver
    buy(jf, program, "C-1", "2", "100.00", line("milk", 1, "100.00"))  # earned as silver
    first, second = expiries()[0], expiries()[-1]
    assert first is not None and second is not None
    # 12 months for a member's points, 24 for a silver member's
    assert second.astimezone(SHANGHAI).year - first.astimezone(SHANGHAI).year == 1
    buy(jf, program, "C-1", "3", "4000.00", line("sofa", 1, "4000.00"))  # -> gold
    history = view(jf, program, "C-1").history
    assert history[0].to_tier == "gold" and history[0].detail["lots_no_longer_expiring"] >= 3
    buy(jf, program, "C-1", "4", "10.00", line("milk", 1, "10.00"))
    assert expiries() == [None] * len(expiries())
    assert_verified(jf)


def test_gold_doubles_again_in_the_birthday_month(jf: Jifen) -> None:
    program = publish(jf)
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("B-1", birthday=date(1990, 3, 15)), key()
    )
    floor(jf, program, "B-1", "gold", datetime(2026, 12, 31, tzinfo=UTC), key())
    result = buy(jf, program, "B-1", "1", "100.00", line("cake", 1, "100.00"))
    # base 100, first of the week +100, gold +200, birthday x2 +100 (stacking: add)
    assert rules_of(result) == {
        "base": 100,
        "first-order-of-week": 100,
        "tier:gold": 200,
        "birthday:gold": 100,
    }
    clock(jf).set(datetime(2026, 4, 6, 4, tzinfo=UTC))
    april = buy(jf, program, "B-1", "2", "100.00", line("cake", 1, "100.00"))
    assert "birthday:gold" not in rules_of(april)


def test_points_expiring_at_midnight_are_shown_on_the_last_day_they_can_be_used(
    jf: Jifen,
) -> None:
    program = publish(jf, "lifestyle-brand")
    join(jf, program, "L-1")
    buy(jf, program, "L-1", "1", "300.00", line("bag", 1, "300.00"))
    # Earned March 2026, 12 months, rounded to the end of the year: 2028-01-01 00:00 local.
    clock(jf).set(datetime(2027, 6, 1, tzinfo=UTC))
    soon = expiring.expiring(jf.uow(write=False), jf.clock, program, "L-1", days=366)
    assert [(d.date, d.expires_at) for d in soon.by_day] == [
        (date(2027, 12, 31), datetime(2028, 1, 1, tzinfo=SHANGHAI))
    ]
    assert soon.total == soon.by_day[0].points > 0
    with pytest.raises(InvalidInput):
        expiring.expiring(jf.uow(write=False), jf.clock, program, "L-1", days=0)


def test_a_member_within_10_percent_of_the_next_tier_is_told_once(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "C-1")
    buy(jf, program, "C-1", "1", "850.00", line("tv", 1, "850.00"))  # 85% of 1,000 yuan
    assert topics(jf, "tier.nearly_reached") == []
    buy(jf, program, "C-1", "2", "60.00", line("tea", 1, "60.00"))  # 91%
    assert topics(jf, "tier.nearly_reached") == [
        {
            "member": "C-1",
            "tier": "regular",
            "next": "silver",
            "routes": [
                [{"metric": "spend", "have": 91000, "need": 100000, "missing": 9000}],
                [{"metric": "points", "have": 1810, "need": 5000, "missing": 3190}],
            ],
        }
    ]
    buy(jf, program, "C-1", "3", "10.00", line("tea", 1, "10.00"))  # 92%: not again
    assert len(topics(jf, "tier.nearly_reached")) == 1
    assert view(jf, program, "C-1").close_to_next


def test_birthday_gifts_follow_the_tier_once_a_year(jf: Jifen) -> None:
    program = publish(jf)
    for ref, born in [
        ("member", date(1990, 3, 2)),
        ("silver", date(1985, 3, 2)),
        ("gold", date(1979, 3, 2)),
        ("tomorrow", date(1990, 3, 3)),
        ("leap", date(1992, 2, 29)),
    ]:
        members.create_member(
            jf.uow(), jf.clock, program, CreateMember(ref, birthday=born), key("join")
        )
    buy(jf, program, "silver", "s", "1000.00", line("desk", 1, "1000.00"))
    buy(jf, program, "gold", "g", "5000.00", line("sofa", 1, "5000.00"))
    before = {m: balances(jf, program, m)[0] for m in ("member", "silver", "gold", "tomorrow")}

    def run(day: date) -> birthdays.Gifts:
        return birthdays.birthday_gifts(jf.uow, jf.rulebooks, program, day, chunk=2)

    # regular 50 (生日礼), silver 100; gold's gift is double points in the month, not points
    assert run(date(2026, 3, 2)) == birthdays.Gifts(members=2, points=150)
    after = {m: balances(jf, program, m)[0] for m in before}
    assert {m: after[m] - before[m] for m in before} == {
        "member": 50,
        "silver": 100,
        "gold": 0,
        "tomorrow": 0,
    }
    assert run(date(2026, 3, 2)) == birthdays.Gifts()  # the same night again
    assert run(date(2027, 2, 28)) == birthdays.Gifts(members=1, points=50)  # 29 Feb, no leap
    assert run(date(2028, 2, 28)) == birthdays.Gifts()  # a leap year: the 29th comes
    assert run(date(2028, 2, 29)) == birthdays.Gifts(members=1, points=50)
    assert_verified(jf)


def test_the_night_of_1_january_reviews_tiers_then_gives_the_days_gifts_once(jf: Jifen) -> None:
    program = publish(jf)
    for ref in ("keeps", "drops", "silver"):
        born = date(1985, 1, 1) if ref != "keeps" else date(1985, 6, 1)
        members.create_member(
            jf.uow(), jf.clock, program, CreateMember(ref, birthday=born), key("join")
        )
    buy(jf, program, "keeps", "k1", "5000.00", line("sofa", 1, "5000.00"))
    buy(jf, program, "drops", "d1", "5000.00", line("sofa", 1, "5000.00"))
    buy(jf, program, "silver", "s1", "1000.00", line("desk", 1, "1000.00"))
    clock(jf).set(datetime(2026, 9, 1, tzinfo=UTC))
    refunds.refund_order(
        jf.uow(), jf.clock, jf.rulebooks, program, RefundOrder("r-d1", "d1", amount="2500.00")
    )
    before = {m: balances(jf, program, m)[0] for m in ("keeps", "drops", "silver")}
    clock(jf).set(NEW_YEAR + timedelta(hours=2))

    night = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, chunk=2)

    assert night.day == date(2027, 1, 1)
    steps = {s.name: dict(s.counts) for s in night.steps}
    assert list(steps) == [
        "release_holds",
        "mature_pending",
        "expire_lots",
        "tier_reviews",
        "birthday_gifts",
        "expiry_reminders",
    ]
    # The gift is the tier's held on the birthday: "drops", gold until that night's
    # review, gets silver's 100 points (gold's gift would be double points all month).
    assert steps["birthday_gifts"] == {"members": 2, "points": 200}
    assert steps["tier_reviews"] == {"members": 3, "changed": 1}
    after = {m: balances(jf, program, m)[0] for m in before}
    # the night also froze March's points board: "keeps" and "drops" tied first (500
    # each), "silver" third (200)
    assert night.boards_frozen == 1
    prizes = {"keeps": 500, "drops": 500, "silver": 200}
    gifts = {m: after[m] - before[m] - prizes[m] for m in before}
    assert gifts == {"keeps": 0, "drops": 100, "silver": 100}
    assert [view(jf, program, m).tier for m in ("keeps", "drops", "silver")] == [
        "gold",
        "silver",
        "silver",
    ]
    demoted = [e for e in topics(jf, "tier.changed") if e["reason"] == "demoted"]
    assert demoted == [
        {
            "member": "drops",
            "from": "gold",
            "to": "silver",
            "reason": "demoted",
            "review_month": 202801,
            "at_risk": False,
        }
    ]

    again = pipeline.run_night(jf.uow, jf.clock, jf.locks, jf.rulebooks, program, chunk=2)
    assert again.already_done
    assert {m: balances(jf, program, m)[0] for m in before} == after
    # Outside the pipeline too, the day's gift is given once a year.
    assert birthdays.birthday_gifts(jf.uow, jf.rulebooks, program, date(2027, 1, 1)) == (
        birthdays.Gifts()
    )
    assert_verified(jf)


def test_20000_yuan_makes_diamond_five_times_points_that_never_expire(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "D-1")
    buy(jf, program, "D-1", "1", "19999.00", line("piano", 1, "19999.00"))
    assert view(jf, program, "D-1").tier == "gold"
    buy(jf, program, "D-1", "2", "1.00", line("gum", 1, "1.00"))  # 20,000 yuan in all
    v = view(jf, program, "D-1")
    assert (v.tier, v.multiplier, v.next_tier) == ("diamond", "5", None)
    assert [p["en"] for p in v.perks][:2] == [
        "A yearly gift of our choosing",
        "Invitations to brand events, such as meeting the designers",
    ]
    result = buy(jf, program, "D-1", "3", "100.00", line("milk", 1, "100.00"))
    assert rules_of(result)["tier:diamond"] == 400  # x5: the base 100 and 400 more
    with jf.engine.connect() as conn:
        ends = conn.execute(select(lots.c.expires_at).where(lots.c.remaining > 0)).scalars()
        assert set(ends) == {None}  # 积分永不过期: the older lots stopped expiring too
    assert_verified(jf)


def test_adding_a_month_then_summing_the_window_sees_the_month_just_added(jf: Jifen) -> None:
    # given a member with activity in three months, one of them outside the window
    program = publish(jf)
    join(jf, program, "C-1")
    with jf.uow() as uow:
        member = uow.members.lock(program.id, "C-1")
        assert member is not None
        uow.tiers.add_stats_many(
            [
                (member.id, 202512, Stats(900, 90, 1)),
                (member.id, 202602, Stats(100, 10, 1)),
                (member.id, 202603, Stats(50, 5, 1)),
            ]
        )
        # when an order adds to a month already counted, and another to a new month
        again = uow.tiers.add_then_sum(member.id, 202603, Stats(20, 2, 1), 202601, 202612)
        fresh = uow.tiers.add_then_sum(member.id, 202604, Stats(7, 1, 1), 202601, 202612)
        # and one lands outside the window it sums
        outside = uow.tiers.add_then_sum(member.id, 202512, Stats(5, 0, 1), 202601, 202612)
        whole = uow.tiers.add_then_sum(member.id, 202604, Stats(0, 0, 1), None, 202612)
        uow.commit()
    # then each sum counts its own addition exactly once, and the table agrees
    assert again == Stats(170, 17, 3)
    assert fresh == Stats(177, 18, 4)
    assert outside == Stats(177, 18, 4)
    assert whole == Stats(1082, 108, 7)
    with jf.uow(write=False) as uow:
        assert uow.tiers.stats(member.id, None, 202612) == whole
