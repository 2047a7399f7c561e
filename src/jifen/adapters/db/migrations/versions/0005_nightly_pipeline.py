"""nightly pipeline: step checkpoints, expiry reminders sent, pending lots by member

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pipeline_runs",
        sa.Column("program_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("cutoff", jifen.adapters.db.types.UTCDateTime(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("counts", jifen.adapters.db.types.Json, nullable=False),
        sa.Column("started_at", jifen.adapters.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", jifen.adapters.db.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", jifen.adapters.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_pipeline_runs_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("program_id", "day", "step", name=op.f("pk_pipeline_runs")),
    )
    op.create_table(
        "expiry_reminders",
        sa.Column("id", ID, nullable=False),
        sa.Column("program_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", jifen.adapters.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_expiry_reminders_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_expiry_reminders_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiry_reminders")),
        sa.UniqueConstraint("member_id", "day", "horizon", name="uq_expiry_reminders_member_day"),
    )
    with op.batch_alter_table("expiry_reminders", schema=None) as batch_op:
        batch_op.create_index("ix_expiry_reminders_day", ["program_id", "day"], unique=False)
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lots_member_pending",
            ["member_id", "available_at"],
            unique=False,
            postgresql_where=sa.text("pending AND remaining > 0"),
            sqlite_where=sa.text("pending AND remaining > 0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index("ix_lots_member_pending")
    with op.batch_alter_table("expiry_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_expiry_reminders_day")
    op.drop_table("expiry_reminders")
    op.drop_table("pipeline_runs")
