"""Every string the pages show goes through the catalogue, in both languages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from jifen.domain.error_codes import AREAS
from jifen.entrypoints.web.i18n import load, pick
from jifen.entrypoints.web.shown import error_words

WEB = Path(__file__).resolve().parents[2] / "src" / "jifen" / "entrypoints" / "web"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def used() -> set[str]:
    found = extract_from_dir(
        str(WEB), METHODS, keywords={"_": None, "gettext": None, "N_": None}, options_map=OPTIONS
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def catalogue(locale: str) -> dict[str, str]:
    with (WEB / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_every_message_the_pages_use_has_a_chinese_translation() -> None:
    zh = catalogue("zh_CN")
    messages = used()
    assert len(messages) > 40
    assert sorted(m for m in messages if not zh.get(m)) == []
    assert sorted(m for m in messages if m not in catalogue("en")) == []


def test_placeholders_survive_translation() -> None:
    for mid, text in catalogue("zh_CN").items():
        assert set(re.findall(r"%\(\w+\)s", mid)) == set(re.findall(r"%\(\w+\)s", text)), mid


def test_templates_hold_no_bare_words_outside_the_catalogue() -> None:
    for page in (WEB / "templates").rglob("*.html"):
        text = re.sub(r"{%.*?%}|{{.*?}}", " ", page.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        words = re.findall(r"[A-Za-z\u4e00-\u9fff]{2,}", text)
        assert words == [], f"{page.name}: {words}"


def test_numbers_money_and_days_follow_the_locale() -> None:
    languages = load()
    zh, en = languages["zh-CN"].env.filters, languages["en"].env.filters
    assert en["money"](91360, "CNY") == "CN¥913.60"
    assert zh["money"](91360, "CNY") == "¥913.60"
    assert en["points"](12345) == "12,345"
    assert en["day"](date(2026, 11, 3)) == "Nov 3, 2026"
    assert zh["day"](date(2026, 11, 3)) == "2026年11月3日"


def test_the_language_is_the_cookie_then_the_browser_then_chinese() -> None:
    assert pick("en", "zh-CN,zh") == "en"
    assert pick(None, "en-GB,en;q=0.9") == "en"
    assert pick(None, "zh-TW") == "zh-CN"
    assert pick("fr", "fr-FR") == "zh-CN"


def test_the_doors_pages_carry_no_inline_script_or_style() -> None:
    """The sign-in, code, mailbox, operators, API keys and task webhooks pages work under a CSP that
    allows no inline script or style."""
    doors = ["portal/sign_in.html", "portal/code.html", "dev/mailbox.html",
             "console/sign_in.html", "console/operators.html", "console/apikeys.html",
             "console/inbound.html"]  # fmt: skip
    for name in doors:
        text = (WEB / "templates" / name).read_text(encoding="utf-8")
        assert not re.search(r"\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=", text), name


def test_a_page_says_every_error_code_in_words_never_the_code() -> None:
    codes = [code.value for area in AREAS for code in area]
    for lang in load().values():
        for code in codes:
            said = lang.gettext(error_words(lang, code))
            assert not re.fullmatch(r"[a-z][a-z0-9_]*", said), (lang.code, code, said)
    en = load()["en"]
    assert en.gettext(error_words(en, "hold_expired")) == en.gettext("rule_violation")
    assert error_words(en, "a unit price is a number") == "a unit price is a number"
