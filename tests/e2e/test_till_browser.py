"""The till finds a member by the membership code it scans and records their purchase, in
headless Chromium at 375 px: a receipt is one order however often it is sent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jifen.services import access as operators
from tests.e2e.test_console_browser import PASSWORD, scalar, sign_in
from tests.e2e.test_portal_browser import Shop, browser, seeded, serve, shots

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]  # fixtures shared with the portal's tests


@pytest.fixture(scope="module")
def till(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The fresh market, its members Ana (C-1) and Bo (C-2), and Cara at the till."""
    workdir = tmp_path_factory.mktemp("till")
    jf, _, url = seeded(workdir, "fresh-market")
    operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, "cara", "Cara", "cashier", PASSWORD, "test"
    )
    jf.close()
    yield from serve(workdir, url)


def test_a_cashier_scans_a_card_and_records_the_purchase_once(
    browser: Browser, till: Shop, shots: Path
) -> None:
    code = str(scalar(till, "SELECT member_code FROM members WHERE external_id = 'C-1'"))
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}).new_page()
    sign_in(page, till, "cara")
    page.goto(f"{till.base}/console/till")
    page.locator("#code").fill(" ".join(code[i : i + 4] for i in range(0, 16, 4)))
    page.get_by_role("button", name="Look up").click()
    card = page.get_by_test_id("till-member")
    expect(card).to_contain_text("C-1")
    expect(page.get_by_test_id("till-available")).to_have_text("0")
    page.locator("#paid").fill("128.00")
    page.locator("#receipt").fill("R-1")
    page.get_by_role("button", name="Record the purchase").click()
    # 128 yuan: 128 base and 128 more for the first purchase of the week
    expect(page.get_by_test_id("recorded")).to_have_text(
        "Purchase R-1 recorded: 256 points earned."
    )
    expect(page.get_by_test_id("till-available")).to_have_text("256")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=shots / "till-member.png", full_page=True)

    page.locator("#paid").fill("128.00")  # the same receipt sent again: one order
    page.locator("#receipt").fill("R-1")
    page.get_by_role("button", name="Record the purchase").click()
    expect(page.get_by_test_id("recorded")).to_contain_text("256 points")
    expect(page.get_by_test_id("till-available")).to_have_text("256")
    assert scalar(till, "SELECT count(*) FROM orders") == 1

    page.locator("#paid").fill("10.00")  # the same receipt for another amount: refused
    page.locator("#receipt").fill("R-1")
    page.get_by_role("button", name="Record the purchase").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", page.get_by_role("alert").inner_text())
    expect(page.locator("#paid")).to_have_value("10.00")  # the form keeps what was typed
    assert scalar(till, "SELECT available FROM members WHERE external_id = 'C-1'") == 256


def test_a_mistyped_card_is_said_in_words(browser: Browser, till: Shop) -> None:
    code = str(scalar(till, "SELECT member_code FROM members WHERE external_id = 'C-2'"))
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, till, "cara")
    page.goto(f"{till.base}/console/till?code={wrong}")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(page.locator("#code")).to_have_value(wrong)  # said as a card, not as a voucher
    assert not re.search(r"[a-z]+_[a-z_]+", alert.inner_text())
    expect(page.get_by_test_id("till-member")).to_have_count(0)
