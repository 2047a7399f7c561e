"""Joining in the portal and the membership card, in headless Chromium at 375 px and on a
desktop, in both languages; the card's QR code and barcode are read back by a scanner
library (zxing-cpp) from the page's own pixels."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect

from jifen.domain.engagement.codes import member_code
from tests.e2e.test_portal_browser import Shop, browser, latest_code, seeded, serve, shots

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]  # fixtures shared with the portal's tests

JOIN_BUTTON = re.compile("^(Send me a code|发送验证码)$")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    workdir = tmp_path_factory.mktemp("join")
    jf, _, url = seeded(workdir, "fresh-market")
    jf.close()
    yield from serve(workdir, url)


def read(locator: Locator) -> list[tuple[str, str]]:
    """What a scanner reads in the element's pixels: (format, text) of each code found."""
    image = Image.open(io.BytesIO(locator.screenshot()))
    return [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image)]


def join(page: Page, shop: Shop, contact: str, name: str, **extra: str) -> None:
    page.goto(f"{shop.base}/portal/join" + extra.get("query", ""))
    page.locator("#contact").fill(contact)
    page.locator("#display_name").fill(name)
    if "birthday" in extra:
        page.locator("#birthday").fill(extra["birthday"])
    page.get_by_role("button", name=JOIN_BUTTON).click()


@pytest.mark.parametrize(
    ("locale", "viewport"),
    [("en-US", {"width": 375, "height": 812}), ("zh-CN", {"width": 1280, "height": 900})],
)
def test_a_visitor_joins_gets_the_sign_up_points_and_a_card_the_till_can_scan(
    browser: Browser, shop: Shop, shots: Path, locale: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    contact = f"new-{viewport['width']}@example.com"
    page.goto(f"{shop.base}/portal/sign-in")
    page.get_by_role("link", name=re.compile("^(Join|加入会员)$")).click()
    expect(page).to_have_url(re.compile("/portal/join"))
    page.locator("#contact").fill(contact)
    page.locator("#display_name").fill("Mei")
    page.locator("#birthday").fill("1990-05-01")
    page.locator("input[name=marketing][value=email]").check()
    page.screenshot(path=shots / f"join-{locale}.png", full_page=True)
    page.get_by_role("button", name=JOIN_BUTTON).click()
    expect(page).to_have_url(re.compile(r"/portal/code\?.*joining=1"))
    page.locator("#code").fill(latest_code(page, shop, contact))
    page.get_by_role("button", name=re.compile("^(Join|加入会员)$")).click()

    expect(page).to_have_url(re.compile(r"/portal/card\?welcome=1"))
    expect(page.get_by_test_id("welcome")).to_contain_text("Mei")
    expect(page.get_by_test_id("welcome")).to_contain_text("100")  # the sign-up, once
    shown = page.get_by_test_id("member-code").inner_text()
    code = member_code(shown)
    assert code is not None, shown
    assert read(page.get_by_test_id("card-qr")) == [("QRCode", code)]
    assert read(page.get_by_test_id("card-barcode")) == [("Code128", code)]
    link = page.get_by_test_id("referral-link").inner_text()
    assert link.endswith("/portal/join?ref=" + page.get_by_test_id("referral-code").inner_text())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the card scrolls sideways"
    page.screenshot(path=shots / f"card-{locale}.png", full_page=True)

    page.goto(f"{shop.base}/portal/")  # the home page shows the points and leads to the card
    expect(page.get_by_test_id("available")).to_have_text("100")
    page.get_by_test_id("card-link").click()
    expect(page.get_by_test_id("member-code")).to_have_text(shown)
    context.close()


def test_a_friend_joins_by_the_share_link_and_is_linked_to_the_referrer(
    browser: Browser, shop: Shop, shots: Path
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = context.new_page()
    join(page, shop, "13800138001", "Ann")
    page.locator("#code").fill(latest_code(page, shop, "13800138001"))
    page.get_by_role("button", name="Join").click()
    link = page.get_by_test_id("referral-link").inner_text()
    context.close()

    friend = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = friend.new_page()
    page.goto(link)
    code = link.rsplit("=", 1)[1]
    expect(page.locator("#referral_code")).to_have_value(code)
    join(page, shop, "13800138002", "Bo", query="?ref=" + code)
    page.locator("#code").fill(latest_code(page, shop, "13800138002"))
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_test_id("welcome")).to_contain_text("Bo")
    page.screenshot(path=shots / "friend-card.png", full_page=True)
    friend.close()


def test_a_mistake_is_said_in_words_and_the_form_keeps_what_was_typed(
    browser: Browser, shop: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812}).new_page()
    page.goto(f"{shop.base}/portal/join")
    page.locator("#contact").fill("13800138003")
    page.locator("#display_name").fill("Cai")
    page.locator("#referral_code").fill("2222-2222")
    page.get_by_role("button", name=JOIN_BUTTON).click()
    error = page.get_by_test_id("join-error")
    expect(error).to_have_text(re.compile("邀请码"))
    assert not re.search(r"[a-z]+_[a-z_]+", error.inner_text())  # words, never a code
    expect(page.locator("#display_name")).to_have_value("Cai")
    expect(page.locator("#referral_code")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=shots / "join-error.png", full_page=True)


def test_joining_with_a_members_contact_signs_that_member_in_and_makes_nobody(
    browser: Browser, shop: Shop
) -> None:
    page = browser.new_context(locale="en-US").new_page()
    join(page, shop, "ana@example.com", "Someone else")
    expect(page).to_have_url(re.compile(r"/portal/code"))
    page.locator("#code").fill(latest_code(page, shop, "ana@example.com"))
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_test_id("available")).to_have_text("0")  # C-1 of the seed, as it was


def test_a_member_who_opens_their_own_share_link_cannot_join_again_as_a_friend(
    browser: Browser, shop: Shop, shots: Path
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812})
    page = context.new_page()
    join(page, shop, "13800138011", "Dai")
    page.locator("#code").fill(latest_code(page, shop, "13800138011"))
    page.get_by_role("button", name="加入会员").click()
    link = page.get_by_test_id("referral-link").inner_text()
    code = link.rsplit("=", 1)[1]

    # the same phone, a second number: the share link knows the browser it came back to
    join(page, shop, "13800138012", "Dai 2", query="?ref=" + code)
    error = page.get_by_test_id("join-error")
    expect(error).to_have_text(re.compile("自己的邀请码"))
    assert not re.search(r"[a-z]+_[a-z_]+", error.inner_text())
    expect(page.locator("#referral_code")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=shots / "self-referral.png", full_page=True)
    context.close()

    # a friend's own browser joins by the same link
    page = browser.new_context(locale="zh-CN").new_page()
    join(page, shop, "13800138012", "Eli", query="?ref=" + code)
    expect(page).to_have_url(re.compile(r"/portal/code\?.*joining=1"))
