"""The operator console in headless Chromium: sign-in, roles, a member's page, adjustments."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import access as operators
from jifen.services import engagement, ledger, programs
from jifen.services.access import apikeys
from jifen.services.ledger.commands import Earn
from tests.e2e.test_portal_browser import Shop, browser, seeded, serve, shots

pytestmark = pytest.mark.e2e
__all__ = ["browser", "shots"]  # fixtures shared with the portal's tests
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def back_office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The fresh market; Ana holds 300 points; an admin and an analyst can sign in."""
    workdir = tmp_path_factory.mktemp("console")
    jf, program, url = seeded(workdir, "fresh-market")
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 300), "earn-c1")
    for username, role in (("alice", "admin"), ("sam", "analyst")):
        operators.create_operator(
            jf.uow(), jf.clock, jf.passwords, username, username.title(), role, PASSWORD, "test"
        )
    key = apikeys.create_key(jf.uow(), jf.clock, program, "till", ["ledger:write"], "test")
    engagement.add_source(jf.uow(), jf.clock, program, "dianping-reviews", "test")
    jf.close()
    for shop in serve(workdir, url):
        shop.key = key
        yield shop


def sign_in(page: Page, shop: Shop, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{shop.base}/console/")
    expect(page).to_have_url(f"{shop.base}/console/sign-in")
    page.get_by_label(re.compile("^(Username|用户名)$")).fill(username)
    page.get_by_label(re.compile("^(Password|密码)$")).fill(password)
    page.get_by_role("button", name=re.compile("^(Sign in|登录)$")).click()


def scalar(shop: Shop, sql: str) -> object:
    engine = create_engine(shop.url)
    with engine.connect() as conn:
        found = conn.execute(text(sql)).scalar()
    engine.dispose()
    return found


def test_an_admin_finds_a_member_and_adjusts_their_points(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US").new_page()
    sign_in(page, back_office, "alice", "not the password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    sign_in(page, back_office, "alice")
    expect(page.get_by_text("Alice · admin")).to_be_visible()

    page.get_by_label("Member number, phone or email").fill("ana@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="C-1").click()
    expect(page.get_by_test_id("available")).to_have_text("300")
    page.get_by_label("Points (negative to take away)").fill("50")
    page.get_by_label("Reason (kept in the audit log)").fill("courier lost parcel 7")
    page.get_by_label("Note for the member (shown in their history; optional)").fill(
        "Sorry for the late delivery"
    )
    page.get_by_role("button", name="Adjust").click()

    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_test_id("available")).to_have_text("350")
    line = page.locator("ul.lines li").first
    expect(line).to_contain_text("Adjusted by the shop")
    expect(line).to_contain_text("Sorry for the late delivery")  # the note, not the reason
    expect(line).not_to_contain_text("courier lost parcel")
    expect(line).to_contain_text("console:alice")
    page.screenshot(path=shots / "console-member.png", full_page=True)
    actor = scalar(back_office, "SELECT actor FROM audit_log WHERE action = 'points.adjust'")
    assert actor == "console:alice"
    page.context.close()


def test_an_analyst_reads_but_cannot_adjust(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US").new_page()
    sign_in(page, back_office, "sam")
    page.goto(f"{back_office.base}/console/members/C-2")
    expect(page.get_by_role("heading", name="Member C-2")).to_be_visible()
    expect(page.get_by_role("button", name="Adjust")).to_have_count(0)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    entries = scalar(back_office, "SELECT COUNT(*) FROM entries")

    answer = page.context.request.post(
        f"{back_office.base}/console/members/C-2/adjust",
        form={"csrf": csrf or "", "nonce": "forged-1234", "points": "999", "reason": "me"},
        headers={"Accept-Language": "en"},
    )

    assert answer.status == 403
    assert "Your role does not allow this" in answer.text()
    assert scalar(back_office, "SELECT COUNT(*) FROM entries") == entries
    page.screenshot(path=shots / "analyst.png", full_page=True)
    page.context.close()


def test_a_form_without_its_token_is_refused(browser: Browser, back_office: Shop) -> None:
    page = browser.new_context(locale="en-US").new_page()
    sign_in(page, back_office, "alice")
    entries = scalar(back_office, "SELECT COUNT(*) FROM entries")
    answer = page.context.request.post(
        f"{back_office.base}/console/members/C-2/adjust",
        form={"csrf": "guessed", "nonce": "forged-1234", "points": "999", "reason": "x"},
    )
    assert answer.status == 403
    assert scalar(back_office, "SELECT COUNT(*) FROM entries") == entries
    assert re.search(r"expired", answer.text())
    page.context.close()


def test_an_operator_previews_a_rule_change_publishes_it_and_the_next_order_earns_by_it(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, back_office, "alice")
    page.get_by_role("link", name="Programme").click()
    source = page.get_by_label("Programme file (a draft until you publish it)")
    text_ = source.input_value()
    assert "  base:" in text_ and "    points: 1\n" in text_

    broken = text_.replace("    points: 1\n", "    points: one\n", 1)
    source.fill(broken)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("error")).to_contain_text("earning.base.points")

    source.fill(text_.replace("    points: 1\n", "    points: 2\n", 1))  # 2 points per yuan
    page.get_by_label("Lines: sku, quantity, unit price, category").fill("rice, 1, 100.00, grain")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview.locator("tr", has_text="base")).to_contain_text("100")
    expect(preview.locator("tr.changed", has_text="base")).to_contain_text("200")
    page.screenshot(path=shots / "preview.png", full_page=True)
    page.get_by_role("button", name="Publish as a new version").click()
    expect(page.get_by_role("status")).to_have_text("Published.")
    expect(page.get_by_text("Published version: 2")).to_be_visible()

    till = httpx.post(
        f"{back_office.base}/v1/orders",
        json={"order_id": "after-edit", "member": "C-2", "paid": "50.00",
              "lines": [{"sku": "rice", "quantity": 1, "unit_price": "50.00"}]},
        headers={"Authorization": f"Bearer {back_office.key}"},
        timeout=10,
    )  # fmt: skip
    assert till.status_code == 201, till.text
    base = [x for x in till.json()["award"]["lines"] if x["rule_id"] == "base"]
    assert base[0]["points"] == 100  # 50 yuan at the new 2 points per yuan
    actor = scalar(back_office, "SELECT published_by FROM program_versions WHERE version = 2")
    assert actor == "console:alice"
    page.context.close()


def test_the_dashboard_shows_the_ledger_in_figures_and_charts(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, back_office, "sam")  # an analyst may read the dashboard
    page.get_by_role("link", name="仪表盘").click()

    owed = scalar(back_office, "SELECT SUM(available + pending + held) FROM members")
    members = scalar(back_office, "SELECT COUNT(*) FROM members")
    expect(page.get_by_test_id("members")).to_have_text(str(members))
    expect(page.get_by_test_id("outstanding")).to_have_text(f"{owed:,}")
    expect(page.get_by_test_id("liability")).to_have_text(f"¥{owed / 100:,.2f}")
    expect(page.get_by_role("img", name="每日发放与兑换积分")).to_be_visible()
    page.screenshot(path=shots / "dashboard.png", full_page=True)
    page.get_by_label("开始日期").fill("2026-12-31")
    page.get_by_label("结束日期").fill("2026-01-01")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.context.close()


def test_an_operator_counts_a_shelf_and_sees_campaign_budgets(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, back_office, "alice")
    page.get_by_role("link", name="Catalogue").click()
    eggs = page.locator("tr[data-reward=eggs]")
    expect(eggs.get_by_test_id("left")).to_have_text("2,000 / 2,000")
    expect(
        page.locator("tr[data-campaign=vegetable-day]").get_by_test_id("budget-left")
    ).to_have_text("500,000 / 500,000")

    eggs.get_by_label("Left on the shelf").fill("1990")
    eggs.get_by_label("Why").fill("ten broken boxes")
    eggs.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("tr[data-reward=eggs]").get_by_test_id("left")).to_have_text(
        "1,990 / 2,000"
    )
    actor = scalar(back_office, "SELECT actor FROM audit_log WHERE action = 'reward.stock'")
    assert actor == "console:alice"
    page.screenshot(path=shots / "catalogue.png", full_page=True)
    page.context.close()

    analyst = browser.new_context(locale="en-US").new_page()
    sign_in(analyst, back_office, "sam")
    expect(analyst.get_by_role("link", name="Catalogue")).to_have_count(0)
    answer = analyst.goto(f"{back_office.base}/console/catalogue")
    assert answer is not None and answer.status == 403
    analyst.context.close()


def test_an_admin_holds_a_member_at_gold_until_a_date(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US").new_page()
    sign_in(page, back_office, "alice")
    page.goto(f"{back_office.base}/console/members/C-2")
    expect(page.get_by_test_id("tier")).not_to_contain_text("Gold")
    page.get_by_label("At least this tier").select_option(label="Gold")
    page.get_by_label("Until (last day)").fill("2027-03-31")
    page.get_by_label("Why the override (kept in the audit log)").fill("store manager's guest")
    page.get_by_role("button", name="Override").click()

    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_test_id("tier")).to_have_text(
        re.compile(r"^Gold \(held until Mar 31, 2027\)$")
    )
    page.screenshot(path=shots / "override.png", full_page=True)
    row = scalar(
        back_office, "SELECT tier || ' ' || tier_floor FROM members WHERE external_id = 'C-2'"
    )
    assert row == "gold gold"
    actor = scalar(back_office, "SELECT actor FROM tier_changes ORDER BY id DESC LIMIT 1")
    assert actor == "console:alice"

    page.get_by_label("Until (last day)").fill("not a date")  # a bad form changes nothing
    answer = page.context.request.post(
        f"{back_office.base}/console/members/C-2/tier",
        form={
            "csrf": page.locator("input[name=csrf]").first.get_attribute("value") or "",
            "tier": "diamond", "until": "31/03/2027", "reason": "typo",
        },
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert answer.status == 422
    assert scalar(back_office, "SELECT tier FROM members WHERE external_id = 'C-2'") == "gold"
    page.context.close()


def test_an_admin_adds_a_cashier_then_switches_them_off(
    browser: Browser, back_office: Shop, shots: Path
) -> None:
    admin = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    sign_in(admin, back_office, "alice")
    admin.get_by_role("link", name="Operators").click()
    admin.get_by_label("Username").fill("dana")
    admin.get_by_label("Name", exact=True).fill("Dana")
    admin.get_by_label("Role", exact=True).select_option("cashier")
    admin.get_by_label("Password (at least 12 characters)").fill("short")
    admin.get_by_role("button", name="Add").click()  # the browser refuses the short password
    assert scalar(back_office, "SELECT COUNT(*) FROM operators WHERE username = 'dana'") == 0
    admin.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
    admin.get_by_role("button", name="Add").click()
    expect(admin.get_by_role("status")).to_have_text("dana can sign in now.")

    cashier = browser.new_context(locale="en-US").new_page()
    sign_in(cashier, back_office, "dana")
    expect(cashier.get_by_text("Dana · cashier")).to_be_visible()
    expect(cashier.get_by_role("link", name="Operators")).to_have_count(0)

    row = admin.locator("tr[data-operator=dana]")
    row.get_by_label("Access of dana").select_option("no")
    row.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status")).to_have_text("Saved.")
    expect(admin.locator("tr[data-operator=dana]")).to_have_class("off")
    admin.screenshot(path=shots / "operators.png", full_page=True)

    cashier.reload()  # her session ended with her access
    expect(cashier).to_have_url(f"{back_office.base}/console/sign-in")
    sign_in(cashier, back_office, "dana")
    expect(cashier.get_by_role("alert")).to_have_text("Wrong username or password.")
    cashier.context.close()

    # an admin cannot lock themselves out
    mine = admin.locator("tr[data-operator=alice]")
    mine.get_by_label("Access of alice").select_option("no")
    mine.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("alert")).to_have_text(
        "You cannot demote or switch off your own account."
    )
    assert scalar(back_office, "SELECT active FROM operators WHERE username = 'alice'") in (1, True)
    changes = scalar(back_office, "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.change'")
    assert changes == 1
    admin.context.close()


@pytest.mark.parametrize(
    ("locale", "width"), [("en-US", 1280), ("zh-CN", 375)], ids=["desktop-en", "phone-zh"]
)
def test_an_admin_rotates_a_key_once_and_revokes_it(
    browser: Browser, back_office: Shop, shots: Path, locale: str, width: int
) -> None:
    jf = bootstrap(Settings(database_url=back_office.url))
    program = programs.find_program(jf.uow(write=False), None)
    old = apikeys.create_key(jf.uow(), jf.clock, program, f"pos-{locale}", ["ledger:read"], "t")
    key_id = apikeys.authenticate(jf.uow(write=False), old).key_id
    jf.close()
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, back_office, "alice")
    page.goto(f"{back_office.base}/console/apikeys")
    row = page.locator(f"tr[data-key='{key_id}']")
    keys = scalar(back_office, "SELECT COUNT(*) FROM api_keys")

    row.get_by_role("button", name=re.compile("^(Rotate|轮换)$")).click()

    new = page.get_by_test_id("new-key").locator(".secret")
    expect(new).to_have_text(re.compile(r"^jf_[0-9a-f]{12}_"))
    key = new.inner_text()
    answer = httpx.get(
        f"{back_office.base}/v1/members/C-1", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 403  # a ledger key: known, but not for members
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width
    page.screenshot(path=shots / f"apikeys-{locale}.png", full_page=True)
    page.reload()  # a refresh neither rotates again nor shows the key again
    expect(page.get_by_test_id("new-key")).to_have_count(0)
    assert scalar(back_office, "SELECT COUNT(*) FROM api_keys") == keys + 1
    assert scalar(back_office, f"SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = {key_id}")

    replaced_by = scalar(back_office, f"SELECT replaced_by FROM api_keys WHERE id = {key_id}")
    fresh = page.locator(f"tr[data-key='{replaced_by}']")
    fresh.get_by_role("button", name=re.compile("^(Revoke|吊销)$")).click()
    expect(page.get_by_role("status")).to_be_visible()
    time.sleep(1.05)  # the server's key cache holds a verified key for a second at most
    answer = httpx.get(
        f"{back_office.base}/v1/members/C-1", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 401
    context.close()


def test_a_locked_operator_is_unlocked_by_an_admin(browser: Browser, back_office: Shop) -> None:
    jf = bootstrap(Settings(database_url=back_office.url))
    operators.create_operator(
        jf.uow(), jf.clock, jf.passwords, "lou", "Lou", "analyst", PASSWORD, "test"
    )
    jf.close()
    page = browser.new_context(locale="en-US").new_page()
    for _ in range(5):
        sign_in(page, back_office, "lou", "not the password")
    sign_in(page, back_office, "lou")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")

    admin = browser.new_context(locale="en-US").new_page()
    sign_in(admin, back_office, "alice")
    admin.goto(f"{back_office.base}/console/operators")
    admin.locator("form[data-locked=lou]").get_by_role("button", name="Unlock").click()
    expect(admin.get_by_role("status")).to_have_text("lou may try to sign in again.")

    sign_in(page, back_office, "lou")
    expect(page.get_by_text("Lou · analyst")).to_be_visible()
    for c in (page.context, admin.context):
        c.close()


@pytest.mark.parametrize(
    "path", ["/console/", "/console/members/C-1", "/console/dashboard", "/console/catalogue",
             "/console/program", "/console/till", "/console/operators", "/console/apikeys",
             "/console/inbound"],
)  # fmt: skip
def test_every_console_page_fits_a_phone(browser: Browser, back_office: Shop, path: str) -> None:
    page = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812}).new_page()
    sign_in(page, back_office, "alice")
    page.goto(f"{back_office.base}{path}")
    expect(page.locator("main")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 375, f"{path} is {overflow}px wide at 375px"
    page.context.close()
