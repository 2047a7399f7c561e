"""challenges: each member's progress per round, what each order added, the badges held
(ADR 0034)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import Id, Json, JsonOrNull, UTCDateTime

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenge_progress",
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("challenge_id", sa.String(64), nullable=False),
        sa.Column("round", sa.String(32), nullable=False),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("tally", Json, nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("done_at", UTCDateTime),
        sa.Column("entry_id", Id),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("member_id", "challenge_id", "round", name="pk_challenge_progress"),
    )
    op.create_index(
        "ix_challenge_progress_program",
        "challenge_progress",
        ["program_id", "challenge_id", "round"],
    )
    op.create_table(
        "member_badges",
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("badge", sa.String(64), nullable=False),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("challenge_id", sa.String(64), nullable=False),
        sa.Column("round", sa.String(32), nullable=False),
        sa.Column("awarded_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("member_id", "badge", name="pk_member_badges"),
    )
    # plain ADD COLUMN: a batch copy of members (SQLite) would drop a table rows point to
    op.add_column("members", sa.Column("badges", JsonOrNull))
    op.add_column("orders", sa.Column("challenges", JsonOrNull))


def downgrade() -> None:
    op.execute("ALTER TABLE orders DROP COLUMN challenges")
    op.execute("ALTER TABLE members DROP COLUMN badges")
    op.drop_table("member_badges")
    op.drop_index("ix_challenge_progress_program", table_name="challenge_progress")
    op.drop_table("challenge_progress")
