"""``jifen rewards``, ``jifen vouchers`` and ``jifen redemptions`` as subprocesses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import ledger, members, programs
from jifen.services import redemption as redemptions
from jifen.services.ledger.commands import Earn
from jifen.services.members.commands import CreateMember
from jifen.services.redemption import donations
from jifen.services.redemption.commands import Donate, RedeemReward
from tests.e2e.test_jobs_cli import ROOT, jifen, scalar
from tests.factories import FakeClock

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop(database_url: str) -> tuple[str, dict[str, str]]:
    """Both demo programmes; C-1 of the lifestyle brand holds two drink vouchers."""
    jf = bootstrap(Settings(database_url=database_url), clock=FakeClock(datetime.now(UTC)))
    made: dict[str, str] = {}
    for name in ("fresh-market", "lifestyle-brand"):
        source = (ROOT / "programs" / f"{name}.yaml").read_text(encoding="utf-8")
        program, _ = programs.publish_program(
            jf.uow(), jf.clock, jf.compile, source, name, actor="test"
        )
        members.create_member(jf.uow(), jf.clock, program, CreateMember("C-1"), f"join-{name}")
        ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 2000), f"earn-{name}")
    for n in (1, 2):
        drink = redemptions.redeem_reward(
            jf.uow(), jf.clock, jf.rulebooks, program, RedeemReward("C-1", "free-drink"), f"r{n}"
        )
        made[f"voucher{n}"] = drink.vouchers[0].code
        made[f"redemption{n}"] = str(drink.id)
    donations.donate(jf.uow(), jf.clock, jf.rulebooks, program, Donate("C-1", "trees", 500), "g")
    jf.close()
    return database_url, made


def test_an_operator_reads_the_catalogue_odds_and_totals(
    shop: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, _ = shop
    listed = jifen(url, tmp_path, "rewards", "list", "-p", "lifestyle-brand")
    assert listed.returncode == 0, listed.stderr
    assert "limited-sneakers" in listed.stdout and "50 of 50" in listed.stdout
    assert "199.00 CNY" in listed.stdout

    odds = jifen(url, tmp_path, "rewards", "lotteries", "-p", "fresh-market", "--lang", "zh-CN")
    assert odds.returncode == 0, odds.stderr
    assert "lucky-draw (幸运抽奖): 10 points a draw, open" in odds.stdout
    assert "0.05%  oil (5L食用油一桶), 20 of 20 left, then eggs" in odds.stdout
    assert "75.45%  no prize" in odds.stdout

    causes = jifen(url, tmp_path, "rewards", "causes", "-p", "lifestyle-brand")
    assert causes.returncode == 0, causes.stderr
    row = next(line for line in causes.stdout.splitlines() if "trees" in line)
    given, donors, gifts = (c.strip() for c in row.split("│")[3:6])
    assert (given, donors, gifts) == ("500", "1", "1"), row
    assert "20.00 CNY" in row


def test_a_till_takes_a_voucher_once_and_a_redemption_is_cancelled(
    shop: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, made = shop
    used = jifen(
        url, tmp_path, "vouchers", "consume", made["voucher1"].lower(), "--reference", "T-9",
        "-p", "lifestyle-brand",
    )  # fmt: skip
    assert used.returncode == 0, used.stderr
    assert f"{made['voucher1']}: free-drink, consumed on" in used.stdout

    again = jifen(url, tmp_path, "vouchers", "consume", made["voucher1"], "-p", "lifestyle-brand")
    assert again.returncode == 5
    assert again.stderr.strip().startswith("error: voucher_already_used:")

    cancelled = jifen(
        url, tmp_path, "redemptions", "cancel", made["redemption2"], "--reason", "spilled",
        "-p", "lifestyle-brand",
    )  # fmt: skip
    assert cancelled.returncode == 0, cancelled.stderr
    assert "300 points, cancelled" in cancelled.stdout
    assert f"voucher {made['voucher2']}: cancelled" in cancelled.stdout
    assert "C-1 now has 1200 points available" in cancelled.stdout  # 2000 - 2x300 - 500 + 300

    refused = jifen(
        url, tmp_path, "redemptions", "cancel", made["redemption1"], "--reason", "x",
        "-p", "lifestyle-brand",
    )  # fmt: skip
    assert refused.returncode == 5
    assert "error: redemption_not_cancellable:" in refused.stderr
    assert jifen(url, tmp_path, "verify").returncode == 0


def test_counting_a_shelf_is_audited(shop: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, _ = shop
    done = jifen(
        url, tmp_path, "rewards", "stock", "limited-sneakers", "12", "--reason", "counted",
        "-p", "lifestyle-brand",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "limited-sneakers: 12 left" in done.stdout
    assert scalar(url, "SELECT COUNT(*) FROM audit_log WHERE action LIKE '%stock%'") == 1

    bad = jifen(url, tmp_path, "rewards", "stock", "no-such", "1", "--reason", "x", "-p",
                "lifestyle-brand")  # fmt: skip
    assert bad.returncode == 3
    assert bad.stderr.count("\n") == 1
