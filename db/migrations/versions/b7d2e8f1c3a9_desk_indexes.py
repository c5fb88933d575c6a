"""indexes for the desk (issue #18): a rep's claims of the day (the public pool's page) and the tasks a deactivated
report left (我的待办)

Revision ID: b7d2e8f1c3a9
Revises: a0c3e4f5b6d7
Create Date: 2026-12-01 04:30:00
"""

from alembic import op

revision = 'b7d2e8f1c3a9'
down_revision = 'a0c3e4f5b6d7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ownership_history', schema=None) as batch_op:
        batch_op.create_index('ix_ownership_history_new_owner_at', ['new_owner', 'at'], unique=False)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_pending_user'), ['pending_user'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_pending_user'))
    with op.batch_alter_table('ownership_history', schema=None) as batch_op:
        batch_op.drop_index('ix_ownership_history_new_owner_at')
