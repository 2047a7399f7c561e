"""rules' condition errors counted per day

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 13:00:00.000000

``rule_condition_errors``: how often each rule's condition failed to evaluate (not
false: failed, such as ``member.attributes.level > 3`` on a string level), per local
day, with the latest failure, so that the console shows a broken rule the day it
breaks. Written only by an order or activity whose award has such an error, in its
transaction; split over shards by member so that a rule failing on every order does
not queue them all on one row. (Another branch may also add a 0019: renumber at merge.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import jifen.adapters.db.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_condition_errors",
        sa.Column(
            "program_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("last_at", jifen.adapters.db.types.UTCDateTime(), nullable=False),
        sa.Column("last_reference", sa.String(128), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("last_problem", sa.String(32), nullable=False),
        sa.Column("last_params", jifen.adapters.db.types.Json, nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_rule_condition_errors_program_id_programs"),
        ),
        sa.PrimaryKeyConstraint(
            "program_id", "rule_id", "day", "shard", name=op.f("pk_rule_condition_errors")
        ),
    )


def downgrade() -> None:
    op.drop_table("rule_condition_errors")
