"""Order files for ``jifen import orders`` benchmarks: ``write_orders(path, count, members, fmt)``.

Orders are written one at a time (memory does not grow with ``count``), in
time order, a few minutes apart from 2026-01-05 in Shanghai, cycling through
``members``; each has one to three lines from a small fresh-market catalogue,
some tagged ``daily_special`` or ``new``. The same arguments give the same file.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from jifen.adapters.orderfiles import LINE_COLUMNS, ORDER_COLUMNS

SHANGHAI = timezone(timedelta(hours=8))
START = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
CATALOGUE = (
    ("eggs-12", "15.00", "dairy", ("daily_special",)),
    ("milk-1l", "12.50", "dairy", ()),
    ("bok-choy", "6.80", "vegetables", ()),
    ("tomatoes", "9.90", "vegetables", ()),
    ("rice-5kg", "49.00", "grocery", ()),
    ("oil-5l", "98.00", "grocery", ("new",)),
    ("salmon", "128.00", "seafood", ()),
)
CSV_COLUMNS = ORDER_COLUMNS + LINE_COLUMNS  # the order file's own columns


def orders(count: int, members: Sequence[str], seed: int = 7) -> Iterator[dict[str, Any]]:
    """Order bodies (as for POST /v1/orders), generated lazily."""
    rng = random.Random(seed)
    for i in range(count):
        lines = []
        for sku, price, category, tags in rng.sample(CATALOGUE, rng.randint(1, 3)):
            lines.append(
                {
                    "sku": sku,
                    "quantity": rng.randint(1, 4),
                    "unit_price": price,
                    "category": category,
                    "tags": list(tags),
                }
            )
        paid = sum(Decimal(x["unit_price"]) * x["quantity"] for x in lines)
        yield {
            "order_id": f"bench-{i + 1:08d}",
            "member": members[i % len(members)],
            "paid": f"{paid:.2f}",
            "placed_at": (START + timedelta(minutes=3 * i)).isoformat(),
            "channel": rng.choice(("store", "online", "app")),
            "store": f"S{rng.randint(1, 20):02d}",
            "lines": lines,
        }


def write_orders(
    path: str | Path, count: int, members: Sequence[str], fmt: str = "jsonl", seed: int = 7
) -> Path:
    """Write ``count`` orders to ``path`` as ``jsonl`` or ``csv``; return the path."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as fh:
        if fmt == "jsonl":
            for order in orders(count, members, seed):
                fh.write(json.dumps(order, ensure_ascii=False) + "\n")
        elif fmt == "csv":
            writer = csv.writer(fh)
            writer.writerow(CSV_COLUMNS)
            for order in orders(count, members, seed):
                head = [order[c] for c in CSV_COLUMNS[:6]]
                for x in order["lines"]:
                    tags = "|".join(x["tags"])
                    writer.writerow(
                        [*head, x["sku"], x["quantity"], x["unit_price"], x["category"], tags]
                    )
        else:
            raise ValueError(f"unknown format {fmt!r}: jsonl or csv")
    return path
