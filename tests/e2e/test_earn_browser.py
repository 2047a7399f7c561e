"""The portal's "Earn more" page in Chromium: the tasks with where the member stands on
each, the campaigns running, and leaving out social tasks and taking part again; 375 px
in English and a desktop in Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import engagement, members
from jifen.services.earning import orders
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.engagement import CompleteTask
from jifen.services.members import UpdateMember
from tests.e2e.test_console_browser import scalar
from tests.e2e.test_portal_browser import Shop, browser, seeded, serve, shots, sign_in

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]


def engagement_segment(jf: Jifen, program: Program) -> None:
    cmd = UpdateMember("C-1", {"attributes": {"segment": "vegetable_lover"}})
    members.update_member(jf.uow(), jf.clock, program, cmd, "segment-c1")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The fresh market; Ana (C-1) checked in today and is a vegetable lover (the
    vegetable day's campaign is hers, not Bo's)."""
    workdir = tmp_path_factory.mktemp("earn")
    jf, program, url = seeded(workdir, "fresh-market")
    engagement_segment(jf, program)
    engagement.complete_task(jf.uow(), jf.clock, jf.rulebooks, program,
                             CompleteTask("C-1", "store-check-in"), "check-in-1")  # fmt: skip
    # vegetables in each of the last four weeks (the veg-lover badge), and one new product
    now = jf.clock.now()
    for weeks in (3, 2, 1, 0):
        veg = LineIn("bok-choy", 1, "12.00", "vegetables", ())
        order = PlaceOrder(f"veg-{weeks}", "C-1", "12.00", (veg,),
                           placed_at=now - timedelta(weeks=weeks))  # fmt: skip
        orders.record_order(jf.uow(), jf.clock, jf.rulebooks, program, order)
    kiwi = LineIn("kiwi", 1, "9.90", "fruit", ("new",))
    order = PlaceOrder("new-1", "C-1", "9.90", (kiwi,))
    orders.record_order(jf.uow(), jf.clock, jf.rulebooks, program, order)
    jf.close()
    yield from serve(workdir, url)


def test_a_member_sees_what_to_do_and_leaves_out_social_tasks(
    browser: Browser, market: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}).new_page()
    sign_in(page, market, "ana@example.com")
    page.get_by_role("link", name="Earn more").click()
    share = page.locator("li[data-task=share-photo]")
    check_in = page.locator("li[data-task=store-check-in]")
    expect(share).to_contain_text("Share a product photo and tag us")
    expect(share).to_contain_text("+50")
    expect(share).to_contain_text("once a day")
    expect(share.get_by_test_id("task-state")).to_have_text("Open: do it to earn")
    expect(check_in.get_by_test_id("task-state")).to_have_text("Done for now")
    expect(page.get_by_test_id("campaigns")).to_contain_text("Vegetable double-points day")
    veg = page.locator("li[data-challenge=veg-four-weeks]")
    expect(veg).to_have_attribute("data-done", "yes")
    expect(veg.get_by_test_id("challenge-progress")).to_have_text("Done")
    expect(veg).to_contain_text("and the badge Veg lover")
    new = page.locator("li[data-challenge=try-three-new]")
    expect(new.get_by_test_id("challenge-progress")).to_have_text("1 of 3 different products")
    expect(new.locator("progress")).to_have_attribute("value", "1")
    check_ins = page.locator("li[data-challenge=check-in-week]")
    expect(check_ins.get_by_test_id("challenge-progress")).to_have_text("1 of 7 days in a row")
    held = page.locator("li[data-badge=veg-lover]")
    expect(held).to_have_attribute("data-held", "yes")
    expect(held).to_contain_text("earned")
    expect(page.locator("li[data-badge=explorer]")).to_contain_text("not yet")
    loaded = held.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
    assert loaded, "the badge's picture did not load"
    monthly = page.locator("div[data-board=monthly-points]")
    expect(monthly.locator("tr.me")).to_have_count(1)
    expect(monthly.get_by_test_id("my-rank")).to_contain_text("You: rank 1 with")
    expect(monthly.get_by_test_id("prizes")).to_have_text(
        "Prizes: No. 1: 500 points; No. 2–3: 200 points"
    )
    assert "ana@example.com" not in monthly.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=shots / "earn-en.png", full_page=True)

    page.get_by_role("button", name="Leave out social tasks").click()
    expect(page).to_have_url(re.compile(r"/portal/earn\?done=saved$"))
    expect(page.get_by_test_id("opted-out")).to_be_visible()
    expect(share.get_by_test_id("task-state")).to_have_text(
        "Left out: you opted out of social tasks"
    )
    expect(check_in.get_by_test_id("task-state")).to_have_text("Done for now")
    granted = "SELECT granted FROM consents WHERE purpose = 'social_tasks' ORDER BY id DESC"
    assert scalar(market, granted) in (False, 0)
    page.get_by_role("button", name="Take part in social tasks again").click()
    expect(share.get_by_test_id("task-state")).to_have_text("Open: do it to earn")
    assert scalar(market, granted) in (True, 1)

    page.get_by_role("button", name="Hide me from leaderboards").click()
    expect(monthly.get_by_test_id("my-rank")).to_have_text("You are hidden from leaderboards.")
    expect(monthly.locator("tr.me")).to_have_count(0)
    page.get_by_role("button", name="Show me on leaderboards").click()
    expect(monthly.locator("tr.me")).to_have_count(1)
    page.context.close()


def test_the_page_reads_in_chinese_on_a_desktop(
    browser: Browser, market: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, market, "bo@example.com")
    page.get_by_role("link", name="赚更多积分").click()
    share = page.locator("li[data-task=share-photo]")
    expect(share).to_contain_text("分享产品照并标记品牌")
    expect(share.get_by_test_id("task-state")).to_have_text("可完成")
    expect(page.locator("li[data-task=store-check-in]")).to_contain_text("每天一次")
    expect(page.get_by_test_id("campaigns")).to_have_count(0)  # not a vegetable lover
    expect(page.get_by_role("heading", name="挑战", exact=True)).to_be_visible()
    new = page.locator("li[data-challenge=try-three-new]")
    expect(new.get_by_test_id("challenge-progress")).to_have_text("已尝试 0 款,共需 3 款")
    expect(page.locator("li[data-badge=veg-lover]")).to_contain_text("尚未获得")
    expect(page.get_by_role("heading", name="排行榜", exact=True)).to_be_visible()
    monthly = page.locator("div[data-board=monthly-points]")
    expect(monthly.get_by_test_id("my-rank")).to_have_text("您还未上榜。")
    expect(monthly.locator("tbody tr")).to_have_count(1)  # Ana
    text = page.locator("main").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a raw code is shown"
    page.screenshot(path=shots / "earn-zh.png", full_page=True)
    page.context.close()
