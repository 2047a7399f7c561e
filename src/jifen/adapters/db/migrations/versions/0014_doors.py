"""sign-in codes hashed, sign-in attempts counted, API keys revocable

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:30:00.000000

Reserved in sequence; its change lands with the work it belongs to.
"""

from __future__ import annotations

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
