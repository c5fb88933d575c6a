"""notification channels and deliveries (issue #17)

Revision ID: e8a1c2d3f4b5
Revises: d52a8e1f3c60
Create Date: 2026-11-30 20:10:00
"""

import sqlalchemy as sa
from alembic import op

import db.types

revision = 'e8a1c2d3f4b5'
down_revision = 'd52a8e1f3c60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_channels',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('chat_kind', sa.String(length=16), nullable=True),
    sa.Column('chat_url', sa.Text(), nullable=True),
    sa.Column('chat_secret', sa.String(length=200), nullable=True),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_user_channels'))
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['notification_key'], ['notifications.key'],
                            name=op.f('fk_deliveries_notification_key_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('notification_key', 'channel', 'person', name=op.f('uq_deliveries_notification_key'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_notification_key'), ['notification_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_status'))
        batch_op.drop_index(batch_op.f('ix_deliveries_notification_key'))
    op.drop_table('deliveries')
    op.drop_table('user_channels')
