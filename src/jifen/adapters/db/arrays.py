"""Arrays for PostgreSQL as its own text literals (``{"a","b"}``), cast in the statement.

psycopg dumps a Python list as an array by looking at every element in Python (its type,
its dumper, its nesting) each time it is sent: a batch's reads and writes send a dozen
arrays, and for a small group of orders that was about a tenth of its CPU. A literal is
one string: the statement casts it (``CAST(%(keys)s AS text[])``) and PostgreSQL's array
input reads it. Every text element is double-quoted, with ``\\`` and ``"`` escaped, so any
string (a comma, a brace, the word NULL, an empty one) comes back as it was; ``None`` is
NULL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def _quoted(value: str | None) -> str:
    if value is None:
        return "NULL"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_array(values: Iterable[str | None]) -> str:
    """For ``CAST(... AS text[])``."""
    return "{" + ",".join(map(_quoted, values)) + "}"


def int_array(values: Iterable[int]) -> str:
    """For ``CAST(... AS bigint[])``."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def time_array(values: Iterable[datetime]) -> str:
    """Aware times, for ``CAST(... AS timestamptz[])``."""
    return text_array(v.isoformat() for v in values)
