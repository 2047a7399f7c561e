"""A random ledger population, and the ledger's state with ids normalised away.

``plan(seed)`` draws a week of operations for a few dozen members: earnings now
or pending, expiring or not, spends, holds (some outliving the lots they drew
from), reversals of credits and debits (debt under ``allow``, grace lots when a
spend is reversed after its lot ended). ``apply`` plays them on a database in
time order, leaving what falls due before the night's cut-off unsettled.

``state`` reads every row settlement can write, with ids replaced by stable
keys: an entry is (member, its rank among the member's entries), a lot is
(the entry that created it, its rank among that entry's lots). Two databases
that applied the same plan and settled the same way have equal states.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from jifen.bootstrap import Jifen
from jifen.domain.errors import JifenError
from jifen.domain.programs import Program
from jifen.services import ledger, members
from jifen.services.ledger import holds
from jifen.services.ledger.commands import Earn, PlaceHold, Redeem, Reverse
from jifen.services.members.commands import CreateMember
from tests.factories import START, FakeClock

DAY = date(2026, 3, 8)  # the night settled: Asia/Shanghai, cut-off 2026-03-07 16:00 UTC
CUTOFF = datetime(2026, 3, 7, 16, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Op:
    at: datetime
    member: int
    kind: str  # earn, redeem, hold, reverse, debt
    points: int = 0
    available_at: datetime | None = None
    expires_at: datetime | None = None
    ttl: int = 0
    target: int = -1  # reverse: the index of an earlier op of the same member
    partial: bool = False


def plan(seed: int, size: int = 24) -> list[Op]:
    rng = random.Random(seed)
    span = (CUTOFF - START) / HOUR - 2
    ops: list[Op] = []
    for m in range(size):
        t = rng.uniform(0, 24)
        mine: list[int] = []
        for _ in range(rng.randint(2, 10)):
            at = START + t * HOUR
            kind = rng.choices(["earn", "redeem", "hold", "reverse", "debt"], [5, 2, 2, 1.5, 1])[0]
            op = _draw(rng, kind, at, m, [i for i in mine if ops[i].kind in ("earn", "redeem")])
            if op is not None:
                mine.append(len(ops))
                ops.append(op)
            t += rng.uniform(0, span / 5)
            if t > span:
                break
    ops += _outliving_holds(size) + _debts(size + 3)
    return sorted(ops, key=lambda o: (o.at, o.member))


def _outliving_holds(first: int) -> list[Op]:
    """Holds that outlive part of what they drew: 100 points ending 30 hours before
    the cut-off, 200 that never end, a hold of 150 placed before and ending after."""
    at = CUTOFF - 80 * HOUR
    ops = []
    for m in range(first, first + 3):
        ops += [
            Op(at - HOUR, m, "earn", 100, expires_at=CUTOFF - 30 * HOUR),
            Op(at - HOUR, m, "earn", 200),
            Op(at, m, "hold", 150, ttl=70 * 3600),
        ]
    return ops


def _debts(first: int) -> list[Op]:
    """Members in debt (under ``allow``) when pending points mature or a hold expires."""
    at = CUTOFF - 100 * HOUR
    return [
        Op(at, first, "debt", 100),
        Op(at + HOUR, first, "earn", 150, available_at=CUTOFF - 10 * HOUR),
        Op(at, first + 1, "earn", 100),
        Op(at, first + 1, "earn", 80),
        Op(at + HOUR, first + 1, "hold", 80, ttl=60 * 3600),
        Op(at + 2 * HOUR, first + 1, "redeem", 100),
        Op(at + 3 * HOUR, first + 1, "reverse", target=-2),  # the first earn of the member
        Op(at, first + 2, "debt", 50),
        Op(at + HOUR, first + 2, "earn", 30, expires_at=CUTOFF - 20 * HOUR),
    ]


def _draw(rng: random.Random, kind: str, at: datetime, m: int, earlier: list[int]) -> Op | None:
    if kind == "earn":
        available = at + rng.uniform(1, 200) * HOUR if rng.random() < 0.35 else None
        start = available or at
        ends = start + rng.uniform(1, 240) * HOUR if rng.random() < 0.7 else None
        return Op(at, m, "earn", rng.randint(1, 500), available, ends)
    if kind == "redeem":
        return Op(at, m, "redeem", rng.randint(1, 400))
    if kind == "hold":
        return Op(at, m, "hold", rng.randint(1, 300), ttl=rng.randint(600, 7 * 86400))
    if kind == "debt":  # earn, spend everything, then the earning order is refunded
        return Op(at, m, "debt", rng.randint(1, 300))
    if not earlier:
        return None
    return Op(at, m, "reverse", target=rng.choice(earlier), partial=rng.random() < 0.4)


@dataclass
class Played:
    outcomes: list[str] = field(default_factory=list)
    entry_of: dict[int, int] = field(default_factory=dict)
    first_earn: dict[str, int] = field(default_factory=dict)


def apply(jf: Jifen, clock: FakeClock, program: Program, ops: list[Op]) -> Played:
    played = Played()
    for m in range(max(op.member for op in ops) + 1):
        members.create_member(jf.uow(), clock, program, CreateMember(f"M-{m:03d}"), f"join-{m}")
    for i, op in enumerate(ops):
        clock.set(op.at)
        try:
            played.entry_of[i] = _play(jf, clock, program, op, played)
            played.outcomes.append("ok")
        except JifenError as exc:
            played.outcomes.append(exc.code)
    return played


def _play(jf: Jifen, clock: FakeClock, program: Program, op: Op, played: Played) -> int:
    who, k = f"M-{op.member:03d}", f"op-{len(played.outcomes)}"
    if op.kind == "earn":
        cmd = Earn(who, op.points, available_at=op.available_at, expires_at=op.expires_at)
        receipt = ledger.earn(jf.uow(), clock, program, cmd, k)
        played.first_earn.setdefault(who, receipt.entry_ids[0])
    elif op.kind == "redeem":
        receipt = ledger.redeem(jf.uow(), clock, program, Redeem(who, op.points), k)
    elif op.kind == "debt":
        earned = ledger.earn(jf.uow(), clock, program, Earn(who, op.points), k)
        balance = members.get_member(jf.uow(write=False), clock, program, who).available
        ledger.redeem(jf.uow(), clock, program, Redeem(who, balance), f"{k}-spend")
        receipt = ledger.reverse(
            jf.uow(), clock, program, Reverse(earned.entry_ids[0]), f"{k}-back"
        )
    elif op.kind == "hold":
        place = PlaceHold(who, op.points, ttl_seconds=op.ttl)
        receipt = holds.place_hold(jf.uow(), clock, program, place, k)
    else:
        original = played.entry_of.get(op.target) if op.target >= 0 else played.first_earn[who]
        if original is None:
            return -1
        cmd = Reverse(original, points=1 if op.partial else None)
        receipt = ledger.reverse(jf.uow(), clock, program, cmd, k)
    return receipt.entry_ids[0]


# --------------------------------------------------------------------------- the state


def rows(jf: Jifen, sql: str) -> list[dict[str, Any]]:
    with jf.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql)).mappings()]


def state(jf: Jifen, *, reminders: bool = False) -> dict[str, Any]:
    """Every row settlement writes, ids normalised; reminders left out unless asked."""
    entries = rows(jf, "SELECT * FROM entries ORDER BY id")
    rank: dict[int, int] = defaultdict(int)
    entry_key: dict[int, tuple[int, int]] = {}
    for e in entries:
        entry_key[e["id"]] = (e["member_id"], rank[e["member_id"]])
        rank[e["member_id"]] += 1
    lots = rows(jf, "SELECT * FROM lots ORDER BY id")
    per_entry: dict[int, int] = defaultdict(int)
    lot_key: dict[int, tuple[Any, ...]] = {}
    for lot in lots:
        lot_key[lot["id"]] = (entry_key[lot["entry_id"]], per_entry[lot["entry_id"]])
        per_entry[lot["entry_id"]] += 1

    def ekey(entry_id: int | None) -> Any:
        return None if entry_id is None else entry_key[entry_id]

    def normal(row: dict[str, Any], drop: tuple[str, ...] = ("id",)) -> dict[str, Any]:
        return {k: _plain(v) for k, v in row.items() if k not in drop}

    events = rows(jf, "SELECT topic, payload, created_at FROM outbox ORDER BY id")
    by_member: dict[str, list[Any]] = defaultdict(list)
    for ev in events:
        payload = _json(ev["payload"])
        if ev["topic"] == "points.expiry_approached" and not reminders:
            continue
        if "entry_id" in payload:
            payload["entry_id"] = ekey(payload["entry_id"])
        by_member[payload.get("member", "")].append(
            (ev["topic"], payload, _plain(ev["created_at"]))
        )
    return {
        # codes are drawn at random: two databases draw different ones
        "members": [
            normal(m, ("id", "member_code", "referral_code"))
            for m in rows(jf, "SELECT * FROM members ORDER BY external_id")
        ],
        "entries": sorted(
            (
                ekey(e["id"]),
                normal({**e, "reverses_entry_id": ekey(e["reverses_entry_id"])}),
                _json(e["meta"]),
            )
            for e in entries
        ),
        "lots": sorted(
            (
                lot_key[lot["id"]],
                ekey(lot["entry_id"]),
                normal(
                    {
                        **lot,
                        "parent_lot_id": lot_key.get(lot["parent_lot_id"]),
                        "entry_id": None,
                    }
                ),
            )
            for lot in lots
        ),
        "draws": sorted(
            (ekey(d["entry_id"]), lot_key[d["lot_id"]], d["amount"])
            for d in rows(jf, "SELECT * FROM draws")
        ),
        "holds": sorted(
            (ekey(h["entry_id"]), normal(h, ("id", "entry_id")))
            for h in rows(jf, "SELECT * FROM holds")
        ),
        "outbox": dict(by_member),
    }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value[:1] in "{[":
        return _json(value)
    return value
