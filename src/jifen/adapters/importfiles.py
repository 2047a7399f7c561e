"""Files to import, streamed: JSON Lines (one record a line) or CSV, and their rejects.

Rows come out as ``(line number, record)``; the services check each record. A
JSON line that cannot be read becomes ``{ERROR: reason}``, so that it is
rejected like any other bad row. How CSV rows become records is each kind of
file's own (``OrderFile``, ``BalanceFile``). ``position`` is how many bytes
have been read, for a progress bar over the file's size.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, ClassVar

from jifen.domain.error_codes import ImportCode
from jifen.domain.errors import InvalidInput
from jifen.services.imports.order_records import ERROR
from jifen.services.imports.rows import ImportFile, Rejected, Row

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
HEAD_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"


def fingerprint(path: Path, size: int, kind: str = "") -> str:
    """sha256 over the first 64 KiB, the size and the file's name (and a kind but orders')."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(HEAD_BYTES))
    digest.update(f"\0{size}\0{path.name}".encode())
    if kind:
        digest.update(f"\0{kind}".encode())
    return digest.hexdigest()


class RecordFile:
    """A file to import; ``rows()`` reads it once, lazily."""

    #: what a file of this kind is, in its checkpoint's fingerprint: one file
    #: imported as two kinds keeps two checkpoints
    kind: ClassVar[str] = ""
    #: the rejects file's column that names a rejected row
    subject: ClassVar[str] = "subject"
    #: a CSV file's columns, and those it cannot do without
    columns: ClassVar[tuple[str, ...]] = ()
    required: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, path: str | Path, fmt: str | None = None) -> None:
        self.path = Path(path)
        self.format = fmt or FORMATS.get(self.path.suffix.lower(), "")
        if self.format not in ("jsonl", "csv"):
            raise InvalidInput(
                f"{self.path}: cannot tell the format from the name; "
                "use .jsonl, .ndjson or .csv, or --format jsonl|csv",
                code=ImportCode.FORMAT_UNKNOWN,
            )
        try:
            self.size = self.path.stat().st_size
            self.identity = ImportFile(
                fingerprint(self.path, self.size, self.kind), self.path.name, self.size
            )
        except OSError as exc:
            raise InvalidInput(
                f"{self.path}: cannot read: {exc.strerror}", code=ImportCode.FILE_UNREADABLE
            ) from exc
        self.position = 0
        if self.format == "csv":  # a wrong header is one error before any work
            with self.path.open("rb") as fh:
                self._header(csv.reader(self._text(fh)))
            self.position = 0

    def rows(self) -> Iterator[Row]:
        with self.path.open("rb") as fh:
            yield from (self._jsonl(fh) if self.format == "jsonl" else self._csv(fh))

    def _csv(self, fh: IO[bytes]) -> Iterator[Row]:
        raise NotImplementedError

    def _header(self, reader: Any) -> list[str]:
        """The CSV header, checked: no unknown column, every required one."""
        header = [h.strip() for h in next(reader, [])]
        unknown = [h for h in header if h not in self.columns]
        missing = sorted(self.required - set(header))
        if unknown or missing:
            raise InvalidInput(
                f"{self.path}: the header needs the columns {', '.join(self.columns)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
                code=ImportCode.CSV_HEADER,
            )
        return header

    def _bytes(self, fh: IO[bytes]) -> Iterator[bytes]:
        for raw in fh:
            self.position += len(raw)
            yield raw

    def _jsonl(self, fh: IO[bytes]) -> Iterator[Row]:
        for number, raw in enumerate(self._bytes(fh), start=1):
            if raw.strip():
                yield number, _json_record(raw.removeprefix(BOM) if number == 1 else raw)

    def _text(self, fh: IO[bytes]) -> Iterator[str]:
        for number, raw in enumerate(self._bytes(fh), start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{self.path}: line {number} is not UTF-8; save the file as UTF-8",
                    code=ImportCode.FILE_ENCODING,
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


def csv_rows(reader: Any, header: list[str], subject: str) -> Iterator[Row]:
    """(first line, row) for each CSV row; a row's first line is the one after the last row.

    A row with too few or too many fields is ``{ERROR: reason, subject: ...}``.
    """
    after = reader.line_num
    for values in reader:
        if not any(v.strip() for v in values):
            pass  # a blank row
        elif len(values) != len(header):
            reason = f"{len(values)} fields where the header has {len(header)}"
            at = header.index(subject) if subject in header else len(values)
            named = values[at].strip() if at < len(values) else ""
            yield after + 1, {ERROR: reason, subject: named}
        else:
            yield after + 1, {h: v.strip() for h, v in zip(header, values, strict=True)}
        after = reader.line_num


class RejectsFile:
    """The rejected rows as CSV (line, subject, reason); appended to when resuming."""

    def __init__(
        self, path: str | Path, *, append: bool = False, subject: str = "order_id"
    ) -> None:
        self.path = Path(path)
        fresh = not append or not self.path.exists() or self.path.stat().st_size == 0
        self._fh = self.path.open("a" if append else "w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh)
        if fresh:
            self._writer.writerow(["line", subject, "reason"])

    def __call__(self, rejected: Iterable[Rejected]) -> None:
        self._writer.writerows([x.line, x.subject or "", x.reason] for x in rejected)
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
