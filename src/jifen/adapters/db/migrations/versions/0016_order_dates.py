"""orders kept by their own dates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 20:30:00.000000

Reserved in sequence; its change lands with the work it belongs to.
"""

from __future__ import annotations

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
