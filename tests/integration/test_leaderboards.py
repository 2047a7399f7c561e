"""Leaderboards as the fresh-market programme declares them (ADR 0035): points this month
(prizes 500 and 200), the week's top sharers, challenges by city. Scores move with the
orders, refunds and tasks that make them; the top and a member's own rank; hiding;
freezing a finished month pays its prizes once. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import NotFound
from jifen.domain.programs import Program
from jifen.entrypoints.api.app import create_app
from jifen.services import engagement, leaderboards, members, rights
from jifen.services.access import apikeys
from jifen.services.earning import RefundOrder, refund_order
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.engagement import CompleteTask
from jifen.services.leaderboards import BoardView, HideFromBoards
from jifen.services.members import UpdateMember
from jifen.services.rights import EraseMember
from tests.earning_fixtures import ROOT, buy, join, line, publish
from tests.factories import FakeClock, assert_verified, balances, key

DECEMBER = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # a Wednesday, noon in Shanghai


def pork(amount: str) -> LineIn:
    return line("pork", 1, amount, "meat")


@pytest.fixture
def shop(jf: Jifen, clock: FakeClock) -> Program:
    clock.set(DECEMBER)
    program = publish(jf)
    for member in ("ANN", "BO", "CY", "DI"):
        join(jf, program, member)
    return program


def board(jf: Jifen, program: Program, member: str | None = None, **more: str) -> BoardView:
    return leaderboards.board_now(
        jf.uow(write=False), jf.clock, jf.rulebooks, program, "monthly-points",
        member=member, **more,
    )  # fmt: skip


def tops(view: BoardView) -> list[tuple[int, str, int]]:
    return [(r.rank, r.name, r.score) for r in view.top]


def test_scores_follow_orders_and_refunds_and_ties_share_a_rank(jf: Jifen, shop: Program) -> None:
    buy(jf, shop, "ANN", "a1", "100.00", pork("100.00"))  # first of the week: doubled
    buy(jf, shop, "BO", "b1", "50.00", pork("50.00"))
    buy(jf, shop, "CY", "c1", "50.00", pork("50.00"))
    view = board(jf, shop, "BO")
    assert tops(view) == [(1, "A***N", 200), (2, "B*", 100), (2, "C*", 100)]
    assert view.mine is not None and (view.mine.rank, view.mine.score) == (2, 100)
    nobody = board(jf, shop, "DI")
    assert nobody.mine is not None and nobody.mine.rank is None  # not on the board yet
    refund_order(jf.uow(), jf.clock, jf.rulebooks, shop, RefundOrder("r1", "a1", full=True))
    assert tops(board(jf, shop))[-1] == (3, "A***N", 0)  # taken back, still on the board
    assert_verified(jf)


def test_a_member_is_shown_by_display_name_never_a_contact_and_can_hide(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     engagement.Enrol("M00042", phone="13800000042", display_name="小王"),
                     key("enrol"))  # fmt: skip
    buy(jf, shop, "M00042", "m1", "80.00", pork("80.00"))
    buy(jf, shop, "BO", "b1", "50.00", pork("50.00"))
    names = [r.name for r in board(jf, shop).top]
    assert names == ["小王", "B*"]
    assert all("138" not in n for n in names)
    leaderboards.hide_from_boards(jf.uow(), jf.clock, shop, HideFromBoards("M00042", True),
                                  key("hide"))  # fmt: skip
    view = board(jf, shop, "M00042")
    assert tops(view) == [(1, "B*", 100)]
    assert view.mine is not None and view.mine.hidden and view.mine.rank is None
    buy(jf, shop, "M00042", "m2", "10.00", pork("10.00"))  # still scores, unseen
    assert tops(board(jf, shop, "BO")) == [(1, "B*", 100)]
    assert board(jf, shop, "BO").mine.rank == 1  # type: ignore[union-attr]
    leaderboards.hide_from_boards(jf.uow(), jf.clock, shop, HideFromBoards("M00042", False),
                                  key("show"))  # fmt: skip
    assert tops(board(jf, shop)) == [(1, "小王", 270), (2, "B*", 100)]  # sign-up 100 too
    assert board(jf, shop, "BO").mine.rank == 2  # type: ignore[union-attr]


def test_a_finished_month_is_frozen_and_its_prizes_paid_once(
    jf: Jifen, shop: Program, clock: FakeClock
) -> None:
    for member, paid in (("ANN", "300.00"), ("BO", "200.00"), ("CY", "100.00"), ("DI", "50.00")):
        buy(jf, shop, member, f"o-{member}", paid, pork(paid))
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))  # 08:30 on 1 January in Shanghai
    late = buy(jf, shop, "DI", "o-late", "900.00", pork("900.00"))  # January's
    assert late.points > 0
    before = {m: balances(jf, shop, m)[0] for m in ("ANN", "BO", "CY", "DI")}
    assert leaderboards.freeze_finished(jf.uow, jf.rulebooks, shop, jf.clock.now()) >= 1
    assert leaderboards.freeze_finished(jf.uow, jf.rulebooks, shop, jf.clock.now()) == 0
    after = {m: balances(jf, shop, m)[0] for m in ("ANN", "BO", "CY", "DI")}
    assert {m: after[m] - before[m] for m in after} == {"ANN": 500, "BO": 200, "CY": 200, "DI": 0}
    december = board(jf, shop, "DI", period="month:2026-12")
    assert december.frozen and december.prizes[:3] == (500, 200, 200)
    assert [r.rank for r in december.top] == [1, 2, 3, 4]
    # a refund in January of December's order moves nothing on the frozen board
    refund_order(jf.uow(), jf.clock, jf.rulebooks, shop, RefundOrder("r", "o-ANN", full=True))
    assert tops(board(jf, shop, period="month:2026-12"))[0] == (1, "A***N", 650)
    assert tops(board(jf, shop))[0][1:] == ("D*", 1850)  # January so far
    assert_verified(jf)


def test_the_top_sharers_count_shares_and_challenges_count_by_city(
    jf: Jifen, shop: Program
) -> None:
    members.update_member(jf.uow(), jf.clock, shop,
                          UpdateMember("ANN", {"attributes": {"city": "上海"}}), "city")  # fmt: skip
    secret = engagement.add_source(jf.uow(), jf.clock, shop, "weibo", "t").secret
    assert secret
    for _ in range(2):
        engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, shop,
                                 CompleteTask("BO", "store-check-in"), key("ci"))  # fmt: skip
    sharers = leaderboards.board_now(jf.uow(write=False), jf.clock, jf.rulebooks, shop,
                                     "weekly-sharers")  # fmt: skip
    assert sharers.top == ()  # check-ins are not shares
    buy(jf, shop, "ANN", "d1", "600.00", pork("600.00"))  # December's 500: a challenge done
    city = leaderboards.board_now(jf.uow(write=False), jf.clock, jf.rulebooks, shop,
                                  "city-challenges", member="ANN")  # fmt: skip
    assert (city.scope, tops(city)) == ("上海", [(1, "A***N", 1)])
    with pytest.raises(NotFound):
        leaderboards.board_now(jf.uow(write=False), jf.clock, jf.rulebooks, shop, "nope")


def test_the_api_shows_a_board_and_a_member_hides(jf: Jifen, shop: Program) -> None:
    buy(jf, shop, "ANN", "a1", "100.00", pork("100.00"))
    reader = apikeys.create_key(jf.uow(), jf.clock, shop, "ro", ["members:read"], "t")
    writer = apikeys.create_key(jf.uow(), jf.clock, shop, "rw", ["members:write"], "t")
    r = {"Authorization": f"Bearer {reader}"}
    w = {"Authorization": f"Bearer {writer}", "Idempotency-Key": "hide-1"}
    with TestClient(create_app(jf)) as client:
        listed = client.get("/v1/leaderboards", headers=r).json()
        shown = client.get("/v1/leaderboards/monthly-points?member=ANN", headers=r).json()
        hid = client.put("/v1/members/ANN/leaderboards", json={"hidden": True}, headers=w)
        again = client.get("/v1/leaderboards/monthly-points?member=ANN", headers=r).json()
        missing = client.get("/v1/leaderboards/nope", headers=r)
    assert [b["id"] for b in listed] == ["monthly-points", "weekly-sharers", "city-challenges"]
    assert shown["top"] == [{"rank": 1, "name": "A***N", "score": 200, "me": True}]
    assert shown["mine"] == {"rank": 1, "score": 200, "hidden": False}
    assert hid.status_code == 200 and hid.json()["hidden"] is True
    assert again["top"] == [] and again["mine"]["hidden"] is True
    assert missing.status_code == 404
    with jf.engine.connect() as conn:
        n = conn.execute(text("SELECT SUM(n) FROM leaderboard_counts WHERE level = 0")).scalar()
    assert n == 0


def test_an_erased_member_leaves_the_running_boards_and_their_badges_go(
    jf: Jifen, shop: Program
) -> None:
    for week in range(4):
        buy(jf, shop, "ANN", f"v{week}", "30.00", line("bok-choy", 1, "30.00", "vegetables"),
            at=DECEMBER - timedelta(weeks=3 - week))  # fmt: skip
    buy(jf, shop, "BO", "b1", "10.00", pork("10.00"))
    assert [r.name for r in board(jf, shop).top] == ["A***N", "B*"]
    rights.erase_member(jf.uow(), jf.clock, shop, EraseMember("ANN", "ops:wang"), key("erase"))
    view = board(jf, shop, "BO")
    assert tops(view) == [(1, "B*", 20)]
    assert view.mine is not None and view.mine.rank == 1
    with jf.engine.connect() as conn:
        left = [
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("member_badges", "challenge_progress")
        ]
        counted = conn.execute(
            text("SELECT SUM(n) FROM leaderboard_counts WHERE board_id = 'monthly-points'"
                 " AND level = 0")
        ).scalar_one()  # fmt: skip
    assert left[0] == 0 and counted == 1
    assert_verified(jf)


def test_a_city_too_long_for_a_place_counts_on_no_city_board_and_the_order_stands(
    jf: Jifen, shop: Program
) -> None:
    city = "市" * 65
    members.update_member(jf.uow(), jf.clock, shop,
                          UpdateMember("ANN", {"attributes": {"city": city}}), "city")  # fmt: skip
    done = buy(jf, shop, "ANN", "d1", "600.00", pork("600.00"))  # December's 500: done
    assert done.meta["challenges"][0]["challenge"] == "december-500"
    with jf.engine.connect() as conn:
        boards = conn.execute(text("SELECT DISTINCT board_id FROM leaderboard_scores")).all()
    assert sorted(b[0] for b in boards) == ["monthly-points"]


def test_a_referral_taken_back_by_a_refund_takes_only_the_friends_share_off_the_board(
    jf: Jifen, shop: Program
) -> None:
    code = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop, engagement.Enrol("REF"),
                            key("e")).referral_code  # fmt: skip
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     engagement.Enrol("FRIEND", referral_code=code), key("e"))  # fmt: skip
    buy(jf, shop, "FRIEND", "f1", "19.99", pork("19.99"))  # below min_paid: 38 points
    paid = buy(jf, shop, "FRIEND", "f2", "50.00", pork("50.00"))
    assert paid.meta["referral"]["points"] == 300
    refund_order(jf.uow(), jf.clock, jf.rulebooks, shop, RefundOrder("r", "f2", full=True))
    scores = {r.name: r.score for r in board(jf, shop).top}
    assert scores["FR***ND"] == 100 + 38  # its sign-up and its first order, nothing more


def test_the_referrers_side_counts_on_their_board_and_a_refund_takes_it_off(
    jf: Jifen, shop: Program
) -> None:
    code = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop, engagement.Enrol("REF"),
                            key("e")).referral_code  # fmt: skip
    for friend in ("FRIEND", "FELLOW"):
        engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                         engagement.Enrol(friend, referral_code=code), key("e"))  # fmt: skip
    assert board(jf, shop, "REF").mine.score == 100  # type: ignore[union-attr]  # sign-up

    paid = buy(jf, shop, "FRIEND", "f1", "50.00", pork("50.00"))
    assert paid.meta["referral"]["referrer_points"] == 300
    assert board(jf, shop, "REF").mine.score == 100 + 300  # type: ignore[union-attr]
    # through the order lane too: its batch reads the referrer's score, not in its start
    lane = PlaceOrder("g1", "FELLOW", "50.00", (pork("50.00"),))
    assert jf.orders.submit(shop, lane).result(timeout=30).meta["referral"]["points"] == 300
    assert board(jf, shop, "REF").mine.score == 100 + 600  # type: ignore[union-attr]

    refund_order(jf.uow(), jf.clock, jf.rulebooks, shop, RefundOrder("r", "f1", full=True))
    assert board(jf, shop, "REF").mine.score == 100 + 300  # type: ignore[union-attr]
    assert balances(jf, shop, "REF")[:2] == (100, 300)  # the other friend's, still held
    assert_verified(jf)


def test_a_referral_paid_on_sign_up_counts_on_the_referrers_board(
    jf: Jifen, clock: FakeClock
) -> None:
    clock.set(DECEMBER)
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    on_sign_up = source.replace("    pays_on: first_purchase\n", "    pays_on: sign_up\n")
    on_sign_up = on_sign_up.replace('    min_paid: "20.00"\n    hold_days: 7\n', "")
    shop = publish(jf, source=on_sign_up)
    code = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop, engagement.Enrol("REF"),
                            key("e")).referral_code  # fmt: skip
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     engagement.Enrol("FRIEND", referral_code=code), key("e"))  # fmt: skip
    scores = {r.name: r.score for r in board(jf, shop).top}
    assert (scores["R***F"], scores["FR***ND"]) == (100 + 300, 100 + 300)
    assert balances(jf, shop, "REF")[0] == 100 + 300
    assert_verified(jf)


def test_a_voided_referral_comes_off_both_sides_boards(jf: Jifen, shop: Program) -> None:
    code = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop, engagement.Enrol("REF"),
                            key("e")).referral_code  # fmt: skip
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     engagement.Enrol("FRIEND", referral_code=code), key("e"))  # fmt: skip
    buy(jf, shop, "FRIEND", "f1", "50.00", pork("50.00"))  # 100 for the order, 300 each
    before = {r.name: r.score for r in board(jf, shop).top}
    assert (before["R***F"], before["FR***ND"]) == (100 + 300, 100 + 100 + 300)
    cmd = engagement.VoidReferral("FRIEND", "one device for both", "console:olga")
    engagement.void_referral(jf.uow(), jf.clock, jf.rulebooks, shop, cmd, key("void"))
    after = {r.name: r.score for r in board(jf, shop).top}
    # the points a voided referral paid can win no prize: off both boards, the rest stays
    assert (after["R***F"], after["FR***ND"]) == (100, 100 + 100)
    theirs = rights.export_member(jf.uow(write=False), jf.clock, shop, "REF").referral
    assert (theirs["friends_joined"], theirs["points_for_friends"]) == (1, 0)  # taken back
    assert_verified(jf)


def test_a_voided_referral_comes_off_the_board_of_the_city_it_was_scored_in(
    jf: Jifen, clock: FakeClock
) -> None:
    clock.set(DECEMBER)
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    city_points = source.replace(
        "leaderboards:\n",
        "leaderboards:\n  - id: city-points\n    name: {zh-CN: 同城积分榜, en: Points in your city}\n"
        "    metric: points\n    period: month\n    scope: city\n    size: 10\n",
        1,
    )
    shop = publish(jf, source=city_points)
    code = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop, engagement.Enrol("REF"),
                            key("e")).referral_code  # fmt: skip
    engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, shop,
                     engagement.Enrol("FRIEND", referral_code=code), key("e"))  # fmt: skip
    members.update_member(jf.uow(), jf.clock, shop,
                          UpdateMember("FRIEND", {"attributes": {"city": "上海"}}), "c")  # fmt: skip
    buy(jf, shop, "FRIEND", "f1", "50.00", pork("50.00"))  # 100 for the order, 300 referral
    members.update_member(jf.uow(), jf.clock, shop,
                          UpdateMember("FRIEND", {"attributes": {"city": "北京"}}), "m")  # fmt: skip

    def in_shanghai() -> int:
        view = leaderboards.board_now(jf.uow(write=False), jf.clock, jf.rulebooks, shop,
                                      "city-points", member="FRIEND", scope="上海")  # fmt: skip
        assert view.mine is not None
        return view.mine.score

    assert in_shanghai() == 100 + 300
    cmd = engagement.VoidReferral("FRIEND", "one device for both", "console:olga")
    engagement.void_referral(jf.uow(), jf.clock, jf.rulebooks, shop, cmd, key("void"))
    # off the board of the city it was scored in, though the friend has moved since
    assert in_shanghai() == 100
    assert_verified(jf)


def test_members_tied_with_the_last_prized_place_are_all_paid(jf: Jifen, clock: FakeClock) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    source = source.replace(
        '    size: 10\n    prizes: [{ranks: "1", points: 500}, {ranks: "2-3", points: 200}]',
        '    size: 1\n    prizes: [{ranks: "1", points: 500}]',
    )
    clock.set(DECEMBER)
    program = publish(jf, source=source)
    for member in ("ANN", "BO", "CY"):
        join(jf, program, member)
        buy(jf, program, member, f"o-{member}", "100.00", pork("100.00"))
    before = {m: balances(jf, program, m)[0] for m in ("ANN", "BO", "CY")}
    clock.set(datetime(2027, 1, 2, 4, 0, tzinfo=UTC))
    leaderboards.freeze_finished(jf.uow, jf.rulebooks, program, jf.clock.now())
    after = {m: balances(jf, program, m)[0] for m in before}
    assert {m: after[m] - before[m] for m in before} == {"ANN": 500, "BO": 500, "CY": 500}
