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
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby, islice
from pathlib import Path
from typing import IO, Any

from jifen.domain.errors import InvalidInput
from jifen.services.import_records import ERROR, MAX_LINES
from jifen.services.imports import ImportFile, Rejected, Row

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
HEAD_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"
ORDER_COLUMNS = ("order_id", "member", "placed_at", "paid", "channel", "store")
LINE_COLUMNS = ("sku", "quantity", "unit_price", "category", "tags")
REQUIRED = frozenset({"order_id", "member", "placed_at", "paid"})


def fingerprint(path: Path, size: int) -> str:
    """sha256 over the first 64 KiB, the size and the file's name."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(HEAD_BYTES))
    digest.update(f"\0{size}\0{path.name}".encode())
    return digest.hexdigest()


class OrderFile:
    """An order file to import; ``rows()`` reads it once, lazily."""

    def __init__(self, path: str | Path, fmt: str | None = None) -> None:
        self.path = Path(path)
        self.format = fmt or FORMATS.get(self.path.suffix.lower(), "")
        if self.format not in ("jsonl", "csv"):
            raise InvalidInput(
                f"{self.path}: cannot tell the format from the name; "
                "use .jsonl, .ndjson or .csv, or --format jsonl|csv",
                code="import_format_unknown",
            )
        try:
            self.size = self.path.stat().st_size
            self.identity = ImportFile(fingerprint(self.path, self.size), self.path.name, self.size)
        except OSError as exc:
            raise InvalidInput(
                f"{self.path}: cannot read: {exc.strerror}", code="import_file_unreadable"
            ) from exc
        self.position = 0

    def rows(self) -> Iterator[Row]:
        with self.path.open("rb") as fh:
            yield from (self._jsonl(fh) if self.format == "jsonl" else self._csv(fh))

    def _bytes(self, fh: IO[bytes]) -> Iterator[bytes]:
        for raw in fh:
            self.position += len(raw)
            yield raw

    def _jsonl(self, fh: IO[bytes]) -> Iterator[Row]:
        for number, raw in enumerate(self._bytes(fh), start=1):
            if raw.strip():
                yield number, _json_record(raw.removeprefix(BOM) if number == 1 else raw)

    def _csv(self, fh: IO[bytes]) -> Iterator[Row]:
        reader = csv.reader(self._text(fh))
        header = [h.strip() for h in next(reader, [])]
        _check_header(self.path, header)
        records = _csv_rows(reader, header)
        for _, group in groupby(records, key=lambda x: x[1].get("order_id")):
            yield _csv_order(group)

    def _text(self, fh: IO[bytes]) -> Iterator[str]:
        for number, raw in enumerate(self._bytes(fh), start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{self.path}: line {number} is not UTF-8; save the file as UTF-8",
                    code="import_file_encoding",
                ) from None
            yield text.removeprefix("\ufeff") if number == 1 else text


def _json_record(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        return {ERROR: "the line is not UTF-8"}
    except ValueError as exc:
        return {ERROR: f"not JSON: {exc}"}
    return data if isinstance(data, dict) else {ERROR: "a line must be a JSON object"}


def _check_header(path: Path, header: Sequence[str]) -> None:
    known = set(ORDER_COLUMNS) | set(LINE_COLUMNS)
    unknown = [h for h in header if h not in known]
    missing = sorted(REQUIRED - set(header))
    if unknown or missing:
        raise InvalidInput(
            f"{path}: the header needs the columns {', '.join(ORDER_COLUMNS + LINE_COLUMNS)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            code="import_csv_header",
        )


def _csv_rows(reader: Any, header: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(first line, row) for each CSV row; a row's first line is the one after the last row."""
    after = reader.line_num
    for values in reader:
        if not any(v.strip() for v in values):
            pass  # a blank row
        elif len(values) != len(header):
            reason = f"{len(values)} fields where the header has {len(header)}"
            at = header.index("order_id")
            order_id = values[at].strip() if at < len(values) else ""
            yield after + 1, {ERROR: reason, "order_id": order_id}
        else:
            yield after + 1, {h: v.strip() for h, v in zip(header, values, strict=True)}
        after = reader.line_num


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


class RejectsFile:
    """The rejected rows as CSV (line, order_id, reason); appended to when resuming."""

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        fresh = not append or not self.path.exists() or self.path.stat().st_size == 0
        self._fh = self.path.open("a" if append else "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh)
        if fresh:
            self._writer.writerow(["line", "order_id", "reason"])

    def __call__(self, rejected: Iterable[Rejected]) -> None:
        self._writer.writerows([x.line, x.order_id or "", x.reason] for x in rejected)
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
