"""Moderated tasks in Chromium: a member sends a review's link from Earn more (375 px,
English), an operator rejects one with a reason and approves another in the console
(desktop, Chinese), and the member reads the reason and sees the points."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jifen.services.access import operators
from tests.e2e.test_console_browser import PASSWORD, scalar
from tests.e2e.test_console_browser import sign_in as staff_sign_in
from tests.e2e.test_portal_browser import Shop, browser, seeded, serve, shots, sign_in

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    workdir = tmp_path_factory.mktemp("moderation")
    jf, _, url = seeded(workdir, "fresh-market")
    operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, "olga", "Olga", "operator", PASSWORD, "t"
    )
    jf.close()
    yield from serve(workdir, url)


def test_a_review_is_sent_rejected_with_a_reason_sent_again_and_paid(
    browser: Browser, market: Shop, shots: Path
) -> None:
    member = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = member.new_page()
    sign_in(page, market, "ana@example.com")
    page.get_by_role("link", name="Earn more").click()
    review = page.locator("li[data-task=write-review]")
    review.get_by_label("Link or photo reference").fill("https://reviews.example/p/1")
    review.get_by_role("button", name="Send for review").click()
    expect(page).to_have_url(re.compile(r"/portal/earn\?done=sent$"))
    expect(review.get_by_test_id("task-state")).to_have_text("Sent: waiting for review")
    expect(review.get_by_role("button", name="Send for review")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    console = staff.new_page()
    staff_sign_in(console, market, "olga")
    console.get_by_role("link", name="任务审核").click()
    waiting = console.get_by_test_id("waiting").locator("li")
    expect(waiting).to_have_count(1)
    expect(waiting.get_by_role("link", name="https://reviews.example/p/1")).to_be_visible()
    waiting.get_by_label("拒绝理由").fill("链接里不是我们的商品")
    waiting.get_by_role("button", name="拒绝").click()
    expect(console.get_by_role("status")).to_have_text("已拒绝:会员会看到您的理由。")
    text = console.locator("main").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a raw code is shown"
    console.screenshot(path=shots / "moderation-zh.png", full_page=True)

    page.reload()
    expect(review.get_by_test_id("rejected")).to_contain_text("链接里不是我们的商品")
    before = scalar(market, "SELECT available FROM members WHERE external_id = 'C-1'")
    review.get_by_label("Link or photo reference").fill("https://reviews.example/p/2")
    review.get_by_role("button", name="Send for review").click()
    console.reload()
    console.get_by_test_id("waiting").get_by_role("button", name="通过并发放积分").click()
    expect(console.get_by_role("status")).to_have_text("已通过:任务积分已发放。")
    after = scalar(market, "SELECT available FROM members WHERE external_id = 'C-1'")
    assert int(after) - int(before) == 30
    page.reload()
    expect(review.get_by_test_id("task-state")).to_have_text("Done for now")
    page.screenshot(path=shots / "moderation-en.png", full_page=True)
    member.close()
    staff.close()

    phone = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    small = phone.new_page()
    staff_sign_in(small, market, "olga")
    small.get_by_role("link", name="Task proofs").click()
    expect(small.get_by_role("heading", name="Task proofs to review")).to_be_visible()
    expect(small.get_by_test_id("reviewed").locator("li")).to_have_count(2)
    expect(small.locator("li[data-status=rejected]")).to_contain_text("rejected")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    text = small.locator("main").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a raw code is shown"
    small.screenshot(path=shots / "moderation-console-en.png", full_page=True)
    phone.close()
