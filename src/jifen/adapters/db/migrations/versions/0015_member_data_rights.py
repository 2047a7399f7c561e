"""member data rights: erasure

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:30:00.000000

Reserved in sequence; its change lands with the work it belongs to.
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
