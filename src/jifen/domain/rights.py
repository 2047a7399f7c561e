"""A member's data rights, decided in pure Python: what is personal, and how it is erased.

An erased member keeps their ledger (every entry, lot and draw, so ``jifen verify`` still
proves every balance) under a pseudonym, ``erased-<member id>``; everything that could
name them is removed from the records kept beside the ledger. :class:`Personal` is what
names one member (their id, contacts, birthday and attributes), and :meth:`Personal.scrub`
returns a JSON value with every trace of them replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from jifen.domain.members import Member

#: the name and version of the export's format (docs/api.md describes it)
EXPORT_FORMAT = "jifen.member-export/1"

#: what a scrubbed text says where personal data was
ERASED = "[erased]"

#: keys whose values are personal wherever they appear in a record's JSON
PERSONAL_KEYS = frozenset({"phone", "email", "birthday", "attributes", "contact"})

#: the characters of an external id (see ``members.enrolment.EXTERNAL_ID``) but ``:``,
#: which also separates an id from its neighbours in keys such as ``birthday:C-1:2026``
_ID_CHARS = "A-Za-z0-9._@-"


def pseudonym(member_id: int) -> str:
    """The erased member's id from now on: ``erased-<member id>``, never enrolled."""
    return f"erased-{member_id}"


def is_pseudonym(external_id: str) -> bool:
    return external_id.startswith("erased-")


@dataclass(frozen=True)
class Personal:
    """What names one member, and the pseudonym that replaces their id."""

    external_id: str
    pseudonym: str
    values: tuple[str, ...]  # contacts, birthday, attribute texts: replaced wherever found
    #: texts that name the member but are never searched for (too common to find them
    #: by: a display name, a task's proof): replaced only in the member's own rows and in
    #: the records found by their id or contact
    quiet: tuple[str, ...] = ()

    @classmethod
    def of(cls, member: Member) -> Personal:
        texts = [member.phone, member.email]
        texts.append(member.birthday.isoformat() if member.birthday else None)
        texts.extend(_texts(member.attributes))
        values = sorted({t for t in texts if t and t.strip()}, key=len, reverse=True)
        quiet = (member.display_name,) if member.display_name else ()
        return cls(member.external_id, pseudonym(member.id), tuple(values)).naming(quiet)

    def naming(self, texts: Iterable[str]) -> Personal:
        """The same, and ``texts`` too, quietly (what else names the member: their display
        name, a task's proof such as a link to their post on another platform)."""
        quiet = {*self.quiet, *(t for t in texts if t and t.strip())} - set(self.values)
        return replace(self, quiet=tuple(sorted(quiet, key=len, reverse=True)))

    @cached_property
    def _replaced(self) -> tuple[str, ...]:
        """Every value replaced, the longest first (one inside another goes whole)."""
        return tuple(sorted((*self.values, *self.quiet), key=len, reverse=True))

    @property
    def needles(self) -> tuple[str, ...]:
        """Texts whose presence in a record's JSON marks it as possibly about the member."""
        return (self.external_id, *(v for v in self.values if v.isascii() and len(v) >= 4))

    def scrub(self, value: Any) -> Any:
        """``value`` (JSON) with the member's id pseudonymised and their data removed."""
        if isinstance(value, dict):
            return {k: self._scrub_item(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, str):
            return self.scrub_text(value)
        return value

    def _scrub_item(self, key: str, value: Any) -> Any:
        if key in PERSONAL_KEYS and value is not None:
            return {} if isinstance(value, dict) else None
        return self.scrub(value)

    def scrub_text(self, text: str) -> str:
        if text == self.external_id:
            return self.pseudonym
        for value in self._replaced:
            if text == value:
                return ERASED
            if _long_enough(value) and value in text:
                text = text.replace(value, ERASED)
        return self._id_pattern.sub(self.pseudonym, text)

    @property
    def _id_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![{_ID_CHARS}]){re.escape(self.external_id)}(?![{_ID_CHARS}])")


def _long_enough(value: str) -> bool:
    """Replaced inside longer texts too: a short code ("F", "vip") only as a whole value."""
    return len(value) >= 4 or (len(value) >= 2 and not value.isascii())


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
