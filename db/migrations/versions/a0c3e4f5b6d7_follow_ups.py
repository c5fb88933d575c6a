"""special follow-ups (issue #17)

Revision ID: a0c3e4f5b6d7
Revises: f9b2d3e4a5c6
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'a0c3e4f5b6d7'
down_revision = 'f9b2d3e4a5c6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
