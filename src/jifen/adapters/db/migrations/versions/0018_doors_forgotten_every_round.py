"""the doors' stale secrets and attempts found by index

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:00:00.000000

The worker forgets expired codes' seeds and day-old door attempts every round (ADR 0015).
``signin_codes`` keeps every code ever sent, so the expired ones still holding a seed are
found through a partial index of the codes that hold one (a few minutes' worth), and the
day-old attempts through an index on their time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SEEDED = sa.text("seed IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_signin_codes_seeded",
        "signin_codes",
        ["expires_at"],
        postgresql_where=SEEDED,
        sqlite_where=SEEDED,
    )
    op.create_index("ix_door_attempts_at", "door_attempts", ["at"])


def downgrade() -> None:
    op.drop_index("ix_door_attempts_at", table_name="door_attempts")
    op.drop_index("ix_signin_codes_seeded", table_name="signin_codes")
