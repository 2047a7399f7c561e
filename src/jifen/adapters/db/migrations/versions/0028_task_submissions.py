"""moderated tasks: a member's proof waits in a queue until an operator approves or
rejects it (ADR 0033)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from jifen.adapters.db.types import Id, UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_submissions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("program_id", Id, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("member_id", Id, sa.ForeignKey("members.id"), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("points", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("submitted_at", UTCDateTime, nullable=False),
        sa.Column("reviewed_at", UTCDateTime),
        sa.Column("reviewed_by", sa.String(128)),
    )
    op.create_index(
        "ix_task_submissions_queue", "task_submissions", ["program_id", "status", "submitted_at"]
    )
    op.create_index("ix_task_submissions_member", "task_submissions", ["member_id", "task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_submissions_member", table_name="task_submissions")
    op.drop_index("ix_task_submissions_queue", table_name="task_submissions")
    op.drop_table("task_submissions")
