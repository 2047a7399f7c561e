"""The SQL an order through jifen sends, as pgbench scripts written from jifen's own.

jifen writes a batch of orders (a lone order is a batch of one) in two round trips:
BEGIN with the lock (``batch_start._LOCK``) and the read that claims
(``batch_start._START``), then the write
(``batch_write.ONE_STATEMENT``) with the COMMIT. ``scripts`` records the two statements
and their parameters from a real batch of the benchmark's typical order on the bench's
database, and writes them out for pgbench as jifen sends them: each pair in a pipeline
(``\\startpipeline``), prepared, with pgbench's variables where one transaction differs
from the next:

- the members: a random one (``:n``), or ``GROUP`` in a row from it; their ids are
  ``:first + :n + i`` (the bench enrols them in order, checked here);
- the order ids and their idempotency keys, from a random ``:k``;
- the entry ids, from the sequence, in the write itself.

The write's rows are the JSON document the real batch wrote (``:doc``), those values
rebuilt in it by the statement (which costs PostgreSQL a little more than jifen's own
write: the script's rates are floors). One liberty: each member's chain head is left as
it is (no guard), as a script cannot know a member's head. So "the order's own SQL" is
PostgreSQL's share of a lone order, and the grouped one of a group's, with no Python.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from jifen.adapters.db import begin
from jifen.adapters.db.earning import batch_start, batch_write
from jifen.bootstrap import bootstrap
from jifen.config import Settings
from jifen.services import programs
from jifen.services.earning import CheckedOrder, to_order
from jifen.services.earning.commands import LineIn, PlaceOrder
from jifen.services.earning.group_commit import _Queued

GROUP = 16  # orders in the grouped write's transaction
# pgbench's variables, typed: a prepared statement's parameter must have a type
PROGRAM, FIRST, N, K = (
    "CAST(:program AS bigint)",
    "CAST(:first AS bigint)",
    "CAST(:n AS bigint)",
    "CAST(:k AS text)",
)
#: "order:pg-": pgbench takes a colon for a variable even inside a string
KEY = "('order' || chr(58) || 'pg-')"


@dataclass(frozen=True)
class Script:
    path: Path
    defines: dict[str, object]  # -D name=value


def scripts(url: str, work: Path, lines: list[dict[str, Any]], paid: str) -> tuple[Script, Script]:
    """The lone order's script and the group's, written into ``work``."""
    jf = bootstrap(Settings(database_url=url))
    try:
        program = programs.find_program(jf.uow(write=False))
        with jf.engine.connect() as conn:
            first, count, ordered = conn.execute(
                text(
                    "SELECT min(id), count(*), bool_and(external_id = 'B' || lpad((id - "
                    "(SELECT min(id) FROM members))::text, 5, '0')) FROM members"
                )
            ).one()
        assert ordered, "the bench enrols B00000, B00001, ... in id order"
        made = []
        for size in (1, GROUP):
            read, write = _recorded(jf, program, size, lines, paid)
            made.append(_script(work, size, int(first), int(count), read, write))
        return made[0], made[1]
    finally:
        jf.close()


def _recorded(
    jf: Any, program: Any, size: int, lines: list[dict[str, Any]], paid: str
) -> tuple[dict[str, Any], tuple[str, dict[str, Any]]]:
    """The read's parameters and the write's text and parameters, of a real batch."""
    seen: dict[str, Any] = {}
    real_first = begin.with_first

    def first(conn: Any, statements: list[tuple[str, dict[str, Any]]], **kw: Any) -> Any:
        seen["read"] = dict(statements[-1][1])
        return real_first(conn, statements, **kw)

    real_send = batch_write.send

    def writes(conn: Any, params: dict[str, Any]) -> None:
        seen["write"] = (batch_write.ONE_STATEMENT, dict(params))
        real_send(conn, params)

    items = tuple(
        LineIn(x["sku"], x["quantity"], x["unit_price"], x["category"], tuple(x.get("tags", ())))
        for x in lines
    )
    now = jf.clock.now()
    group = []
    for i in range(size):
        cmd = PlaceOrder(f"sql-{size}-{i}-{now.timestamp()}", f"B{i:05d}", paid, items, store="3")
        checked = CheckedOrder(cmd, to_order(cmd, program.currency, now, timedelta(minutes=5)))
        group.append(_Queued(program, checked))
    batch_start.with_first = first  # type: ignore[assignment]
    batch_write.send = writes  # type: ignore[assignment]
    try:
        jf.orders._together(group[:1], now)  # the rules read once: the batch guesses right
        group[0] = _Queued(program, _again(group[0].item, program, now))
        seen.clear()
        outcomes = jf.orders._together(group, now)
    finally:
        batch_start.with_first = real_first  # type: ignore[assignment]
        batch_write.send = real_send  # type: ignore[assignment]
    assert all(not isinstance(o, Exception) for o in outcomes.values()), outcomes
    return seen["read"], seen["write"]


def _again(item: CheckedOrder, program: Any, now: Any) -> CheckedOrder:
    cmd = PlaceOrder(
        item.cmd.order_id + "-b", item.cmd.member, item.cmd.paid, item.cmd.lines, store="3"
    )
    return CheckedOrder(cmd, to_order(cmd, program.currency, now, timedelta(minutes=5)))


def _items(literal: str) -> list[str]:
    """The elements of an array literal of plain words and times (``arrays.text_array``)."""
    inner = literal[1:-1]
    return [x.strip('"') for x in inner.split(",")] if inner else []


def _script(
    work: Path,
    size: int,
    first: int,
    members: int,
    read: dict[str, Any],
    write: tuple[str, dict[str, Any]],
) -> Script:
    ext = [f"('B' || lpad(({N} + {i})::text, 5, '0'))" for i in range(size)]
    ids = [f"({FIRST} + {N} + {i})" for i in range(size)]
    keys = [f"({KEY} || {K} || '-{i}')" for i in range(size)]
    week = _items(read["starts"])[0], _items(read["ends"])[0]

    def arr(items: list[str], kind: str) -> str:
        return f"CAST(ARRAY[{', '.join(items)}] AS {kind}[])" if items else f"'{{}}'::{kind}[]"

    lock_sql = _fill(batch_start._LOCK, {"p": PROGRAM, "members": arr(ext, "text")})
    read_sql = _fill(
        batch_start._START,
        {
            "p": PROGRAM,
            "members": arr(ext, "text"),
            "scope": "'jifen'",
            "keys": arr(keys, "text"),
            "prints": arr(["repeat('f', 64)"] * size, "text"),
            "owners": arr(ext, "text"),
            "now": "now()",
            "active": "'active'",
            "rules": arr([f"'{r}'" for r in _items(read["rules"])], "text"),
            "periods": arr([f"'{p}'" for p in _items(read["periods"])], "text"),
            "spans": arr(ext, "text"),
            "starts": arr(["CAST(:week_start AS timestamptz)"] * size, "timestamptz"),
            "ends": arr(["CAST(:week_end AS timestamptz)"] * size, "timestamptz"),
            "months": "true" if read["months"] else "false",
            "entries": str(size),
            **{
                name: arr([f"'{x}'" for x in _items(read[name])], "text")
                for name in ("challenges", "rounds", "boards", "board_periods")
            },
        },
    )
    statement, params = write
    doc = _indexed(json.loads(params["doc"]), size)
    filled = (
        f"(SELECT {_rebuilt()} FROM (SELECT CAST(:doc AS jsonb) AS doc, "
        f"(SELECT array_agg(nextval(pg_get_serial_sequence('entries', 'id'))) "
        f"FROM generate_series(1, {len(doc['entries'])})) AS e) AS x)"
    )
    assert "CAST(%(doc)s AS jsonb)" in statement, "the write takes its rows as one document"
    write_sql = _fill(
        statement.replace("CAST(%(doc)s AS jsonb)", "%(doc)s"),
        {
            "doc": filled,
            "program": PROGRAM,
            "scope": "'jifen'",
            "members": str(size),
            "ids": arr(ids, "bigint"),
            "keys": arr(keys, "text"),
        },
    )
    body = [
        "-- pgbench: written by bench/over_http/order_sql.py from jifen's own statements",
        f"\\set n random(0, {members - size})",
        "\\set k random(1, 9000000000000000)",
        "\\startpipeline",
        "BEGIN;",
        begin.GENERIC_PLANS + ";",
        _one_line(lock_sql) + ";",
        _one_line(read_sql) + ";",
        "\\endpipeline",
        "\\startpipeline",
        _one_line(write_sql) + ";",
        "COMMIT;",
        "\\endpipeline",
        "",
    ]
    path = work / f"order-{size}.pgbench"
    path.write_text("\n".join(body), encoding="utf-8")
    defines = {
        "first": first,
        "doc": json.dumps(doc, separators=(",", ":")),
        "week_start": week[0],
        "week_end": week[1],
    }
    return Script(path, defines)


def _indexed(doc: dict[str, Any], size: int) -> dict[str, Any]:
    """The document with each row's order (``_o``, 0-based) beside it, and each reference
    to an entry as the entry's place in the document (``_e``, 1-based), which
    ``jsonb_populate_recordset`` ignores and ``_rebuilt`` reads. An order may credit more
    than its own entry (a challenge's reward)."""
    members = [m["id"] for m in doc["members"]]
    orders = [o["order_id"] for o in doc["orders"]]
    assert len(members) == len(orders) == size, "a member an order"
    assert len(doc["entries"]) >= size, "an entry at least an order"
    index = {m: i for i, m in enumerate(members)}
    place = {e["id"]: n for n, e in enumerate(doc["entries"], start=1)}
    of_order = {o: i for i, o in enumerate(orders)}
    for m in doc["members"]:
        m["_o"] = index[m["id"]]
    for e in doc["entries"]:
        e["_o"] = index[e["member_id"]]
        e["_e"] = place[e["id"]]
    for table in ("lots", "spends"):
        for row in doc[table]:
            row["_e"] = place[row["entry_id"]]
            row["_o"] = doc["entries"][row["_e"] - 1]["_o"]
    for table in ("months", "usage", "progress"):
        for row in doc.get(table, []):
            row["_o"] = index[row["member_id"]]
            if row.get("entry_id") is not None:
                row["_e"] = place[row["entry_id"]]
    for o in doc["orders"]:
        o["_o"] = index[o["member_id"]]
        if o["entry_id"] is not None:
            o["_e"] = place[o["entry_id"]]
    for r in doc["responses"]:
        r["_o"] = index[doc["orders"][of_order[r["key"].removeprefix("order:")]]["member_id"]]
    return doc


#: what differs from one transaction to the next, by the row's order ``o``: SQL over ``r``
#: (the row), ``o`` and ``x.e`` (the transaction's entry ids)
_MEMBER = f"({FIRST} + {N} + o)"
#: an entry's id by its place in the document (its own, or the one the row names; none: NULL)
_ENTRY = "x.e[(r->>'_e')::int]"
_ORDER = f"('pg-' || {K} || '-' || o)"
_CHANGED: dict[str, dict[str, str]] = {
    "entries": {
        "id": _ENTRY,
        "member_id": _MEMBER,
        "reference": _ORDER,
        "meta": f"(r->'meta') || jsonb_build_object('order', {_ORDER})",
    },
    "lots": {"entry_id": _ENTRY, "member_id": _MEMBER},
    "members": {"id": _MEMBER, "prev": "NULL::text", "head": "NULL::text"},
    "months": {"member_id": _MEMBER},
    "usage": {"member_id": _MEMBER},
    "orders": {"order_id": _ORDER, "member_id": _MEMBER, "entry_id": _ENTRY},
    "spends": {"entry_id": _ENTRY},
    "events": {},
    "responses": {"key": f"({KEY} || {K} || '-' || o)"},
    "progress": {"member_id": _MEMBER, "entry_id": _ENTRY},
}


def _rebuilt() -> str:
    """The document, each row with this transaction's values: one pass over it."""
    parts = []
    for table, changed in _CHANGED.items():
        sets = ", ".join(f"'{k}', {v}" for k, v in changed.items())
        row = f"r || jsonb_build_object({sets})" if sets else "r"
        parts.append(
            f"'{table}', COALESCE((SELECT jsonb_agg({row} ORDER BY n) FROM "
            f"jsonb_array_elements(x.doc->'{table}') WITH ORDINALITY AS t(r, n), "
            f"LATERAL (SELECT (r->>'_o')::int AS o) AS i), '[]'::jsonb)"
        )
    return f"jsonb_build_object({', '.join(parts)})"


def _fill(statement: str, values: dict[str, str]) -> str:
    """``%(name)s`` placeholders (psycopg's) replaced by SQL."""

    def one(found: re.Match[str]) -> str:
        return values[found.group(1)]

    return re.sub(r"%\((\w+)\)s", one, statement)


def _one_line(sql: str) -> str:
    """pgbench reads a statement up to its semicolon; comments out, one line."""
    return " ".join(re.sub(r"--[^\n]*", "", sql).split())
