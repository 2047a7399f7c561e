"""Order files, streamed: JSON Lines (one order a line) or CSV (one order line a row).

Rows come out as ``(line number, record)``, a record being the body of
``POST /v1/orders``; the services check it. A JSON line that cannot be read
becomes ``{ERROR: reason}``, so that it is rejected like any other bad row. In
CSV, consecutive rows with the same ``order_id`` form one order, numbered by
its first line. ``position`` is how many bytes have been read, for a progress
bar over the file's size.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import groupby, islice
from typing import IO, Any

from jifen.adapters.importfiles import RecordFile, RejectsFile, csv_rows
from jifen.services.imports.order_records import ERROR, MAX_LINES
from jifen.services.imports.rows import Row

__all__ = ["LINE_COLUMNS", "ORDER_COLUMNS", "OrderFile", "RejectsFile"]

ORDER_COLUMNS = ("order_id", "member", "placed_at", "paid", "channel", "store")
LINE_COLUMNS = ("sku", "quantity", "unit_price", "category", "tags")
REQUIRED = frozenset({"order_id", "member", "placed_at", "paid"})


class OrderFile(RecordFile):
    """An order file to import; ``rows()`` reads it once, lazily."""

    subject = "order_id"
    columns = ORDER_COLUMNS + LINE_COLUMNS
    required = REQUIRED

    def _csv(self, fh: IO[bytes]) -> Iterator[Row]:
        reader = csv.reader(self._text(fh))
        header = self._header(reader)
        records = csv_rows(reader, header, "order_id")
        for _, group in groupby(records, key=lambda x: x[1].get("order_id")):
            yield _csv_order(group)


def _csv_order(group: Iterator[tuple[int, dict[str, Any]]]) -> Row:
    rows = list(islice(group, MAX_LINES + 1))
    line, first = rows[0]
    if len(rows) > MAX_LINES:  # groupby skips the rest without keeping it
        reason = f"order {first.get('order_id')} has more than {MAX_LINES} rows"
        return line, {ERROR: reason, "order_id": first.get("order_id")}
    broken = next((row for _, row in rows if ERROR in row), None)
    if broken is not None:
        return line, broken
    for later_line, later in rows[1:]:
        for column in ORDER_COLUMNS:
            if later.get(column, "") != first.get(column, ""):
                return line, {
                    ERROR: f"line {later_line}: the rows of order {first.get('order_id')} "
                    f"disagree on {column}",
                    "order_id": first.get("order_id"),
                }
    record: dict[str, Any] = {c: first[c] for c in ORDER_COLUMNS if first.get(c)}
    record["lines"] = [_csv_line(row) for _, row in rows if row.get("sku")]
    return line, record


def _csv_line(row: dict[str, str]) -> dict[str, Any]:
    quantity: Any = row.get("quantity", "")
    line: dict[str, Any] = {
        "sku": row["sku"],
        "quantity": int(quantity) if quantity.isdigit() else quantity,
        "unit_price": row.get("unit_price", ""),
    }
    if row.get("category"):
        line["category"] = row["category"]
    if row.get("tags"):
        line["tags"] = [t.strip() for t in row["tags"].split("|") if t.strip()]
    return line
