"""certifications (issue #17)

Revision ID: f9b2d3e4a5c6
Revises: e8a1c2d3f4b5
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'f9b2d3e4a5c6'
down_revision = 'e8a1c2d3f4b5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
