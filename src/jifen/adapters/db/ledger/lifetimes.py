"""``lot_expiry_beyond_policy``: each lot's issued end against what its programme gives.

Held to the policy: lots the programme's rules issued (an ``order``'s, an ``activity``'s or
a birthday ``gift``'s, each naming its rule, and a lottery ``prize``), no later than any
published version gives points earned then, and never-ending only where a version or tier
lets points never expire; lots of points given back after their lot ended (``reversal``),
no later than the longest grace. Exempt, as their own rule says: an operator's
``adjustment`` (the end the operator gave, audited), an opening balance's ``import`` (the
end the old system gave) and a credit from outside the rules (``ledger.earn``: no rule, the
end its caller gave). A programme that has published no version is held to nothing. The
hash chain covers a lot's issued end, source, rule and date: a history rewritten with its
hashes recomputed breaks the policy here, or it relabels the lot as exempt and only an
anchor sees it.

Set-based: one pass counts the lots held to the policy per programme, kind and UTC hour
of their date, with the latest issued end and the never-ending lots in each; only an hour
whose latest end is beyond what :class:`Lifetimes` gives its points is read again, lot by
lot. An hour's points are held to the latest end of the latest instant in it, so points
to the time of day are checked to the day they fall on (``ExpiryPolicy.latest_on``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, bindparam, text

from jifen.adapters.db.types import UTCDateTime
from jifen.domain.earning import Lifetimes

CHECK = "lot_expiry_beyond_policy"
# issued by the programme's rules: earning's lots name their rule; a prize names its draw;
# a challenge's reward names its challenge
EARNED = "((l.source IN ('order', 'activity', 'gift') AND l.rule_id IS NOT NULL)"
EARNED += " OR l.source IN ('prize', 'challenge'))"
RETURNED = "'reversal'"
HOUR = timedelta(hours=1)
CHUNK = 500

Report = Callable[[str, dict[str, Any]], None]
Bound = tuple[datetime | None, bool]  # the latest end (None: no end at all), never allowed


def _hour(dialect: str) -> str:
    """A lot's date as whole hours since 1970, UTC."""
    if dialect == "postgresql":
        return "CAST(floor(extract(epoch FROM l.created_at) / 3600) AS BIGINT)"
    return "CAST(strftime('%s', l.created_at) AS INTEGER) / 3600"


def _hours(hour: str) -> str:
    return f"""
        SELECT l.program_id AS program, CASE WHEN l.source = {RETURNED} THEN 1 ELSE 0 END
               AS returned, {hour} AS hour, MAX(l.issued_expires_at) AS latest,
               COUNT(*) - COUNT(l.issued_expires_at) AS endless
        FROM lots l WHERE {EARNED} OR l.source = {RETURNED}
        GROUP BY l.program_id, CASE WHEN l.source = {RETURNED} THEN 1 ELSE 0 END, {hour}"""


def _lots(hour: str, returned: bool) -> str:
    held = f"l.source = {RETURNED}" if returned else EARNED
    return f"""
        SELECT l.id AS lot, l.member_id AS member, {hour} AS hour, l.created_at AS dated,
               l.issued_expires_at AS issued
        FROM lots l
        WHERE l.program_id = :program AND {held} AND {hour} IN :hours
        ORDER BY l.id"""


def prove_lifetimes(conn: Connection, lifetimes: Mapping[int, Lifetimes], report: Report) -> None:
    hour = _hour(conn.dialect.name)
    found = text(_hours(hour)).columns(
        program=BigInteger, returned=Integer, hour=BigInteger, latest=UTCDateTime, endless=Integer
    )
    suspect: dict[tuple[int, bool], dict[int, Bound]] = {}
    for row in conn.execute(found):
        life = lifetimes.get(row.program)
        if life is None:
            continue
        bound = _bound(life, bool(row.returned), int(row.hour))
        if _beyond(row.latest, bound) or (row.endless and not bound[1]):
            suspect.setdefault((row.program, bool(row.returned)), {})[int(row.hour)] = bound
    for (program, returned), bounds in sorted(suspect.items()):
        for lot in _read(conn, _lots(hour, returned), program, sorted(bounds)):
            bound = bounds[int(lot.hour)]
            if _beyond(lot.issued, bound) or (lot.issued is None and not bound[1]):
                report(CHECK, _example(lot, bound[0]))


def _bound(life: Lifetimes, returned: bool, hour: int) -> Bound:
    start = datetime.fromtimestamp(hour * 3600, UTC)
    if returned:
        return life.latest_returned(start + HOUR), False
    return life.latest_earned(start, start + HOUR), life.never


def _beyond(issued: datetime | None, bound: Bound) -> bool:
    return issued is not None and (bound[0] is None or issued > bound[0])


def _read(conn: Connection, sql: str, program: int, hours: list[int]) -> Iterator[Any]:
    query = (
        text(sql)
        .bindparams(bindparam("hours", expanding=True))
        .columns(hour=BigInteger, dated=UTCDateTime, issued=UTCDateTime)
    )
    for at in range(0, len(hours), CHUNK):
        yield from conn.execute(query, {"program": program, "hours": hours[at : at + CHUNK]})


def _example(lot: Any, latest: datetime | None) -> dict[str, Any]:
    return {
        "lot": int(lot.lot),
        "member": int(lot.member),
        "dated": lot.dated.isoformat(),
        "issued": None if lot.issued is None else lot.issued.isoformat(),
        "latest": None if latest is None else latest.isoformat(),
    }
