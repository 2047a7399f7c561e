"""the platforms that may say a task was done, each with its webhook secret (ADR 0033)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import Id, UTCDateTime

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_sources",
        sa.Column("id", Id, primary_key=True),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_until", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("rotated_at", UTCDateTime),
        sa.UniqueConstraint("program_id", "name", name="uq_inbound_sources_program_name"),
    )


def downgrade() -> None:
    op.drop_table("inbound_sources")
