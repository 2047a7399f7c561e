"""Guards that fail inside the database: ``jifen_require`` (migration 0020).

A statement sent in a pipeline with the commit behind it cannot have its row count
checked by the client before the commit goes out. Written with ``require``, its guard
aborts the transaction in the database instead, with SQLSTATE ``JF001`` and a code as
the message; ``refused`` turns that back into the error the code names.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from sqlalchemy.exc import DBAPIError

from jifen.domain.errors import JifenError, LedgerConflict

FAILED = "JF001"
LEDGER_CONFLICT = "ledger_conflict"

_ERRORS: dict[str, Callable[[], JifenError]] = {
    LEDGER_CONFLICT: lambda: LedgerConflict(
        "the member's ledger changed under this operation; retry"
    ),
}


def require(condition: str, code: str) -> str:
    """SQL that is true when ``condition`` is, and fails the statement when it is not."""
    assert code in _ERRORS, code
    return f"jifen_require({condition}, '{code}')"


def raised(exc: Exception, *, broken: bool = False) -> Exception:
    """What to raise for an error the driver raised itself (a pipeline's end, not
    SQLAlchemy's ``execute``): a failed guard's error, or the error as SQLAlchemy wraps
    the driver's, so that a lost connection is told as SQLAlchemy tells it. ``broken``:
    the driver's connection is broken (``psycopg.Connection.broken``), which SQLAlchemy
    would have noticed and said (``connection_invalidated``)."""
    found = refused(exc)
    if found is not None:
        return found
    if isinstance(exc, DBAPIError):
        return exc
    return DBAPIError.instance(None, None, exc, psycopg.Error, connection_invalidated=broken)


def refused(exc: DBAPIError | Exception) -> JifenError | None:
    """The error a failed guard names, or None: ``exc`` (SQLAlchemy's or the driver's)
    is not a guard's."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(orig, "sqlstate", None) != FAILED:
        return None
    code = getattr(getattr(orig, "diag", None), "message_primary", None) or ""
    make = _ERRORS.get(code)
    return None if make is None else make()
