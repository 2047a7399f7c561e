"""each member's entries chained by hash

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:30:00.000000

Reserved in sequence; its change lands with the work it belongs to.
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
