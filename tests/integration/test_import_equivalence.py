"""An imported batch writes exactly what the same orders posted one by one write.

``jf`` records a stream of orders one at a time, as ``POST /v1/orders`` does;
``twin`` imports the same stream from a file, where each batch is decided
order by order on a write-behind unit of work and written a table at a time.
The stream crosses tier thresholds (silver, gold, diamond: points that stop
expiring), spends a campaign budget down to nothing, reaches a weekly cap,
starts new weeks, repeats order ids (the same details, and other details),
and names unknown and blocked members. Every row either way, ids normalised,
must be the same, and both ledgers verify.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jifen.bootstrap import Jifen
from jifen.domain.errors import JifenError
from jifen.domain.programs import Program
from jifen.services import imports, ledger, members
from jifen.services.earning.orders import record_order
from jifen.services.imports.order_records import command_from
from jifen.services.imports.rows import Rejected
from jifen.services.ledger.commands import Earn
from jifen.services.ledger.views import Receipt
from jifen.services.members.commands import UpdateMember
from jifen.services.unit_of_work import UnitOfWork
from tests.earning_fixtures import ROOT, join, publish
from tests.factories import FakeClock, assert_verified, balances, key
from tests.import_fixtures import write_jsonl
from tests.pipeline_fixtures import _json, _plain, rows, state

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday
PEOPLE = [f"P{n}" for n in range(1, 9)]
CAPPED = """
  - id: weekly-basket          # test only: 30 points for a basket of 50 yuan, twice a week
    kind: threshold
    name: {zh-CN: 每周满50元, en: Weekly basket}
    min_spend: "50.00"
    points: 30
    caps: [{per: week, max_times: 2}]

campaigns:"""
CATALOGUE = [
    ("eggs-12", "15.00", "dairy", ["daily_special"]),
    ("bok-choy", "6.80", "vegetables", []),
    ("oil-5l", "98.00", "grocery", ["new"]),
    ("salmon", "128.00", "seafood", []),
    ("tv", "4999.00", "electronics", []),
]


def programme_source() -> str:
    source = (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    source = source.replace("\ncampaigns:", CAPPED, 1)
    return source.replace("budget: 500000", "budget: 60", 1)  # spent out within the stream


def stream(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    made: list[dict[str, Any]] = []
    for i in range(count):
        when = START + timedelta(hours=7 * i + rng.randint(0, 5))
        lines = []
        for sku, price, category, tags in rng.sample(CATALOGUE[:4], rng.randint(1, 3)):
            lines.append(
                {
                    "sku": sku,
                    "quantity": rng.randint(1, 5),
                    "unit_price": price,
                    "category": category,
                    "tags": tags,
                }
            )
        if rng.random() < 0.08:  # a big spender's television: tiers move
            lines.append({"sku": "tv", "quantity": 1, "unit_price": "4999.00"})
        paid = sum(int(x["quantity"]) * float(x["unit_price"]) for x in lines)
        member = rng.choice(PEOPLE[:3] if rng.random() < 0.5 else PEOPLE)
        made.append(
            {
                "order_id": f"S{seed}-{i:04d}",
                "member": member,
                "placed_at": when.isoformat(),
                "paid": f"{paid:.2f}",
                "store": f"S{rng.randint(1, 3)}",
                "lines": lines,
            }
        )
        roll = rng.random()
        if roll < 0.05 and made:  # the same order again, as it was
            made.append(dict(rng.choice(made)))
        elif roll < 0.09 and made:  # an order id already used, other details
            again = dict(rng.choice(made))
            made.append({**again, "store": "S9"})
        elif roll < 0.11:
            made.append({**made[-1], "order_id": f"S{seed}-{i:04d}-x", "member": "NOBODY"})
    return made


def setup(app: Jifen, now: datetime, source: str | None = None) -> Program:
    assert isinstance(app.clock, FakeClock)
    app.clock.set(now)
    program = publish(app, "fresh-market", source or programme_source())
    for person in PEOPLE:
        segment = "vegetable_lover" if person in ("P2", "P5") else "regular"
        join(app, program, person, segment=segment)
    blocked = UpdateMember("P8", {"status": "blocked"})
    members.update_member(app.uow(), app.clock, program, blocked, key("block"))
    return program


def one_by_one(app: Jifen, program: Program, records: list[dict[str, Any]]) -> list[str]:
    outcomes = []
    for record in records:
        try:
            result = record_order(
                app.uow(), app.clock, app.rulebooks, program, command_from(record)
            )
            outcomes.append(f"{'skip' if result.replayed else 'ok'} {result.points}")
        except JifenError as exc:
            code = "order_id_reused" if exc.code == "idempotency_key_reused" else exc.code
            outcomes.append(code)
    return outcomes


def everything(app: Jifen, *, by_shard: bool = True) -> dict[str, Any]:
    """``state`` (members, entries, lots, outbox) and what earning and tiers keep; without
    ``by_shard``, a campaign's spends and budget whatever shard they were drawn from."""
    found = state(app)
    ranks: dict[int, int] = defaultdict(int)
    entry: dict[int, tuple[int, int]] = {}
    for e in rows(app, "SELECT id, member_id FROM entries ORDER BY id"):
        entry[e["id"]] = (e["member_id"], ranks[e["member_id"]])
        ranks[e["member_id"]] += 1

    def table(sql: str, *drop: str) -> list[Any]:
        out = []
        for r in rows(app, sql):
            if r.get("entry_id") is not None:
                r["entry_id"] = entry[r["entry_id"]]
            out.append(repr(sorted((k, _plain(v)) for k, v in r.items() if k not in drop)))
        return sorted(out)

    responses = []
    for r in rows(app, "SELECT key, fingerprint, response FROM idempotency_keys"):
        if not r["key"].startswith("order:"):
            continue  # the set-up's own keys
        response = _json(r["response"]) or {}
        if "entry_ids" in response:
            response["entry_ids"] = [entry[i] for i in response["entry_ids"]]
        responses.append(repr((r["key"], r["fingerprint"], response)))
    found.update(
        orders=table("SELECT * FROM orders", "id"),
        usage=table("SELECT * FROM rule_usage"),
        months=table("SELECT * FROM member_months"),
        tier_changes=table("SELECT * FROM tier_changes", "id"),
        spends=table("SELECT * FROM campaign_spend", "id", *([] if by_shard else ["shard"])),
        budgets=table(
            "SELECT * FROM campaign_budgets"
            if by_shard
            else "SELECT program_id, campaign_id, sum(budget) AS budget, sum(spent) AS spent "
            "FROM campaign_budgets GROUP BY program_id, campaign_id"
        ),
        keys=sorted(responses),
    )
    return found


