"""Order files for import tests: the worked fresh-market example, as JSON Lines or CSV.

Points under programs/fresh-market.yaml (1 point a yuan; x2 on a member's
first order of each ISO week in Shanghai; +50 daily special; +50 at 200 yuan;
+100 new product):

- A1  C-1  Mon 2 Feb 10:00   128.50  eggs (daily special) + bok choy   128 + 128 + 50 = 306
- A2  C-1  Wed 4 Feb 18:00   250.00  oil (new)                          250 + 50 + 100 = 400
- B1  C-2  Sun 8 Feb 23:30    10.00  milk                               10 + 10 = 20
- B2  C-2  Mon 9 Feb 00:30    10.00  milk: a new week in Shanghai,
                                     the same week in UTC               10 + 10 = 20
- A3  C-1  Mon 9 Feb 09:00    80.00  milk x8                            80 + 80 = 160
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

from jifen.adapters.orderfiles import LINE_COLUMNS, ORDER_COLUMNS
from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import imports
from jifen.services.imports.rows import ImportSummary, Row

CSV_COLUMNS = ORDER_COLUMNS + LINE_COLUMNS  # the order file's own columns


def item(sku: str, qty: int, price: str, category: str, *tags: str) -> dict[str, Any]:
    return {"sku": sku, "quantity": qty, "unit_price": price, "category": category, "tags": [*tags]}


def order(order_id: str, member: str, at: str, paid: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "member": member,
        "placed_at": at,
        "paid": paid,
        "lines": list(lines),
    }


EGGS = item("eggs-12", 2, "15.00", "dairy", "daily_special")
VEG = item("bok-choy", 1, "98.50", "vegetables")
OIL = item("oil-5l", 1, "250.00", "grocery", "new")
MILK = item("milk", 1, "10.00", "dairy")
WORKED = [
    order("A1", "C-1", "2026-02-02T10:00:00+08:00", "128.50", EGGS, VEG),
    order("A2", "C-1", "2026-02-04T18:00:00+08:00", "250.00", OIL),
    order("B1", "C-2", "2026-02-08T23:30:00+08:00", "10.00", MILK),
    order("B2", "C-2", "2026-02-09T00:30:00+08:00", "10.00", MILK),
    order("A3", "C-1", "2026-02-09T09:00:00+08:00", "80.00", item("milk", 8, "10.00", "dairy")),
]
WORKED_POINTS = {"A1": 306, "A2": 400, "B1": 20, "B2": 20, "A3": 160}


def write_jsonl(path: Path, records: Iterable[dict[str, Any] | str]) -> Path:
    """Records as JSON lines; a string is written as it is (a broken line)."""
    lines = (r if isinstance(r, str) else json.dumps(r) for r in records)
    path.write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    return path


def write_csv(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in records:
            head = [r.get(c, "") or "" for c in CSV_COLUMNS[:6]]
            for x in r["lines"]:
                tags = "|".join(x.get("tags", []))
                writer.writerow(
                    [*head, x["sku"], x["quantity"], x["unit_price"], x.get("category", ""), tags]
                )
    return path


def write(path: Path, records: list[dict[str, Any]], fmt: str) -> Path:
    return write_jsonl(path, records) if fmt == "jsonl" else write_csv(path, records)


def run_import(
    jf: Jifen,
    program: Program,
    path: Path,
    rows: Iterable[Row] | None = None,
    **options: Any,
) -> ImportSummary:
    """Import ``path`` as the CLI does (with its checkpoint); ``rows`` replaces the reader."""
    source = jf.order_file(path)
    return imports.import_orders(
        jf.uow,
        jf.clock,
        jf.rulebooks,
        program,
        source.rows() if rows is None else rows,
        checkpoint=source.identity,
        **options,
    )


def stop_after(rows: Iterable[Row], n: int, exc: BaseException) -> Iterator[Row]:
    """The rows, until the reader fails when asked for row ``n + 1``."""
    for i, row in enumerate(rows):
        if i == n:
            raise exc
        yield row


def points_by_order(jf: Jifen) -> dict[str, int]:
    with jf.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.order_id, COALESCE(e.amount, 0) FROM orders o "
                "LEFT JOIN entries e ON e.id = o.entry_id"
            )
        ).all()
    return {r[0]: int(r[1]) for r in rows}


def import_rows(jf: Jifen) -> list[tuple[int, int, int, bool]]:
    """(last_line, imported, skipped_existing, finished) of every import, oldest first.

    Read in a read transaction: on SQLite a writer's BEGIN IMMEDIATE would queue
    behind a running import until it ends.
    """
    with jf.engine.connect().execution_options(jifen_write=False) as conn:
        rows = conn.execute(
            text(
                "SELECT last_line, imported, skipped_existing, finished_at IS NOT NULL "
                "FROM imports ORDER BY id"
            )
        ).all()
    return [(int(a), int(b), int(c), bool(d)) for a, b, c, d in rows]
