"""What a person gives to join: a contact, a name to be shown by, a birthday, a language,
and which messages they agree to (ADR 0031).

The same rules hold in the portal and through the API; what breaks one is refused with
the field it names, before anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from jifen.domain.errors import InvalidInput

LANGUAGES = ("zh-CN", "en")
#: the channels a member may agree to hear from about offers; the programme's own
#: messages about their points (a code, an expiry) need no marketing consent
MARKETING_CHANNELS = ("email", "sms", "push")
MARKETING = "marketing"
DISPLAY_NAME_MAX = 32
_PHONE_SEPARATORS = re.compile(r"[\s\-().]+")
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
EARLIEST_BIRTHDAY = date(1900, 1, 1)


def phone(text: str, field: str = "phone") -> str:
    """A phone number as stored: digits, with a leading + if given (E.164's 15 at most)."""
    found = _PHONE_SEPARATORS.sub("", text)
    if not _PHONE.match(found):
        raise InvalidInput("a phone number is 6 to 15 digits, with + before a country code",
                           field=field)  # fmt: skip
    return found


def email(text: str, field: str = "email") -> str:
    found = text.strip().lower()
    if len(found) > 254 or not _EMAIL.match(found):
        raise InvalidInput("that is not an email address", field=field)
    return found


def contact(text: str, field: str = "contact") -> tuple[str, str]:
    """``("email", ...)`` or ``("phone", ...)``: what a person typed to be reached at."""
    if "@" in text:
        return "email", email(text, field)
    return "phone", phone(text, field)


def display_name(text: str, field: str = "display_name") -> str:
    """A name to be shown by (leaderboards, greetings): 1 to 32 characters, no controls."""
    found = unicodedata.normalize("NFC", text.strip())
    if not found or len(found) > DISPLAY_NAME_MAX:
        raise InvalidInput(f"a display name is 1 to {DISPLAY_NAME_MAX} characters", field=field)
    if any(unicodedata.category(ch)[0] == "C" for ch in found):
        raise InvalidInput("a display name cannot hold control characters", field=field)
    return found


def language(text: str, field: str = "language") -> str:
    if text not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", field=field)
    return text


def birthday(value: date, today: date, field: str = "birthday") -> date:
    if not EARLIEST_BIRTHDAY <= value <= today:
        raise InvalidInput("a birthday is a date in the past, from 1900", field=field)
    return value


@dataclass(frozen=True)
class Consent:
    """One answer: the member agrees (or not) to hear about ``purpose`` by ``channel``."""

    purpose: str
    channel: str
    granted: bool


def marketing_consents(answers: dict[str, bool], field: str = "consents") -> tuple[Consent, ...]:
    """The marketing answers given, by channel; a channel not answered is not agreed to."""
    unknown = set(answers) - set(MARKETING_CHANNELS)
    if unknown:
        raise InvalidInput(
            f"consents are given by channel ({', '.join(MARKETING_CHANNELS)}):"
            f" not {', '.join(sorted(unknown))}",
            field=field,
        )
    return tuple(
        Consent(MARKETING, channel, bool(answers.get(channel, False)))
        for channel in MARKETING_CHANNELS
    )
