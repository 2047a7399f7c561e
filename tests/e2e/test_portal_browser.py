"""The member portal in headless Chromium, against ``jifen serve`` in demo mode.

Debian's ``chromium`` driven by Playwright (nothing downloads a browser). Each
test saves screenshots under ``test-output/<test>/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.domain.programs import Program
from jifen.services import ledger, members, programs
from jifen.services.earning import orders
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.ledger.commands import Earn
from jifen.services.members.commands import CreateMember
from tests.e2e.test_api_server import CLI, free_port, jifen_env
from tests.factories import FakeClock

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Shop:
    base: str
    url: str
    key: str = ""  # an API key, where a test needs one


def serve(workdir: Path, url: str) -> Iterator[Shop]:
    port = free_port()
    env = {**jifen_env(url), "JIFEN_DEMO": "true"}
    log_path = workdir / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server never became healthy:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield Shop(base, url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def seeded(workdir: Path, name: str) -> tuple[Jifen, Program, str]:
    url = f"sqlite:///{workdir / 'jifen.db'}"
    jf = bootstrap(Settings(database_url=url), clock=FakeClock(datetime.now(UTC)))
    jf.migrate()
    source = (ROOT / "programs" / f"{name}.yaml").read_text(encoding="utf-8")
    program, _ = programs.publish_program(jf.uow(), jf.clock, jf.compile, source, name, "test")
    for ext, email in (("C-1", "ana@example.com"), ("C-2", "bo@example.com")):
        members.create_member(
            jf.uow(), jf.clock, program, CreateMember(ext, email=email), f"join-{ext}"
        )
    return jf, program, url


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The fresh market with two members, served with the demo's mailbox."""
    workdir = tmp_path_factory.mktemp("portal")
    jf, program, url = seeded(workdir, "fresh-market")
    rice = LineIn("rice", 1, "128.00", "grain", ())
    order = PlaceOrder("1042", "C-1", "128.00", (rice,), store="3")
    orders.record_order(jf.uow(), jf.clock, jf.rulebooks, program, order)
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-2", 40), "earn-c2")
    jf.close()
    yield from serve(workdir, url)


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The lifestyle brand (a 300-point drink voucher), C-1 holding 1,000 points."""
    workdir = tmp_path_factory.mktemp("brand")
    jf, program, url = seeded(workdir, "lifestyle-brand")
    ledger.earn(jf.uow(), jf.clock, program, Earn("C-1", 1000), "earn-c1")
    jf.close()
    yield from serve(workdir, url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium package is needed for the browser tests"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    folder = ROOT / "test-output" / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page: Page, shop: Shop, contact: str) -> None:
    page.goto(f"{shop.base}/portal/")
    page.get_by_label(re.compile("Member number|会员号")).fill(contact)
    page.get_by_role("button", name=re.compile("Send me a code|发送验证码")).click()
    expect(page).to_have_url(re.compile(r"/portal/code"))
    code = latest_code(page, shop, contact)
    page.get_by_label(re.compile("^(Code|验证码)$")).fill(code)
    page.get_by_role("button", name=re.compile("^(Sign in|登录)$")).click()
    expect(page).to_have_url(f"{shop.base}/portal/")


def latest_code(page: Page, shop: Shop, contact: str) -> str:
    """The code the outbox would have sent, read from the demo's mailbox in another tab."""
    mailbox = page.context.new_page()
    mailbox.goto(f"{shop.base}/dev/mailbox")
    row = mailbox.locator("tbody tr", has_text=contact).first
    code = row.get_by_test_id("code").inner_text()
    mailbox.close()
    assert re.fullmatch(r"\d{6}", code), code
    return code


