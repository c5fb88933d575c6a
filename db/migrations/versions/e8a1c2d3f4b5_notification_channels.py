"""notification channels and deliveries (issue #17)

Revision ID: e8a1c2d3f4b5
Revises: d52a8e1f3c60
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'e8a1c2d3f4b5'
down_revision = 'd52a8e1f3c60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
