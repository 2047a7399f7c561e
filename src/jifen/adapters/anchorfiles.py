"""Anchor files: the ledger's chain heads, kept by an operator outside the database.

An anchor is written whole or not at all (a temporary file renamed into place), so a
crash mid-write never leaves half an anchor; one that cannot be read is
``anchor_unreadable``, one readable line and a non-zero exit.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput

MAX_BYTES = 512 * 1024 * 1024  # an anchor holds a line per member: 10 M members fit


def read_anchor_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(
                f"the anchor {path} is larger than {MAX_BYTES} bytes",
                code=LedgerCode.ANCHOR_UNREADABLE,
            )
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise InvalidInput(
            f"the anchor {path} cannot be read: {reason}", code=LedgerCode.ANCHOR_UNREADABLE
        ) from None


def write_anchor_file(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically; a directory gets ``anchor-<UTC instant>.json``."""
    if path.is_dir():
        path = path / f"anchor-{datetime.now().astimezone():%Y%m%dT%H%M%S%z}.json"
    fd, tmp = tempfile.mkstemp(prefix=".anchor-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
