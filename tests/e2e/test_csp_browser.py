"""The pages run under their Content-Security-Policy in Chromium: nothing is refused (no
inline script or style left), and the progress bars keep their widths as classes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.e2e.test_console_browser import back_office
from tests.e2e.test_console_browser import sign_in as staff_sign_in
from tests.e2e.test_portal_browser import Shop, browser, shop, sign_in

pytestmark = pytest.mark.e2e
__all__ = ["back_office", "browser", "shop"]

PORTAL = ["/portal/", "/portal/rewards", "/portal/causes", "/portal/lottery", "/portal/history"]
CONSOLE = ["/console/", "/console/dashboard", "/console/catalogue", "/console/program"]


def test_no_page_breaks_its_content_security_policy(
    browser: Browser, shop: Shop, back_office: Shop
) -> None:
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text)

    member = browser.new_context(locale="en-US").new_page()
    member.on("console", watch)
    sign_in(member, shop, "C-1")
    for path in PORTAL:
        member.goto(f"{shop.base}{path}")
    member.goto(f"{shop.base}/portal/")
    bar = member.locator(".progress span").first
    expect(bar).to_have_attribute("class", re.compile(r"^pct-\d+$"))

    staff = browser.new_context(locale="en-US").new_page()
    staff.on("console", watch)
    staff_sign_in(staff, back_office, "alice")
    for path in CONSOLE:
        staff.goto(f"{back_office.base}{path}")
    assert refused == []
