"""Every member's chain recomputed, its head compared, and an anchor's heads found in it.

Members are read a chunk at a time (their entries, the lots those issued, the draws they
made), in member then entry order; each entry's hash is recomputed from what is stored,
chained to the hash recomputed before it. What ``jifen verify`` reports:

- ``entry_hash``: an entry whose content, or link to the one before, is not what it was
  hashed with (a column changed, a lot or draw added, moved or removed, an entry deleted
  or inserted in the middle of a chain);
- ``chain_head``: a member whose ``chain_head`` is not the hash of their newest entry
  (the newest entry deleted, or the head rewound);
- ``anchor``: a member of the anchor whose chain, now, does not pass through the head the
  anchor holds at the position it holds it (a history rewritten, even consistently).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, func, select

from jifen.adapters.db.ledger.chain import read_chains
from jifen.adapters.db.tables import entries, members
from jifen.domain.ledger.chain import entry_hash

CHUNK = 500
Report = Callable[[str, dict[str, Any]], None]


def prove_chains(
    conn: Connection, report: Report, anchored: Mapping[int, tuple[int, str]] | None = None
) -> None:
    waiting = dict(anchored or {})
    after = 0
    while True:
        heads = conn.execute(
            select(members.c.id, members.c.chain_head)
            .where(members.c.id > after)
            .order_by(members.c.id)
            .limit(CHUNK)
        ).all()
        if not heads:
            break
        lo, hi = heads[0].id, heads[-1].id
        chains = read_chains(conn, entries.c.member_id.between(lo, hi))
        walk = _Walk(report, waiting)
        for stored in chains:
            walk.entry(stored)
        for member_id, head in heads:
            walk.finish(member_id, head)
        after = hi
    for member_id, (n, _) in sorted(waiting.items()):
        report("anchor", {"member": member_id, "anchored_entries": n, "found_entries": 0})


class _Walk:
    def __init__(self, report: Report, waiting: dict[int, tuple[int, str]]) -> None:
        self.report = report
        self.waiting = waiting
        self.last: dict[int, str] = {}
        self.count: dict[int, int] = {}

    def entry(self, s: Any) -> None:
        m = s.member_id
        prev = self.last.get(m)
        digest = entry_hash(prev, s.content)
        if s.prev_hash != prev or s.hash != digest:
            self.report("entry_hash", {"member": m, "entry": s.id})
        self.last[m] = digest
        n = self.count[m] = self.count.get(m, 0) + 1
        due = self.waiting.get(m)
        if due is not None and due[0] == n:
            del self.waiting[m]
            if due[1] != digest:
                self.report("anchor", {"member": m, "entry": s.id, "anchored_entries": n})

    def finish(self, member_id: int, head: str | None) -> None:
        if self.last.get(member_id) != head:
            self.report(
                "chain_head", {"member": member_id, "entries": self.count.get(member_id, 0)}
            )
        due = self.waiting.pop(member_id, None)
        if due is not None:  # the anchor knew more entries than there are now
            self.report(
                "anchor",
                {
                    "member": member_id,
                    "anchored_entries": due[0],
                    "found_entries": self.count.get(member_id, 0),
                },
            )


def chain_heads(conn: Connection) -> dict[int, tuple[int, str]]:
    """Per member with entries: (how many, the stored head), for an anchor."""
    counts: dict[int, int] = dict(
        conn.execute(select(entries.c.member_id, func.count()).group_by(entries.c.member_id)).all()
    )
    found = conn.execute(
        select(members.c.id, members.c.chain_head).where(members.c.chain_head.is_not(None))
    )
    return {m: (int(counts.get(m, 0)), head) for m, head in found}
