"""``jifen simulate-order FILE``: what an order would earn, and why."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jifen.bootstrap import bootstrap
from jifen.domain.error_codes import ImportCode
from jifen.domain.errors import InvalidInput
from jifen.entrypoints.cli.errors import friendly
from jifen.services import earning, programs
from jifen.services.earning import LineIn, PlaceOrder

console = Console()


@friendly
def simulate_order(
    file: Annotated[Path, typer.Argument(help="an order as JSON (the body of POST /v1/orders)")],
    program: Annotated[str | None, typer.Option("--program", "-p")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Evaluate an order against the current rules without writing anything."""
    cmd = _command(file)
    jf = bootstrap()
    found = programs.find_program(jf.uow(write=False), program)
    view = earning.simulate_order(
        jf.uow(write=False), jf.clock, jf.rulebooks, found, cmd, skew=jf.clock_skew
    )
    if as_json:
        print(
            json.dumps(
                {
                    "points": view.points,
                    "version": view.version,
                    "lines": [vars(x) for x in view.lines],
                    "skipped": [vars(x) for x in view.skipped],
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table(
        "rule",
        "kind",
        "points",
        "detail",
        title=f"{view.points} points (programme version {view.version})",
    )
    for line in view.lines:
        table.add_row(line.rule_id, line.kind, str(line.points), json.dumps(line.detail))
    for skip in view.skipped:
        why = skip.detail.get("explanation") if skip.reason == "condition_error" else None
        table.add_row(skip.rule_id, "-", "0", f"{skip.reason}: {why}" if why else skip.reason)
    console.print(table)


def _command(file: Path) -> PlaceOrder:
    try:
        data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        lines = tuple(
            LineIn(
                x["sku"],
                int(x["quantity"]),
                str(x["unit_price"]),
                x.get("category"),
                tuple(x.get("tags", [])),
                str(x.get("discount", "0")),
            )
            for x in data.get("lines", [])
        )
        placed = data.get("placed_at")
        return PlaceOrder(
            order_id=str(data["order_id"]),
            member=str(data["member"]),
            paid=str(data["paid"]),
            lines=lines,
            placed_at=datetime.fromisoformat(placed) if placed else None,
            channel=data.get("channel", "store"),
            store=data.get("store"),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            f"{file}: not an order: {exc}", code=ImportCode.ORDER_FILE_INVALID
        ) from exc
