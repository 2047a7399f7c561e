"""The checkpoints of file imports (``jifen import orders``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from jifen.adapters.db.tables.schema import metadata
from jifen.adapters.db.types import Id, UTCDateTime

imports = Table(
    "imports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("program_id", Id, ForeignKey("programs.id"), nullable=False),
    #: sha256 of the first 64 KiB, size and name; in lanes, with the lane: "#2/4"
    Column("fingerprint", String(80), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("last_line", BigInteger, nullable=False),  # every row up to here is committed
    Column("imported", BigInteger, nullable=False),
    Column("skipped_existing", BigInteger, nullable=False),
    Column("rejected", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)
Index("ix_imports_file", imports.c.program_id, imports.c.fingerprint)
