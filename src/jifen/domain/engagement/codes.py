"""A member's two codes: the membership code shown at the till, the referral code shared.

**Membership code**: 16 digits, the last a Luhn check digit, shown as a QR and a Code 128
barcode and grouped in fours for the eye (``6201 4839 1027 5568``). Digits only, so a
cashier can type it on any keypad when the scanner fails, and the check digit catches a
mistyped or swapped digit before any lookup. 15 random digits give 10^15 codes: a guess
finds a member about once in a billion tries at a million members.

**Referral code**: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U),
easy to read aloud and to type from a poster: 30^8 (about 6.6 x 10^11) codes. It names
the referrer and is meant to be shared, so it is not a secret.

Both are read forgivingly: spaces and dashes are ignored, and referral codes are
upper-cased; what still does not fit is no code (``None``), never a lookup.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

MEMBER_CODE_DIGITS = 16
REFERRAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERRAL_LENGTH = 8
_SEPARATORS = re.compile(r"[\s\-]+")
_MEMBER_CODE = re.compile(rf"^\d{{{MEMBER_CODE_DIGITS}}}$")
_REFERRAL_CODE = re.compile(rf"^[{REFERRAL_ALPHABET}]{{{REFERRAL_LENGTH}}}$")


def luhn_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:  # doubled: every second digit from the right, the check digit's left
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def new_member_code(draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh membership code; never begins with 0 (a keypad or a spreadsheet drops it)."""
    body = str(1 + draw(9)) + "".join(str(draw(10)) for _ in range(MEMBER_CODE_DIGITS - 2))
    return body + luhn_digit(body)


def member_code(text: str) -> str | None:
    """``text`` as a membership code, or None if it is not one (wrong length or check)."""
    code = _SEPARATORS.sub("", text)
    if not _MEMBER_CODE.match(code) or luhn_digit(code[:-1]) != code[-1]:
        return None
    return code


def shown_member_code(code: str) -> str:
    """Grouped in fours, as printed under the barcode."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_referral_code(draw: Callable[[str], str] = secrets.choice) -> str:
    return "".join(draw(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))


def referral_code(text: str) -> str | None:
    """``text`` as a referral code (case and separators forgiven), or None."""
    code = _SEPARATORS.sub("", text).upper()
    return code if _REFERRAL_CODE.match(code) else None