def test_a_member_signs_in_with_a_code_and_reads_their_points(
    browser: Browser, shop: Shop, shots: Path
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = context.new_page()

    sign_in(page, shop, "ana@example.com")

    # 128 yuan: 128 base + 128 for the first purchase of the week
    expect(page.get_by_test_id("available")).to_have_text("256")
    expect(page.get_by_text("Order 1042 at store 3")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()
    page.screenshot(path=shots / "portal-home.png", full_page=True)
    page.get_by_role("link", name="All activity").click()
    expect(page.get_by_text("Points per yuan 128")).to_be_visible()
    context.close()


def test_the_chinese_switch_shows_chinese(browser: Browser, shop: Shop, shots: Path) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    sign_in(page, shop, "C-2")
    expect(page.get_by_text("Available points")).to_be_visible()

    page.get_by_role("link", name="中文").click()

    expect(page.get_by_text("可用积分")).to_be_visible()
    expect(page.get_by_text("我的会员等级")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.screenshot(path=shots / "portal-zh.png", full_page=True)
    page.goto(f"{shop.base}/portal/history")
    expect(page.get_by_text("全部积分明细").first).to_be_visible()  # the language stays
    context.close()


def test_a_member_sees_only_their_own_points(browser: Browser, shop: Shop, shots: Path) -> None:
    ana = browser.new_context(locale="en-US")
    page = ana.new_page()
    sign_in(page, shop, "C-1")
    expect(page.get_by_test_id("available")).to_have_text("256")

    bo = browser.new_context(locale="en-US")
    other = bo.new_page()
    sign_in(other, shop, "C-2")
    expect(other.get_by_test_id("available")).to_have_text("40")
    expect(other.get_by_text("Order 1042")).to_have_count(0)
    other.screenshot(path=shots / "other-member.png", full_page=True)

    # Ana's fresh code, typed in a stranger's browser (which asked for Bo's), opens nothing:
    # a code is tried only in the browser that asked for it.
    again = ana.new_page()
    again.goto(f"{shop.base}/portal/sign-in")
    again.get_by_label("Member number, phone or email").fill("C-1")
    again.get_by_role("button", name="Send me a code").click()
    expect(again).to_have_url(re.compile(r"/portal/code"))
    stranger = browser.new_context(locale="en-US").new_page()
    stranger.goto(f"{shop.base}/portal/sign-in")
    stranger.get_by_label("Member number, phone or email").fill("C-2")
    stranger.get_by_role("button", name="Send me a code").click()
    ana_code = latest_code(stranger, shop, "ana@example.com")
    stranger.get_by_label("Code").fill(ana_code)
    stranger.get_by_role("button", name="Sign in").click()
    expect(stranger.get_by_role("alert")).to_have_text("That code is wrong or has expired.")
    stranger.goto(f"{shop.base}/portal/")
    expect(stranger).to_have_url(f"{shop.base}/portal/sign-in")
    for c in (ana, bo, stranger.context):
        c.close()


@pytest.mark.parametrize(
    ("locale", "title", "hint", "back"),
    [
        ("zh-CN", "表单已过期", "请返回该页面，重新提交表单。", "返回"),
        ("en-US", "This form has expired", "Go back to the page and send the form again.", "Back"),
    ],
    ids=["zh-CN", "en"],
)
def test_a_stale_form_is_refused_in_the_visitors_language_with_a_way_back(
    browser: Browser, shop: Shop, shots: Path, locale: str, title: str, hint: str, back: str
) -> None:
    page = browser.new_context(locale=locale).new_page()
    page.goto(f"{shop.base}/portal/sign-in")
    page.context.clear_cookies()  # the form's token is gone, as an hour later
    contact = f"nobody-{locale}@example.com"  # asks for no code, so spends no member's quota
    page.get_by_label(re.compile("Member number|会员号")).fill(contact)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=re.compile("Send me a code|发送验证码")).click()

    assert posted.value.status == 403
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_text(hint)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == locale.removesuffix("-US")
    page.screenshot(path=shots / "form-expired.png", full_page=True)
    page.get_by_role("link", name=back, exact=True).click()
    expect(page).to_have_url(f"{shop.base}/portal/sign-in")  # the form again, with a new token
    page.get_by_label(re.compile("Member number|会员号")).fill(contact)
    page.get_by_role("button", name=re.compile("Send me a code|发送验证码")).click()
    expect(page).to_have_url(re.compile(r"/portal/code"))
    page.context.close()


def test_signing_out_with_a_stale_token_is_refused_and_keeps_the_session(
    browser: Browser, shop: Shop
) -> None:
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in(page, shop, "C-2")

    answer = page.context.request.post(
        f"{shop.base}/portal/sign-out",
        form={"csrf": "from-an-old-page"},
        headers={"Accept-Language": "zh-CN"},
    )

    assert answer.status == 403
    assert "表单已过期" in answer.text()
    page.goto(f"{shop.base}/portal/")
    expect(page.get_by_text("可用积分")).to_be_visible()  # still signed in
    page.context.close()


def test_a_member_redeems_a_voucher_and_finds_it_in_the_wallet(
    browser: Browser, brand: Shop, shots: Path
) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    page = context.new_page()
    sign_in(page, brand, "C-1")
    expect(page.get_by_test_id("available")).to_have_text("1,000")

    page.get_by_role("link", name="Rewards", exact=True).click()
    offer = page.locator("li.offer", has_text="Free drink voucher")
    offer.get_by_role("link", name="Redeem").click()
    expect(page.get_by_text("Your balance will be 700 points.")).to_be_visible()
    page.get_by_role("button", name="Confirm: redeem for 300 points").click()

    expect(page.get_by_text("300 points spent. You now have 700 points.")).to_be_visible()
    code = page.get_by_test_id("voucher-code").inner_text()
    receipt = page.url
    assert re.search(r"/portal/redemptions/\d+$", receipt), receipt
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code), code
    page.screenshot(path=shots / "redeemed.png", full_page=True)
    page.get_by_role("link", name="Vouchers", exact=True).click()
    expect(page.get_by_test_id("voucher-code")).to_have_text([code])
    expect(page.get_by_role("img", name=f"QR code of {code}")).to_be_visible()
    page.get_by_role("link", name="Points", exact=True).click()
    expect(page.get_by_test_id("available")).to_have_text("700")
    expect(page.get_by_text("Redeemed: Free drink voucher")).to_be_visible()
    page.screenshot(path=shots / "wallet-home.png", full_page=True)

    # Another member cannot open this redemption's page, nor see the voucher.
    other = browser.new_context(locale="en-US").new_page()
    sign_in(other, brand, "C-2")
    answer = other.goto(receipt)
    assert answer is not None and answer.status == 404
    expect(other.get_by_role("heading", name="Not found")).to_be_visible()
    other.goto(f"{brand.base}/portal/vouchers")
    expect(other.get_by_text("No vouchers yet.")).to_be_visible()
    other.context.close()
    context.close()


def test_a_member_draws_in_the_lottery_and_gives_to_the_food_bank(
    browser: Browser, shop: Shop, shots: Path
) -> None:
    page = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}).new_page()
    sign_in(page, shop, "C-1")
    before = int(page.get_by_test_id("available").inner_text().replace(",", ""))

    page.get_by_role("link", name="Lottery", exact=True).click()
    expect(page.get_by_role("cell", name="75.45%")).to_be_visible()  # the odds, in the open
    page.get_by_role("button", name="Draw for 10 points").click()
    outcome = page.get_by_test_id("outcome")
    expect(outcome).to_have_text(re.compile(r"You won: .+!|No prize this time\."))
    page.screenshot(path=shots / "lottery.png", full_page=True)

    page.get_by_role("link", name="Give", exact=True).click()
    page.get_by_label("Points to give (multiples of 100)").fill("100")
    page.get_by_role("button", name="Give").click()
    expect(page.get_by_role("status")).to_have_text("Thank you! You gave 100 points.")
    expect(page.get_by_test_id("cause-total")).to_contain_text("100 points given by 1 members")
    page.get_by_role("link", name="Points", exact=True).click()
    after = int(page.get_by_test_id("available").inner_text().replace(",", ""))
    won = after - (before - 10 - 100)
    assert won in (0, 10, 50), (before, after)  # a points prize, or none (goods are not points)
    expect(page.get_by_text("Donated to Community food bank")).to_be_visible()
    expect(page.get_by_text("Lottery draw")).to_be_visible()
    page.context.close()
