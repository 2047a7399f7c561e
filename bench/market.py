"""A fresh database with the fresh market published and members enrolled, for the
benchmarks that time the same orders on it run by run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jifen.bootstrap import Jifen, bootstrap
from jifen.config import Settings
from jifen.services import members, programs
from jifen.services.members.commands import CreateMember

ROOT = Path(__file__).resolve().parents[1]


def fresh_market(
    url: str,
    prefix: str,
    count: int,
    *,
    clock: Any = None,
    source: str | None = None,
) -> tuple[Jifen, Any, list[str]]:
    """``url`` migrated, the fresh market (or ``source``) published, ``count`` members
    ``<prefix>0000``...; the application, the programme and the members' ids."""
    jf = bootstrap(Settings(database_url=url, db_pool_size=10), clock=clock)
    jf.migrate()
    text = source or (ROOT / "programs" / "fresh-market.yaml").read_text(encoding="utf-8")
    program, _ = programs.publish_program(
        jf.uow(), jf.clock, jf.compile, text, "fresh-market", actor="bench"
    )
    ids = [f"{prefix}{n:04d}" for n in range(count)]
    for ext in ids:
        members.create_member(jf.uow(), jf.clock, program, CreateMember(ext), f"join-{ext}")
    return jf, program, ids
