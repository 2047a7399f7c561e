"""Tasks, challenges, badges and leaderboards run from the console's forms, in Chromium.

An operator (desktop, Chinese) adds a challenge and changes a task without touching the
YAML: each save is the programme's next version, the file keeps its comments, and the
member (375 px, English) sees the new challenge in Earn more. A save the programme
refuses (a badge still used) says why, keeps the form and publishes nothing; an id taken
is refused with what was typed still in the form. The leaderboards page shows a board's
top with a member's score and asks for the city of a city board, on a phone too.
"""

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
from tests.earning_fixtures import buy, line

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]
VERSIONS = "SELECT count(*) FROM program_versions"
LATEST = "SELECT source FROM program_versions ORDER BY version DESC LIMIT 1"


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    workdir = tmp_path_factory.mktemp("engagement-console")
    jf, program, url = seeded(workdir, "fresh-market")
    buy(jf, program, "C-1", "O-1", "120.00", line("bok-choy", 10, "12.00", "vegetables"))
    operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, "olga", "Olga", "operator", PASSWORD, "t"
    )
    jf.close()
    yield from serve(workdir, url)


def test_an_operator_adds_a_challenge_and_changes_a_task_without_yaml(
    browser: Browser, market: Shop, shots: Path
) -> None:
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    console = staff.new_page()
    staff_sign_in(console, market, "olga")
    console.get_by_role("link", name="互动").click()
    expect(console.get_by_role("heading", name="任务、挑战与排行榜")).to_be_visible()
    before = int(str(scalar(market, VERSIONS)))

    console.get_by_role("link", name="添加挑战").click()
    console.get_by_label("编号").fill("fruit-three")
    console.get_by_label("中文").first.fill("本月买3次水果")
    console.get_by_label("英文").first.fill("Fruit three times this month")
    console.get_by_label("计入什么", exact=True).select_option(label="订单数")
    console.get_by_label("目标", exact=True).fill("3")
    console.get_by_label("品类", exact=True).fill("fruit")
    console.get_by_label("重新开始的周期").select_option(label="月")
    console.locator("#f-points").fill("100")
    console.get_by_role("button", name="添加并发布").click()
    expect(console.get_by_role("status")).to_have_text(
        "fruit-three 已添加:新版本的积分方案已生效。"
    )
    expect(console.locator("[data-part=challenges] li[data-entry=fruit-three]")).to_contain_text(
        "本月买3次水果"
    )
    assert int(str(scalar(market, VERSIONS))) == before + 1
    source = str(scalar(market, LATEST))
    assert "# 每周首次消费双倍积分" in source  # the operator's comments are all still there
    assert "id: fruit-three" in source

    console.locator("[data-part=tasks] li[data-entry=store-check-in]").get_by_role(
        "link", name="编辑"
    ).click()
    expect(console.get_by_label("编号")).to_have_count(0)  # an id does not change
    console.locator("#f-points").fill("8")
    console.get_by_role("button", name="保存并发布").click()
    expect(console.get_by_role("status")).to_have_text(
        "store-check-in 已修改:新版本的积分方案已生效。"
    )
    expect(console.locator("li[data-entry=store-check-in]")).to_contain_text("8 积分")
    assert int(str(scalar(market, VERSIONS))) == before + 2
    text = console.locator("main").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), "a raw code is shown"
    console.screenshot(path=shots / "engagement-zh.png", full_page=True)

    # a save the programme refuses: the badge is still some challenge's reward
    console.goto(f"{market.base}/console/engagement/badges/veg-lover")
    console.get_by_role("button", name="删除并发布").click()
    alert = console.get_by_role("alert")
    expect(alert).to_contain_text("方案文件有误")
    expect(alert.get_by_test_id("detail")).to_contain_text("veg-lover")
    assert int(str(scalar(market, VERSIONS))) == before + 2

    # an id taken: refused, and what was typed stays in the form
    console.goto(f"{market.base}/console/engagement/new/tasks")
    console.get_by_label("编号").fill("write-review")
    console.get_by_label("中文").first.fill("另一条评价")
    console.locator("#f-points").fill("5")
    console.get_by_role("button", name="添加并发布").click()
    expect(console.get_by_role("alert")).to_contain_text("请检查输入的内容")
    expect(console.get_by_label("中文").first).to_have_value("另一条评价")
    assert int(str(scalar(market, VERSIONS))) == before + 2
    staff.close()

    member = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = member.new_page()
    sign_in(page, market, "ana@example.com")
    page.get_by_role("link", name="Earn more").click()
    expect(page.get_by_test_id("challenges")).to_contain_text("Fruit three times this month")
    member.close()


def test_the_leaderboards_and_the_forms_fit_a_phone(
    browser: Browser, market: Shop, shots: Path
) -> None:
    phone = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = phone.new_page()
    staff_sign_in(page, market, "olga")
    page.goto(f"{market.base}/console/leaderboards")
    monthly = page.locator("[data-board=monthly-points]")
    rows = monthly.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(1)  # Ana, the only member with an order this month
    expect(rows.locator("td").nth(0)).to_have_text("1")
    expect(rows.locator("td").nth(1)).to_have_text("C***1")  # masked, never a contact
    assert int(rows.locator("td").nth(2).inner_text().replace(",", "")) > 0
    city = page.locator("[data-board=city-challenges]")
    expect(city).to_contain_text("Name a city above to see its board.")
    city.get_by_label("Which city").fill("Hangzhou")
    city.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"place\.city-challenges=Hangzhou"))
    expect(page.locator("[data-board=city-challenges]")).to_contain_text(
        "Nobody on this board yet."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=shots / "leaderboards-375.png", full_page=True)
    phone.close()
    for locale in ("en-US", "zh-CN"):
        phone = browser.new_context(locale=locale, viewport={"width": 375, "height": 812})
        page = phone.new_page()
        staff_sign_in(page, market, "olga")
        for path in (
            "/console/engagement",
            "/console/engagement/challenges/december-500",
            "/console/engagement/leaderboards/monthly-points",
            "/console/leaderboards",
        ):
            page.goto(f"{market.base}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, (locale, path)
            # a field's hint quotes what the file takes (check_in), on purpose: not counted
            text = page.evaluate(
                "(() => { const m = document.querySelector('main').cloneNode(true);"
                " m.querySelectorAll('[id^=h-]').forEach(e => e.remove());"
                " return m.innerText; })()"
            )
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), (locale, path, "a raw code")
        page.screenshot(path=shots / f"challenge-form-375-{locale}.png", full_page=True)
        phone.close()
