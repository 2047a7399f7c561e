"""Balance files, streamed: JSON Lines or CSV, one opening lot of points a row.

CSV has the header ``member,points,expires_at,earned_at,reference`` (only
``member`` and ``points`` are required, in any order); JSON Lines the same
fields. A CSV cell that is a whole number becomes one for ``points``, and an
empty cell is left out, so that both formats make the same records.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from typing import IO, Any

from jifen.adapters.importfiles import RecordFile, csv_rows
from jifen.services.imports.order_records import ERROR
from jifen.services.imports.rows import Row

COLUMNS = ("member", "points", "expires_at", "earned_at", "reference")
REQUIRED = frozenset({"member", "points"})
WHOLE = re.compile(r"^[+-]?\d{1,30}$")


class BalanceFile(RecordFile):
    """A file of opening balances to import; ``rows()`` reads it once, lazily."""

    kind = "balances"
    subject = "member"
    columns = COLUMNS
    required = REQUIRED

    def _csv(self, fh: IO[bytes]) -> Iterator[Row]:
        reader = csv.reader(self._text(fh))
        header = self._header(reader)
        for line, row in csv_rows(reader, header, "member"):
            yield line, row if ERROR in row else _record(row)


def _record(row: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {k: v for k, v in row.items() if v}
    points = record.get("points")
    if isinstance(points, str) and WHOLE.match(points):
        record["points"] = int(points)
    return record
