"""member data rights: erasure

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:30:00.000000

A member erased keeps their ledger under a pseudonym; ``erased_at`` says when. An
adjustment's reason is internal from now on (the audit log keeps it, as it always has):
the entry keeps only the note for the member, so the reasons written before are taken
off the entries, where the member's history showed them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

WHEN = jifen.adapters.db.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch:
        batch.add_column(sa.Column("erased_at", WHEN(), nullable=True))
    op.execute("UPDATE entries SET reason = NULL WHERE kind = 'adjust'")


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of members would
    # drop a table other rows point to
    op.execute("ALTER TABLE members DROP COLUMN erased_at")