@pytest.mark.parametrize(("seed", "batch"), [(1, 7), (2, 50), (3, 500)])
def test_an_import_writes_what_posting_each_order_writes(
    jf: Jifen, twin: Jifen, tmp_path: Path, seed: int, batch: int
) -> None:
    records = stream(seed, 160)
    now = datetime(2026, 9, 1, 12, tzinfo=SHANGHAI)
    posted, imported = setup(jf, now), setup(twin, now)
    earlier = records[:5]  # already recorded before the file comes: replays
    one_by_one(jf, posted, earlier)
    one_by_one(twin, imported, earlier)
    # when jf records each order as it is posted, and twin imports the file
    expected = one_by_one(jf, posted, records)
    rejected: list[Rejected] = []
    summary = imports.import_orders(
        twin.uow,
        twin.clock,
        twin.rulebooks,
        imported,
        [(i + 1, r) for i, r in enumerate(records)],
        batch_size=batch,
        rejects=rejected.extend,
    )
    # then the import took every batch at once, and refused the same rows for the same reasons
    assert summary.batches_redone == 0
    reasons = {r.line: r.reason.split(":")[0] for r in rejected}
    refused = {i + 1: x for i, x in enumerate(expected) if not x.startswith(("ok", "skip"))}
    assert reasons == refused
    assert summary.skipped_existing == sum(x.startswith("skip") for x in expected)
    assert summary.points == sum(int(x.split()[1]) for x in expected if x.startswith("ok"))
    # and wrote the same rows
    a, b = everything(jf), everything(twin)
    for name in a:
        assert a[name] == b[name], name
    # the stream did reach what it is for
    assert {"order_id_reused", "member_not_found", "member_not_active"} <= set(refused.values())
    assert any("diamond" in change for change in a["tier_changes"])
    assert any("budget_exhausted" in o for o in a["orders"])
    assert any("cap_reached" in o for o in a["orders"])
    assert_verified(jf)
    assert_verified(twin)


