"""PostgreSQL: a flash sale under a crowd, and a double click."""

from __future__ import annotations

import threading

from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import RewardOutOfStock
from jifen.services import ledger
from jifen.services import redemption as redemptions
from jifen.services.ledger.commands import Earn
from jifen.services.redemption import lottery
from jifen.services.redemption.commands import DrawLottery, RedeemReward
from tests.earning_fixtures import ROOT, count, join, publish
from tests.factories import FakeClock, assert_verified, balances, key
from tests.integration.test_concurrency import jf, run_together, split

pytestmark = __import__("pytest").mark.postgres
__all__ = ["jf"]  # the PostgreSQL-only fixture of the concurrency tests


def flash_sale(jf: Jifen, clock: FakeClock, stock: int) -> object:
    source = (ROOT / "programs" / "lifestyle-brand.yaml").read_text(encoding="utf-8")
    program = publish(jf, source=source.replace("stock: 50", f"stock: {stock}"))
    clock.set(clock.now().replace(year=2026, month=11, day=27, hour=3))  # 11:00 in Shanghai
    return program


def test_a_hundred_members_claim_ten_sneakers_at_once(jf: Jifen, clock: FakeClock) -> None:
    program = flash_sale(jf, clock, 10)
    crowd = [join(jf, program, f"F-{n}") for n in range(100)]
    for member in crowd:
        ledger.earn(jf.uow(), jf.clock, program, Earn(member, 7000), key("give"))

    def claim(i: int) -> object:
        cmd = RedeemReward(crowd[i], "limited-sneakers")
        return redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())

    ok, failed = split(run_together(100, claim))

    assert len(ok) == 10
    assert len(failed) == 90 and all(isinstance(e, RewardOutOfStock) for e in failed), failed[:3]
    assert {e.code for e in failed} == {"reward_out_of_stock"}  # type: ignore[attr-defined]
    winners = {r.member for r in ok}  # type: ignore[attr-defined]
    for member in crowd:
        expected = (1000, 0, 0) if member in winners else (7000, 0, 0)
        assert balances(jf, program, member) == expected
    with jf.uow(write=False) as uow:
        level = uow.redemptions.stock(program.id)["limited-sneakers"]
    assert (level.total, level.taken, level.remaining) == (10, 10, 0)
    assert count(jf, "redemptions") == 10
    assert_verified(jf)


def test_once_sold_out_a_claim_is_refused_without_waiting_for_the_members_row(
    jf: Jifen, clock: FakeClock
) -> None:
    program = flash_sale(jf, clock, 1)
    for member in ("C-1", "C-2"):
        join(jf, program, member)
        ledger.earn(jf.uow(), jf.clock, program, Earn(member, 7000), key("give"))
    claim = RedeemReward("C-1", "limited-sneakers")
    redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, claim, key())
    answers: list[object] = []

    def late() -> None:
        cmd = RedeemReward("C-2", "limited-sneakers")
        try:
            answers.append(
                redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, cmd, key())
            )
        except RewardOutOfStock as refused:
            answers.append(refused)

    with jf.engine.begin() as busy:  # C-2's row is locked by a write still in progress
        busy.execute(text("SELECT id FROM members WHERE external_id = 'C-2' FOR UPDATE"))
        asking = threading.Thread(target=late)
        asking.start()
        asking.join(timeout=10)
        answered_while_locked = not asking.is_alive()
    asking.join()

    assert answered_while_locked
    assert len(answers) == 1 and isinstance(answers[0], RewardOutOfStock)
    assert balances(jf, program, "C-2") == (7000, 0, 0)
    assert count(jf, "redemptions") == 1
    assert_verified(jf)


def test_a_double_click_redeems_once(jf: Jifen, clock: FakeClock) -> None:
    program = flash_sale(jf, clock, 10)
    join(jf, program, "C-1")
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 20_000), key("give"))
    same = key("click")

    def click(_: int) -> object:
        cmd = RedeemReward("C-1", "limited-sneakers")
        return redemptions.redeem_reward(jf.uow(), jf.clock, jf.rulebooks, program, cmd, same)

    ok, failed = split(run_together(2, click))

    assert failed == []
    assert len({r.id for r in ok}) == 1  # type: ignore[attr-defined]
    assert sorted(r.replayed for r in ok) == [False, True]  # type: ignore[attr-defined]
    assert balances(jf, program, "C-1") == (14_000, 0, 0)
    assert count(jf, "redemptions") == 1
    assert_verified(jf)


class AlwaysOil:
    """Every number wins the top prize: the crowd all reach for the same five."""

    def below(self, n: int) -> int:
        return 0


def test_thirty_winners_of_five_oils_fall_back_to_eggs(jf: Jifen) -> None:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program = publish(jf, source=source.replace("stock: 20\n", "stock: 5\n"))
    crowd = [join(jf, program, f"L-{n}") for n in range(30)]
    for member in crowd:
        ledger.earn(jf.uow(), jf.clock, program, Earn(member, 100), key("give"))
    jf.chance = AlwaysOil()

    def play(i: int) -> object:
        cmd = DrawLottery(crowd[i], "lucky-draw")
        return lottery.draw(jf.uow(), jf.clock, jf.chance, jf.rulebooks, program, cmd, key())

    ok, failed = split(run_together(30, play))

    assert failed == []
    given = sorted(d.prize for r in ok for d in r.draws)  # type: ignore[attr-defined]
    assert given == ["eggs"] * 25 + ["oil"] * 5
    with jf.uow(write=False) as uow:
        levels = uow.redemptions.stock(program.id)
    assert levels["lucky-draw/oil"].remaining == 0
    assert levels["cooking-oil-5l"].taken == 5
    assert levels["lucky-draw/eggs"].taken == 25
    assert count(jf, "lottery_draws") == 30
    assert all(balances(jf, program, m) == (90, 0, 0) for m in crowd)
    assert_verified(jf)
