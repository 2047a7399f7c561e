"""members updated in place: no index on tier_review_month, room on each page

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:00:00.000000

The tier review walks members in id order and never used the index; keeping it
made every review's update insert into every index of the table. With the
index gone and 15% of each page left free, PostgreSQL updates a member's
balances and tier in place (a HOT update). Existing pages gain that room when
they are next rewritten (``VACUUM FULL members`` in a quiet hour).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FILLFACTOR = 85


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_members_tier_review",
            postgresql_where=sa.text("tier_review_month IS NOT NULL"),
            sqlite_where=sa.text("tier_review_month IS NOT NULL"),
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE members SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE members RESET (fillfactor)")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_members_tier_review",
            ["program_id", "tier_review_month"],
            unique=False,
            postgresql_where=sa.text("tier_review_month IS NOT NULL"),
            sqlite_where=sa.text("tier_review_month IS NOT NULL"),
        )