def test_an_import_in_lanes_side_by_side_writes_what_posting_each_order_writes(
    jf: Jifen, twin: Jifen
) -> None:
    # a budget that does not run out: across lanes, which member draws a budget's last
    # points is the order they reach it (imports.lanes); everything else is per member
    source = programme_source().replace("budget: 60", "budget: 500000", 1)
    records = stream(5, 200)
    now = datetime(2026, 9, 1, 12, tzinfo=SHANGHAI)
    posted, imported = setup(jf, now, source), setup(twin, now, source)
    expected = one_by_one(jf, posted, records)
    numbered = [(i + 1, r) for i, r in enumerate(records)]
    file = imports.ImportFile("f" * 64, "orders.jsonl", 1)
    # when twin imports the stream in three lanes at once, each on its own connection
    with ThreadPoolExecutor(3) as pool:
        running = [
            pool.submit(
                imports.import_orders,
                twin.uow,
                twin.clock,
                twin.rulebooks,
                imported,
                numbered,
                batch_size=9,
                checkpoint=file,
                lane=lane,
            )
            for lane in imports.lanes(3)
        ]
        summaries = [x.result(timeout=120) for x in running]
    imports.finish_lanes(twin.uow, twin.clock, imported, file, 3)
    # then each lane took its own members' rows, and together they took every row once
    summary = imports.merged(summaries, 0.0)
    assert all(s.rows > 0 for s in summaries) and summary.rows == len(records)
    assert summary.rejected == sum(not x.startswith(("ok", "skip")) for x in expected)
    assert summary.points == sum(int(x.split()[1]) for x in expected if x.startswith("ok"))
    # and wrote what posting each order in the file's order wrote (a lane draws on a
    # campaign budget's shards as they come free)
    a, b = everything(jf, by_shard=False), everything(twin, by_shard=False)
    for name in a:
        assert a[name] == b[name], name
    assert any("diamond" in change for change in a["tier_changes"])
    assert any("cap_reached" in o for o in a["orders"])
    # and the lanes' checkpoints finished together
    assert imports.begun_import(twin.uow(), imported, file) is None
    assert_verified(twin)


def test_a_file_imported_twice_changes_nothing_the_second_time(twin: Jifen, tmp_path: Path) -> None:
    records = stream(4, 60)
    program = setup(twin, datetime(2026, 9, 1, 12, tzinfo=SHANGHAI))
    path = write_jsonl(tmp_path / "orders.jsonl", records)
    first = imports.import_orders(
        twin.uow, twin.clock, twin.rulebooks, program, twin.order_file(path, None).rows()
    )
    before = everything(twin)
    second = imports.import_orders(
        twin.uow, twin.clock, twin.rulebooks, program, twin.order_file(path, None).rows()
    )
    assert everything(twin) == before
    assert second.imported == 0
    assert second.skipped_existing == first.imported + first.skipped_existing
    assert second.rejected == first.rejected


@dataclass(frozen=True)
class Grants:
    """A kind of row for this test: points for a member, batched; 13 points fail a batch."""

    program: Program

    def start(self, uow: UnitOfWork) -> None:
        return None

    def subject(self, record: object) -> str | None:
        return str(record["member"]) if isinstance(record, dict) else None

    def check(self, record: object, now: datetime) -> Earn:
        assert isinstance(record, dict)
        return Earn(record["member"], int(record["points"]))

    def write(self, uow: UnitOfWork, item: Earn, now: datetime) -> Receipt:
        return ledger.earn_in(uow, self.program, item, now)

    def write_many(self, uow: UnitOfWork, items: Sequence[Earn], now: datetime) -> list[Receipt]:
        written = [self.write(uow, x, now) for x in items]
        if any(x.points == 13 for x in items):
            raise RuntimeError("this batch cannot be written at once")
        return written


def test_a_batch_that_fails_at_once_is_undone_and_written_row_by_row(twin: Jifen) -> None:
    program = setup(twin, datetime(2026, 9, 1, 12, tzinfo=SHANGHAI))
    rows_ = [(1, {"member": "P1", "points": 10}), (2, {"member": "P1", "points": 13})]
    rows_ += [(3, {"member": "P1", "points": 20}), (4, {"member": "P2", "points": 5})]
    summary = imports.run_import(
        twin.uow, twin.clock, program, Grants(program), rows_, imports.ImportOptions(batch_size=2)
    )
    # the first batch failed at once and was written row by row; the second went at once
    assert summary.batches_redone == 1
    assert (summary.imported, summary.points) == (4, 48)
    # and what the failed attempt wrote was undone: nothing was credited twice
    assert balances(twin, program, "P1") == (43, 0, 0)
    assert balances(twin, program, "P2") == (5, 0, 0)
    assert_verified(twin)
