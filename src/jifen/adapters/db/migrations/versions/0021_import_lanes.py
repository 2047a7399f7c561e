"""an import's checkpoint per lane: the fingerprint with ``#k/n``

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 02:00:00.000000

An import in lanes keeps a checkpoint per lane, under the file's fingerprint (64
hexadecimal digits) and the lane, such as ``#2/4``: the column grows to 80.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.alter_column(
            "fingerprint", type_=sa.String(80), existing_type=sa.String(64), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.alter_column(
            "fingerprint", type_=sa.String(64), existing_type=sa.String(80), nullable=False
        )
