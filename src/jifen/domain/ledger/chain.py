"""Each member's entries chained by hash: what an entry's hash covers, and how it is encoded.

An entry's hash is SHA-256 over a canonical, versioned encoding (``jifen.entry.v1``) of
what the ledger's numbers are made of: the member, the kind, the amount and the three
balance deltas, the reference, the entry it reverses, when it was written, the lots it
issued (amount, what it repaid at once, dates as issued, source, rule, parent), the lots
it drew from (lot id, points), the hold it placed (amount, end, reference), and the hash
of the member's previous entry.

Not covered, on purpose: ``meta``, ``reason`` and ``actor`` (free text an erasure may
need to scrub), the entry's own id (the chain orders by it; a row moved breaks the links),
a lot's ``remaining`` and ``pending`` (they change as points are spent or mature; the
draws that change them are covered) and ``expires_at`` as it is now (covered as issued;
only a recorded extension may move it).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jifen.domain.error_codes import LedgerCode
from jifen.domain.errors import InvalidInput

VERSION = "jifen.entry.v1"


@dataclass(frozen=True)
class ChainedLot:
    """A lot as its entry issued it."""

    amount: int
    repaid: int  # points of it drawn by the issuing entry itself (a debt repaid)
    available_at: datetime
    expires_at: datetime | None  # as issued
    source: str
    source_ref: str | None
    rule_id: str | None
    parent_lot_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class ChainedEntry:
    """What an entry's hash covers, besides the previous hash."""

    member_id: int
    kind: str
    amount: int
    delta_available: int
    delta_pending: int
    delta_held: int
    reference: str | None
    reverses_entry_id: int | None
    created_at: datetime
    lots: Sequence[ChainedLot] = ()
    draws: Sequence[tuple[int, int]] = ()  # (lot id, points) on lots issued earlier
    hold: tuple[int, datetime, str | None] | None = None  # a hold it placed: amount, end, ref


def entry_hash(prev: str | None, entry: ChainedEntry) -> str:
    """The hex SHA-256 of ``entry`` chained to ``prev`` (None: the member's first entry)."""
    return hashlib.sha256(encode(prev, entry)).hexdigest()


def encode(prev: str | None, e: ChainedEntry) -> bytes:
    """``[version, prev, member, kind, amount, deltas..., reference, reverses, created,
    [lots, sorted], [[lot, points] draws, sorted], hold or null]`` as compact JSON, UTF-8."""
    head = _dumps(
        [
            VERSION,
            prev,
            int(e.member_id),
            e.kind,
            int(e.amount),
            int(e.delta_available),
            int(e.delta_pending),
            int(e.delta_held),
            e.reference,
            e.reverses_entry_id,
            instant(e.created_at),
        ]
    )
    lots = ",".join(sorted(_lot(lot) for lot in e.lots))
    draws = _dumps(sorted([int(lot_id), int(points)] for lot_id, points in e.draws))
    hold = "null" if e.hold is None else _dumps([int(e.hold[0]), instant(e.hold[1]), e.hold[2]])
    return f"{head[:-1]},[{lots}],{draws},{hold}]".encode()


def _lot(lot: ChainedLot) -> str:
    return _dumps(
        [
            int(lot.amount),
            int(lot.repaid),
            instant(lot.available_at),
            instant(lot.expires_at),
            lot.source,
            lot.source_ref,
            lot.rule_id,
            lot.parent_lot_id,
            instant(lot.created_at),
        ]
    )


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@functools.lru_cache(maxsize=4096)  # an order's lots share their instants; so do a night's
def instant(at: datetime | None) -> str | None:
    """A UTC instant to the microsecond; a naive one is taken as UTC (SQLite's reading)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


ANCHOR = "jifen.anchor.v1"

#: per member: (how many entries the chain had, the hash of the last of them)
Heads = Mapping[int, tuple[int, str]]


def heads_digest(heads: Heads) -> str:
    """The digest of an anchor's heads, so a damaged or edited file is told apart."""
    body = [[m, n, h] for m, (n, h) in sorted(heads.items())]
    raw = json.dumps([ANCHOR, body], separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


def anchor_text(heads: Heads, at: datetime) -> str:
    """An anchor: the chain heads as of ``at``, to keep outside the database."""
    doc = {
        "format": ANCHOR,
        "written_at": instant(at),
        "members": len(heads),
        "digest": heads_digest(heads),
        "heads": [[m, n, h] for m, (n, h) in sorted(heads.items())],
    }
    return json.dumps(doc, indent=1) + "\n"


def read_anchor(text: str) -> dict[int, tuple[int, str]]:
    """The heads an anchor holds; ``anchor_unreadable`` unless it is whole and unedited."""
    try:
        doc = json.loads(text)
        heads = _heads(doc)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise _unreadable(f"not an anchor ({type(exc).__name__})") from None
    if doc.get("digest") != heads_digest(heads):
        raise _unreadable("its digest does not match its heads")
    return heads


def _heads(doc: Any) -> dict[int, tuple[int, str]]:
    if not isinstance(doc, dict) or doc.get("format") != ANCHOR:
        raise ValueError("format")
    heads: dict[int, tuple[int, str]] = {}
    for m, n, h in doc["heads"]:
        if not (type(m) is int and type(n) is int and isinstance(h, str) and n > 0):
            raise ValueError("head")
        heads[m] = (n, h)
    return heads


def _unreadable(why: str) -> InvalidInput:
    return InvalidInput(f"the anchor cannot be used: {why}", code=LedgerCode.ANCHOR_UNREADABLE)
