"""The lifestyle brand in headless Chromium: a flash sale opens on its countdown; a
cashier takes a member's voucher at the till, once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, expect

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import ledger, members, programs
from jifen.services import redemption as redemptions
from jifen.services.access import operators
from jifen.services.ledger.commands import Earn
from jifen.services.members.commands import CreateMember
from jifen.services.redemption.commands import RedeemReward
from tests.e2e.test_console_browser import PASSWORD, scalar
from tests.e2e.test_console_browser import sign_in as staff_sign_in
from tests.e2e.test_portal_browser import ROOT, Shop, browser, serve, shots, sign_in
from tests.factories import FakeClock

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]
OPENS_IN = timedelta(seconds=12)  # long enough to sign in and see the countdown
SHANGHAI = ZoneInfo("Asia/Shanghai")
LAST_DAY = datetime.now(SHANGHAI).date() + timedelta(days=20)
# 40 points that end at midnight after LAST_DAY, local time: usable through LAST_DAY
LAST_DAY_ENDS = datetime.combine(LAST_DAY + timedelta(days=1), time(), SHANGHAI)


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """Sneakers on a flash sale that opens in a few seconds; C-1 can afford them and
    holds a drink voucher; carl is a cashier."""
    workdir = tmp_path_factory.mktemp("brand-till")
    url = f"sqlite:///{workdir / 'jifen.db'}"
    jf = bootstrap(Settings(database_url=url), clock=FakeClock(datetime.now(UTC)))
    jf.migrate()
    # the sale is set to open in a day here; its test moves it to a few seconds from when
    # it starts, so that a slow set-up (a busy machine) cannot open it before it is seen
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, with_sale(datetime.now(UTC) + timedelta(days=1)),
        "brand", "test",
    )  # fmt: skip
    members.create_member(
        jf.uow(), jf.clock, program, CreateMember("C-1", email="ana@example.com"), "join-c1"
    )
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 7000), "earn-c1")
    redemptions.redeem_reward(
        jf.uow(), jf.clock, jf.rulebooks, program, RedeemReward("C-1", "free-drink"), "drink"
    )
    # after the redemption, which would have spent the soonest-expiring points first
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 40, expires_at=LAST_DAY_ENDS), "soon")
    operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, "carl", "Carl", "cashier", PASSWORD, "test"
    )
    jf.close()
    yield from serve(workdir, url)


def with_sale(opens_at: datetime) -> str:
    """The lifestyle brand's programme, its sneakers' flash sale opening at ``opens_at``."""
    opens = opens_at.astimezone(SHANGHAI)
    source = (ROOT / "programs" / "lifestyle-brand.yaml").read_text(encoding="utf-8")
    return source.replace(
        "starts: 2026-11-27T10:00:00", f"starts: {opens:%Y-%m-%dT%H:%M:%S}"
    ).replace("ends: 2026-11-30T00:00:00", f"ends: {opens + timedelta(days=3):%Y-%m-%dT%H:%M:%S}")


def open_sale_in(shop: Shop, wait: timedelta) -> None:
    """The operator moves the sale to ``wait`` from now (a new version of the programme)."""
    jf = bootstrap(Settings(database_url=shop.url))
    try:
        source = with_sale(datetime.now(UTC) + wait)
        programs.publish_program(jf.uow(), jf.clock, jf.compile, source, "brand", "test")
    finally:
        jf.close()


def voucher_code(shop: Shop) -> str:
    code = scalar(shop, "SELECT code FROM vouchers")
    assert isinstance(code, str)
    return code


def test_a_flash_sale_counts_down_then_opens(browser: Browser, brand: Shop, shots: Path) -> None:
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}).new_page()
    open_sale_in(brand, OPENS_IN)
    sign_in(page, brand, "C-1")
    last_day = format_date(LAST_DAY, "medium", locale="en_US")
    expect(page.get_by_text(f"40 points expire after {last_day}")).to_be_visible()
    page.get_by_role("link", name="Rewards").click()
    sneakers = page.locator("li.offer[data-reward=limited-sneakers]")
    expect(sneakers.get_by_text("Flash sale")).to_be_visible()
    expect(sneakers.locator("time.countdown")).to_have_text(re.compile(r"^00:00:(0\d|1[0-2])$"))
    expect(sneakers.get_by_role("link", name="Redeem")).to_have_count(0)
    page.screenshot(path=shots / "countdown.png", full_page=True)

    # the page reloads itself when the countdown reaches zero
    expect(sneakers.get_by_role("link", name="Redeem")).to_be_visible(timeout=20_000)
    expect(sneakers.get_by_text("50 left")).to_be_visible()
    sneakers.get_by_role("link", name="Redeem").click()
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page).to_have_url(re.compile(r"/portal/redemptions/\d+$"))
    assert scalar(brand, "SELECT taken FROM reward_stock WHERE reward = 'limited-sneakers'") == 1
    page.screenshot(path=shots / "opened.png", full_page=True)
    page.context.close()


def test_a_cashier_takes_a_voucher_once(browser: Browser, brand: Shop, shots: Path) -> None:
    code = voucher_code(brand)
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}).new_page()
    staff_sign_in(page, brand, "carl")
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    page.get_by_role("link", name="Till").click()

    scanned = page.get_by_label("Voucher or membership code (type it or scan it)")
    scanned.fill("nope-nope")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("alert")).to_have_text("No voucher has this code.")

    scanned = page.get_by_label("Voucher or membership code (type it or scan it)")
    scanned.fill(code.replace("-", "").lower())  # as a scanner or a hurried cashier types it
    page.get_by_role("button", name="Look up").click()
    card = page.get_by_test_id("voucher")
    expect(card.get_by_role("heading")).to_have_text("Free drink voucher")
    expect(card.get_by_test_id("voucher-status")).to_have_text("ready to use")
    page.get_by_label("Receipt number (optional)").fill("R-889")
    page.get_by_role("button", name="Use the voucher").click()

    expect(page.get_by_role("status")).to_have_text("Voucher used. Hand over the reward.")
    expect(card.get_by_test_id("voucher-status")).not_to_have_text("ready to use")
    expect(page.get_by_role("button", name="Use the voucher")).to_have_count(0)
    expect(card).to_contain_text("R-889")
    page.screenshot(path=shots / "till.png", full_page=True)
    assert scalar(brand, "SELECT status FROM vouchers") == "consumed"
    actor = scalar(brand, "SELECT actor FROM audit_log WHERE action = 'voucher.consume'")
    assert actor == "console:carl"

    # the same form posted again (a double tap) is refused and changes nothing
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    again = page.context.request.post(
        f"{brand.base}/console/till/consume",
        form={"csrf": csrf or "", "nonce": "another-tap-1", "code": code},
        headers={"Accept-Language": "en"},
    )
    assert again.status == 422
    assert "This voucher has already been used." in again.text()
    assert scalar(brand, "SELECT COUNT(*) FROM audit_log WHERE action = 'voucher.consume'") == 1
    page.context.close()


def test_a_cashier_cannot_edit_the_programme(browser: Browser, brand: Shop) -> None:
    page = browser.new_context(locale="en-US").new_page()
    staff_sign_in(page, brand, "carl")
    answer = page.goto(f"{brand.base}/console/program")
    assert answer is not None and answer.status == 403
    page.context.close()
