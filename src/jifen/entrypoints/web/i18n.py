"""The pages' languages: a gettext catalogue per locale, and locale-aware formats.

Catalogues are the ``.po`` files under ``locales/``, read with Babel when the
app starts (no compiled files in the repository). Each locale has its own
Jinja environment, so ``{{ _("...") }}`` in a template is that locale's text,
and the filters ``points``, ``money`` and ``day`` format for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
LOCALES = ("zh-CN", "en")
DEFAULT = "zh-CN"


@dataclass(frozen=True)
class Language:
    code: str  # zh-CN, en
    env: Environment
    translations: Translations
    locale: Locale

    def gettext(self, text: str, **values: Any) -> str:
        found: str = self.translations.gettext(text)
        return found % values if values else found

    def day(self, value: date | datetime, tz: str | None = None) -> str:
        """A date in this language's medium form: 3 Nov 2025, 2025年11月3日."""
        return _day(value, tz, self.locale)


def N_(text: str) -> str:  # noqa: N802 (gettext's name for "translate later")
    """Mark words that come from data (an error code, a role) for the catalogue."""
    return text


def load(templates: Path = HERE / "templates") -> dict[str, Language]:
    return {code: _language(code, templates) for code in LOCALES}


def pick(wanted: str | None, accept: str | None) -> str:
    """The cookie's language, else the browser's first we have, else Chinese."""
    if wanted in LOCALES:
        return wanted
    for part in (accept or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def _language(code: str, templates: Path) -> Language:
    babel = code.replace("-", "_")
    with (HERE / "locales" / babel / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=babel)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(buffer)
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    locale = Locale.parse(babel)
    env.filters["points"] = lambda n: format_decimal(n, locale=locale)
    env.filters["money"] = lambda minor, currency, exp=2: format_currency(
        Decimal(minor).scaleb(-exp), currency, locale=locale
    )
    env.filters["day"] = lambda d, tz=None: _day(d, tz, locale)
    env.filters["moment"] = lambda d, tz: format_datetime(
        d.astimezone(ZoneInfo(tz)), "short", locale=locale
    )
    env.globals["lang"] = code
    env.globals["languages"] = LOCALES
    return Language(code, env, translations, locale)


def _day(value: date | datetime, tz: str | None, locale: Locale) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz)).date() if tz else value.date()
    return format_date(value, "medium", locale=locale)
