"""Referrals in Chromium: the console's report with its flags and a void, and the
member's card telling what inviting pays and how their friends stand; 375 px and
desktop, both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jifen.services import engagement
from jifen.services.access import operators
from jifen.services.earning import PlaceOrder, orders
from jifen.services.earning.commands import LineIn
from jifen.services.engagement import Enrol
from tests.e2e.test_console_browser import PASSWORD, scalar
from tests.e2e.test_console_browser import sign_in as staff_sign_in
from tests.e2e.test_portal_browser import Shop, browser, seeded, serve, shots, sign_in

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]


@pytest.fixture(scope="module")
def friends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """Ann referred three friends, two from one tablet with look-alike phones; Bo bought;
    olga runs the programme and sam reads it."""
    workdir = tmp_path_factory.mktemp("referrals")
    jf, program, url = seeded(workdir, "fresh-market")

    def join(member: str, referral: str | None = None, **more: str) -> str:
        cmd = Enrol(member, referral_code=referral, display_name=member.title(), **more)  # type: ignore[arg-type]
        view = engagement.enrol(jf.uow(), jf.clock, jf.rulebooks, program, cmd, f"e-{member}")
        assert view.referral_code is not None
        return view.referral_code

    code = join("ann", email="ann@example.com", device="ann-phone")
    join("bo", code, phone="13911112201", device="tablet")
    join("cy", code, phone="13911112202", device="tablet")
    join("di", code, phone="13911112203")
    meat = LineIn("pork", 1, "30.00", "meat", ())
    orders.record_order(jf.uow(), jf.clock, jf.rulebooks, program,
                        PlaceOrder("o-1", "bo", "30.00", (meat,)))  # fmt: skip
    for username, role in (("olga", "operator"), ("sam", "analyst")):
        operators.create_operator(
            jf.uow(), jf.clock, jf.passwords, username, username.title(), role, PASSWORD, "t"
        )
    jf.close()
    yield from serve(workdir, url)


def test_an_operator_reads_the_flags_and_voids_a_referral(
    browser: Browser, friends: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}).new_page()
    staff_sign_in(page, friends, "olga")
    page.get_by_role("link", name="Referrals").click()
    totals = page.get_by_test_id("referral-totals")
    expect(totals.get_by_test_id("joined")).to_have_text("3")
    expect(totals.get_by_test_id("converted")).to_have_text("1")
    expect(totals.get_by_test_id("points")).to_have_text("600")
    ann = page.locator("details[data-referrer=ann]")
    expect(ann.locator("[data-flag=shared_device]")).to_have_text("Friends on one device")
    expect(ann.locator("[data-flag=lookalike_contacts]")).to_have_text("Look-alike contacts")
    ann.locator("summary").click()
    bo = ann.locator("li[data-friend=bo]")
    expect(bo.get_by_test_id("friend-status")).to_have_text("Bought: points on the way")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the report scrolls sideways"
    page.screenshot(path=shots / "report.png", full_page=True)

    bo.get_by_label("Why void it").fill("the same household as Ann")
    bo.get_by_role("button", name="Void the referral").click()
    expect(page.get_by_role("status")).to_have_text("Referral voided: its points were taken back.")
    page.locator("details[data-referrer=ann] summary").click()
    voided = page.locator("details[data-referrer=ann] li[data-friend=bo]")
    expect(voided.get_by_test_id("friend-status")).to_have_text("Voided")
    expect(voided).to_contain_text("Voided: the same household as Ann")
    expect(voided.get_by_role("button", name="Void the referral")).to_have_count(0)
    assert scalar(friends, "SELECT actor FROM audit_log WHERE action = 'referral.void'") == (
        "console:olga"
    )
    held = "SELECT available + pending FROM members WHERE external_id = 'ann'"
    assert scalar(friends, held) == 100  # her sign-up; the 300 for Bo taken back
    page.context.close()


def test_an_analyst_reads_the_report_in_chinese_and_cannot_void(
    browser: Browser, friends: Shop
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    staff_sign_in(page, friends, "sam")
    page.get_by_role("link", name="推荐").click()
    expect(page.get_by_role("heading", name="推荐")).to_be_visible()
    expect(page.locator("[data-flag=shared_device]").first).to_have_text("好友使用同一设备")
    expect(page.get_by_role("button", name="作废此推荐")).to_have_count(0)
    page.locator("details[data-referrer=ann] summary").click()
    shown = page.locator("main").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), "a raw code is shown"
    refused = page.context.request.post(
        f"{friends.base}/console/referrals/void",
        form={"csrf": "x", "nonce": "n" * 16, "member": "cy", "reason": "x"},
    )
    assert refused.status in (403, 422)
    assert scalar(friends, "SELECT r.status FROM referrals r JOIN members m"
                  " ON m.id = r.referee_id WHERE m.external_id = 'cy'") == "joined"  # fmt: skip
    page.context.close()


@pytest.mark.parametrize(
    ("locale", "viewport", "offer"),
    [
        ("en-US", {"width": 375, "height": 812},
         "When a friend you invite first spends CN¥20.00 or more, you get 300 points and they"
         " get 300. The points arrive 7 days after that purchase."),
        ("zh-CN", {"width": 1280, "height": 900},
         "你邀请的好友首次消费满 ¥20.00，你得 300 积分，好友得 300 积分。积分在这笔消费 7 天后到账。"),
    ],
    ids=["en-375", "zh-desktop"],
)  # fmt: skip
def test_the_card_says_what_inviting_pays_and_how_the_friends_stand(
    browser: Browser,
    friends: Shop,
    shots: Path,
    locale: str,
    viewport: dict[str, int],
    offer: str,
) -> None:
    page = browser.new_context(locale=locale, viewport=viewport).new_page()
    sign_in(page, friends, "ann@example.com")
    page.get_by_test_id("card-link").click()
    expect(page.get_by_test_id("referral-offer")).to_have_text(offer)
    expect(page.get_by_test_id("friends-joined")).to_have_text("3")
    listed = page.get_by_test_id("friends-list").locator("li")
    expect(listed).to_have_count(3)
    expect(listed.filter(has_text=re.compile("Di"))).to_contain_text(
        re.compile("Joined, no qualifying purchase yet|已加入，尚未达标消费")
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the card scrolls sideways"
    page.screenshot(path=shots / f"friends-{locale}.png", full_page=True)
    page.context.close()
