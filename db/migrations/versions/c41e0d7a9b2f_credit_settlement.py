"""credit settlement: finance records how an overpaid order's credit balance was settled (refunded or carried)

Revision ID: c41e0d7a9b2f
Revises: f793f5d1e3e7
Create Date: 2026-11-30 17:12:00
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = 'c41e0d7a9b2f'
down_revision = 'f793f5d1e3e7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('credit_settled_as', sa.String(length=16), nullable=True))
    op.add_column('orders', sa.Column('credit_settled_by', sa.String(length=64), nullable=True))
    op.add_column('orders', sa.Column('credit_settled_at', db.types.UtcDateTime(timezone=True), nullable=True))
    op.add_column('orders', sa.Column('credit_settled_note', sa.Text(), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+): a batch copy of `orders` would trip over the foreign keys that point at its rows.
    for column in ('credit_settled_note', 'credit_settled_at', 'credit_settled_by', 'credit_settled_as'):
        op.drop_column('orders', column)
