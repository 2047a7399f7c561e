"""Balance files for import tests: the worked opening balances, as JSON Lines or CSV.

The fake clock stands on Sunday 2026-03-01, noon in Shanghai; the fresh-market
programme lets points live 12 months. C-1 has joined; C-2 and C-3 join with
their balances:

- C-1  1,200  expires_at 2026-12-31          lot ends 2027-01-01 00:00 Shanghai
- C-1    300  earned_at 2025-06-15, ref 2025  the policy: 2026-06-15 00:00 Shanghai
- C-2    500  no dates                        the policy from now: 2027-03-01 noon
- C-3     80  expires_at 2026-04-30T23:59:59+08:00
- C-3     20  expires_at 2026-03-01, ref last-day   today's end: 2026-03-02 00:00
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jifen.adapters.balancefiles import COLUMNS
from jifen.adapters.db.tables import lots, members
from jifen.bootstrap import Jifen
from jifen.domain.programs import Program
from jifen.services import imports
from jifen.services.imports.rows import ImportSummary, Row
from tests.import_fixtures import write_jsonl


def lot(member: str, points: int | str, **fields: Any) -> dict[str, Any]:
    return {"member": member, "points": points, **fields}


WORKED = [
    lot("C-1", 1200, expires_at="2026-12-31"),
    lot("C-1", 300, earned_at="2025-06-15", reference="2025"),
    lot("C-2", 500),
    lot("C-3", 80, expires_at="2026-04-30T23:59:59+08:00"),
    lot("C-3", 20, expires_at="2026-03-01", reference="last-day"),
]
WORKED_BALANCES = {"C-1": 1500, "C-2": 500, "C-3": 100}
WORKED_LOTS = {  # (member, points, reference) -> when the lot ends
    ("C-1", 1200, "opening"): "2027-01-01T00:00:00+08:00",
    ("C-1", 300, "2025"): "2026-06-15T00:00:00+08:00",
    ("C-2", 500, "opening"): "2027-03-01T12:00:00+08:00",
    ("C-3", 80, "opening"): "2026-04-30T23:59:59+08:00",
    ("C-3", 20, "last-day"): "2026-03-02T00:00:00+08:00",
}


def write_csv(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in records:
            writer.writerow([r.get(c, "") for c in COLUMNS])
    return path


def write(path: Path, records: list[dict[str, Any]], fmt: str) -> Path:
    return write_jsonl(path, records) if fmt == "jsonl" else write_csv(path, records)


def run_import(
    jf: Jifen, program: Program, path: Path, rows: Iterable[Row] | None = None, **options: Any
) -> ImportSummary:
    """Import ``path`` as the CLI does (with its checkpoint); ``rows`` replaces the reader."""
    source = jf.balance_file(path)
    return imports.import_balances(
        jf.uow,
        jf.clock,
        jf.rulebooks,
        program,
        source.rows() if rows is None else rows,
        checkpoint=source.identity,
        **options,
    )


def imported_lots(jf: Jifen) -> dict[tuple[str, int, str], tuple[datetime | None, str, Any]]:
    """(member, points, reference) -> (expires_at, source, rule_id) of every lot."""
    query = select(
        members.c.external_id,
        lots.c.amount,
        lots.c.source_ref,
        lots.c.expires_at,
        lots.c.source,
        lots.c.rule_id,
    ).join(members, members.c.id == lots.c.member_id)
    with jf.engine.connect() as conn:
        rows = conn.execute(query).all()
    return {(r[0], int(r[1]), r[2]): (r[3], r[4], r[5]) for r in rows}


def worked_lots() -> dict[tuple[str, int, str], tuple[datetime | None, str, Any]]:
    return {k: (datetime.fromisoformat(v), "import", None) for k, v in WORKED_LOTS.items()}
