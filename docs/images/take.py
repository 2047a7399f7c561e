"""Take the README's screenshots from a fresh demo: ``make screenshots``.

Seeds the demo programme into a throwaway SQLite database with ``jifen demo``,
serves it, and drives Debian's chromium (through Playwright) to the portal's home
(M00001, in Chinese, on a phone) and the console's dashboard (in English, on a
desktop). Nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
JIFEN = str(Path(sys.executable).with_name("jifen"))
PASSWORD = "screenshots only"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {
            **os.environ,
            "JIFEN_DATABASE_URL": f"sqlite:///{tmp}/demo.db",
            "JIFEN_ENVIRONMENT": "development",
            "JIFEN_DEMO": "true",
            "JIFEN_PORT": str(port),
            "JIFEN_SECRET_KEY": "screenshots-" + "x" * 32,
        }
        run = {"env": env, "cwd": ROOT, "check": True}
        subprocess.run([JIFEN, "demo", "--no-serve"], **run, stdout=subprocess.DEVNULL)
        subprocess.run(
            [JIFEN, "operator", "create", "shots", "--role", "analyst", "--name", "Lin Wei",
             "--password-stdin"],
            **run, input=PASSWORD + "\n", text=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        server = subprocess.Popen([JIFEN, "serve"], env=env, cwd=ROOT)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            _shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait(base: str) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the demo server did not start")


def _shoot(base: str) -> None:
    chromium = shutil.which("chromium")
    if not chromium:
        raise SystemExit("install Debian's chromium package first")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = phone.new_page()
        _member(page, base, "M00001")
        _check(page)
        page.screenshot(path=HERE / "portal-home.png", full_page=True)
        desk = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
        page = desk.new_page()
        page.goto(f"{base}/console/sign-in")
        page.get_by_label("Username").fill("shots")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/console/dashboard")
        _check(page)
        page.screenshot(path=HERE / "console-dashboard.png", full_page=True)
        browser.close()


def _check(page: Page) -> None:
    if not page.locator("main").is_visible():
        raise SystemExit(f"{page.url} did not render: {page.content()[:300]}")


def _member(page: Page, base: str, member: str) -> None:
    page.goto(f"{base}/portal/")
    page.get_by_label(re.compile("会员号")).fill(member)
    page.get_by_role("button", name="发送验证码").click()
    page.wait_for_url(re.compile(r"/portal/code"))
    mailbox = page.context.new_page()
    mailbox.goto(f"{base}/dev/mailbox")
    code = mailbox.locator("tbody tr", has_text=member).first.get_by_test_id("code").inner_text()
    mailbox.close()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/portal/")


if __name__ == "__main__":
    main()
