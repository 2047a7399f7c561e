"""A member's history in plain words, from what the ledger recorded, in both languages."""

from __future__ import annotations

from datetime import timedelta

from jifen.bootstrap import Jifen
from jifen.entrypoints.web.i18n import load
from jifen.entrypoints.web.reasons import describe
from jifen.services import engagement, ledger, members, programs
from jifen.services.earning import orders
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.engagement import CompleteTask
from jifen.services.ledger.commands import Earn, Redeem
from tests.earning_fixtures import join, publish
from tests.factories import FakeClock, key

LANGUAGES = load()
TZ = "Asia/Shanghai"


def lines(jf: Jifen, member: str, code: str) -> list[str]:
    program = programs.find_program(jf.uow(write=False))
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, program)
    page = members.history(jf.uow(write=False), program, member, None, 50)
    return [describe(LANGUAGES[code], item, rules, TZ).text for item in page.items]


def test_an_order_names_its_store_and_rules(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "W-1")
    basket = (LineIn("bok-choy", 2, "6.50", "vegetables"),)
    cmd = PlaceOrder("1042", "W-1", "13.00", basket, store="3")
    orders.record_order(jf.uow(), jf.clock, jf.rulebooks, program, cmd)

    page = members.history(jf.uow(write=False), program, "W-1", None, 5)
    rules = programs.rules_of(jf.uow(write=False), jf.rulebooks, program)
    en = describe(LANGUAGES["en"], page.items[0], rules, TZ)
    zh = describe(LANGUAGES["zh-CN"], page.items[0], rules, TZ)

    assert en.text == "Order 1042 at store 3"
    assert en.detail == "Points per yuan 13 · First purchase of the week, double points 13"
    assert "每周首次消费双倍积分 13" in zh.detail
    assert en.points == 26


def test_an_expiry_says_when_the_points_were_earned(jf: Jifen, clock: FakeClock) -> None:
    program = publish(jf)
    join(jf, program, "W-2")
    first_day = clock.now()  # 1 March, noon in Shanghai
    ends = first_day + timedelta(days=40)
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 30, expires_at=ends), key())
    clock.advance(days=2)
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 20, expires_at=ends), key())
    clock.advance(days=1)
    later = ends + timedelta(days=9)
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 5, expires_at=later), key())
    clock.set(ends + timedelta(days=1))
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("W-2", 1), key())  # settles the expiry

    page = members.history(jf.uow(write=False), program, "W-2", None, 10)
    expiry = next(i for i in page.items if i.kind == "expire")
    assert (expiry.points, expiry.earned_from, expiry.earned_to) == (
        -50,
        first_day,
        first_day + timedelta(days=2),
    )
    assert "Expired: earned Mar 1, 2026 to Mar 3, 2026" in lines(jf, "W-2", "en")
    assert "已过期：2026年3月1日 至 2026年3月3日 获得" in lines(jf, "W-2", "zh-CN")

    clock.set(ends + timedelta(days=10))  # the last lot, earned on one day
    ledger.earn(jf.uow(), jf.clock, program, Earn("W-2", 1), key())
    ledger.redeem(jf.uow(), jf.clock, program, Redeem("W-2", 1), key())  # settles it first
    assert lines(jf, "W-2", "en")[:3] == ["Spent", "Expired: earned Mar 4, 2026", "Earned"]
    # an entry that is not an expiry has no earned dates
    assert all(i.earned_from is None for i in page.items if i.kind != "expire")


def test_a_task_is_told_by_its_name_never_its_activity_code(jf: Jifen) -> None:
    program = publish(jf)
    join(jf, program, "W-1")
    engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, program,
                             CompleteTask("W-1", "store-check-in"), key("task"))  # fmt: skip
    assert lines(jf, "W-1", "en")[0] == "Earned: Check in at the store"
    assert lines(jf, "W-1", "zh-CN")[0] == "获得积分：到店签到"
